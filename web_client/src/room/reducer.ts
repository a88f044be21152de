// Mirrors session/reducer.py: applies one stamped event to the local RoomState copy.
// Events arrive already checked by protocol/codec.ts, so each handler reads its own event type.
import {
  LAYOUT_VIEWPORTS, defaultViewport, type ImageRef, type Participant, type RoomEvent, type RoomEventMap,
  type RoomState, type ViewportState,
} from '../protocol/types';

/** The room keeps this many chat messages (session/state.py CHAT_HISTORY). */
const CHAT_HISTORY = 200;

/** Events that change only the shared view (the panels need no re-render for them). */
export const VIEW_EVENTS: ReadonlySet<string> = new Set<RoomEvent['type']>([
  'layout_changed', 'active_viewport_changed', 'image_changed', 'voi_changed',
  'presentation_changed', 'invert_changed', 'cine_changed', 'mpr_changed',
]);

const sameImage = (a: ImageRef, b: ImageRef) =>
  a.study === b.study && a.series === b.series && a.sop === b.sop && a.frame === b.frame;

type Handlers = { [K in keyof RoomEventMap]: (s: RoomState, e: RoomEventMap[K]) => void };

function patchParticipant(s: RoomState, id: string, patch: Partial<Participant>): void {
  const p = s.participants.get(id);
  if (p) s.participants.set(p.id, { ...p, ...patch });
}

function patchViewport(s: RoomState, index: number, patch: Partial<ViewportState>): void {
  const v = s.viewports[index];
  if (v) s.viewports[index] = { ...v, ...patch };
}

const HANDLERS: Handlers = {
  participant_joined: (s, e) => {
    s.participants.set(e.participant, {
      id: e.participant, name: e.name, role: e.role, grants: e.grants, joined_at: e.at,
      online: true, following: true, hand_raised: false, audio: false, video: false,
      screen: false, audio_muted: false, video_muted: false, offline_since: null,
      colour: e.colour,
    });
  },
  presence_changed: (s, e) => patchParticipant(s, e.participant, { online: e.online }),
  participant_left: (s, e) => {
    s.participants.delete(e.participant);
    s.control_requests = s.control_requests.filter((r) => r !== e.participant);
  },
  grants_changed: (s, e) => {
    patchParticipant(s, e.participant, { grants: e.grants });
    s.granted = { ...s.granted, [e.participant]: e.grants }; // a rejoin gets these
  },
  layout_changed: (s, e) => {
    s.layout = e.layout;
    const n = LAYOUT_VIEWPORTS[s.layout];
    s.viewports = s.viewports.slice(0, n);
    while (s.viewports.length < n) s.viewports.push(defaultViewport());
    if (s.active_viewport >= n) s.active_viewport = 0;
  },
  active_viewport_changed: (s, e) => { s.active_viewport = e.viewport; },
  image_changed: (s, e) => patchViewport(s, e.viewport, { image: e.image }),
  voi_changed: (s, e) => patchViewport(s, e.viewport, { voi: e.voi }),
  presentation_changed: (s, e) => patchViewport(s, e.viewport, { presentation: e.presentation }),
  invert_changed: (s, e) => patchViewport(s, e.viewport, { invert: e.invert }),
  cine_changed: (s, e) =>
    patchViewport(s, e.viewport, { cine: { playing: e.playing, fps: e.fps } }),
  mpr_changed: (s, e) => { s.mpr = e.mpr; },
  control_requested: (s, e) => {
    s.control_requests = [...s.control_requests.filter((r) => r !== e.participant), e.participant];
  },
  control_request_withdrawn: (s, e) => {
    s.control_requests = s.control_requests.filter((r) => r !== e.participant);
  },
  control_changed: (s, e) => {
    s.driver = e.driver;
    s.control_requests = s.control_requests.filter((r) => r !== s.driver);
  },
  following_changed: (s, e) => patchParticipant(s, e.participant, { following: e.following }),
  annotation_created: (s, e) => { s.annotations.set(e.annotation.id, e.annotation); },
  annotation_updated: (s, e) => { s.annotations.set(e.annotation.id, e.annotation); },
  annotation_deleted: (s, e) => { s.annotations.delete(e.id); },
  pointer_moved: () => {}, // ephemeral presence: sync/pointer.ts draws it, the state keeps nothing
  chat_posted: (s, e) => {
    s.chat.push({ author: e.author, text: e.text, at: e.at, seq: e.seq ?? 0 });
    if (s.chat.length > CHAT_HISTORY) s.chat.splice(0, s.chat.length - CHAT_HISTORY);
  },
  hand_changed: (s, e) => patchParticipant(s, e.participant, { hand_raised: e.raised }),
  study_attached: (s, e) => { s.studies.set(e.study.uid, e.study); },
  study_detached: (s, e) => { s.studies.delete(e.uid); },
  recording_changed: (s, e) => { s.recording = e.recording; },
  media_changed: (s, e) => patchParticipant(s, e.participant, {
    audio: e.audio, video: e.video, screen: e.screen,
    audio_muted: e.audio_muted, video_muted: e.video_muted,
  }),
  key_image_changed: (s, e) => {
    const others = s.key_images.filter((k) => !sameImage(k, e.image));
    s.key_images = e.marked ? [...others, e.image] : others;
  },
  ban_changed: (s, e) => {
    const bans = { ...s.bans };
    if (e.banned) bans[e.participant] = { name: e.name, at: e.at, by: e.by };
    else delete bans[e.participant];
    s.bans = bans;
  },
  watermark_changed: (s, e) => { s.watermark = e.watermark; },
  room_closed: (s) => { s.closed = true; },
};

/** Apply one event (every type the generated schema knows has a handler, checked by tsc). */
export function apply(state: RoomState, event: RoomEvent): void {
  applyTyped(state, event.type, event);
}

function applyTyped<K extends keyof RoomEventMap>(s: RoomState, type: K, e: RoomEventMap[K]): void {
  const handler: Handlers[K] = HANDLERS[type];
  handler(s, e);
}
