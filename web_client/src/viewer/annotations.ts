// Cornerstone annotations <-> wire annotations. On the wire: SOP UID + frame and IMAGE pixel
// points (column, row); handles only (each client recomputes statistics from lossless pixels).
import { metaData, utilities, type Types } from '@cornerstonejs/core';
import { annotation as csAnnotation, type Types as ToolTypes } from '@cornerstonejs/tools';
import type { Annotation, AnnotationKind } from '../protocol/types';
import type { DicomWeb } from './dicomweb';
import { KIND_OF_TOOL, TOOL_NAMES } from './tools';

type CsAnnotation = ToolTypes.Annotation;

export interface WireShape {
  id: string; kind: AnnotationKind; image: Annotation['image']; points: [number, number][];
  text: string;
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

export function toWire(a: CsAnnotation, web: DicomWeb): WireShape | null {
  const kind = KIND_OF_TOOL.get(a.metadata?.toolName ?? '');
  const imageId = a.metadata?.referencedImageId;
  const image = imageId ? web.refOf(imageId) : null;
  const points = a.data.handles?.points;
  if (!kind || !imageId || !image || !points || !a.annotationUID) return null;
  const pts = points.map((p) => {
    const ij = utilities.worldToImageCoords(imageId, p as Types.Point3) ?? [0, 0];
    return [r4(ij[0]), r4(ij[1])] as [number, number];
  });
  const text = labelOf(a);
  return { id: a.annotationUID, kind, image, points: pts, text };
}

/** Cornerstone 5 keeps an arrow's text in `data.label` (it draws that); older data used `text`. */
function labelOf(a: CsAnnotation): string {
  const data = a.data as { label?: string; text?: string };
  return String(data.label || data.text || '');
}

export function setLabel(a: CsAnnotation, text: string): void {
  Object.assign(a.data, { label: text, text });
}

function planeOf(imageId: string): { normal: Types.Point3; up: Types.Point3; frame: string } {
  const plane = metaData.get('imagePlaneModule', imageId) as {
    rowCosines: number[]; columnCosines: number[]; frameOfReferenceUID: string;
  };
  const [a, b, c] = plane.rowCosines;
  const [d, e, f] = plane.columnCosines;
  const normal: Types.Point3 = [b * f - c * e, c * d - a * f, a * e - b * d];
  return { normal, up: [-d, -e, -f], frame: plane.frameOfReferenceUID };
}

export function worldPoints(a: Annotation, imageId: string): Types.Point3[] {
  return a.points.map(([x, y]) => utilities.imageToWorldCoords(imageId, [x, y]) as Types.Point3);
}

export function fromWire(a: Annotation, web: DicomWeb): CsAnnotation | null {
  const imageId = web.idOf(a.image);
  if (!imageId) return null;
  const { normal, up, frame } = planeOf(imageId);
  return {
    annotationUID: a.id,
    highlighted: false,
    invalidated: true,
    isLocked: false,
    isVisible: true,
    metadata: {
      toolName: TOOL_NAMES[a.kind], referencedImageId: imageId, viewPlaneNormal: normal,
      viewUp: up, FrameOfReferenceUID: frame,
    },
    data: {
      text: a.text,
      label: a.text,
      handles: {
        points: worldPoints(a, imageId),
        activeHandleIndex: null,
        textBox: {
          hasMoved: false, worldPosition: [0, 0, 0] as Types.Point3,
          worldBoundingBox: {
            topLeft: [0, 0, 0] as Types.Point3, topRight: [0, 0, 0] as Types.Point3,
            bottomLeft: [0, 0, 0] as Types.Point3, bottomRight: [0, 0, 0] as Types.Point3,
          },
        },
      },
      cachedStats: {},
    },
  } as unknown as CsAnnotation;
}

export function getCs(id: string): CsAnnotation | undefined {
  return csAnnotation.state.getAnnotation(id);
}

export function allCs(): CsAnnotation[] {
  return csAnnotation.state.getAllAnnotations();
}
