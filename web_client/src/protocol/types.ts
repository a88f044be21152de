// Wire types mirroring docs/protocol.md and session/{model,commands,events,state}.py.
// Points are IMAGE pixel coordinates (column, row); VOI in modality units (HU for CT).

export type Layout = '1x1' | '1x2' | '2x2';
export type Role = 'host' | 'presenter' | 'participant' | 'observer';
export type Grant =
  | 'drive' | 'annotate' | 'point' | 'chat' | 'raise_hand'
  | 'publish_media' | 'manage_case' | 'record' | 'moderate';
export type AnnotationKind = 'length' | 'angle' | 'ellipse' | 'rectangle' | 'probe' | 'arrow';

export const LAYOUT_VIEWPORTS: Record<Layout, number> = { '1x1': 1, '1x2': 2, '2x2': 4 };

export interface ImageRef { study: string; series: string; sop: string; frame: number }
export interface Voi { center: number; width: number; function: string }
export interface Presentation {
  zoom: number; pan: [number, number]; rotation: number; flip_h: boolean; flip_v: boolean;
}
export interface Cine { playing: boolean; fps: number }
export interface ViewportState {
  image: ImageRef | null; voi: Voi | null; presentation: Presentation; invert: boolean; cine: Cine;
}
export interface Annotation {
  id: string; kind: AnnotationKind; image: ImageRef; points: [number, number][];
  author: string; version: number; text: string;
}
export interface Study { uid: string; description: string; series: string[] }
export interface ChatMessage { author: string; text: string; at: number; seq: number }
export interface Participant {
  id: string; name: string; role: Role; grants: Grant[]; joined_at: number; online: boolean;
  following: boolean; hand_raised: boolean; audio: boolean; video: boolean; screen: boolean;
  audio_muted: boolean; video_muted: boolean;
}
export interface RoomState {
  room_id: string; title: string; closed: boolean; layout: Layout; active_viewport: number;
  viewports: ViewportState[]; participants: Map<string, Participant>; driver: string | null;
  control_requests: string[]; annotations: Map<string, Annotation>; studies: Map<string, Study>;
  chat: ChatMessage[]; recording: boolean;
}

export const DEFAULT_PRESENTATION: Presentation = {
  zoom: 1, pan: [0, 0], rotation: 0, flip_h: false, flip_v: false,
};

export function defaultViewport(): ViewportState {
  return {
    image: null, voi: null, presentation: { ...DEFAULT_PRESENTATION, pan: [0, 0] },
    invert: false, cine: { playing: false, fps: 10 },
  };
}

/** A server message (one element of a server frame's array). */
export interface ServerMessage { type: string; [field: string]: unknown }

export interface Welcome extends ServerMessage {
  type: 'welcome'; v: number; room: string; you: string; role: Role; grants: Grant[];
  seq: number; at: number; snapshot: Record<string, unknown> | null;
}

/** A stamped room event: `seq` is null for ephemeral pointer events. */
export interface RoomEvent extends ServerMessage {
  seq: number | null; at: number; by: string | null;
}

/** Commands this client sends (wire `type` + dataclass fields). */
export type Command =
  | { type: 'set_layout'; layout: Layout }
  | { type: 'set_active_viewport'; viewport: number }
  | { type: 'set_image'; viewport: number; image: ImageRef }
  | { type: 'set_voi'; viewport: number; voi: Voi | null }
  | { type: 'set_presentation'; viewport: number; presentation: Presentation }
  | { type: 'set_invert'; viewport: number; invert: boolean }
  | { type: 'set_cine'; viewport: number; playing: boolean; fps: number }
  | { type: 'request_control' } | { type: 'release_control' } | { type: 'take_control' }
  | { type: 'grant_control'; to: string }
  | { type: 'set_following'; following: boolean }
  | { type: 'create_annotation'; id: string; kind: AnnotationKind; image: ImageRef;
      points: [number, number][]; text: string }
  | { type: 'update_annotation'; id: string; base_version: number;
      points: [number, number][]; text: string }
  | { type: 'delete_annotation'; id: string; base_version: number }
  | { type: 'move_pointer'; viewport: number; position: [number, number] | null }
  | { type: 'post_chat'; text: string }
  | { type: 'raise_hand'; raised: boolean }
  | { type: 'lower_hand'; participant: string }
  | { type: 'set_media'; audio: boolean; video: boolean; screen: boolean;
      audio_muted: boolean; video_muted: boolean }
  | { type: 'set_grants'; participant: string; grants: Grant[] };
