// Image overlays: four corners of DICOM text (which fields, per modality, in CORNERS), window
// and zoom, slice n/N, thickness and location; orientation markers on the four edges; a scale
// bar. Redrawn on every render of the viewport; `O` hides them all (ui/input.ts).
import { Enums, metaData, utilities, type StackViewport, type Types } from '@cornerstonejs/core';
import { t } from '../i18n';
import { orientationLabel, screenAxes } from './orientation';

export type Field =
  | 'patient' | 'patientId' | 'study' | 'studyDate' | 'series' | 'modality'
  | 'wl' | 'zoom' | 'slice' | 'thickness' | 'location';
type Corner = 'tl' | 'tr' | 'bl' | 'br';
export type Corners = Record<Corner, Field[]>;

const CROSS_SECTION: Corners = {
  tl: ['patient', 'patientId', 'studyDate'], tr: ['study', 'series', 'modality'],
  bl: ['slice', 'thickness', 'location'], br: ['wl', 'zoom'],
};
const PROJECTION: Corners = { ...CROSS_SECTION, bl: ['slice'] };

/** Which fields each modality shows; projection radiographs have no slice geometry. */
export const CORNERS: Record<string, Corners> = {
  CT: CROSS_SECTION, MR: CROSS_SECTION, PT: CROSS_SECTION, NM: CROSS_SECTION,
  DX: PROJECTION, CR: PROJECTION, MG: PROJECTION, XA: PROJECTION, US: PROJECTION,
};

const SCALE_STEPS_MM = [1, 2, 5, 10, 20, 50, 100, 200, 500];

interface Meta {
  patientName?: unknown; patientID?: string; studyDescription?: string; studyDate?: string;
  seriesDescription?: string; seriesNumber?: number; modality?: string;
  sliceThickness?: number; sliceLocation?: number; imagePositionPatient?: number[];
}

function module(name: string, imageId: string): Meta {
  return (metaData.get(name, imageId) as Meta | undefined) ?? {};
}

function personName(raw: unknown): string {
  const v = raw && typeof raw === 'object' && 'Alphabetic' in raw ? (raw as { Alphabetic: string }).Alphabetic : raw;
  return typeof v === 'string' ? v.replace(/\^+/g, ' ').trim() : '';
}

function date(raw: string | undefined): string {
  return raw && /^\d{8}$/.test(raw) ? `${raw.slice(0, 4)}-${raw.slice(4, 6)}-${raw.slice(6)}` : '';
}

const num = (x: number, digits = 1) => String(Number(x.toFixed(digits)));

const META_CACHE_SIZE = 512;

/** The attributes the overlay reads, merged once per image (renders are frequent). */
function metaOf(cache: Map<string, Meta>, imageId: string): Meta {
  let m = cache.get(imageId);
  if (!m) {
    m = { ...module('patientModule', imageId), ...module('generalStudyModule', imageId),
      ...module('generalSeriesModule', imageId), ...module('imagePlaneModule', imageId) };
    if (cache.size >= META_CACHE_SIZE) cache.clear();
    cache.set(imageId, m);
  }
  return m;
}

/** One field's text for the image shown in `vp`, or '' when the image lacks it. */
function fieldText(vp: StackViewport, m: Meta, field: Field): string {
  switch (field) {
    case 'patient': return personName(m.patientName);
    case 'patientId': return m.patientID ? `ID ${m.patientID}` : '';
    case 'study': return m.studyDescription ?? '';
    case 'studyDate': return date(m.studyDate);
    case 'series': return [m.seriesNumber !== undefined ? `#${m.seriesNumber}` : '', m.seriesDescription ?? ''].join(' ').trim();
    case 'modality': return m.modality ?? '';
    case 'wl': return windowText(vp);
    case 'zoom': return `${t('ov_zoom')} ${vp.getZoom().toFixed(2)}×`;
    case 'slice': return `${t('ov_image')} ${vp.getCurrentImageIdIndex() + 1}/${vp.getImageIds().length}`;
    case 'thickness': return m.sliceThickness ? `${t('ov_thickness')} ${num(m.sliceThickness, 2)} mm` : '';
    case 'location': return locationText(m);
  }
}

