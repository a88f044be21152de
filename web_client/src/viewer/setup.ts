// Cornerstone3D initialisation: core, DICOM image loader (Bearer token on every request), tools.
import { init as coreInit } from '@cornerstonejs/core';
import { init as loaderInit } from '@cornerstonejs/dicom-image-loader';
import {
  AngleTool, ArrowAnnotateTool, EllipticalROITool, LengthTool, PanTool, ProbeTool,
  RectangleROITool, StackScrollTool, WindowLevelTool, ZoomTool, addTool, init as toolsInit,
} from '@cornerstonejs/tools';

export const TOOL_CLASSES = [
  WindowLevelTool, PanTool, ZoomTool, StackScrollTool, LengthTool, AngleTool,
  EllipticalROITool, RectangleROITool, ProbeTool, ArrowAnnotateTool,
];

export async function initCornerstone(token: string): Promise<void> {
  await coreInit();
  loaderInit({
    maxWebWorkers: Math.max(1, Math.min(2, navigator.hardwareConcurrency || 1)),
    beforeSend: () => ({ Authorization: `Bearer ${token}` }),
  });
  toolsInit();
  for (const tool of TOOL_CLASSES) addTool(tool);
}
