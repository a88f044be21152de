// Keyboard (presets 1-4, O overlays, K key image, M MPR, R reference lines, arrows,
// PgUp/PgDn, Home/End, Delete, undo/redo), viewport activation,
// explore-on-interaction for followers, tab switching and the long-press tool menu on touch.
import { driving, type Ctx } from '../context';
import { t } from '../i18n';
import type { MessageKey } from '../i18n/en';
import type { AnnotationSync } from '../sync/annotations';
import { ANNOTATION_KINDS, type ToolName } from '../viewer/tools';
import { $, button } from './dom';
import type { Toolbar } from './toolbar';

export interface InputDeps {
  ctx: Ctx; toolbar: Toolbar; notes: AnnotationSync; explore(): void; pick(delta: number): void;
}

const LONG_PRESS_MS = 600;

function scroll(d: InputDeps, to: (index: number, count: number) => number): void {
  const vp = d.ctx.viewer.viewport(d.ctx.activeViewport);
  if (!vp || d.ctx.viewer.mpr.open) return; // MPR planes scroll with the wheel over them
  const count = vp.getImageIds().length;
  const next = Math.max(0, Math.min(count - 1, to(vp.getCurrentImageIdIndex(), count)));
  d.explore();
  void vp.setImageIdIndex(next);
}

function key(d: InputDeps, e: KeyboardEvent): void {
  if ((e.target as HTMLElement).closest('input, textarea')) return;
  const ctrl = e.ctrlKey || e.metaKey;
  const actions: Record<string, () => void> = {
    '1': () => d.toolbar.preset(0), '2': () => d.toolbar.preset(1),
    '3': () => d.toolbar.preset(2), '4': () => d.toolbar.preset(3),
    ArrowUp: () => scroll(d, (i) => i - 1), ArrowLeft: () => scroll(d, (i) => i - 1),
    ArrowDown: () => scroll(d, (i) => i + 1), ArrowRight: () => scroll(d, (i) => i + 1),
    Home: () => scroll(d, () => 0), End: () => scroll(d, (_i, n) => n - 1),
    PageUp: () => d.pick(-1), PageDown: () => d.pick(1),
    Delete: () => d.notes.deleteSelected(), Backspace: () => d.notes.deleteSelected(),
    o: () => d.toolbar.overlays(), O: () => d.toolbar.overlays(),
    k: () => d.toolbar.key(), K: () => d.toolbar.key(),
    m: () => void d.toolbar.mpr(), M: () => void d.toolbar.mpr(),
    r: () => d.toolbar.referenceLines(), R: () => d.toolbar.referenceLines(),
  };
  if (ctrl && e.key.toLowerCase() === 'z') return void (e.preventDefault(), e.shiftKey ? d.notes.redo() : d.notes.undo());
  if (ctrl && e.key.toLowerCase() === 'y') return void (e.preventDefault(), d.notes.redo());
  const action = actions[e.key];
  if (action && !ctrl) {
    e.preventDefault();
    action();
  }
}

function pointerDown(d: InputDeps, e: PointerEvent): void {
  if ((e.target as HTMLElement).closest('#mpr-grid')) return d.explore(); // MPR: one view, no index
  const el = (e.target as HTMLElement).closest<HTMLElement>('.viewport');
  if (!el) return;
  const i = Number(el.dataset.viewport);
  if (i !== d.ctx.activeViewport) {
    d.ctx.activeViewport = i;
    if (driving(d.ctx)) void d.ctx.send({ type: 'set_active_viewport', viewport: i });
    d.ctx.changed();
  }
  const drawing = ANNOTATION_KINDS.includes(d.ctx.viewer.tools.active as never);
  if (!(drawing && e.button === 0)) d.explore();
}

function longPress(d: InputDeps, grid: HTMLElement): void {
  let timer = 0;
  let start: [number, number] = [0, 0];
  let fired = false;
  grid.addEventListener('touchstart', (e) => {
    fired = false;
    if (e.touches.length !== 1) return void window.clearTimeout(timer);
    const touch = e.touches[0] as Touch;
    start = [touch.clientX, touch.clientY];
    timer = window.setTimeout(() => { fired = true; showMenu(d, start); }, LONG_PRESS_MS);
  }, { passive: true, capture: true });
  grid.addEventListener('touchmove', (e) => {
    const touch = e.touches[0];
    if (touch && Math.hypot(touch.clientX - start[0], touch.clientY - start[1]) > 10) window.clearTimeout(timer);
  }, { passive: true, capture: true });
  grid.addEventListener('touchend', (e) => {
    window.clearTimeout(timer);
    // Lifting the finger must not "click" the menu item that opened under it.
    if (fired) e.preventDefault();
  }, { capture: true });
}

/** Two fingers moving together (not pinching) scroll slices: one slice per 24 px. */
function twoFingerScroll(d: InputDeps, grid: HTMLElement): void {
  let last: { y: number; spread: number } | null = null;
  let carry = 0;
  const read = (e: TouchEvent) => {
    const [a, b] = [e.touches[0] as Touch, e.touches[1] as Touch];
    return { y: (a.clientY + b.clientY) / 2, spread: Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY) };
  };
  grid.addEventListener('touchstart', (e) => {
    last = e.touches.length === 2 ? read(e) : null;
    carry = 0;
  }, { passive: true, capture: true });
  grid.addEventListener('touchmove', (e) => {
    if (e.touches.length !== 2 || !last) return;
    const now = read(e);
    const dy = now.y - last.y;
    const pinch = Math.abs(now.spread - last.spread);
    last = now;
    if (pinch > Math.abs(dy)) return; // a pinch: the zoom tool handles it
    carry += dy;
    const steps = Math.trunc(carry / 24);
    if (steps === 0) return;
    carry -= steps * 24;
    scroll(d, (i) => i + steps);
  }, { passive: true, capture: true });
  grid.addEventListener('touchend', () => { last = null; }, { capture: true });
}

function showMenu(d: InputDeps, at: [number, number]): void {
  const menu = $('#tool-menu');
  const names: ToolName[] = ['wl', 'pan', 'zoom', 'scroll', ...ANNOTATION_KINDS];
  menu.replaceChildren(...names.map((n) => button(t(`tool_${n}` as MessageKey), () => {
    d.ctx.viewer.tools.select(n);
    menu.hidden = true;
    d.toolbar.render();
  }, { 'data-tool': n })));
  menu.style.left = `${Math.max(4, Math.min(at[0] - 80, window.innerWidth - 220))}px`;
  menu.style.top = `${Math.max(4, at[1] - 60)}px`;
  menu.hidden = false;
}

export function bindInput(d: InputDeps): void {
  const grid = $('#viewer-grid');
  window.addEventListener('keydown', (e) => key(d, e));
  grid.addEventListener('pointerdown', (e) => pointerDown(d, e), { capture: true });
  grid.addEventListener('wheel', () => d.explore(), { capture: true, passive: true });
  longPress(d, grid);
  twoFingerScroll(d, grid);
  document.addEventListener('pointerdown', (e) => {
    if (!(e.target as HTMLElement).closest('#tool-menu')) $('#tool-menu').hidden = true;
  });
  for (const b of document.querySelectorAll<HTMLElement>('[data-tab-target]')) {
    b.onclick = () => {
      $('#app').dataset.tab = b.dataset.tabTarget ?? 'viewer';
      d.ctx.viewer.resize();
      d.ctx.changed(); // e.g. the chat's unread count clears once it is in sight
    };
  }
}
