// Burned-in text redaction rectangles for one series: the server's API
// (GET/PUT /api/studies/{study}/series/{series}/redaction, docs/deidentification.md) and the
// mapping between the viewport's canvas and the instance's pixel grid, where rectangles live.
import { utilities as csUtils, type StackViewport, type Types } from '@cornerstonejs/core';

/** [x, y, width, height] in image pixels (columns, rows), integers. */
export type Rect = [number, number, number, number];

export interface RedactionPlan {
  rectangles: Rect[];
  /** 'default' = the ultrasound band, used until someone saves rectangles for the series. */
  source: 'series' | 'default' | 'none';
  needs_redaction: boolean;
}

function url(study: string, series: string): string {
  const s = encodeURIComponent(study);
  return `${window.location.origin}/api/studies/${s}/series/${encodeURIComponent(series)}/redaction`;
}

async function call(token: string, study: string, series: string, init: RequestInit): Promise<RedactionPlan> {
  const r = await fetch(url(study, series), {
    ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
  });
  if (!r.ok) throw new Error(`${r.status} ${await r.text()}`);
  return (await r.json()) as RedactionPlan;
}

export function fetchPlan(token: string, study: string, series: string): Promise<RedactionPlan> {
  return call(token, study, series, { method: 'GET' });
}

export function savePlan(token: string, study: string, series: string, rects: Rect[]): Promise<RedactionPlan> {
  return call(token, study, series, { method: 'PUT', body: JSON.stringify({ rectangles: rects }) });
}

/** A canvas point (CSS pixels in the viewport element) -> image [column, row]. */
export function canvasToImage(vp: StackViewport, p: [number, number]): [number, number] | null {
  const id = vp.getCurrentImageId();
  if (!id) return null;
  const ij = csUtils.worldToImageCoords(id, vp.canvasToWorld(p as Types.Point2));
  return ij ? [ij[0], ij[1]] : null;
}

/** Image [column, row] -> a canvas point (CSS pixels in the viewport element). */
export function imageToCanvas(vp: StackViewport, p: [number, number]): [number, number] | null {
  const id = vp.getCurrentImageId();
  if (!id) return null;
  const world = csUtils.imageToWorldCoords(id, p as Types.Point2);
  if (!world) return null;
  const c = vp.worldToCanvas(world);
  return [c[0], c[1]];
}

/** The integer rectangle spanned by two image points, clipped to the image; null if empty. */
export function rectBetween(a: [number, number], b: [number, number], cols: number, rows: number): Rect | null {
  const x0 = Math.max(0, Math.floor(Math.min(a[0], b[0])));
  const y0 = Math.max(0, Math.floor(Math.min(a[1], b[1])));
  const x1 = Math.min(cols, Math.ceil(Math.max(a[0], b[0])));
  const y1 = Math.min(rows, Math.ceil(Math.max(a[1], b[1])));
  return x1 - x0 >= 1 && y1 - y0 >= 1 ? [x0, y0, x1 - x0, y1 - y0] : null;
}
