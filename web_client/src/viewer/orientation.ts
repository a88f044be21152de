// Orientation markers: which patient direction (LPS: +x left, +y posterior, +z head) lies
// toward each edge of the screen, from the camera, so rotation and flips are reflected.
import type { Types } from '@cornerstonejs/core';

type Vec = [number, number, number];

const cross = (a: Vec, b: Vec): Vec =>
  [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

/** Screen right and screen down as patient-space unit vectors, or null without a camera. */
export function screenAxes(cam: Types.ICamera): { right: Vec; down: Vec } | null {
  const up = cam.viewUp as Vec | undefined;
  const normal = cam.viewPlaneNormal as Vec | undefined;
  if (!up || !normal) return null;
  return { right: cross(up, normal), down: [-up[0], -up[1], -up[2]] };
}

const LETTERS: [string, string][] = [['L', 'R'], ['P', 'A'], ['H', 'F']];

/** Up to two letters for a direction, the main axis first (an oblique plane shows e.g. "LP"). */
export function orientationLabel(v: number[]): string {
  return [0, 1, 2]
    .filter((k) => Math.abs(v[k] ?? 0) > 0.25)
    .sort((a, b) => Math.abs(v[b] ?? 0) - Math.abs(v[a] ?? 0))
    .slice(0, 2)
    .map((k) => (LETTERS[k] as [string, string])[(v[k] ?? 0) > 0 ? 0 : 1])
    .join('');
}
