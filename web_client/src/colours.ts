// A stable colour per participant (annotations, pointers, participant list).
const PALETTE = ['#ff6b6b', '#4dabf7', '#69db7c', '#ffd43b', '#da77f2', '#ff922b', '#38d9a9', '#f783ac'];

export function colourOf(participant: string): string {
  let h = 0;
  for (const ch of participant) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length] as string;
}
