// "Redact" mode (issue 11, item 7): a manage_case holder marks burned-in text on the series in
// the active viewport. An overlay over the viewport shows the series' rectangles (the
// ultrasound default band, marked as such, until some are saved), takes mouse drags for new
// ones (the overlay swallows the events, so no viewer tool acts meanwhile) and a side panel
// lists them with Delete buttons and Save (PUT). The next de-identified copy uses them.
import { Enums, type StackViewport } from '@cornerstonejs/core';
import { can, type Ctx } from '../context';
import type { TokenSource } from '../access';
import { currentLang, t } from '../i18n';
import type { ImageRef } from '../protocol/generated';
import {
  canvasToImage, fetchPlan, imageToCanvas, rectBetween, savePlan, type Rect, type RedactionPlan,
} from '../viewer/redaction';
import { button } from './dom';

export class RedactionMode {
  active = false;
  private ref: ImageRef | null = null;
  private plan: RedactionPlan | null = null;
  private rects: Rect[] = [];
  private element: HTMLDivElement | null = null;
  private overlay: HTMLDivElement | null = null;
  private panel: HTMLDivElement | null = null;
  private drag: { from: [number, number]; to: [number, number] } | null = null;
  private status: { text: string; ok: boolean } | null = null;
  /** The viewport the mode was opened on (the active one may change meanwhile). */
  private index = 0;
  /** Re-label the panel only when the language changed: a rebuild under the mouse eats clicks. */
  private lang = currentLang();
  private readonly redraw = () => this.draw();
  /** Scrolling/picking to another series shows (and edits) that series' rectangles. */
  private readonly newImage = () => {
    const ref = this.ctx.viewer.currentRef(this.index);
    if (ref && ref.series !== this.ref?.series) { this.ref = ref; void this.load(); }
    else this.draw();
  };

  constructor(private readonly ctx: Ctx, private readonly token: TokenSource) {}

  /** The toolbar's control; null for those without manage_case (they never see it). */
  control(): HTMLButtonElement | null {
    if (!can(this.ctx, 'manage_case')) {
      if (this.active) this.close();
      return null;
    }
    if (this.lang !== currentLang()) { this.lang = currentLang(); this.drawPanel(); }
    const b = button(t('redact'), () => void this.toggle(), { 'data-action': 'redact' });
    b.classList.toggle('active', this.active);
    return b;
  }

  async toggle(): Promise<void> {
    if (this.active) this.close();
    else await this.open();
    this.ctx.changed();
  }

  private async open(): Promise<void> {
    const i = this.ctx.activeViewport;
    const ref = this.ctx.viewer.currentRef(i);
    const el = this.ctx.viewer.elements[i];
    if (!ref || !el) return;
    this.active = true;
    this.index = i;
    this.ref = ref;
    this.element = el;
    this.overlay = this.makeOverlay(el);
    this.panel = document.createElement('div');
    this.panel.id = 'redaction-panel';
    document.body.append(this.panel);
    el.addEventListener(Enums.Events.CAMERA_MODIFIED, this.redraw);
    el.addEventListener(Enums.Events.STACK_NEW_IMAGE, this.newImage);
    await this.load();
  }

  close(): void {
    this.element?.removeEventListener(Enums.Events.CAMERA_MODIFIED, this.redraw);
    this.element?.removeEventListener(Enums.Events.STACK_NEW_IMAGE, this.newImage);
    this.overlay?.remove();
    this.panel?.remove();
    Object.assign(this, { active: false, overlay: null, panel: null, element: null, plan: null });
    this.rects = [];
    this.status = null;
  }

  private async load(): Promise<void> {
    const ref = this.ref;
    if (!ref) return;
    this.plan = null;
    this.rects = [];
    this.status = null;
    try {
      this.plan = await fetchPlan(this.token(), ref.study, ref.series);
      this.rects = this.plan.rectangles.map((r) => [...r] as Rect);
    } catch (e) {
      this.status = { text: `${t('redact_load_failed')}: ${String(e)}`, ok: false };
    }
    this.draw();
  }

  async save(): Promise<void> {
    const ref = this.ref;
    if (!ref) return;
    try {
      this.plan = await savePlan(this.token(), ref.study, ref.series, this.rects);
      this.status = { text: t('redact_saved'), ok: true };
    } catch (e) {
      this.status = { text: `${t('redact_save_failed')}: ${String(e)}`, ok: false };
    }
    this.draw();
  }

  remove(k: number): void {
    this.rects.splice(k, 1);
    this.status = null;
    this.draw();
  }

