// Laser pointer: mine goes out at <= 30 Hz in image pixel coordinates; others' are drawn as
// dots in their owner's room colour with the owner's name, mapped back through the local camera.
import { utilities, type Types } from '@cornerstonejs/core';
import { can, type Ctx } from '../context';
import type { PointerMoved } from '../protocol/types';
import { colourOf } from '../colours';

const INTERVAL_MS = 33;

interface Remote { viewport: number; position: [number, number] }

export class PointerSync {
  enabled = false;
  private readonly remote = new Map<string, Remote>();
  private next: { viewport: number; position: [number, number] | null } | null = null;
  private timer: number | null = null;
  private readonly dots = new Map<string, HTMLDivElement>();

  constructor(private readonly ctx: Ctx) {}

  private readonly attached = new WeakSet<HTMLElement>();

  attach(el: HTMLElement, index: number): void {
    if (this.attached.has(el)) return;
    this.attached.add(el);
    el.addEventListener('pointermove', (e) => this.moved(el, index, e));
    el.addEventListener('pointerleave', () => this.queue(index, null));
  }

  private moved(el: HTMLElement, index: number, e: PointerEvent): void {
    if (!this.enabled || !can(this.ctx, 'point')) return;
    const vp = this.ctx.viewer.viewport(index);
    const imageId = vp?.getCurrentImageId();
    if (!vp || !imageId) return;
    const rect = el.getBoundingClientRect();
    const world = vp.canvasToWorld([e.clientX - rect.left, e.clientY - rect.top]);
    const ij = utilities.worldToImageCoords(imageId, world);
    if (ij) this.queue(index, [Math.round(ij[0] * 100) / 100, Math.round(ij[1] * 100) / 100]);
  }

  private queue(viewport: number, position: [number, number] | null): void {
    if (!this.enabled) return;
    this.next = { viewport, position };
    const wait = Math.max(0, this.lastFlush + INTERVAL_MS - performance.now());
    this.timer ??= window.setTimeout(() => this.flush(), wait);
  }

  private lastFlush = -Infinity;

  private flush(): void {
    this.timer = null;
    this.lastFlush = performance.now();
    if (this.next) void this.ctx.send({ type: 'move_pointer', ...this.next });
    this.next = null;
  }

  received(e: PointerMoved): void {
    const who = e.participant;
    if (who === this.ctx.me) return;
    if (e.position) this.remote.set(who, { viewport: e.viewport, position: e.position });
    else this.remote.delete(who);
    this.draw();
  }

  forget(participant: string): void {
    this.remote.delete(participant);
    this.draw();
  }

  /** Re-place every dot (after pointer events and camera changes). */
  draw(): void {
    for (const [who, dot] of this.dots) {
      if (!this.remote.has(who)) {
        dot.remove();
        this.dots.delete(who);
      }
    }
    for (const [who, r] of this.remote) this.place(who, r);
  }

  private place(who: string, r: Remote): void {
    const vp = this.ctx.viewer.viewport(r.viewport);
    const el = this.ctx.viewer.elements[r.viewport];
    const imageId = vp?.getCurrentImageId();
    if (!vp || !el || !imageId) return;
    const world = utilities.imageToWorldCoords(imageId, r.position) as Types.Point3;
    const [x, y] = vp.worldToCanvas(world);
    let dot = this.dots.get(who);
    if (!dot) {
      dot = document.createElement('div');
      dot.className = 'pointer-dot';
      dot.dataset.participant = who;
      dot.append(document.createElement('span'));
      this.dots.set(who, dot);
    }
    if (dot.parentElement !== el) el.append(dot);
    // Whose pointer it is: their room colour and, next to the dot, their name.
    const name = this.ctx.state.participants.get(who)?.name ?? who;
    const colour = colourOf(this.ctx.state, who);
    dot.style.setProperty('--identity', colour);
    dot.title = name;
    const label = dot.firstElementChild as HTMLElement;
    if (label.textContent !== name) label.textContent = name;
    dot.style.transform = `translate(${x - 6}px, ${y - 6}px)`;
  }
}
