// The room's studies over the server's DICOMweb (Bearer room token on every request):
// QIDO for series, WADO-RS series metadata for wadors: image ids, and the identity map
// imageId <-> ImageRef (SOP Instance UID + frame) used on the wire.
import { wadors } from '@cornerstonejs/dicom-image-loader';
import type { ImageRef } from '../protocol/types';
import type { TokenSource } from '../access';

export const DICOMWEB_ROOT = `${window.location.origin}/dicom-web`;

type DicomJson = Record<string, { vr?: string; Value?: unknown[] }>;

export interface SeriesInfo {
  study: string; uid: string; description: string; modality: string; number: number;
  imageIds: string[];
}

function str(ds: DicomJson, tag: string): string {
  const v = ds[tag]?.Value?.[0];
  if (v && typeof v === 'object' && 'Alphabetic' in v) return String((v as { Alphabetic: string }).Alphabetic);
  return v === undefined || v === null ? '' : String(v);
}

function num(ds: DicomJson, tag: string, fallback = 0): number {
  const v = Number(ds[tag]?.Value?.[0]);
  return Number.isFinite(v) ? v : fallback;
}

export class DicomWeb {
  private readonly refs = new Map<string, ImageRef>();
  private readonly ids = new Map<string, string>();
  readonly series = new Map<string, SeriesInfo>();

  /** The token to send now: a live page refreshes it (access.ts). */
  constructor(private readonly token: TokenSource) {}

  headers(): Record<string, string> {
    return { Authorization: `Bearer ${this.token()}` };
  }

  private async json(path: string): Promise<DicomJson[]> {
    const r = await fetch(`${DICOMWEB_ROOT}${path}`, {
      headers: { ...this.headers(), Accept: 'application/dicom+json' },
    });
    if (r.status === 204) return [];
    if (!r.ok) throw new Error(`DICOMweb ${path}: HTTP ${r.status}`);
    return (await r.json()) as DicomJson[];
  }

  /** QIDO the study's series (without loading instance metadata). */
  async listSeries(study: string, only: string[] = []): Promise<SeriesInfo[]> {
    const rows = await this.json(`/studies/${study}/series`);
    const out = rows.map((ds) => this.seriesRow(study, ds))
      .filter((s) => only.length === 0 || only.includes(s.uid));
    out.sort((a, b) => a.number - b.number);
    for (const s of out) if (!this.series.has(s.uid)) this.series.set(s.uid, s);
    return out.map((s) => this.series.get(s.uid) as SeriesInfo);
  }

  private seriesRow(study: string, ds: DicomJson): SeriesInfo {
    return {
      study, uid: str(ds, '0020000E'), description: str(ds, '0008103E'),
      modality: str(ds, '00080060'), number: num(ds, '00200011'), imageIds: [],
    };
  }

  /** Load a series' instance metadata once; returns its image ids in slice order. */
  async loadSeries(study: string, series: string): Promise<string[]> {
    const known = this.series.get(series);
    if (known && known.imageIds.length > 0) return known.imageIds;
    const rows = await this.json(`/studies/${study}/series/${series}/metadata`);
    rows.sort((a, b) => num(a, '00200013') - num(b, '00200013'));
    const imageIds = rows.flatMap((ds) => this.register(study, series, ds));
    const info = known ?? { study, uid: series, description: '', modality: '', number: 0, imageIds };
    info.imageIds = imageIds;
    this.series.set(series, info);
    return imageIds;
  }

  private register(study: string, series: string, ds: DicomJson): string[] {
    const sop = str(ds, '00080018');
    const frames = Math.max(1, num(ds, '00280008', 1));
    const out: string[] = [];
    for (let frame = 1; frame <= frames; frame++) {
      const id = `wadors:${DICOMWEB_ROOT}/studies/${study}/series/${series}/instances/${sop}/frames/${frame}`;
      wadors.metaDataManager.add(id, ds as never);
      this.refs.set(id, { study, series, sop, frame });
      this.ids.set(`${sop}/${frame}`, id);
      out.push(id);
    }
    return out;
  }

  refOf(imageId: string): ImageRef | null {
    return this.refs.get(imageId) ?? null;
  }

  idOf(ref: ImageRef): string | null {
    return this.ids.get(`${ref.sop}/${ref.frame}`) ?? null;
  }
}
