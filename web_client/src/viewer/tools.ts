// One tool group for all viewports. Left button (one finger) = the chosen tool; middle = pan;
// right = zoom; wheel = slice scroll; two-finger pinch = zoom; three fingers = slice scroll
// (two fingers moving together also scroll: see ui/input.ts).
import {
  AngleTool, ArrowAnnotateTool, EllipticalROITool, Enums as ToolEnums, LengthTool, PanTool,
  ProbeTool, RectangleROITool, StackScrollTool, ToolGroupManager, WindowLevelTool, ZoomTool,
  annotation as csAnnotation, type Types as ToolTypes,
} from '@cornerstonejs/tools';
import { REFERENCE_LINE_TOOLS, referenceLineColour, referenceLinesConfig } from './referencelines';
import type { AnnotationKind } from '../protocol/types';

export type ToolName = 'wl' | 'pan' | 'zoom' | 'scroll' | AnnotationKind;

export const TOOL_NAMES: Record<ToolName, string> = {
  wl: WindowLevelTool.toolName,
  pan: PanTool.toolName,
  zoom: ZoomTool.toolName,
  scroll: StackScrollTool.toolName,
  length: LengthTool.toolName,
  angle: AngleTool.toolName,
  ellipse: EllipticalROITool.toolName,
  rectangle: RectangleROITool.toolName,
  probe: ProbeTool.toolName,
  arrow: ArrowAnnotateTool.toolName,
};

export const ANNOTATION_KINDS: AnnotationKind[] = [
  'length', 'angle', 'ellipse', 'rectangle', 'probe', 'arrow',
];

/** Cornerstone tool name -> wire annotation kind. */
export const KIND_OF_TOOL = new Map<string, AnnotationKind>(
  ANNOTATION_KINDS.map((k) => [TOOL_NAMES[k], k]),
);

const { MouseBindings: MB } = ToolEnums;
const GROUP_ID = 'huizhen-tools';

export class ToolBox {
  readonly group: ToolTypes.IToolGroup;
  active: ToolName = 'wl';
  /** Whether each viewport shows the others' slice positions (a local display choice). */
  referenceLines = false;
  /** Text for new arrows; asked by the UI before drawing. */
  arrowText = () => Promise.resolve('');

  constructor(private readonly engineId: string) {
    const group = ToolGroupManager.createToolGroup(GROUP_ID);
    if (!group) throw new Error('tool group exists');
    this.group = group;
    for (const name of Object.values(TOOL_NAMES)) group.addTool(name);
    group.setToolConfiguration(TOOL_NAMES.arrow, {
      getTextCallback: (done: (text: string) => void) => { void this.arrowText().then(done); },
      changeTextCallback: (_d: unknown, _e: unknown, done: (text: string) => void) => {
        void this.arrowText().then(done);
      },
    });
    group.setToolActive(TOOL_NAMES.pan, { bindings: [{ mouseButton: MB.Auxiliary }] });
    group.setToolActive(TOOL_NAMES.zoom, {
      bindings: [{ mouseButton: MB.Secondary }, { numTouchPoints: 2 }],
    });
    group.setToolActive(TOOL_NAMES.scroll, {
      bindings: [{ mouseButton: MB.Wheel }, { numTouchPoints: 3 }],
    });
    this.select('wl');
    this.addReferenceLines(group);
  }

  private addReferenceLines(group: ToolTypes.IToolGroup): void {
    const styles: Record<string, Record<string, string>> = {};
    REFERENCE_LINE_TOOLS.forEach((tool, i) => {
      group.addTool(tool.toolName, referenceLinesConfig(`vp-${i}`));
      const color = referenceLineColour(i); // the line's annotation is drawn "highlighted"
      styles[tool.toolName] = { color, colorHighlighted: color, colorSelected: color };
    });
    csAnnotation.config.style.setToolGroupToolStyles(GROUP_ID, styles as never);
  }

  /** Show or hide the reference lines; returns whether they show now. */
  toggleReferenceLines(): boolean {
    this.referenceLines = !this.referenceLines;
    for (const tool of REFERENCE_LINE_TOOLS) {
      if (this.referenceLines) this.group.setToolEnabled(tool.toolName);
      else this.group.setToolDisabled(tool.toolName);
    }
    return this.referenceLines;
  }

  add(viewportId: string): void {
    this.group.addViewport(viewportId, this.engineId);
  }

  remove(viewportId: string): void {
    this.group.removeViewports(this.engineId, viewportId);
  }

  /** Make `tool` the primary (left button / one finger) tool; annotations stay visible. */
  select(tool: ToolName): void {
    // Passive drops only the primary binding (pan keeps the middle button, zoom the right one
    // and two fingers, scroll the wheel): setToolActive would ADD bindings and leave the old
    // tool on the left button too (NOTES.md; issue 16).
    this.group.setToolPassive(TOOL_NAMES[this.active]);
    this.active = tool;
    const bindings = [{ mouseButton: MB.Primary }];
    if (tool === 'zoom') bindings.push({ mouseButton: MB.Secondary });
    if (tool === 'pan') bindings.push({ mouseButton: MB.Auxiliary });
    if (tool === 'scroll') bindings.push({ mouseButton: MB.Wheel });
    this.group.setToolActive(TOOL_NAMES[tool], { bindings });
    for (const k of ANNOTATION_KINDS) if (k !== tool) this.group.setToolPassive(TOOL_NAMES[k]);
  }

  /** Observers may not draw: only view tools, annotations shown but locked. */
  setAnnotating(allowed: boolean): void {
    for (const k of ANNOTATION_KINDS) {
      if (allowed) this.group.setToolPassive(TOOL_NAMES[k]);
      else this.group.setToolEnabled(TOOL_NAMES[k]);
    }
    if (!allowed && ANNOTATION_KINDS.includes(this.active as AnnotationKind)) this.select('wl');
    else if (allowed && ANNOTATION_KINDS.includes(this.active as AnnotationKind)) this.select(this.active);
  }
}
