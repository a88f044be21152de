// The rest of a series after the slice on screen: nearest first, and twice as fast on the side
// the presenter scrolls towards (a follower then finds the next slices already there). Queued in
// Cornerstone's request pool, a few at a time, so a slice asked for on screen (an interaction
// request) never waits behind a hundred prefetches in the browser's six connections; a change
// of direction (or a long way scrolled) re-queues what is not loaded yet.
import { Enums, cache, imageLoadPoolManager, imageLoader } from '@cornerstonejs/core';

const PREFETCH = Enums.RequestType.Prefetch;
const IN_FLIGHT = 4; // of the browser's 6 connections per host: 2 stay free for what is shown
const REQUEUE_AFTER = 8; // slices moved in one direction before the order is centred again

/** Slice indices other than ``from``: ranked by distance, the side ahead counting half. */
export function prefetchOrder(count: number, from: number, direction: number): number[] {
  const rank = (k: number) => {
    const d = k - from;
    const ahead = direction === 0 || Math.sign(d) === direction;
    return ahead ? Math.abs(d) : 2 * Math.abs(d) - 0.5;
  };
  const others = [...Array(count).keys()].filter((k) => k !== from);
  return others.sort((a, b) => rank(a) - rank(b));
}

/** ``loadAndCacheImage`` without its unhandled rejection: when a load fails (the link went
 *  down), Cornerstone's cache re-throws into a promise nobody holds. Here that promise is ours,
 *  and a failed prefetch is no error: the slice loads again when it is shown. */
function loadIntoCache(imageId: string): Promise<void> {
  if (cache.getImageLoadObject(imageId)) return Promise.resolve();
  const promise = imageLoader.loadImage(imageId);
  return cache.putImageLoadObject(imageId, { promise }).catch(() => undefined);
}

interface Shown { ids: string[]; at: number; direction: number; queuedAt: number }

/** One for the viewer: the prefetch queue is the pool's, shared by every viewport. */
export class Prefetcher {
  private readonly shown = new Map<number, Shown>();

  constructor() {
    imageLoadPoolManager.setMaxSimultaneousRequests(PREFETCH, IN_FLIGHT);
  }

  /** Viewport ``vp`` shows a new series at ``from``: its other images, nearest first. */
  start(vp: number, ids: string[], from: number): void {
    this.shown.set(vp, { ids, at: from, direction: 0, queuedAt: from });
    this.queue();
  }

  /** Viewport ``vp`` moved to slice ``to``: keep the order ahead of the scroll direction. */
  moved(vp: number, to: number): void {
    const s = this.shown.get(vp);
    if (!s || to === s.at) return;
    const direction = Math.sign(to - s.at);
    s.at = to;
    if (direction !== s.direction || Math.abs(to - s.queuedAt) >= REQUEUE_AFTER) {
      s.direction = direction;
      this.queue();
    }
  }

  /** Rebuild the pool's prefetch queue: the viewports' orders interleaved. */
  private queue(): void {
    imageLoadPoolManager.clearRequestStack(PREFETCH);
    const lists = [...this.shown.values()].map((s) => {
      s.queuedAt = s.at;
      return prefetchOrder(s.ids.length, s.at, s.direction).map((k) => s.ids[k] as string);
    });
    const longest = Math.max(0, ...lists.map((l) => l.length));
    for (let n = 0; n < longest; n++) {
      for (const list of lists) {
        const imageId = list[n];
        if (imageId === undefined || cache.isLoaded(imageId)) continue;
        imageLoadPoolManager.addRequest(() => loadIntoCache(imageId), PREFETCH, { imageId });
      }
    }
  }
}
