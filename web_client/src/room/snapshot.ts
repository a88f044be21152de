// Wire snapshot (state_to_wire of session.state.RoomState) -> typed RoomState.
// Keyed collections may arrive as maps (id -> value) or lists; accept both.
import {
  defaultViewport, type Annotation, type Layout, type Participant, type RoomState, type Study,
  type ViewportState, type ChatMessage,
} from '../protocol/types';

type Raw = Record<string, unknown>;

function values<T>(raw: unknown): T[] {
  if (Array.isArray(raw)) return raw as T[];
  if (raw && typeof raw === 'object') return Object.values(raw as Record<string, T>);
  return [];
}

function keyed<T>(raw: unknown, key: (v: T) => string): Map<string, T> {
  return new Map(values<T>(raw).map((v) => [key(v), v]));
}

export function viewportFromWire(raw: unknown): ViewportState {
  const v = { ...defaultViewport(), ...(raw as Partial<ViewportState>) };
  v.presentation = { ...defaultViewport().presentation, ...v.presentation };
  return v;
}

export function emptyState(room: string): RoomState {
  return {
    room_id: room, title: '', closed: false, layout: '1x1', active_viewport: 0,
    viewports: [defaultViewport()], participants: new Map(), driver: null,
    control_requests: [], annotations: new Map(), studies: new Map(), chat: [], recording: false,
  };
}

export function stateFromWire(raw: Raw): RoomState {
  return {
    room_id: String(raw.room_id ?? ''),
    title: String(raw.title ?? ''),
    closed: Boolean(raw.closed),
    layout: (raw.layout as Layout) ?? '1x1',
    active_viewport: Number(raw.active_viewport ?? 0),
    viewports: values(raw.viewports).map(viewportFromWire),
    participants: keyed<Participant>(raw.participants, (p) => p.id),
    driver: (raw.driver as string | null) ?? null,
    control_requests: values<string>(raw.control_requests),
    annotations: keyed<Annotation>(raw.annotations, (a) => a.id),
    studies: keyed<Study>(raw.studies, (s) => s.uid),
    chat: values<ChatMessage>(raw.chat),
    recording: Boolean(raw.recording),
  };
}
