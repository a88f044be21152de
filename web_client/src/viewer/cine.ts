// Local cine playback of one viewport. The room only says "playing at fps" (set_cine): each page
// advances its own stack, so the driver sends one command, not a set_image per frame.
import { utilities as toolUtils } from '@cornerstonejs/tools';

export function cinePlaying(el: HTMLDivElement): boolean {
  return toolUtils.cine.getToolState(el)?.intervalId !== undefined;
}

/** Start (or re-time) playback at `fps`; a no-op when already playing at that rate. */
export function playCine(el: HTMLDivElement, fps: number): void {
  const state = toolUtils.cine.getToolState(el);
  if (cinePlaying(el) && state?.framesPerSecond === fps) return;
  toolUtils.cine.playClip(el, { framesPerSecond: fps, loop: true });
}

export function stopCine(el: HTMLDivElement): void {
  if (cinePlaying(el)) toolUtils.cine.stopClip(el);
}
