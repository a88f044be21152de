// The shared view. Driver: Cornerstone changes -> throttled commands (<= 30 Hz) for what differs
// from the room state; a command is held back only while the same one is still unanswered.
// Follower: room state -> viewer (image -> VOI -> presentation -> render), coalesced per frame.
// Cine is room state too ("playing at fps"): while it plays every page advances its own stack, the
// driver sends no set_image per frame, and a follower jumps only when the room's image changes.
import { Enums } from '@cornerstonejs/core';
import { driving, type Ctx } from '../context';
import type { Command, ImageRef, ViewportState } from '../protocol/types';
import { cinePlaying, playCine, stopCine } from '../viewer/cine';
import { MprSync } from './mpr';

const SEND_INTERVAL_MS = 33;
const RETRY_MS = 1000;
const VIEW_EVENTS = [
  Enums.Events.VOI_MODIFIED, Enums.Events.CAMERA_MODIFIED, Enums.Events.STACK_NEW_IMAGE,
  Enums.Events.IMAGE_RENDERED,
];

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export class ViewSync {
  private dirty = new Set<number>();
  private timer: number | null = null;
  private applying = 0;
  private applyQueued = false;
  /** Commands sent and not yet answered, by type and viewport: resending them adds nothing. */
  private readonly inFlight = new Map<string, string>();
  /** The MPR over the stacks: applied with them, sent on its own. */
  readonly mpr: MprSync;
  /** Called when the viewer finished applying state (tests and bench observe this). */
  onApplied: () => void = () => undefined;

  /** Time of the user's last input: a driver's own change beats a slower catch-up apply. */
  private lastInput = -Infinity;

  constructor(private readonly ctx: Ctx) {
    this.mpr = new MprSync(ctx);
    for (const name of ['pointerdown', 'keydown', 'wheel', 'touchstart']) {
      window.addEventListener(name, () => { this.lastInput = performance.now(); },
        { capture: true, passive: true });
    }
  }

  /** Applying, about to apply or waiting to retry: the viewer may lag the room for now. */
  get busy(): boolean {
    return this.applying > 0 || this.scheduled || this.applyQueued || this.retryTimer !== null
      || this.mpr.busy;
  }

  /** Listen to a viewport element's Cornerstone events. */
  watch(el: HTMLElement, index: number): void {
    for (const name of VIEW_EVENTS) {
      el.addEventListener(name, () => this.viewportChanged(index));
    }
  }

  private viewportChanged(index: number): void {
    if (this.applying > 0 || !driving(this.ctx)) return;
    this.dirty.add(index);
    // Leading edge: the first change after a quiet period goes out at once, later ones at
    // most every SEND_INTERVAL_MS (the latest value wins).
    const wait = Math.max(0, this.lastFlush + SEND_INTERVAL_MS - performance.now());
    this.timer ??= window.setTimeout(() => this.flush(), wait);
  }

  private lastFlush = -Infinity;
  private retryTimer: number | null = null;

  private flush(): void {
    this.timer = null;
    this.lastFlush = performance.now();
    for (const i of this.dirty) for (const c of this.commandsFor(i)) this.sendOnce(c);
    this.dirty.clear();
  }

  private commandsFor(i: number): Command[] {
    const { viewer, state } = this.ctx;
    const room = state.viewports[i];
    const image = viewer.currentRef(i);
    const voi = viewer.readVoi(i);
    const view = viewer.readView(i);
    if (!room || !image || !view) return [];
    const out: Command[] = [];
    const playing = this.elementPlaying(i);
    if (!playing && !same(image, room.image)) out.push({ type: 'set_image', viewport: i, image });
    if (voi && !same(voi, room.voi)) out.push({ type: 'set_voi', viewport: i, voi });
    if (!same(view.presentation, room.presentation)) {
      out.push({ type: 'set_presentation', viewport: i, presentation: view.presentation });
    }
    if (view.invert !== room.invert) out.push({ type: 'set_invert', viewport: i, invert: view.invert });
    return out;
  }

  private elementPlaying(i: number): boolean {
    const el = this.ctx.viewer.elements[i];
    return el !== undefined && cinePlaying(el);
  }

  /** The driver's cine started or stopped: one set_cine; on stop, the image it stopped on. */
  cineChanged(i: number, playing: boolean, fps: number): void {
    if (!driving(this.ctx)) return;
    if (!playing) {
      this.dirty.add(i);
      this.flush();
    }
    void this.ctx.send({ type: 'set_cine', viewport: i, playing, fps });
  }

  private sendOnce(c: Command): void {
    const key = `${c.type}:${'viewport' in c ? c.viewport : ''}`;
    const body = JSON.stringify(c);
    if (this.inFlight.get(key) === body) return;
    this.inFlight.set(key, body);
    // Once answered (the event, if any, came first) the room state is what to compare with:
    // remembering more would hide a value this client sent in an earlier turn (issue 16).
    void this.ctx.send(c).then(() => {
      if (this.inFlight.get(key) === body) this.inFlight.delete(key);
    });
  }

  /** Send a command the driver made explicitly (layout, cine, image from a thumbnail). */
  command(c: Command): void {
    if (driving(this.ctx)) void this.ctx.send(c);
  }

  /** The room changed: bring the viewer in line unless I drive or explore. */
  roomChanged(): void {
    if (driving(this.ctx) || !this.ctx.following) return;
    this.requestApply();
  }

  /** Snap back to the room's view: forget what the viewer believes it shows. */
  resync(): void {
    this.ctx.viewer.defaultVoi.clear();
    this.requestApply();
  }

  requestApply(): void {
    if (this.applying > 0) {
      this.applyQueued = true;
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    // A microtask, not an animation frame: the events of one server frame are all reduced
    // before it runs (so they coalesce), and the render itself waits for the next frame anyway.
    queueMicrotask(() => void this.applyAll());
  }

  private scheduled = false;

  private async applyAll(): Promise<void> {
    this.scheduled = false;
    this.applying++;
    try {
      const { viewer, state } = this.ctx;
      viewer.setLayout(state.layout);
      viewer.elements.forEach((el, i) => this.watchOnce(el, i));
      const started = performance.now();
      await Promise.all([
        ...state.viewports.map((v, i) => this.applyOne(i, v, started)), this.applyMpr(),
      ]);
    } finally {
      this.applying--;
    }
    if (this.applyQueued) {
      this.applyQueued = false;
      this.requestApply();
    } else {
      this.onApplied();
    }
  }

  private async applyOne(i: number, v: ViewportState, started: number): Promise<void> {
    try {
      const local = this.followsCine(i, v);
      const image = v.image ?? (await this.defaultImage(i));
      if (!image) return;
      if (!local && !(await this.ctx.viewer.showImage(i, image))) return;
      this.shownRoomImage.set(i, v.image);
      if (!this.ctx.viewer.viewport(i)?.getImageData()) throw new Error(`image ${image.sop} not loaded`);
      if (driving(this.ctx) && this.lastInput > started) return;
      this.ctx.viewer.applyView(i, v);
      const el = this.ctx.viewer.elements[i];
      if (el && v.cine.playing && !driving(this.ctx)) playCine(el, v.cine.fps);
    } catch (err) {
      // A failed load (offline, server error): try again shortly, the room may not move.
      console.warn('viewport', i, 'not applied', err);
      this.retryTimer ??= window.setTimeout(() => {
        this.retryTimer = null;
        if (driving(this.ctx) || this.ctx.following) this.requestApply();
      }, RETRY_MS);
    }
  }

  private async applyMpr(): Promise<void> {
    try {
      await this.mpr.apply(this.ctx.state.mpr);
    } catch (err) {
      console.warn('MPR not applied', err);
      this.retryTimer ??= window.setTimeout(() => {
        this.retryTimer = null;
        if (driving(this.ctx) || this.ctx.following) this.requestApply();
      }, RETRY_MS);
    }
  }

  /** The room image each viewport last applied (to tell a driver's jump from a replayed state). */
  private readonly shownRoomImage = new Map<number, ImageRef | null>();

  /**
   * Follower cine: stop when the room stopped; while the room plays, keep advancing locally
   * (true: skip the image) unless the room's image changed since the last apply (the driver
   * jumped, or stopped on an image), which wins.
   */
  private followsCine(i: number, v: ViewportState): boolean {
    const el = this.ctx.viewer.elements[i];
    if (!el || driving(this.ctx)) return false;
    if (!v.cine.playing) {
      stopCine(el);
      return false;
    }
    return cinePlaying(el) && this.shownRoomImage.has(i) && same(this.shownRoomImage.get(i), v.image);
  }

  private watched = new WeakSet<HTMLElement>();
  watchOnce(el: HTMLElement, i: number): void {
    if (this.watched.has(el)) return;
    this.watched.add(el);
    this.watch(el, i);
  }

  /** With no image set in the room: the i-th series' middle-free first image. */
  async defaultImage(i: number): Promise<ImageRef | null> {
    const studies = [...this.ctx.state.studies.values()];
    const all = [];
    for (const s of studies) all.push(...(await this.ctx.web.listSeries(s.uid, s.series ?? [])));
    const series = all[i % Math.max(1, all.length)];
    if (!series) return null;
    const ids = await this.ctx.web.loadSeries(series.study, series.uid);
    return ids[0] ? this.ctx.web.refOf(ids[0]) : null;
  }

  /** Control moved. The new driver claims its view for the room; everyone else who follows
   *  re-applies the room's whole view, so no page keeps a view the room no longer has. */
  controlChanged(gained: boolean): void {
    this.inFlight.clear();
    this.mpr.controlChanged(gained);
    if (gained) this.announce();
    else if (!driving(this.ctx) && this.ctx.following) this.resync();
  }

  /** After gaining control, claim the current local view for the room. */
  announce(): void {
    this.ctx.viewer.elements.forEach((_, i) => this.dirty.add(i));
    this.flush();
  }
}
