// Slot for the media UI (video tiles, mute buttons); the SFU work fills it in.
// The placeholder element is #media-panel (data-slot="media") in index.html.
export function mediaPanel(): HTMLElement | null {
  return document.querySelector<HTMLElement>('#media-panel');
}
