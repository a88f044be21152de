// The playback toolbar: viewing and measuring tools. Picking one starts exploring (the
// recording's view is not changed by a viewer of the recording).
import type { ToolBox, ToolName } from '../viewer/tools';
import { label } from './strings';

const TOOLS: ToolName[] = ['wl', 'pan', 'zoom', 'length', 'ellipse'];

export function bindTools(box: HTMLElement, tools: ToolBox, explore: () => void): void {
  const buttons = TOOLS.map((tool) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.tool = tool;
    b.dataset.label = `tool_${tool}`;
    b.textContent = label(`tool_${tool}`);
    b.onclick = () => {
      if (tool !== 'wl' || tools.active !== 'wl') explore();
      tools.select(tool);
      for (const other of buttons) other.classList.toggle('active', other === b);
    };
    b.classList.toggle('active', tool === tools.active);
    return b;
  });
  box.prepend(...buttons);
}
