// Toolbar: primary tool, W/L presets, camera actions, cine, layout, annotation edit, pointer.
import { utilities as csUtils, type StackViewport } from '@cornerstonejs/core';
import { can, driving, type Ctx } from '../context';
import { t } from '../i18n';
import type { MessageKey } from '../i18n/en';
import type { Layout, Voi } from '../protocol/types';
import type { AnnotationSync } from '../sync/annotations';
import type { PointerSync } from '../sync/pointer';
import type { ViewSync } from '../sync/view';
import { cinePlaying, playCine, stopCine } from '../viewer/cine';
import { ANNOTATION_KINDS, type ToolName } from '../viewer/tools';
import { $, button, toast } from './dom';

export const PRESETS: { key: MessageKey; voi: Voi }[] = [
  { key: 'preset_soft', voi: { center: 40, width: 400, function: 'LINEAR' } },
  { key: 'preset_lung', voi: { center: -600, width: 1500, function: 'LINEAR' } },
  { key: 'preset_bone', voi: { center: 480, width: 2500, function: 'LINEAR' } },
  { key: 'preset_brain', voi: { center: 40, width: 80, function: 'LINEAR' } },
];

/** The room's cine rate before anyone set one (docs/protocol.md, Cine). */
const DEFAULT_FPS = 10;
const VIEW_TOOLS: ToolName[] = ['wl', 'pan', 'zoom', 'scroll'];

export interface ToolbarDeps {
  ctx: Ctx; view: ViewSync; notes: AnnotationSync; pointer: PointerSync;
  /** Mark or unmark the active viewport's image as a key image. */
  toggleKey(): void;
  /** A local change by a non-driver detaches the viewer (explore). */
  beforeLocalChange(): void;
  /** The Redact control (manage_case holders only; ui/redaction.ts). */
  redaction?: { control(): HTMLButtonElement | null };
  /** The Share study control (manage_case holders only; ui/share.ts). */
  share?: { control(): HTMLButtonElement | null };
}

export class Toolbar {
  constructor(private readonly d: ToolbarDeps) {}

  private vp(): StackViewport | null {
    return this.d.ctx.viewer.viewport(this.d.ctx.activeViewport);
  }

  /** Run a view change on the active viewport (explores first if I do not drive). */
  change(fn: (vp: StackViewport) => void): void {
    const vp = this.vp();
    if (!vp) return;
    this.d.beforeLocalChange();
    fn(vp);
    vp.render();
  }

  preset(n: number): void {
    const p = PRESETS[n];
    if (!p) return;
    if (this.d.ctx.viewer.mpr.open) {
      this.d.beforeLocalChange();
      this.d.ctx.viewer.mpr.setVoi(p.voi);
      return;
    }
    const range = csUtils.windowLevel.toLowHighRange(p.voi.width, p.voi.center);
    this.change((vp) => vp.setProperties({ voiRange: range }));
  }

  fit(): void {
    this.change((vp) => {
      vp.resetCamera();
    });
  }

  rotate(): void {
    this.change((vp) => {
      const r = vp.getViewPresentation().rotation ?? 0;
      vp.setViewPresentation({ rotation: (r + 90) % 360 });
    });
  }

  flip(horizontal: boolean): void {
    this.change((vp) => {
      const p = vp.getViewPresentation();
      vp.setViewPresentation(horizontal ? { flipHorizontal: !p.flipHorizontal }
        : { flipVertical: !p.flipVertical });
    });
  }

  invert(): void {
    this.change((vp) => vp.setProperties({ invert: !vp.getProperties().invert }));
  }

  cine(): void {
    const { ctx } = this.d;
    const i = ctx.activeViewport;
    const el = ctx.viewer.elements[i];
    if (!el) return;
    const playing = cinePlaying(el);
    const fps = ctx.state.viewports[i]?.cine.fps ?? DEFAULT_FPS;
    this.d.beforeLocalChange();
    if (playing) stopCine(el);
    else playCine(el, fps);
    this.d.view.cineChanged(i, !playing, fps);
    this.render();
  }

  layout(layout: Layout): void {
    const { ctx, view } = this.d;
    this.d.beforeLocalChange();
    if (driving(ctx)) view.command({ type: 'set_layout', layout });
    ctx.viewer.setLayout(layout);
    ctx.viewer.elements.forEach((el, i) => view.watchOnce(el, i));
    void this.fillViewports();
  }

  private async fillViewports(): Promise<void> {
    const { ctx, view } = this.d;
    for (let i = 0; i < ctx.viewer.elements.length; i++) {
      const ref = ctx.state.viewports[i]?.image ?? (await view.defaultImage(i));
      if (ref) await ctx.viewer.showImage(i, ref);
    }
    ctx.changed();
  }

  key(): void {
    this.d.toggleKey();
  }

  /** Enter or leave MPR (M); a series that is no volume says why not. */
  async mpr(): Promise<void> {
    this.d.beforeLocalChange();
    const problem = await this.d.view.mpr.toggle();
    if (problem) toast(t(problem), 'info');
    this.render();
  }

  /** Show or hide the reference lines (R). */
  referenceLines(): void {
    this.d.ctx.viewer.tools.toggleReferenceLines();
    this.render();
  }

