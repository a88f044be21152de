// The call panel in #media-panel: tiles (screen shares larger, on top), the call buttons, a hint
// for those who may only listen, and for moderators the floor: raised hands to give it to.
import { can, type Ctx } from '../context';
import { t } from '../i18n';
import { colourOf } from '../colours';
import type { Grant, Participant, RoomState } from '../protocol/types';
import { $, button, toast } from '../ui/dom';
import type { RemoteTrack, Source } from './negotiator';
import { Stage } from './stage';
import { AudioSinks, TileGrid, type TileModel } from './tiles';

/** What the panel reads from and asks of the call (media/call.ts implements it; the panel
 *  does not import the call, so the two modules do not depend on each other). */
export interface CallControls {
  readonly inCall: boolean;
  readonly busy: boolean;
  readonly micMuted: boolean;
  readonly speaker: string | null;
  readonly remote: readonly RemoteTrack[];
  readonly local: Readonly<Partial<Record<Source, MediaStreamTrack>>>;
  publishing(): boolean;
  mayPublish(): boolean;
  join(): Promise<void>;
  leave(): void;
  toggleMic(): Promise<void>;
  toggleCamera(): Promise<void>;
  toggleScreen(): Promise<void>;
}

export class MediaPanel {
  private readonly screens = new TileGrid($('#media-screen'));
  private readonly cameras = new TileGrid($('#media-tiles'));
  private readonly sinks = new AudioSinks($('#media-audio'));
  private readonly stage: Stage;

  constructor(private readonly ctx: Ctx, private readonly call: CallControls) {
    this.stage = new Stage($('#stage'), () => ctx.changed());
    for (const box of [$('#media-screen'), $('#media-tiles')]) {
      box.addEventListener('click', (e) => {
        const fig = (e.target as HTMLElement).closest<HTMLElement>('.media-tile');
        if (fig) this.stage.toggle(`${fig.dataset.participant}:${fig.dataset.source}`);
      });
    }
  }

  render(): void {
    const call = this.call;
    const screens = call.inCall ? this.screenTiles() : [];
    const cameras = call.inCall ? this.cameraTiles() : [];
    this.screens.update(screens);
    this.cameras.update(cameras);
    this.stage.render([...screens, ...cameras]);
    this.sinks.update(call.inCall ? this.microphones() : new Map());
    $('#media-hint').textContent = this.hint();
    $('#media-controls').replaceChildren(...this.buttons());
    $('#media-floor').replaceChildren(...this.floor());
  }

  /** Inside a click: lets audio that autoplay refused start. */
  resumeAudio(): void {
    this.sinks.resume();
  }

  private remoteTrack(participant: string, source: string): MediaStreamTrack | null {
    return this.call.remote.find((r) => r.participant === participant && r.source === source)?.track ?? null;
  }

  private others(): Participant[] {
    return [...this.ctx.state.participants.values()]
      .filter((p) => p.id !== this.ctx.me && p.online)
      .sort((a, b) => a.joined_at - b.joined_at);
  }

  private cameraTiles(): TileModel[] {
    const tiles: TileModel[] = [];
    const me = this.ctx.state.participants.get(this.ctx.me);
    const { local, speaker } = this.call;
    if (this.call.publishing()) {
      tiles.push(tile(this.ctx.state, this.ctx.me, 'camera', me?.name ?? this.ctx.me, local.camera ?? null, {
        local: true, micMuted: this.call.micMuted || !local.mic, cameraOff: !local.camera,
        speaking: speaker === this.ctx.me,
      }));
    }
    for (const p of this.others()) {
      const track = this.remoteTrack(p.id, 'camera');
      if (!(p.audio || p.video || p.screen)) continue;
      tiles.push(tile(this.ctx.state, p.id, 'camera', p.name, track, {
        local: false, micMuted: !p.audio || p.audio_muted, cameraOff: !p.video || p.video_muted,
        speaking: speaker === p.id,
      }));
    }
    return tiles;
  }

  private screenTiles(): TileModel[] {
    return this.others().filter((p) => p.screen).map((p) => tile(this.ctx.state, p.id, 'screen', p.name,
      this.remoteTrack(p.id, 'screen'), { local: false, micMuted: false, cameraOff: false, speaking: false }));
  }

  private microphones(): Map<string, MediaStreamTrack> {
    const out = new Map<string, MediaStreamTrack>();
    for (const r of this.call.remote) if (r.source === 'mic') out.set(r.participant, r.track);
    return out;
  }

