// Mirrors session/reducer.py: applies one stamped event to the local RoomState copy.
import {
  LAYOUT_VIEWPORTS, defaultViewport, type Annotation, type Grant, type Layout, type RoomEvent,
  type RoomState, type Study, type ViewportState, type Participant, type Role,
} from '../protocol/types';

type Handler = (s: RoomState, e: RoomEvent) => void;

function patchParticipant(s: RoomState, id: unknown, patch: Partial<Participant>): void {
  const p = s.participants.get(String(id));
  if (p) s.participants.set(p.id, { ...p, ...patch });
}

function patchViewport(s: RoomState, e: RoomEvent, patch: Partial<ViewportState>): void {
  const i = Number(e.viewport);
  const v = s.viewports[i];
  if (v) s.viewports[i] = { ...v, ...patch };
}

function joined(s: RoomState, e: RoomEvent): void {
  s.participants.set(String(e.participant), {
    id: String(e.participant), name: String(e.name), role: e.role as Role,
    grants: e.grants as Grant[], joined_at: e.at, online: true, following: true,
    hand_raised: false, audio: false, video: false, screen: false,
    audio_muted: false, video_muted: false,
  });
}

function left(s: RoomState, e: RoomEvent): void {
  const id = String(e.participant);
  s.participants.delete(id);
  s.control_requests = s.control_requests.filter((r) => r !== id);
}

function layout(s: RoomState, e: RoomEvent): void {
  s.layout = e.layout as Layout;
  const n = LAYOUT_VIEWPORTS[s.layout];
  s.viewports = s.viewports.slice(0, n);
  while (s.viewports.length < n) s.viewports.push(defaultViewport());
  if (s.active_viewport >= n) s.active_viewport = 0;
}

function control(s: RoomState, e: RoomEvent): void {
  s.driver = (e.driver as string | null) ?? null;
  s.control_requests = s.control_requests.filter((r) => r !== s.driver);
}

function chat(s: RoomState, e: RoomEvent): void {
  s.chat.push({ author: String(e.author), text: String(e.text), at: e.at, seq: e.seq ?? 0 });
  if (s.chat.length > 200) s.chat.splice(0, s.chat.length - 200);
}

const HANDLERS: Record<string, Handler> = {
  participant_joined: joined,
  presence_changed: (s, e) => patchParticipant(s, e.participant, { online: Boolean(e.online) }),
  participant_left: left,
  grants_changed: (s, e) => patchParticipant(s, e.participant, { grants: e.grants as Grant[] }),
  layout_changed: layout,
  active_viewport_changed: (s, e) => { s.active_viewport = Number(e.viewport); },
  image_changed: (s, e) => patchViewport(s, e, { image: e.image as ViewportState['image'] }),
  voi_changed: (s, e) => patchViewport(s, e, { voi: e.voi as ViewportState['voi'] }),
  presentation_changed: (s, e) =>
    patchViewport(s, e, { presentation: e.presentation as ViewportState['presentation'] }),
  invert_changed: (s, e) => patchViewport(s, e, { invert: Boolean(e.invert) }),
  cine_changed: (s, e) =>
    patchViewport(s, e, { cine: { playing: Boolean(e.playing), fps: Number(e.fps) } }),
  control_requested: (s, e) => {
    s.control_requests = [...s.control_requests.filter((r) => r !== e.participant),
      String(e.participant)];
  },
  control_changed: control,
  following_changed: (s, e) =>
    patchParticipant(s, e.participant, { following: Boolean(e.following) }),
  annotation_created: (s, e) => { const a = e.annotation as Annotation; s.annotations.set(a.id, a); },
  annotation_updated: (s, e) => { const a = e.annotation as Annotation; s.annotations.set(a.id, a); },
  annotation_deleted: (s, e) => { s.annotations.delete(String(e.id)); },
  chat_posted: chat,
  hand_changed: (s, e) => patchParticipant(s, e.participant, { hand_raised: Boolean(e.raised) }),
  study_attached: (s, e) => { const st = e.study as Study; s.studies.set(st.uid, st); },
  study_detached: (s, e) => { s.studies.delete(String(e.uid)); },
  recording_changed: (s, e) => { s.recording = Boolean(e.recording); },
  media_changed: (s, e) => patchParticipant(s, e.participant, {
    audio: Boolean(e.audio), video: Boolean(e.video), screen: Boolean(e.screen),
    audio_muted: Boolean(e.audio_muted), video_muted: Boolean(e.video_muted),
  }),
  room_closed: (s) => { s.closed = true; },
};

/** Apply a durable event; returns false for types this reducer does not know. */
export function apply(state: RoomState, event: RoomEvent): boolean {
  const handler = HANDLERS[event.type];
  if (!handler) return false;
  handler(state, event);
  return true;
}
