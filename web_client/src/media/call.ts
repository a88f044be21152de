// The call: join / leave, local devices (mic, camera, screen), mute, what we tell the room
// (`set_media`), and what we receive. Signalling lives in the Negotiator; the DOM in MediaPanel.
import { can, type Ctx } from '../context';
import type { ConnectionStatus } from '../protocol/connection';
import type { ServerMessage } from '../protocol/types';
import { t } from '../i18n';
import { toast } from '../ui/dom';
import {
  isSignalRef, Negotiator, SOURCES, type AudioStats, type RemoteTrack, type SignalMessage, type Source,
} from './negotiator';
import { MediaPanel, type CallControls } from './panel';

const CAMERA: MediaTrackConstraints = {
  width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 20, max: 30 },
};
const SCREEN: DisplayMediaStreamOptions = { video: { frameRate: { max: 15 } }, audio: false };
const SIGNALS = new Set(['rtc_offer', 'rtc_answer', 'media_tracks']);
const LIVE: ReadonlySet<ConnectionStatus> = new Set([
  'connecting', 'connected', 'reconnecting', 'restarting',
]);

/** Sends one signalling message on the room WebSocket; false while it is not open. */
export type SignalSender = (message: SignalMessage) => boolean;

export class MediaCall implements CallControls {
  inCall = false;
  /** A device prompt is open: the buttons wait for it. */
  busy = false;
  micMuted = false;
  speaker: string | null = null;
  remote: RemoteTrack[] = [];
  readonly local: Partial<Record<Source, MediaStreamTrack>> = {};
  private neg: Negotiator | null = null;
  /** Our send sections were deactivated by a revoked grant: publishing again restarts. */
  private stale = false;
  private mayPublishBefore = false;
  private welcomed = false;
  /** STUN/TURN for our peer connection, fetched on every welcome (TURN credentials expire). */
  private iceServers: RTCIceServer[] = [];
  private iceFetched: Promise<void> = Promise.resolve();
  private readonly panel: MediaPanel;

  constructor(private readonly ctx: Ctx, private readonly signal: SignalSender) {
    this.panel = new MediaPanel(ctx, this);
  }

  mayPublish(): boolean {
    return can(this.ctx, 'publish_media');
  }

  publishing(): boolean {
    return Boolean(this.local.mic ?? this.local.camera ?? this.local.screen);
  }

  // --- from the room connection -------------------------------------------------------
  /** Media messages are consumed here (true); room events pass on to the room mirror. */
  receive(m: ServerMessage): boolean {
    if (m.type === 'welcome') {
      this.welcome(); // seen, and left to the room mirror
      return false;
    }
    if (m.type === 'active_speaker') {
      this.speaker = m.participant;
      this.ctx.speaker = m.participant;
      this.ctx.changed();
      return true;
    }
    const signal = SIGNALS.has(m.type) || (m.type === 'error' && isSignalRef(m.ref));
    if (signal) this.neg?.receive(m); // none while not in a call: ignored
    return signal;
  }

  status(status: ConnectionStatus): void {
    if (!LIVE.has(status)) this.teardown(); // kicked, room closed, replaced, token expired
  }

  /** After the room state changed: a lost `publish_media` grant stops our tracks. */
  render(): void {
    const may = this.mayPublish();
    if (this.inCall && this.mayPublishBefore && !may) this.revoked();
    this.mayPublishBefore = may;
    this.panel.render();
  }

  // --- user actions (each runs inside a click: the gesture autoplay and devices need) ---
  async join(): Promise<void> {
    if (this.inCall) return;
    this.inCall = true;
    this.micMuted = false;
    this.panel.resumeAudio();
    const tracks = this.mayPublish() ? await this.devices() : {};
    await this.iceFetched; // long done unless the page joined the call at once
    if (!this.inCall) return stopAll(tracks); // left while the prompt was open
    this.neg = this.negotiator();
    for (const source of SOURCES) {
      const track = tracks[source];
      if (track) this.publish(source, track);
    }
    this.neg.offer(); // a listener opens with no sections at all
    if (this.publishing()) this.sendState();
    this.ctx.changed();
  }

  leave(): void {
    const announced = this.publishing();
    this.teardown();
    if (announced) this.sendState();
  }

  toggleMic(): Promise<void> {
    if (!this.local.mic) return this.acquire('mic', () => userTrack({ audio: true }, 'audio'));
    this.micMuted = !this.micMuted;
    this.local.mic.enabled = !this.micMuted; // silence, no renegotiation (docs: mute)
    this.sendState();
    this.ctx.changed();
    return Promise.resolve();
  }

  /** A moderator muted my microphone and/or stopped my camera: follow the room's word. */
  moderated(audioMuted: boolean, video: boolean): void {
    if (audioMuted && this.local.mic && !this.micMuted) {
      this.micMuted = true;
      this.local.mic.enabled = false;
      toast(t('mod_muted_you'), 'info');
    }
    if (!video && this.local.camera) {
      this.unpublish('camera');
      toast(t('mod_stopped_your_video'), 'info');
    }
    this.ctx.changed();
  }

  toggleCamera(): Promise<void> {
    if (!this.local.camera) return this.acquire('camera', () => userTrack({ video: CAMERA }, 'video'));
    this.unpublish('camera'); // camera light off; the section stays for the next start
    this.sendState();
    return Promise.resolve();
  }

