// The one peer connection to the SFU and its signalling over the room WebSocket
// (docs/protocol.md "Media signalling"). One step at a time (a promise chain): our offers, the
// server's offers, glare (we are the polite side: the server answers our offer `conflict`, we
// answer its offer, then offer again). A restart is a new Negotiator; until the new connection's
// first offer is answered, server offers still in flight belong to the replaced session and are
// dropped.
import type { ErrorMessage, MediaTracks, RtcAnswer, ServerMessage } from '../protocol/types';

export type Source = 'mic' | 'camera' | 'screen';
/** Send-section order the server reads: 1st audio = mic, 1st video = camera, 2nd = screen. */
export const SOURCES: readonly Source[] = ['mic', 'camera', 'screen'];
const KIND: Record<Source, 'audio' | 'video'> = { mic: 'audio', camera: 'video', screen: 'video' };
/** Caps for a county doctor's 2 Mbit/s link: camera and screen together stay under it. */
const MAX_BITRATE: Record<Source, number> = { mic: 64_000, camera: 500_000, screen: 1_000_000 };
const GATHER_MS = 3_000;

export interface RemoteTrack { participant: string; source: Source; track: MediaStreamTrack }

export interface AudioStats { bytes: number; samples: number; energy: number }

export interface NegotiatorHooks {
  /** Queue one client message on the room WebSocket; false when offline. */
  send(message: SignalMessage): boolean;
  onRemote(tracks: RemoteTrack[]): void;
  onError(code: string, message: string): void;
}

/** Signalling refs start far above the command refs `Connection` hands out, so an `error`
 *  answering a signal never settles a pending command (and the other way round). */
let nextRef = 1_500_000_000;
export function isSignalRef(ref: unknown): ref is number {
  return typeof ref === 'number' && ref >= 1_500_000_000;
}

/** What this client sends: our offer, or our answer to the server's. */
export interface SignalMessage { type: 'rtc_offer' | 'rtc_answer'; ref: number; sdp: string }

/** The server's reply to an offer, or a local failure (`offline`, `closed`). */
type Reply = RtcAnswer | ErrorMessage | { type: 'error'; code: 'offline' | 'closed'; message?: undefined };

export class Negotiator {
  readonly pc: RTCPeerConnection;
  private readonly sections = new Map<Source, RTCRtpTransceiver>();
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  private mids = new Map<string, { participant: string; source: Source }>();
  private chain: Promise<void> = Promise.resolve();
  /** Our first offer is unanswered: server offers now are for the session we replaced. */
  private fresh = true;
  private reoffer = false;
  private offerQueued = false;
  private closed = false;

  /** `iceServers`: the room's STUN/TURN list (`GET /api/session/ice`); TURN is how a browser
   *  behind a hospital's NAT reaches the SFU. */
  constructor(private readonly hooks: NegotiatorHooks, iceServers: RTCIceServer[] = []) {
    this.pc = new RTCPeerConnection({ iceServers });
  }

  /** Open (or renegotiate) the connection: an offer with whatever sections exist. */
  offer(): void {
    if (this.offerQueued) return; // one queued offer carries every section added until it runs
    this.offerQueued = true;
    this.enqueue(() => {
      this.offerQueued = false;
      return this.doOffer();
    });
  }

  /** Put `track` (or nothing) on a source's send section; a new section renegotiates. */
  setTrack(source: Source, track: MediaStreamTrack | null): void {
    const existing = this.sections.get(source);
    if (existing) {
      void existing.sender.replaceTrack(track).catch((e: unknown) => this.hooks.onError('media', String(e)));
      return;
    }
    if (source === 'screen' && !this.sections.has('camera')) this.addSection('camera', null);
    this.addSection(source, track);
    this.offer();
  }

  has(source: Source): boolean {
    return this.sections.has(source);
  }

  /** Signalling messages; true when the message was one (a closed negotiator ignores them). */
  receive(m: ServerMessage): boolean {
    if (this.closed) return false;
    if (m.type === 'media_tracks') this.tracks(m);
    else if (m.type === 'rtc_offer') {
      if (!this.fresh) this.enqueue(() => this.answer(m.sdp));
    } else if ((m.type === 'rtc_answer' || m.type === 'error') && isSignalRef(m.ref)) {
      this.replied(m.ref, m);
    } else return false;
    return true;
  }

  private replied(ref: number, reply: Reply): void {
    // Server messages after this answer are this session's (they may be in the same frame).
    if (reply.type === 'rtc_answer') this.fresh = false;
    const resolve = this.waiting.get(ref);
    this.waiting.delete(ref);
    if (resolve) resolve(reply);
    else if (reply.type === 'error') this.hooks.onError(reply.code, reply.message ?? '');
  }

  close(): void {
    this.closed = true;
    for (const resolve of this.waiting.values()) resolve({ type: 'error', code: 'closed' });
    this.waiting.clear();
    this.pc.close();
  }

