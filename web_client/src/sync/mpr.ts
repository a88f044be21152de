// The shared MPR, synced like the stack views (sync/view.ts): the driver's crosshair, camera and
// window changes go out as one whole `set_mpr` (throttled to 30/s, only when they differ from
// the room's); a follower shows the room's MPR (or closes its own) whenever the view applies.
import { Enums } from '@cornerstonejs/core';
import { driving, type Ctx } from '../context';
import type { MessageKey } from '../i18n/en';
import type { Mpr, MprPlane } from '../protocol/types';
import { imageCentre, volumeProblem } from '../viewer/mpr';

const SEND_INTERVAL_MS = 33;
const EVENTS = [Enums.Events.CAMERA_MODIFIED, Enums.Events.VOI_MODIFIED];
const FITTED: MprPlane = { zoom: 1, pan: [0, 0], slab: 0 };

const near = (a: number, b: number, eps: number) => Math.abs(a - b) <= eps * Math.max(1, Math.abs(b));

/** Whether two MPR views show the same thing (to 0.01 mm, 0.1 % zoom/pan, 0.01 window). */
export function sameMpr(a: Mpr | null, b: Mpr | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.series !== b.series || !a.point.every((v, k) => Math.abs(v - (b.point[k] ?? NaN)) <= 0.01)) return false;
  const planes = a.planes.every((p, k) => {
    const q = b.planes[k];
    return q !== undefined && near(p.zoom, q.zoom, 1e-3) && Math.abs(p.pan[0] - q.pan[0]) <= 1e-3
      && Math.abs(p.pan[1] - q.pan[1]) <= 1e-3 && Math.abs(p.slab - q.slab) <= 0.01;
  });
  const voi = b.voi === null || (a.voi !== null && near(a.voi.center, b.voi.center, 1e-3)
    && near(a.voi.width, b.voi.width, 1e-3));
  return planes && voi;
}

export class MprSync {
  private timer: number | null = null;
  private lastFlush = -Infinity;
  private applying = 0;
  /** The last set_mpr sent and not yet answered (resending it adds nothing). */
  private inFlight: string | null = null;

  constructor(private readonly ctx: Ctx) {
    ctx.viewer.mpr.onElement = (el) => {
      for (const name of EVENTS) el.addEventListener(name, () => this.changed());
    };
  }

  get busy(): boolean {
    return this.applying > 0;
  }

  /** Enter MPR on the active viewport's series, or leave it. Returns why it cannot, if so. */
  async toggle(): Promise<MessageKey | null> {
    const { viewer, web, activeViewport } = this.ctx;
    if (viewer.mpr.open) {
      viewer.mpr.close();
      this.send(null);
      return null;
    }
    const ref = viewer.currentRef(activeViewport);
    const imageId = viewer.viewport(activeViewport)?.getCurrentImageId();
    if (!ref || !imageId) return 'mpr_not_ct_mr';
    const problem = volumeProblem(await web.loadSeries(ref.study, ref.series));
    const point = imageCentre(imageId);
    if (problem || !point) return problem ?? 'mpr_inconsistent';
    const mpr: Mpr = {
      study: ref.study, series: ref.series, point, planes: [FITTED, FITTED, FITTED],
      voi: viewer.readVoi(activeViewport),
    };
    await this.show(mpr);
    this.send(mpr);
    return null;
  }

  /** Why the active viewport's series cannot enter MPR (null: it can, or it is unknown yet). */
  problem(): MessageKey | null {
    const { viewer, web, activeViewport } = this.ctx;
    const ref = viewer.currentRef(activeViewport);
    const ids = ref ? web.series.get(ref.series)?.imageIds : undefined;
    return ids && ids.length > 0 ? volumeProblem(ids) : null;
  }

  /** Show the room's MPR (or none): the view sync calls this on every apply. */
  async apply(room: Mpr | null): Promise<void> {
    const was = this.ctx.viewer.mpr.open;
    if (room === null) this.ctx.viewer.mpr.close();
    else await this.show(room);
    if (was !== this.ctx.viewer.mpr.open) this.ctx.changed(); // the toolbar shows MPR on/off
  }

  private async show(mpr: Mpr): Promise<void> {
    this.applying++;
    try {
      await this.ctx.viewer.mpr.show(mpr.study, mpr.series);
      this.ctx.viewer.mpr.apply(mpr);
    } finally {
      this.applying--;
    }
  }

  private changed(): void {
    if (this.applying > 0 || !driving(this.ctx) || !this.ctx.viewer.mpr.open) return;
    const wait = Math.max(0, this.lastFlush + SEND_INTERVAL_MS - performance.now());
    this.timer ??= window.setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = null;
    this.lastFlush = performance.now();
    const room = this.ctx.state.mpr;
    const shown = this.ctx.viewer.mpr.read(room?.study ?? this.studyOfShown());
    if (shown && !sameMpr(shown, room)) this.send(shown);
  }

  private studyOfShown(): string {
    const series = this.ctx.viewer.mpr.series;
    return (series && this.ctx.web.series.get(series)?.study) || '';
  }

  private send(mpr: Mpr | null): void {
    if (!driving(this.ctx)) return;
    const body = JSON.stringify(mpr);
    if (this.inFlight === body) return;
    this.inFlight = body;
    void this.ctx.send({ type: 'set_mpr', mpr }).then(() => {
      if (this.inFlight === body) this.inFlight = null;
    });
  }

  /** Control moved: a new driver claims what it shows (MPR or not) for the room. */
  controlChanged(gained: boolean): void {
    this.inFlight = null;
    if (!gained) return;
    if (this.ctx.viewer.mpr.open) this.flush();
    else if (this.ctx.state.mpr !== null) this.send(null);
  }
}
