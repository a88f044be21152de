// Wire snapshot (state_to_wire of session.state.RoomState) -> the client's Map-keyed RoomState.
// The wire maps keep the room's order (participants by join, annotations by creation).
import { defaultViewport, type RoomState, type WireRoomState } from '../protocol/types';

function keyed<T>(raw: Record<string, T>): Map<string, T> {
  return new Map(Object.entries(raw));
}

export function emptyState(room: string): RoomState {
  return {
    room_id: room, title: '', closed: false, layout: '1x1', active_viewport: 0,
    viewports: [defaultViewport()], participants: new Map(), driver: null,
    control_requests: [], annotations: new Map(), studies: new Map(), chat: [], recording: false,
    key_images: [], bans: {}, granted: {}, watermark: true, mpr: null,
  };
}

export function stateFromWire(raw: WireRoomState): RoomState {
  return {
    ...raw,
    participants: keyed(raw.participants),
    annotations: keyed(raw.annotations),
    studies: keyed(raw.studies),
    // A recording made before the setting existed: marked, as a new room is.
    watermark: raw.watermark ?? true,
  };
}
