// The stack viewports of a layout, applied from and read into wire view state.
import {
  Enums, RenderingEngine, utilities, type StackViewport,
} from '@cornerstonejs/core';
import { LAYOUT_VIEWPORTS, type ImageRef, type Layout, type ViewportState, type Voi } from '../protocol/types';
import { applyPresentation, readPresentation } from './camera';
import type { DicomWeb } from './dicomweb';
import { Prefetcher } from './prefetch';
import { Linker } from './linking';
import { MprViewer } from './mpr';
import { Overlay } from './overlay';
import { ToolBox } from './tools';
import { Watermark } from './watermark';

const ENGINE_ID = 'huizhen';

function sameVoi(a: Voi, b: Voi): boolean {
  return Math.abs(a.center - b.center) < 1e-3 && Math.abs(a.width - b.width) < 1e-3;
}
export const viewportId = (i: number) => `vp-${i}`;

export class Viewer {
  readonly engine = new RenderingEngine(ENGINE_ID);
  readonly tools = new ToolBox(ENGINE_ID);
  private readonly prefetcher = new Prefetcher();
  /** Linked scrolling between viewports of one frame of reference. */
  readonly linker = new Linker(() => this.elements.map((_, i) => this.viewport(i)));
  layout: Layout = '1x1';
  elements: HTMLDivElement[] = [];
  /** The text, markers and scale bar over each viewport (same index as `elements`). */
  overlays: Overlay[] = [];
  /** The viewer's identity over every viewport while the room's setting is on. */
  readonly watermark = new Watermark();
  /** Viewports showing their image's own default window (room VOI null) since the last apply. */
  readonly defaultVoi = new Set<number>();
  /** viewport index -> series currently stacked there */
  private readonly stacked = new Map<number, string>();
  /** The MPR views, shown over the stack layout (which keeps following the room beneath). */
  readonly mpr: MprViewer;

  constructor(readonly grid: HTMLElement, readonly web: DicomWeb) {
    this.mpr = new MprViewer(this.engine, web);
    grid.append(this.mpr.grid);
    new ResizeObserver(() => this.resize()).observe(grid);
  }

  viewport(i: number): StackViewport | null {
    return (this.engine.getViewport(viewportId(i)) as StackViewport | undefined) ?? null;
  }

  setLayout(layout: Layout): void {
    if (layout === this.layout && this.elements.length > 0) return;
    for (let i = 0; i < this.elements.length; i++) {
      this.tools.remove(viewportId(i));
      this.engine.disableElement(viewportId(i));
    }
    for (const el of this.elements) el.remove(); // the MPR container stays
    this.stacked.clear();
    this.defaultVoi.clear();
    this.layout = layout;
    this.grid.dataset.layout = layout;
    this.elements = Array.from({ length: LAYOUT_VIEWPORTS[layout] }, (_, i) => this.makeElement(i));
    this.overlays = this.elements.map((el, i) => new Overlay(el, () => this.viewport(i)));
    this.watermark.attach(this.elements);
  }

  /** Show or hide every overlay (one key); returns whether they are shown now. */
  toggleOverlays(): boolean {
    return !this.grid.classList.toggle('no-overlays');
  }

  /** Redraw overlay text (after a language change). */
  refreshOverlays(): void {
    for (const o of this.overlays) o.update();
    this.mpr.relabel();
  }

  private makeElement(i: number): HTMLDivElement {
    const el = document.createElement('div');
    el.className = 'viewport';
    el.dataset.viewport = String(i);
    el.oncontextmenu = (e) => e.preventDefault();
    this.grid.append(el);
    this.engine.enableElement({
      viewportId: viewportId(i), element: el, type: Enums.ViewportType.STACK,
      defaultOptions: { background: [0, 0, 0] },
    });
    this.tools.add(viewportId(i));
    this.linker.watch(el, i);
    return el;
  }

  resize(): void {
    if (this.elements.length > 0 || this.mpr.open) this.engine.resize(true, true);
    if (this.mpr.open) this.mpr.resized();
  }

  /** Show an image; loads the series' metadata first if needed. Resolves once it is shown. */
  async showImage(i: number, ref: ImageRef): Promise<boolean> {
    const vp = this.viewport(i);
    if (!vp) return false;
    const ids = await this.web.loadSeries(ref.study, ref.series);
    const id = this.web.idOf(ref);
    const index = id ? ids.indexOf(id) : -1;
    if (index < 0) return false;
    // getImageData() stays empty when the image never loaded (e.g. the link dropped): retry.
    if (this.stacked.get(i) !== ref.series || !vp.getImageData()) {
      this.stacked.set(i, ref.series);
      this.defaultVoi.delete(i);
      await vp.setStack(ids, index);
      this.prefetcher.start(i, ids, index);
    } else if (vp.getCurrentImageIdIndex() !== index) {
      this.prefetcher.moved(i, index);
      await vp.setImageIdIndex(index);
    }
    return true;
  }

  /** Apply only what differs from what is shown (each change costs a camera/VOI update). */
  applyView(i: number, v: ViewportState): void {
    const vp = this.viewport(i);
    if (!vp || !vp.getCurrentImageId()) return;
    const shown = this.readView(i);
    const voi = this.readVoi(i);
    let changed = false;
    const defaultShown = this.defaultVoi.has(i);
    if (v.voi === null ? !defaultShown : !voi || defaultShown || !sameVoi(voi, v.voi)) {
      this.applyVoi(vp, v.voi);
      if (v.voi === null) this.defaultVoi.add(i);
      else this.defaultVoi.delete(i);
      changed = true;
    }
    if (!shown || shown.invert !== v.invert) {
      vp.setProperties({ invert: v.invert });
      changed = true;
    }
    if (!shown || JSON.stringify(shown.presentation) !== JSON.stringify(v.presentation)) {
      applyPresentation(vp, v.presentation);
      changed = true;
    }
    if (changed) vp.render();
  }

  private applyVoi(vp: StackViewport, voi: Voi | null): void {
    if (voi === null) {
      vp.resetProperties();
      return;
    }
    const range = utilities.windowLevel.toLowHighRange(voi.width, voi.center);
    vp.setProperties({ voiRange: range });
  }

  currentRef(i: number): ImageRef | null {
    const id = this.viewport(i)?.getCurrentImageId();
    return id ? this.web.refOf(id) : null;
  }

  readVoi(i: number): Voi | null {
    const range = this.viewport(i)?.getProperties().voiRange;
    if (!range) return null;
    const { windowWidth, windowCenter } = utilities.windowLevel.toWindowLevel(range.lower, range.upper);
    const r = (x: number) => Math.round(x * 1000) / 1000;
    return { center: r(windowCenter), width: r(windowWidth), function: 'LINEAR' };
  }

  readView(i: number): Pick<ViewportState, 'presentation' | 'invert'> | null {
    const vp = this.viewport(i);
    const presentation = vp ? readPresentation(vp) : null;
    if (!vp || !presentation) return null;
    return { presentation, invert: Boolean(vp.getProperties().invert) };
  }
}