  toggleScreen(): Promise<void> {
    if (!this.local.screen) return this.acquire('screen', screenTrack);
    this.unpublish('screen');
    this.sendState();
    return Promise.resolve();
  }

  audioStats(): Promise<AudioStats> {
    return this.neg?.audioStats() ?? Promise.resolve({ bytes: 0, samples: 0, energy: 0 });
  }

  // --- internals ----------------------------------------------------------------------
  private async acquire(source: Source, open: () => Promise<MediaStreamTrack>): Promise<void> {
    if (!this.inCall || !this.mayPublish() || this.busy) return;
    this.busy = true;
    this.ctx.changed();
    try {
      const track = await open();
      if (!this.inCall || !this.mayPublish()) return track.stop();
      if (this.stale) this.restart();
      this.publish(source, track);
      if (source === 'mic') this.micMuted = false;
      this.sendState();
    } catch (e) {
      toast(`${t(source === 'screen' ? 'call_screen_failed' : 'call_device_failed')} (${errorName(e)})`);
    } finally {
      this.busy = false;
      this.ctx.changed();
    }
  }

  private publish(source: Source, track: MediaStreamTrack): void {
    this.local[source] = track;
    this.neg?.setTrack(source, track);
    // The browser's own "stop sharing" bar (or a camera unplugged) ends the track.
    track.addEventListener('ended', () => {
      if (this.local[source] !== track) return;
      this.unpublish(source);
      this.sendState();
    });
  }

  private unpublish(source: Source): void {
    this.local[source]?.stop();
    delete this.local[source];
    this.neg?.setTrack(source, null);
    this.ctx.changed();
  }

  private async devices(): Promise<Partial<Record<Source, MediaStreamTrack>>> {
    this.busy = true;
    this.ctx.changed();
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: CAMERA });
      return { mic: stream.getAudioTracks()[0], camera: stream.getVideoTracks()[0] };
    } catch (e) {
      toast(`${t('call_device_failed')} (${errorName(e)})`);
      return userTrack({ audio: true }, 'audio').then((mic) => ({ mic }), () => ({}));
    } finally {
      this.busy = false;
    }
  }

  private sendState(): void {
    void this.ctx.send({
      type: 'set_media', audio: Boolean(this.local.mic), video: Boolean(this.local.camera),
      screen: Boolean(this.local.screen), audio_muted: this.micMuted, video_muted: false,
    }).then((r) => {
      if (!r.ok && r.code !== 'offline') toast(`${t('error_generic')}: ${r.code ?? ''}`);
    });
  }

  private negotiator(): Negotiator {
    return new Negotiator({
      send: (message) => this.signal(message),
      onRemote: (tracks) => { this.remote = tracks; this.ctx.changed(); },
      onError: (code, message) => toast(`${t('call_error')}: ${code} ${message}`.trim()),
    }, this.iceServers);
  }

  /** A failed fetch keeps the last list: host candidates still work off NAT. */
  private async fetchIceServers(): Promise<void> {
    try {
      const r = await fetch('/api/session/ice', { headers: this.ctx.web.headers() });
      if (!r.ok) return;
      const body = (await r.json()) as { ice_servers: RTCIceServer[] };
      this.iceServers = body.ice_servers;
    } catch {
      // offline for a moment: the next welcome fetches again
    }
  }

  /** A new peer connection (the server replaces our old one): same local tracks, new offer. */
  private restart(): void {
    this.neg?.close();
    this.neg = this.negotiator();
    this.stale = false;
    this.remote = [];
    for (const source of SOURCES) {
      const track = this.local[source];
      if (track) this.neg.setTrack(source, track);
    }
    this.neg.offer();
  }

  /** Back after a dropped WebSocket: server offers may have been lost, so start afresh. */
  private welcome(): void {
    this.iceFetched = this.fetchIceServers(); // a restart below still has the last list
    if (this.welcomed && this.inCall) {
      this.restart();
      if (this.publishing()) queueMicrotask(() => this.sendState());
    }
    this.welcomed = true;
  }

  private revoked(): void {
    const had = SOURCES.some((source) => this.neg?.has(source));
    for (const source of SOURCES) if (this.local[source]) this.unpublish(source);
    this.stale = had;
    if (had) this.sendState();
  }

  private teardown(): void {
    stopAll(this.local);
    for (const source of SOURCES) delete this.local[source];
    this.neg?.close();
    this.neg = null;
    this.remote = [];
    this.speaker = null;
    this.ctx.speaker = null;
    this.inCall = false;
    this.stale = false;
    this.ctx.changed();
  }
}

async function userTrack(constraints: MediaStreamConstraints, kind: 'audio' | 'video'): Promise<MediaStreamTrack> {
  const stream = await navigator.mediaDevices.getUserMedia(constraints);
  const track = kind === 'audio' ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0];
  if (!track) throw new Error('NotFoundError');
  return track;
}

async function screenTrack(): Promise<MediaStreamTrack> {
  const track = (await navigator.mediaDevices.getDisplayMedia(SCREEN)).getVideoTracks()[0];
  if (!track) throw new Error('NotFoundError');
  track.contentHint = 'detail'; // text and images: keep resolution, drop frames
  return track;
}

function stopAll(tracks: Partial<Record<Source, MediaStreamTrack>>): void {
  for (const track of Object.values(tracks)) track.stop();
}

function errorName(e: unknown): string {
  return e instanceof Error ? e.name : String(e);
}
