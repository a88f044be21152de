// Linked scrolling: when the image of one viewport changes, every other viewport whose stack
// shares its frame of reference and plane jumps to its nearest slice. Only for a page that
// drives or explores: a follower gets the linked result from the room state, so both never
// fight over a viewport.
import { Enums, metaData, type StackViewport } from '@cornerstonejs/core';

interface Plane { frameOfReferenceUID?: string; imagePositionPatient?: number[]; rowCosines?: number[]; columnCosines?: number[] }

const plane = (imageId: string) => (metaData.get('imagePlaneModule', imageId) as Plane | undefined) ?? {};

function normal(p: Plane): number[] | null {
  const r = p.rowCosines;
  const c = p.columnCosines;
  if (!r || !c || r.length < 3 || c.length < 3) return null;
  const [a, b, e] = r as [number, number, number];
  const [d, f, g] = c as [number, number, number];
  return [b * g - e * f, e * d - a * g, a * f - b * d];
}

function coplanar(a: Plane, b: Plane): boolean {
  const n = normal(a);
  const m = normal(b);
  if (!n || !m) return false;
  return Math.abs(n.reduce((s, v, k) => s + v * (m[k] ?? 0), 0)) > 0.99;
}

/** The index of the image of `target` nearest to the position of `source`'s current image. */
export function nearestSlice(source: StackViewport, target: StackViewport): number | null {
  const id = source.getCurrentImageId();
  if (!id) return null;
  const from = plane(id);
  const ids = target.getImageIds();
  const first = ids[0] ? plane(ids[0]) : {};
  const at = from.imagePositionPatient;
  if (!at || !from.frameOfReferenceUID || from.frameOfReferenceUID !== first.frameOfReferenceUID
    || !coplanar(from, first)) return null;
  let best = -1;
  let bestDistance = Infinity;
  ids.forEach((other, k) => {
    const p = plane(other).imagePositionPatient;
    if (!p) return;
    const d = Math.hypot(...p.map((v, i) => v - (at[i] ?? 0)));
    if (d < bestDistance) { best = k; bestDistance = d; }
  });
  return best < 0 ? null : best;
}

export class Linker {
  enabled = true;
  private busy = false;

  /** May this page link now (the page sets: it drives or explores). */
  active: () => boolean = () => true;

  /** `viewports`: the layout's viewports, in order. */
  constructor(private readonly viewports: () => (StackViewport | null)[]) {}

  watch(el: HTMLElement, index: number): void {
    el.addEventListener(Enums.Events.STACK_NEW_IMAGE, () => void this.changed(index));
  }

  private async changed(index: number): Promise<void> {
    if (!this.enabled || this.busy || !this.active()) return;
    const all = this.viewports();
    const source = all[index];
    if (!source) return;
    this.busy = true; // the jumps below fire STACK_NEW_IMAGE themselves
    try {
      for (const [k, target] of all.entries()) {
        if (k === index || !target) continue;
        const slice = nearestSlice(source, target);
        if (slice !== null && slice !== target.getCurrentImageIdIndex()) await target.setImageIdIndex(slice);
      }
    } finally {
      this.busy = false;
    }
  }
}
