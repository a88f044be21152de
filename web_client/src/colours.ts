// Identity colours: the room assigns each member an index (session/presence.py free_colour,
// distinct for up to 24 members); this is the palette it indexes. Okabe–Ito and Paul Tol's
// colour-blind-safe schemes, ordered so the first members get the most distinct hues, all
// light enough to read on the dark theme (annotations, pointer, chat names, tiles).
import type { RoomState } from './protocol/types';

export const PALETTE = [
  '#E69F00', '#56B4E9', '#009E73', '#F0E442', '#CC79A7', '#D55E00', '#4477AA', '#BBBBBB',
  '#EE6677', '#228833', '#66CCEE', '#AA3377', '#CCBB44', '#77AADD', '#EE8866', '#44BB99',
  '#FFAABB', '#BBCC33', '#AA4499', '#999933', '#99DDFF', '#DDCC77', '#CC6677', '#AAAA00',
];

function hashed(id: string): number {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h;
}

/** A member's colour; someone who left (an old chat line) keeps a stable hashed one. */
export function colourOf(state: RoomState, participant: string): string {
  const index = state.participants.get(participant)?.colour ?? hashed(participant);
  return PALETTE[index % PALETTE.length] as string;
}