function windowText(vp: StackViewport): string {
  const range = vp.getProperties().voiRange;
  if (!range) return '';
  // The same conversion the sync uses, so the overlay shows the room's numbers exactly.
  const { windowWidth, windowCenter } = utilities.windowLevel.toWindowLevel(range.lower, range.upper);
  return `${t('ov_width')} ${Math.round(windowWidth)} ${t('ov_level')} ${Math.round(windowCenter)}`;
}

function locationText(m: Meta): string {
  const z = m.sliceLocation ?? m.imagePositionPatient?.[2];
  return z === undefined || z === null ? '' : `${t('ov_location')} ${num(z)} mm`;
}

/** The scale bar: a round length near a fifth of the viewport's width. */
function scale(vp: StackViewport, el: HTMLElement): { mm: number; px: number } | null {
  const cam = vp.getCamera();
  if (!cam.parallelScale || el.clientHeight === 0) return null;
  const mmPerPx = (2 * cam.parallelScale) / el.clientHeight;
  const target = (el.clientWidth / 5) * mmPerPx;
  const mm = SCALE_STEPS_MM.reduce((best, s) => (Math.abs(s - target) < Math.abs(best - target) ? s : best));
  return { mm, px: mm / mmPerPx };
}

export class Overlay {
  readonly root = document.createElement('div');
  private readonly corners = new Map<Corner, HTMLElement>();
  private readonly markers = new Map<string, HTMLElement>();
  private readonly bar = document.createElement('div');
  private readonly meta = new Map<string, Meta>();

  constructor(private readonly el: HTMLElement, private readonly vp: () => StackViewport | null) {
    this.root.className = 'overlay';
    for (const c of ['tl', 'tr', 'bl', 'br'] as Corner[]) this.corners.set(c, this.part(`corner ${c}`, c));
    for (const side of ['top', 'bottom', 'left', 'right']) this.markers.set(side, this.part(`marker ${side}`, side));
    this.bar.className = 'scale-bar';
    this.root.append(this.bar);
    el.append(this.root);
    // Redrawn once per animation frame at most, after the render: never on its critical path.
    el.addEventListener(Enums.Events.IMAGE_RENDERED, () => this.queue());
  }

  private queued = false;

  private queue(): void {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => { this.queued = false; this.update(); });
  }

  private part(cls: string, name: string): HTMLElement {
    const d = document.createElement('div');
    d.className = cls;
    d.dataset.part = name;
    this.root.append(d);
    return d;
  }

  update(): void {
    const vp = this.vp();
    const imageId = vp?.getCurrentImageId();
    if (!vp || !imageId) return;
    const meta = metaOf(this.meta, imageId);
    const layout = CORNERS[meta.modality ?? ''] ?? CROSS_SECTION;
    for (const [corner, box] of this.corners) {
      const lines = layout[corner].map((f) => fieldText(vp, meta, f)).filter(Boolean);
      setLines(box, lines);
    }
    this.updateMarkers(vp);
    this.updateBar(vp);
  }

  private updateMarkers(vp: StackViewport): void {
    const axes = screenAxes(vp.getCamera() as Types.ICamera);
    const text: Record<string, string> = axes ? {
      right: orientationLabel(axes.right), left: orientationLabel(axes.right.map((v) => -v)),
      bottom: orientationLabel(axes.down), top: orientationLabel(axes.down.map((v) => -v)),
    } : {};
    for (const [side, box] of this.markers) box.textContent = text[side] ?? '';
  }

  private updateBar(vp: StackViewport): void {
    const s = scale(vp, this.el);
    this.bar.hidden = s === null;
    if (!s) return;
    this.bar.style.width = `${Math.round(s.px)}px`;
    this.bar.dataset.label = `${s.mm} mm`;
  }
}

function setLines(box: HTMLElement, lines: string[]): void {
  if (box.childElementCount === lines.length
    && lines.every((l, i) => box.children[i]?.textContent === l)) return;
  box.replaceChildren(...lines.map((l) => {
    const d = document.createElement('div');
    d.textContent = l;
    return d;
  }));
}
