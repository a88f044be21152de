// msgpack framing: client frames are ONE map; server frames are an ARRAY of maps.
import { decode, encode } from '@msgpack/msgpack';
import type { ServerMessage } from './types';

export function encodeMessage(message: Record<string, unknown>): Uint8Array {
  // forceFloat64 keeps floats as floats (the server's float fields also accept ints).
  return encode(message, { forceFloat32: false, ignoreUndefined: true });
}

export function decodeServerFrame(data: ArrayBuffer): ServerMessage[] {
  const value: unknown = decode(new Uint8Array(data));
  const list = Array.isArray(value) ? value : [value];
  return list.filter(isMessage);
}

function isMessage(value: unknown): value is ServerMessage {
  return typeof value === 'object' && value !== null && typeof (value as ServerMessage).type === 'string';
}
