// The wire types are generated from the Python schema (./generated.ts, do not edit it); this
// module re-exports them and adds what only the client has: the Map-keyed mirror of the room
// state and the defaults a new viewport starts with.
import type {
  Annotation, Layout, Participant, Presentation, Study, Viewport, WireRoomState,
} from './generated';

export type * from './generated';
export { CLOSE_CODE, ERROR_CODE } from './generated';

/** A viewport of the shared view, as the wire carries it. */
export type ViewportState = Viewport;

/** The server's `RoomState`, with keyed collections as Maps (insertion order = the room's). */
export interface RoomState
  extends Omit<WireRoomState, 'participants' | 'annotations' | 'studies'> {
  participants: Map<string, Participant>;
  annotations: Map<string, Annotation>;
  studies: Map<string, Study>;
}

export const LAYOUT_VIEWPORTS: Record<Layout, number> = { '1x1': 1, '1x2': 2, '2x2': 4 };

export const DEFAULT_PRESENTATION: Presentation = {
  zoom: 1, pan: [0, 0], rotation: 0, flip_h: false, flip_v: false,
};

export function defaultViewport(): ViewportState {
  return {
    image: null, voi: null, presentation: { ...DEFAULT_PRESENTATION, pan: [0, 0] },
    invert: false, cine: { playing: false, fps: 10 },
  };
}