  private mprButtons(): HTMLElement[] {
    const { ctx, view } = this.d;
    const open = ctx.viewer.mpr.open;
    const problem = open ? null : view.mpr.problem();
    const mpr = button(t('mpr'), () => void this.mpr(),
      { 'data-action': 'mpr', title: t(problem ?? 'mpr_tip') });
    mpr.disabled = problem !== null;
    if (problem) mpr.dataset.reason = problem;
    mpr.classList.toggle('active', open);
    mpr.setAttribute('aria-pressed', String(open));
    const on = ctx.viewer.tools.referenceLines;
    const lines = button(t('ref_lines'), () => this.referenceLines(),
      { 'data-action': 'reference-lines', title: t('ref_lines_tip') });
    lines.classList.toggle('active', on);
    lines.setAttribute('aria-pressed', String(on));
    return [mpr, lines];
  }

  /** Cine shows whether it plays (mine, or the room's when I follow) and at which rate. */
  private cineButton(): HTMLElement {
    const { ctx } = this.d;
    const el = ctx.viewer.elements[ctx.activeViewport];
    const room = ctx.state.viewports[ctx.activeViewport]?.cine;
    const local = el !== undefined && cinePlaying(el);
    const playing = local || (Boolean(room?.playing) && (ctx.following || driving(ctx)));
    const label = playing ? `■ ${t('cine')} ${room?.fps ?? DEFAULT_FPS} fps` : `▶ ${t('cine')}`;
    const b = button(label, () => this.cine(), { 'data-action': 'cine' });
    b.classList.toggle('active', playing);
    b.setAttribute('aria-pressed', String(playing));
    return b;
  }

  overlays(): void {
    this.d.ctx.viewer.toggleOverlays();
    this.render();
  }

  render(): void {
    const { ctx, notes, pointer } = this.d;
    const bar = $('#toolbar');
    const annotate = can(ctx, 'annotate');
    const tools = ctx.viewer.tools;
    const items: (HTMLElement | null)[] = [];
    for (const name of [...VIEW_TOOLS, ...ANNOTATION_KINDS]) {
      const isNote = ANNOTATION_KINDS.includes(name as never);
      const b = button(t(`tool_${name}` as MessageKey), () => { tools.select(name); this.render(); },
        { 'data-tool': name });
      b.classList.toggle('active', tools.active === name);
      b.disabled = isNote && !annotate;
      items.push(b);
      if (name === 'scroll') items.push(sep());
    }
    items.push(sep());
    PRESETS.forEach((p, n) => items.push(button(`${n + 1} ${t(p.key)}`, () => this.preset(n),
      { 'data-preset': String(n + 1) })));
    items.push(sep());
    items.push(button(t('fit'), () => this.fit(), { 'data-action': 'fit' }));
    items.push(button(t('rotate'), () => this.rotate(), { 'data-action': 'rotate' }));
    items.push(button(t('flip_h'), () => this.flip(true), { 'data-action': 'flip-h' }));
    items.push(button(t('flip_v'), () => this.flip(false), { 'data-action': 'flip-v' }));
    items.push(button(t('invert'), () => this.invert(), { 'data-action': 'invert' }));
    items.push(this.cineButton());
    const ov = button(t('overlays'), () => this.overlays(), { 'data-action': 'overlays' });
    ov.classList.toggle('active', !ctx.viewer.grid.classList.contains('no-overlays'));
    items.push(ov);
    items.push(sep());
    const link = button(t('link'), () => { ctx.viewer.linker.enabled = !ctx.viewer.linker.enabled; this.render(); },
      { 'data-action': 'link' });
    link.classList.toggle('active', ctx.viewer.linker.enabled);
    link.setAttribute('aria-pressed', String(ctx.viewer.linker.enabled));
    items.push(link);
    for (const l of ['1x1', '1x2', '2x2'] as Layout[]) {
      const b = button(l.replace('x', '×'), () => this.layout(l), { 'data-layout': l });
      b.classList.toggle('active', ctx.viewer.layout === l);
      items.push(b);
    }
    items.push(...this.mprButtons());
    items.push(sep());
    const del = button(t('delete'), () => notes.deleteSelected(), { 'data-action': 'delete' });
    const undo = button(t('undo'), () => notes.undo(), { 'data-action': 'undo' });
    const redo = button(t('redo'), () => notes.redo(), { 'data-action': 'redo' });
    for (const b of [del, undo, redo]) { b.disabled = !annotate; items.push(b); }
    const ptr = button(t('pointer'), () => { pointer.enabled = !pointer.enabled; this.render(); },
      { 'data-action': 'pointer' });
    ptr.classList.toggle('active', pointer.enabled);
    ptr.disabled = !can(ctx, 'point');
    items.push(ptr);
    const key = button(`★ ${t('key_image')}`, () => this.d.toggleKey(), { 'data-action': 'key-image' });
    key.disabled = !annotate;
    items.push(key);
    items.push(this.d.redaction?.control() ?? null);
    items.push(this.d.share?.control() ?? null);
    bar.replaceChildren(...items.filter((x): x is HTMLElement => x !== null));
  }
}

function sep(): HTMLElement {
  const s = document.createElement('span');
  s.className = 'sep';
  return s;
}