  private hint(): string {
    const call = this.call;
    if (call.local.screen) return t('call_sharing');
    if (call.inCall) return call.mayPublish() ? '' : t('call_listen_hint');
    const n = this.others().filter((p) => p.audio || p.video || p.screen).length;
    const join = t(call.mayPublish() ? 'call_join_hint' : 'call_join_hint_listen');
    return n > 0 ? `${t('call_in_call')}: ${n} · ${join}` : join;
  }

  private buttons(): HTMLElement[] {
    const call = this.call;
    if (!call.inCall) return [act(t('call_join'), 'join-call', () => call.join(), { primary: true })];
    const out = [act(t('call_leave'), 'leave-call', () => call.leave(), { danger: true })];
    if (!call.mayPublish()) return out;
    const { local, busy } = call;
    const micOn = Boolean(local.mic) && !call.micMuted;
    out.push(
      act(micOn ? t('call_mic_off') : t('call_mic_on'), 'toggle-mic', () => call.toggleMic(),
        { on: micOn, warnOff: true, busy }),
      act(local.camera ? t('call_camera_stop') : t('call_camera_start'), 'toggle-camera',
        () => call.toggleCamera(), { on: Boolean(local.camera), warnOff: true, busy }),
      act(local.screen ? t('call_share_stop') : t('call_share'), 'toggle-screen',
        () => call.toggleScreen(), { on: Boolean(local.screen), busy }),
    );
    return out;
  }

  /** Moderators give the floor (publish_media) to a raised hand and take it back. */
  private floor(): HTMLElement[] {
    if (!can(this.ctx, 'moderate')) return [];
    const rows: HTMLElement[] = [];
    for (const p of this.others()) {
      const has = p.grants.includes('publish_media');
      if (p.hand_raised && !has) rows.push(floorRow(p, t('call_give_floor'), 'give-floor', () => this.give(p)));
      else if (has && p.role === 'observer') {
        rows.push(floorRow(p, t('call_take_floor'), 'take-floor', () => this.takeBack(p)));
      }
    }
    return rows;
  }

  private async give(p: Participant): Promise<void> {
    if (await this.setGrants(p, [...p.grants, 'publish_media'])) {
      void this.ctx.send({ type: 'lower_hand', participant: p.id });
    }
  }

  private async takeBack(p: Participant): Promise<void> {
    await this.setGrants(p, p.grants.filter((g) => g !== 'publish_media'));
  }

  private async setGrants(p: Participant, grants: Grant[]): Promise<boolean> {
    const r = await this.ctx.send({ type: 'set_grants', participant: p.id, grants });
    if (!r.ok) toast(r.code === 'forbidden' ? t('forbidden') : `${t('error_generic')}: ${r.code ?? ''}`);
    return r.ok;
  }
}

type Flags = Pick<TileModel, 'local' | 'micMuted' | 'cameraOff' | 'speaking'>;

function tile(state: RoomState, participant: string, source: 'camera' | 'screen', name: string,
  track: MediaStreamTrack | null, flags: Flags): TileModel {
  const colour = colourOf(state, participant);
  return { key: `${participant}:${source}`, participant, source, name, track, colour, ...flags };
}

/** `on`: a toggle's state (aria-pressed); `warnOff`: an off mic or camera is shown as such. */
interface ActOptions { primary?: boolean; danger?: boolean; on?: boolean; warnOff?: boolean; busy?: boolean }

function act(label: string, action: string, run: () => unknown, o: ActOptions = {}): HTMLButtonElement {
  const b = button(label, () => void run(), { 'data-action': action });
  b.classList.toggle('primary', Boolean(o.primary));
  b.classList.toggle('danger', Boolean(o.danger));
  b.classList.toggle('off', Boolean(o.warnOff) && o.on === false);
  b.disabled = Boolean(o.busy);
  if (o.on !== undefined) b.setAttribute('aria-pressed', String(o.on));
  return b;
}

function floorRow(p: Participant, label: string, action: string, run: () => unknown): HTMLElement {
  const row = document.createElement('div');
  row.className = 'floor-row';
  row.dataset.participant = p.id;
  const name = document.createElement('span');
  name.textContent = p.hand_raised ? `✋ ${p.name}` : p.name;
  row.append(name, act(label, action, run));
  return row;
}