  /** Received audio, summed over every subscribed microphone (for tests and diagnostics). */
  async audioStats(): Promise<AudioStats> {
    const total: AudioStats = { bytes: 0, samples: 0, energy: 0 };
    if (this.closed) return total;
    (await this.pc.getStats()).forEach((s: Record<string, unknown>) => {
      if (s.type !== 'inbound-rtp' || s.kind !== 'audio') return;
      total.bytes += Number(s.bytesReceived ?? 0);
      total.samples += Number(s.totalSamplesReceived ?? 0);
      total.energy += Number(s.totalAudioEnergy ?? 0);
    });
    return total;
  }

  private addSection(source: Source, track: MediaStreamTrack | null): void {
    const init: RTCRtpTransceiverInit = {
      direction: 'sendonly', sendEncodings: [{ maxBitrate: MAX_BITRATE[source] }],
    };
    this.sections.set(source, this.pc.addTransceiver(track ?? KIND[source], init));
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (this.closed) return;
      try {
        await step();
      } catch (e) {
        if (!this.closed) this.hooks.onError('media', String(e));
      }
    });
  }

  private async doOffer(): Promise<void> {
    const offer = await this.pc.createOffer();
    const session = this.pc.currentRemoteDescription?.sdp ?? '';
    await this.pc.setLocalDescription({ type: 'offer', sdp: keepExtensionIds(offer.sdp ?? '', session) });
    await this.gathered();
    const reply = await this.request('rtc_offer', this.pc.localDescription?.sdp ?? '');
    if (this.closed) return;
    if (reply.type === 'rtc_answer') {
      await this.pc.setRemoteDescription({ type: 'answer', sdp: reply.sdp });
      this.refresh();
    } else if (reply.code === 'conflict') {
      this.reoffer = true; // the server's pending offer (queued next) rolls ours back
    } else {
      await this.pc.setLocalDescription({ type: 'rollback' });
      this.hooks.onError(reply.code, reply.message ?? '');
    }
  }

  private async answer(sdp: string): Promise<void> {
    // setRemoteDescription rolls back an unanswered offer of ours implicitly (polite peer).
    await this.pc.setRemoteDescription({ type: 'offer', sdp });
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    this.hooks.send({ type: 'rtc_answer', ref: nextRef++, sdp: this.pc.localDescription?.sdp ?? '' });
    this.refresh();
    if (this.reoffer) {
      this.reoffer = false;
      await this.doOffer();
    }
  }

  private request(type: 'rtc_offer', sdp: string): Promise<Reply> {
    const ref = nextRef++;
    if (!this.hooks.send({ type, ref, sdp })) return Promise.resolve({ type: 'error', code: 'offline' });
    return new Promise((resolve) => this.waiting.set(ref, resolve));
  }

  /** ICE is not trickled: the offer carries its candidates (docs/protocol.md). */
  private gathered(): Promise<void> {
    if (this.pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.pc.removeEventListener('icegatheringstatechange', check);
        window.clearTimeout(timer);
        resolve();
      };
      const check = (): void => { if (this.pc.iceGatheringState === 'complete') done(); };
      const timer = window.setTimeout(done, GATHER_MS);
      this.pc.addEventListener('icegatheringstatechange', check);
    });
  }

  private tracks(m: MediaTracks): void {
    if (this.fresh) return;
    this.mids = new Map(m.tracks.map((t) => [t.mid, { participant: t.participant, source: t.source }]));
    this.refresh();
  }

  /** What we receive now: every negotiated receiving section the server named. */
  private refresh(): void {
    const out: RemoteTrack[] = [];
    for (const t of this.pc.getTransceivers()) {
      const info = t.mid === null ? undefined : this.mids.get(t.mid);
      const receiving = t.currentDirection === 'recvonly' || t.currentDirection === 'sendrecv';
      if (info && receiving) out.push({ ...info, track: t.receiver.track });
    }
    this.hooks.onRemote(out);
  }
}

const EXTMAP = /^a=extmap:(\d+)(\/\w+)? (\S+)(.*)$/;

/** Chromium numbers the header extensions of a section it adds to a session that the server
 *  opened (a listener given the floor) without regard to the session's ids, then refuses its
 *  own offer ("BUNDLE group contains a codec collision for header extension"). Keep every URI
 *  the session has at its id; a new URI gets its own id if free, else the first free one. */
export function keepExtensionIds(offer: string, session: string): string {
  const ids = new Map<string, number>();
  for (const line of session.split(/\r?\n/)) {
    const m = EXTMAP.exec(line);
    if (m) ids.set(m[3] as string, Number(m[1]));
  }
  const taken = new Set(ids.values());
  const idFor = (uri: string, own: number): number => {
    let id = ids.get(uri);
    if (id === undefined) {
      id = taken.has(own) ? [...Array(14).keys()].map((n) => n + 1).find((n) => !taken.has(n)) ?? own : own;
      ids.set(uri, id);
      taken.add(id);
    }
    return id;
  };
  return offer.split('\r\n').map((line) => {
    const m = EXTMAP.exec(line);
    return m ? `a=extmap:${idFor(m[3] as string, Number(m[1]))}${m[2] ?? ''} ${m[3] as string}${m[4] ?? ''}` : line;
  }).join('\r\n');
}
