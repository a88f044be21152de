// Reference lines: every viewport of a multi-viewport layout shows the other viewports' current
// slice planes as lines (same frame of reference only). Cornerstone's ReferenceLinesTool draws
// ONE source viewport's plane in the others, so there is one registered copy per source.
import { ReferenceLinesTool } from '@cornerstonejs/tools';

/** Sources: the stack layout's viewports (at most 2x2). */
const SOURCES = 4;
/** Each source's line colour (it matches nothing else on screen). */
const COLOURS = ['#ffd43b', '#63e6be', '#f783ac', '#74c0fc'];

export const REFERENCE_LINE_TOOLS = Array.from({ length: SOURCES }, (_, i) => {
  return class extends ReferenceLinesTool {
    static override toolName: string = `HuizhenReferenceLines${i}`;
  };
});

export function referenceLinesConfig(sourceViewportId: string): Record<string, unknown> {
  return { sourceViewportId, enforceSameFrameOfReference: true, showFullDimension: false };
}

export const referenceLineColour = (i: number) => COLOURS[i % COLOURS.length] ?? '#ffd43b';
