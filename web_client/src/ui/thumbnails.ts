// Series thumbnails of the room's studies; clicking one shows it in the active viewport.
import type { Ctx } from '../context';
import { t } from '../i18n';
import type { SeriesInfo } from '../viewer/dicomweb';
import { drawThumbnail } from '../viewer/thumbnail';
import { $ } from './dom';

export class Thumbnails {
  /** The studies the thumbnails show (null: none rendered yet, so an empty room gets its hint). */
  private shown: string | null = null;
  onPick: (series: SeriesInfo) => void = () => undefined;

  constructor(private readonly ctx: Ctx) {}

  async render(): Promise<void> {
    const studies = [...this.ctx.state.studies.values()];
    const key = studies.map((s) => s.uid).join(',');
    if (key === this.shown) return this.mark();
    this.shown = key;
    const box = $('#thumbnails');
    if (studies.length === 0) {
      box.replaceChildren(Object.assign(document.createElement('p'), {
        className: 'muted', textContent: t('no_studies'),
      }));
      return;
    }
    const all: SeriesInfo[] = [];
    for (const s of studies) all.push(...(await this.ctx.web.listSeries(s.uid, s.series ?? [])));
    box.replaceChildren(...all.map((s) => this.tile(s)));
    this.mark();
  }

  private tile(s: SeriesInfo): HTMLElement {
    const div = document.createElement('div');
    div.className = 'thumb';
    div.dataset.series = s.uid;
    const canvas = document.createElement('canvas');
    canvas.width = 120;
    canvas.height = 120;
    const label = document.createElement('span');
    label.textContent = `${s.modality} ${s.number || ''} ${s.description}`.trim();
    div.append(canvas, label);
    div.onclick = () => this.onPick(s);
    void this.draw(s, canvas);
    return div;
  }

  /** Draw the middle image (after the viewer's current image has been requested). */
  private async draw(s: SeriesInfo, canvas: HTMLCanvasElement): Promise<void> {
    const ids = await this.ctx.web.loadSeries(s.study, s.uid);
    const id = ids[Math.floor(ids.length / 2)];
    if (!id) return;
    await new Promise((r) => window.setTimeout(r, 300));
    await drawThumbnail(canvas, id).then(() => { canvas.dataset.drawn = '1'; }, () => undefined);
  }

  mark(): void {
    const current = this.ctx.viewer.currentRef(this.ctx.activeViewport)?.series;
    for (const el of document.querySelectorAll<HTMLElement>('.thumb')) {
      el.classList.toggle('current', el.dataset.series === current);
    }
  }
}
