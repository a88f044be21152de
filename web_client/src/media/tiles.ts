// Video tiles and audio sinks, reconciled in place: an element, once made for a participant's
// camera or screen, lives until that tile goes, so its video keeps playing across re-renders.
import { t } from '../i18n';

export interface TileModel {
  key: string; // `${participant}:${source}`
  participant: string;
  source: 'camera' | 'screen';
  name: string;
  track: MediaStreamTrack | null;
  local: boolean;
  micMuted: boolean;
  cameraOff: boolean;
  speaking: boolean;
  /** The member's identity colour (avatar, tile border). */
  colour: string;
}

class Tile {
  readonly root = document.createElement('figure');
  private readonly video = document.createElement('video');
  private readonly avatar = document.createElement('div');
  private readonly label = document.createElement('figcaption');
  private track: MediaStreamTrack | null = null;

  constructor(model: TileModel) {
    this.root.className = `media-tile ${model.source}`;
    this.root.dataset.participant = model.participant;
    this.root.dataset.source = model.source;
    this.video.autoplay = true;
    this.video.muted = true; // sound comes from the audio sinks (one per microphone)
    this.video.playsInline = true;
    this.avatar.className = 'avatar';
    this.root.append(this.video, this.avatar, this.label);
  }

  update(m: TileModel): void {
    if (m.track !== this.track) {
      this.track = m.track;
      this.video.srcObject = m.track ? new MediaStream([m.track]) : null;
    }
    const off = m.cameraOff || !m.track;
    this.video.hidden = off;
    // Autoplay alone may leave a stream paused (it was hidden, or the browser paused it).
    if (!off && this.video.paused) void this.video.play().catch(() => undefined);
    this.avatar.hidden = !off;
    this.avatar.style.background = m.colour;
    this.root.style.setProperty('--identity', m.colour);
    this.avatar.textContent = m.name.trim().slice(0, 1).toUpperCase();
    this.root.classList.toggle('local', m.local);
    this.root.classList.toggle('speaking', m.speaking);
    this.root.classList.toggle('camera-off', off);
    this.root.classList.toggle('mic-muted', m.micMuted);
    this.label.replaceChildren(...caption(m));
  }
}

function caption(m: TileModel): Node[] {
  const name = document.createElement('span');
  name.className = 'tile-name';
  const suffix = m.local ? ` (${t('you')})` : '';
  name.textContent = m.source === 'screen' ? `${m.name} · ${t('call_screen')}` : m.name + suffix;
  const out: Node[] = [name];
  if (m.source === 'camera' && m.micMuted) out.push(icon('🔇', 'mic-off-icon', t('call_mic_muted')));
  if (m.source === 'camera' && (m.cameraOff || !m.track)) {
    out.push(icon('📷✕', 'camera-off-icon', t('call_camera_off')));
  }
  return out;
}

function icon(glyph: string, cls: string, title: string): HTMLElement {
  const el = document.createElement('span');
  el.className = cls;
  el.textContent = glyph;
  el.title = title;
  el.setAttribute('aria-label', title);
  return el;
}

/** Keeps `container`'s tiles equal to the models given, in their order. */
export class TileGrid {
  private readonly tiles = new Map<string, Tile>();

  constructor(private readonly container: HTMLElement) {}

  update(models: TileModel[]): void {
    const keep = new Set(models.map((m) => m.key));
    for (const [key, tile] of this.tiles) {
      if (!keep.has(key)) {
        tile.update({ ...EMPTY, key });
        tile.root.remove();
        this.tiles.delete(key);
      }
    }
    models.forEach((m, i) => {
      let tile = this.tiles.get(m.key);
      if (!tile) this.tiles.set(m.key, (tile = new Tile(m)));
      tile.update(m);
      if (this.container.children[i] !== tile.root) this.container.insertBefore(tile.root, this.container.children[i] ?? null);
    });
  }
}

const EMPTY: TileModel = {
  key: '', participant: '', source: 'camera', name: '', track: null, local: false,
  micMuted: false, cameraOff: true, speaking: false, colour: '',
};

/** One playing <audio> per received microphone; created after the join click, so the
 *  browser's autoplay policy (sticky user activation) lets it sound. */
export class AudioSinks {
  private readonly sinks = new Map<string, HTMLAudioElement>();

  constructor(private readonly container: HTMLElement) {}

  update(tracks: Map<string, MediaStreamTrack>): void {
    for (const [key, el] of this.sinks) {
      if (tracks.get(key) === (el.srcObject as MediaStream | null)?.getAudioTracks()[0]) continue;
      el.srcObject = null;
      el.remove();
      this.sinks.delete(key);
    }
    for (const [key, track] of tracks) {
      if (this.sinks.has(key)) continue;
      const el = document.createElement('audio');
      el.autoplay = true;
      el.dataset.participant = key;
      el.srcObject = new MediaStream([track]);
      this.container.append(el);
      this.sinks.set(key, el);
      void el.play().catch(() => undefined); // autoplay refused: the next click retries
    }
  }

  /** Retry playback inside a user gesture (a browser that refused autoplay). */
  resume(): void {
    for (const el of this.sinks.values()) if (el.paused) void el.play().catch(() => undefined);
  }
}
