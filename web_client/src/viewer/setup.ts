// Cornerstone3D initialisation: core, DICOM image loader (Bearer token on every request), tools.
import { init as coreInit } from '@cornerstonejs/core';
import { init as loaderInit } from '@cornerstonejs/dicom-image-loader';
import type { TokenSource } from '../access';
import {
  AngleTool, ArrowAnnotateTool, EllipticalROITool, LengthTool, PanTool, ProbeTool,
  RectangleROITool, StackScrollTool, WindowLevelTool, ZoomTool, addTool, init as toolsInit,
} from '@cornerstonejs/tools';
import { OrthogonalCrosshairs } from './mpr';
import { REFERENCE_LINE_TOOLS } from './referencelines';

export const TOOL_CLASSES = [
  WindowLevelTool, PanTool, ZoomTool, StackScrollTool, LengthTool, AngleTool,
  EllipticalROITool, RectangleROITool, ProbeTool, ArrowAnnotateTool, OrthogonalCrosshairs,
  ...REFERENCE_LINE_TOOLS,
];

// The server sends the frames of uncompressed studies as JPEG-LS lossless, so that is the decoder
// nearly every study needs; the decode worker would fetch it only once the first frame is in.
// Fetched into the HTTP cache now, it arrives while the room connects (the link is idle then).
// Other decoders still load only when a frame in their transfer syntax arrives.
const JPEG_LS_DECODER = new URL('@cornerstonejs/codec-charls/decodewasm', import.meta.url);

export async function initCornerstone(token: TokenSource): Promise<void> {
  // When the link drops under a frame request, the WADO-RS loader's retrieval leaves the
  // failed XMLHttpRequest as an unhandled rejection; the viewer asks for the slice again when
  // it is shown, so that is not an error to report.
  window.addEventListener('unhandledrejection', (event) => {
    if (event.reason instanceof XMLHttpRequest) event.preventDefault();
  });
  await coreInit();
  loaderInit({
    maxWebWorkers: Math.max(1, Math.min(2, navigator.hardwareConcurrency || 1)),
    beforeSend: () => ({ Authorization: `Bearer ${token()}` }),
  });
  void fetch(JPEG_LS_DECODER).catch(() => undefined);
  toolsInit();
  for (const tool of TOOL_CLASSES) addTool(tool);
}
