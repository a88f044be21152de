// The stage: one video shown large beside the image viewer (which stays usable and resizes).
// A click on any tile pins it there (again: unpins); a screen share takes the stage by itself
// unless its viewer closed it — a county doctor's ultrasound screen must not be a thumbnail.
// On a phone held upright, with nothing pinned, a camera floats over the image (picture in picture).
import { t } from '../i18n';
import type { TileModel } from './tiles';

const PORTRAIT_PHONE = '(max-width: 800px) and (orientation: portrait)';

export class Stage {
  private pinned: string | null = null;
  /** Screen shares the user took off the stage: they stay small until pinned again. */
  private readonly dismissed = new Set<string>();
  private track: MediaStreamTrack | null = null;
  private readonly video: HTMLVideoElement;
  private readonly name: HTMLElement;

  constructor(private readonly root: HTMLElement, private readonly changed: () => void) {
    this.video = root.querySelector('video') as HTMLVideoElement;
    this.name = root.querySelector('.stage-name') as HTMLElement;
    (root.querySelector('[data-action="unpin"]') as HTMLElement).onclick = () => this.unpin();
  }

  /** A tile was clicked: pin it, or unpin it if it is on the stage. */
  toggle(key: string): void {
    if (this.shown === key) return this.unpin();
    this.pinned = key;
    this.dismissed.delete(key);
    this.changed();
  }

  private shown: string | null = null;

  private unpin(): void {
    if (this.shown) this.dismissed.add(this.shown);
    this.pinned = null;
    this.changed();
  }

  /** A phone held upright shows one camera (who speaks, else the first) over the image, so
   *  video and image are seen together without switching tabs. */
  private pictureInPicture(tiles: TileModel[]): TileModel | undefined {
    if (!window.matchMedia(PORTRAIT_PHONE).matches) return undefined;
    const cameras = tiles.filter((m) => !m.local && m.track && !m.cameraOff && !this.dismissed.has(m.key));
    return cameras.find((m) => m.speaking) ?? cameras[0];
  }

  render(tiles: TileModel[]): void {
    const chosen = tiles.find((m) => m.key === this.pinned)
      ?? tiles.find((m) => m.source === 'screen' && !this.dismissed.has(m.key));
    const model = chosen ?? this.pictureInPicture(tiles);
    this.root.dataset.mode = chosen ? 'stage' : 'pip';
    this.shown = model?.key ?? null;
    this.root.hidden = !model; // the viewer's ResizeObserver re-fits the images
    this.root.dataset.key = model?.key ?? '';
    const track = model?.track ?? null;
    if (track !== this.track) {
      this.track = track;
      this.video.srcObject = track ? new MediaStream([track]) : null;
    }
    if (track && this.video.paused) void this.video.play().catch(() => undefined);
    this.name.textContent = model ? (model.source === 'screen' ? `${model.name} · ${t('call_screen')}` : model.name) : '';
    (this.root.querySelector('[data-action="unpin"]') as HTMLElement).textContent = t('unpin');
    for (const fig of document.querySelectorAll<HTMLElement>('.media-tile')) {
      fig.classList.toggle('on-stage', `${fig.dataset.participant}:${fig.dataset.source}` === this.shown);
    }
  }
}
