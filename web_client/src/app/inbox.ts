// Server messages -> the room mirror and the modules that follow it. Media signalling is taken
// by the call first; everything else is typed (protocol/codec.ts checked it at the edge).
import { driving, type Ctx } from '../context';
import { t } from '../i18n';
import type { MediaCall } from '../media/call';
import type { RoomEvent, ServerMessage, SnapshotMessage, Welcome } from '../protocol/types';
import { apply, VIEW_EVENTS } from '../room/reducer';
import { stateFromWire } from '../room/snapshot';
import type { AnnotationSync } from '../sync/annotations';
import type { PointerSync } from '../sync/pointer';
import type { ViewSync } from '../sync/view';
import { toast } from '../ui/dom';
import { attentionToast } from '../ui/moderation';
import { recordingNotice } from '../ui/recording';
import type { Thumbnails } from '../ui/thumbnails';
import { watermarkNotice } from '../ui/watermark';

/** Messages that change nothing the side panels show. */
const QUIET: ReadonlySet<string> = new Set(['pointer_moved', 'ack', 'pong']);

/** What incoming messages update. */
export interface Mirrors {
  readonly ctx: Ctx;
  readonly view: ViewSync;
  readonly notes: AnnotationSync;
  readonly pointer: PointerSync;
  readonly thumbs: Thumbnails;
  readonly media: MediaCall;
}

export class Inbox {
  constructor(private readonly m: Mirrors) {}

  /** One server frame's messages, in order; the panels re-render once, and only if needed. */
  dispatch(received: ServerMessage[]): void {
    const messages = received.filter((msg) => !this.m.media.receive(msg)); // signalling, speaker
    // View-only traffic (the bulk while someone drives) must not rebuild the panels.
    const panels = messages.some((msg) => !VIEW_EVENTS.has(msg.type) && !QUIET.has(msg.type));
    for (const msg of messages) this.one(msg);
    this.m.notes.reconcile();
    if (panels) this.m.ctx.changed();
  }

  private one(msg: ServerMessage): void {
    switch (msg.type) {
      case 'welcome': return this.welcome(msg);
      case 'snapshot': return this.snapshot(msg);
      case 'error':
        if (msg.ref === null) toast(`${t('error_generic')}: ${msg.code}`);
        return;
      case 'ack': case 'pong': case 'rtc_offer': case 'rtc_answer': case 'media_tracks':
      case 'active_speaker':
        return; // acks settle in Connection; media messages the call did not want are stale
      default: return this.event(msg);
    }
  }

  private welcome(w: Welcome): void {
    const { ctx } = this.m;
    if (w.snapshot) ctx.state = stateFromWire(w.snapshot);
    ctx.me = w.you;
    ctx.following = ctx.state.participants.get(ctx.me)?.following ?? true;
    if (ctx.state.driver === ctx.me) ctx.following = true;
    this.m.view.resync();
    void this.m.thumbs.render();
    recordingNotice(ctx.state.recording, true);
  }

  private snapshot(s: SnapshotMessage): void {
    this.m.ctx.state = stateFromWire(s.state);
    this.m.view.resync();
  }

  private event(e: RoomEvent): void {
    const { ctx, view, notes, pointer, thumbs } = this.m;
    if (e.type === 'pointer_moved') return pointer.received(e);
    const wasDriving = driving(ctx);
    apply(ctx.state, e);
    if (VIEW_EVENTS.has(e.type)) view.roomChanged();
    if (e.type === 'cine_changed') ctx.changed(); // the toolbar shows the playing state
    if (e.type.startsWith('annotation_')) notes.reconcile();
    if (e.type === 'study_attached' || e.type === 'study_detached') void thumbs.render();
    if (e.type === 'participant_left') pointer.forget(e.participant);
    if (e.type === 'recording_changed') recordingNotice(e.recording, false);
    if (e.type === 'watermark_changed') watermarkNotice(e.watermark);
    attentionToast(ctx, e);
    if (e.type === 'media_changed' && e.participant === ctx.me && e.by !== ctx.me) {
      this.m.media.moderated(e.audio_muted, e.video);
    }
    if (e.type === 'control_changed') {
      const gained = !wasDriving && driving(ctx);
      if (gained) ctx.following = true;
      view.controlChanged(gained);
    }
    if (e.type === 'active_viewport_changed' && !driving(ctx) && ctx.following) {
      ctx.activeViewport = e.viewport;
    }
  }
}