  private vp(): StackViewport | null {
    return this.ctx.viewer.viewport(this.index);
  }

  private makeOverlay(el: HTMLDivElement): HTMLDivElement {
    const o = document.createElement('div');
    o.className = 'redaction-overlay';
    const local = (e: MouseEvent): [number, number] => {
      const box = el.getBoundingClientRect();
      return [e.clientX - box.left, e.clientY - box.top];
    };
    o.addEventListener('mousedown', (e) => {
      if (e.button !== 0) return;
      e.preventDefault(); e.stopPropagation();
      this.drag = { from: local(e), to: local(e) };
    });
    o.addEventListener('mousemove', (e) => {
      if (!this.drag) return;
      e.stopPropagation();
      this.drag.to = local(e);
      this.draw();
    });
    o.addEventListener('mouseup', (e) => { e.stopPropagation(); this.finishDrag(); });
    o.addEventListener('wheel', (e) => e.stopPropagation());
    el.append(o);
    return o;
  }

  private finishDrag(): void {
    const { drag } = this;
    const vp = this.vp();
    this.drag = null;
    const dims = vp?.getImageData()?.dimensions;
    if (!drag || !vp || !dims) return;
    const a = canvasToImage(vp, drag.from);
    const b = canvasToImage(vp, drag.to);
    const rect = a && b ? rectBetween(a, b, dims[0], dims[1]) : null;
    if (rect) { this.rects.push(rect); this.status = null; }
    this.draw();
  }

  private isDefault(): boolean {
    return this.plan?.source === 'default' && sameRects(this.rects, this.plan.rectangles);
  }

  private draw(): void {
    this.drawOverlay();
    this.drawPanel();
  }

  private drawOverlay(): void {
    const o = this.overlay;
    const vp = this.vp();
    if (!o || !vp) return;
    const boxes = this.rects.map((r, k) => {
      const box = canvasBox(vp, r);
      if (box) box.dataset.index = String(k);
      box?.classList.toggle('default', this.isDefault());
      return box;
    });
    if (this.drag) boxes.push(boxOf(this.drag.from, this.drag.to, 'drawing'));
    o.replaceChildren(...boxes.filter((b): b is HTMLDivElement => b !== null));
  }

  private drawPanel(): void {
    const p = this.panel;
    if (!p) return;
    const title = document.createElement('h3');
    title.textContent = t('redact_title');
    const items: HTMLElement[] = [title];
    if (this.plan?.needs_redaction) items.push(label(t('redact_needed'), 'redaction-badge'));
    if (this.isDefault()) items.push(label(t('redact_default'), 'redaction-default'));
    items.push(label(t('redact_hint'), 'hint'));
    const list = document.createElement('ol');
    list.id = 'redaction-list';
    this.rects.forEach((r, k) => {
      const li = document.createElement('li');
      li.textContent = `${r[0]}, ${r[1]} — ${r[2]}×${r[3]} `;
      li.append(button(t('delete'), () => this.remove(k), { 'data-redaction-delete': String(k) }));
      list.append(li);
    });
    items.push(list);
    items.push(button(t('redact_save'), () => void this.save(), { 'data-action': 'redaction-save' }));
    items.push(button(t('redact_close'), () => void this.toggle(), { 'data-action': 'redaction-close' }));
    if (this.status) {
      const s = label(this.status.text, 'redaction-status');
      s.id = 'redaction-status';
      s.dataset.ok = String(this.status.ok);
      items.push(s);
    }
    p.replaceChildren(...items);
  }
}

function sameRects(a: Rect[], b: Rect[]): boolean {
  return a.length === b.length && a.every((r, k) => r.every((v, j) => v === b[k]?.[j]));
}

function label(text: string, className: string): HTMLDivElement {
  const d = document.createElement('div');
  d.className = className;
  d.textContent = text;
  return d;
}

function canvasBox(vp: StackViewport, r: Rect): HTMLDivElement | null {
  const a = imageToCanvas(vp, [r[0], r[1]]);
  const b = imageToCanvas(vp, [r[0] + r[2], r[1] + r[3]]);
  return a && b ? boxOf(a, b, 'redaction-rect') : null;
}

function boxOf(a: [number, number], b: [number, number], className: string): HTMLDivElement {
  const d = document.createElement('div');
  d.className = className;
  Object.assign(d.style, {
    left: `${Math.min(a[0], b[0])}px`, top: `${Math.min(a[1], b[1])}px`,
    width: `${Math.abs(b[0] - a[0])}px`, height: `${Math.abs(b[1] - a[1])}px`,
  });
  return d;
}
