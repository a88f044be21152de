// Recorded audio/video tracks, slaved to the player clock: a track's media time is
// (clock - offset_s); drift beyond 100 ms is corrected by a seek of the element.
import type { RecordingApi, Track } from './api';
import type { PlayerClock } from './clock';
import { label } from './strings';

const MAX_DRIFT_S = 0.1;

interface Tile { track: Track; el: HTMLMediaElement; ready: boolean }

export class MediaTiles {
  private readonly tiles: Tile[] = [];

  constructor(private readonly box: HTMLElement, private readonly clock: PlayerClock) {}

  async load(api: RecordingApi, id: string, tracks: Track[]): Promise<void> {
    if (tracks.length === 0) {
      const p = document.createElement('p');
      p.className = 'muted no-media';
      p.textContent = label('no_media');
      this.box.replaceChildren(p);
      return;
    }
    this.box.replaceChildren();
    for (const track of tracks) await this.add(api, id, track);
  }

  private async add(api: RecordingApi, id: string, track: Track): Promise<void> {
    const el = document.createElement(track.kind === 'audio' ? 'audio' : 'video');
    el.className = `media-tile kind-${track.kind}`;
    el.dataset.participant = track.participant;
    el.preload = 'auto';
    el.muted = false;
    const tile: Tile = { track, el, ready: false };
    this.tiles.push(tile);
    this.box.append(el);
    try {
      el.src = await api.mediaUrl(id, track.file);
      el.onloadedmetadata = () => { tile.ready = true; this.sync(); };
      el.onerror = () => {
        el.dataset.error = el.error?.message ?? 'error';
        el.after(Object.assign(document.createElement('p'), {
          className: 'muted', textContent: `${track.participant}: ${label('media_failed')}`,
        }));
      };
    } catch (err) {
      console.warn('playback: media not loaded', track.file, err);
    }
  }

  /** Bring every element to the clock: position, rate, playing or not. */
  sync(): void {
    const t = this.clock.position();
    for (const { track, el, ready } of this.tiles) {
      if (!ready) continue;
      const local = t - track.offset_s;
      const inside = local >= 0 && local <= (Number.isFinite(el.duration) ? el.duration : Infinity);
      if (Math.abs(el.currentTime - Math.max(0, local)) > MAX_DRIFT_S) el.currentTime = Math.max(0, local);
      el.playbackRate = this.clock.rate;
      if (this.clock.playing && inside && el.paused) void el.play().catch(() => undefined);
      if ((!this.clock.playing || !inside) && !el.paused) el.pause();
    }
  }
}
