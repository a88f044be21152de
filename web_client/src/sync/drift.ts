// Drift detector: a follower compares what it renders (layout, image, VOI, camera, invert) with
// the room state it mirrors. A difference that outlives SETTLE_MS — longer than any apply takes —
// is a drift: the badge shows and the count (window.__huizhen.drift()) goes up once per episode.
// Issue 16: a view that silently differs from the room breaks the product's first promise.
import { driving, type Ctx } from '../context';
import { t } from '../i18n';
import type { ImageRef, Mpr, Presentation, ViewportState, Voi } from '../protocol/types';
import { sameMpr } from './mpr';

const CHECK_MS = 250;
const SETTLE_MS = 2500;
const EPS = 1e-3;

export interface DriftReport {
  /** Drift episodes seen since the page opened. */
  mismatches: number;
  /** What differs right now (settled or not), e.g. "vp0:voi". */
  current: string[];
  /** performance.now() of the last check (tests wait past SETTLE_MS with it). */
  checkedAt: number;
  settleMs: number;
}

const near = (a: number, b: number, eps = EPS) => Math.abs(a - b) <= eps * Math.max(1, Math.abs(b));

function sameImage(a: ImageRef | null, b: ImageRef): boolean {
  return a !== null && a.sop === b.sop && a.series === b.series && a.frame === b.frame;
}

function sameVoi(a: Voi | null, b: Voi): boolean {
  return a !== null && near(a.center, b.center) && near(a.width, b.width);
}

function samePresentation(a: Presentation, b: Presentation): boolean {
  return near(a.zoom, b.zoom) && near(a.pan[0], b.pan[0]) && near(a.pan[1], b.pan[1])
    && a.rotation === b.rotation && a.flip_h === b.flip_h && a.flip_v === b.flip_v;
}

export class DriftDetector {
  private mismatches = 0;
  private current: string[] = [];
  private checkedAt = 0;
  /** Since when each differing field has differed, and whether its episode was counted. */
  private readonly since = new Map<string, number>();
  private readonly counted = new Set<string>();

  /** `busy`: the view sync is applying or about to (differences then are expected);
   *  `badge`: the element that shows a drift. */
  constructor(
    private readonly ctx: Ctx, private readonly busy: () => boolean, private readonly badge: HTMLElement,
  ) {}

  start(): void {
    window.setInterval(() => this.check(performance.now()), CHECK_MS);
  }

  report(): DriftReport {
    return {
      mismatches: this.mismatches, current: [...this.current], checkedAt: this.checkedAt,
      settleMs: SETTLE_MS,
    };
  }

  check(now: number): void {
    this.checkedAt = now;
    const watching = !driving(this.ctx) && this.ctx.following && !this.ctx.state.closed;
    this.current = watching && !this.busy() ? this.differences() : [];
    for (const key of [...this.since.keys()]) {
      if (!this.current.includes(key)) { this.since.delete(key); this.counted.delete(key); }
    }
    for (const key of this.current) {
      const from = this.since.get(key) ?? now;
      this.since.set(key, from);
      if (now - from >= SETTLE_MS && !this.counted.has(key)) {
        this.counted.add(key);
        this.mismatches++;
        console.warn('view drift', key);
      }
    }
    this.render();
  }

  private render(): void {
    const { badge } = this;
    badge.hidden = this.counted.size === 0;
    badge.textContent = `⚠ ${t('drift_badge')}`;
    badge.title = [...this.counted].join(', ');
  }

  private differences(): string[] {
    const { viewer, state } = this.ctx;
    if (viewer.layout !== state.layout) return ['layout'];
    const stacks = state.viewports.flatMap((v, i) => this.viewportDifferences(i, v).map((f) => `vp${i}:${f}`));
    return [...stacks, ...this.mprDifferences(state.mpr)];
  }

  /** The MPR: shown or not, which series, where the planes cross, their cameras and window. */
  private mprDifferences(room: Mpr | null): string[] {
    const { mpr } = this.ctx.viewer;
    if (room === null) return mpr.open ? ['mpr'] : [];
    const shown = mpr.series === room.series ? mpr.read(room.study) : null;
    if (!shown) return ['mpr'];
    const out: string[] = [];
    if (!sameMpr({ ...shown, planes: room.planes, voi: null }, { ...room, voi: null })) out.push('mpr:point');
    if (!sameMpr({ ...room, planes: shown.planes }, { ...room, voi: null })) out.push('mpr:camera');
    if (room.voi && !sameVoi(shown.voi, room.voi)) out.push('mpr:voi');
    return out;
  }

  private viewportDifferences(i: number, v: ViewportState): string[] {
    const { viewer } = this.ctx;
    const out: string[] = [];
    // While the room plays cine every page advances on its own: the image is not compared.
    if (v.image && !v.cine.playing && !sameImage(viewer.currentRef(i), v.image)) out.push('image');
    if (v.voi && !sameVoi(viewer.readVoi(i), v.voi)) out.push('voi');
    const shown = viewer.readView(i);
    if (v.image && !shown) out.push('camera');
    if (shown && !samePresentation(shown.presentation, v.presentation)) out.push('camera');
    if (shown && shown.invert !== v.invert) out.push('invert');
    return out;
  }
}
