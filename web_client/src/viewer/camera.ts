// Wire Presentation <-> Cornerstone camera. Zoom is relative to fit-to-window (Cornerstone's
// initial camera after resetCamera). Pan is expressed in IMAGE axes as a fraction of the image
// size: pan = (image centre - displayed centre) / size, so it means the same on any screen.
import { metaData, utilities, type StackViewport, type Types } from '@cornerstonejs/core';
import type { Presentation } from '../protocol/types';

function size(imageId: string): [number, number] {
  const m = metaData.get('imagePixelModule', imageId) as { columns: number; rows: number } | undefined;
  return m ? [m.columns, m.rows] : [1, 1];
}

function centre(imageId: string): [number, number] {
  const [c, r] = size(imageId);
  return [(c - 1) / 2, (r - 1) / 2];
}

const round = (x: number, digits = 1e5) => Math.round(x * digits) / digits;

export function readPresentation(vp: StackViewport): Presentation | null {
  const imageId = vp.getCurrentImageId();
  if (!imageId) return null;
  const pres = vp.getViewPresentation();
  const focal = utilities.worldToImageCoords(imageId, vp.getCamera().focalPoint as Types.Point3);
  if (!focal) return null;
  const [w, h] = size(imageId);
  const [cx, cy] = centre(imageId);
  const rotation = ((Math.round((pres.rotation ?? 0) / 90) * 90) % 360 + 360) % 360;
  return {
    zoom: round(vp.getZoom()),
    pan: [round((cx - focal[0]) / w), round((cy - focal[1]) / h)],
    rotation,
    flip_h: Boolean(pres.flipHorizontal),
    flip_v: Boolean(pres.flipVertical),
  };
}

export function applyPresentation(vp: StackViewport, p: Presentation): void {
  const imageId = vp.getCurrentImageId();
  if (!imageId) return;
  vp.setViewPresentation({ rotation: p.rotation, flipHorizontal: p.flip_h, flipVertical: p.flip_v });
  vp.setZoom(p.zoom);
  const [w, h] = size(imageId);
  const [cx, cy] = centre(imageId);
  const target = utilities.imageToWorldCoords(imageId, [cx - p.pan[0] * w, cy - p.pan[1] * h]);
  if (!target) return;
  const cam = vp.getCamera();
  const focal = cam.focalPoint as Types.Point3;
  const pos = cam.position as Types.Point3;
  const d = [target[0] - focal[0], target[1] - focal[1], target[2] - focal[2]];
  vp.setCamera({
    focalPoint: target as Types.Point3,
    position: [pos[0] + d[0], pos[1] + d[1], pos[2] + d[2]] as Types.Point3,
  });
}
