// msgpack framing: client frames are ONE map; server frames are an ARRAY of maps.
// The one place untrusted server data is checked: each message's `type` must be one the
// generated schema knows and its top-level fields must have their primitive kinds; after
// that everything downstream reads the generated types without casts.
import { decode, encode } from '@msgpack/msgpack';
import { SERVER_DEFAULTS, SERVER_FIELDS, type FieldKind, type ServerMessage } from './generated';

export function encodeMessage(message: object): Uint8Array {
  // forceFloat64 keeps floats as floats (the server's float fields also accept ints).
  return encode(message, { forceFloat32: false, ignoreUndefined: true });
}

/** A server frame's messages; unknown types (a newer server) and malformed ones are skipped. */
export function decodeServerFrame(data: ArrayBuffer): ServerMessage[] {
  const value: unknown = decode(new Uint8Array(data));
  const list: unknown[] = Array.isArray(value) ? value : [value];
  return list.filter(isServerMessage);
}

export function isServerMessage(value: unknown): value is ServerMessage {
  if (!isRecord(value)) return false;
  const type = value.type;
  if (typeof type !== 'string' || !isKnownType(type)) return false;
  fillDefaults(value, type);
  for (const [name, kind] of Object.entries(SERVER_FIELDS[type])) {
    if (!hasKind(value[name], kind)) {
      console.warn(`huizhen: dropped a ${type} message: ${name} is not ${kind}`);
      return false;
    }
  }
  return true;
}

/** Fields added after a message was recorded are absent there: they mean their default. */
function fillDefaults(value: Record<string, unknown>, type: string): void {
  const defaults = SERVER_DEFAULTS[type];
  if (defaults === undefined) return;
  for (const [name, fallback] of Object.entries(defaults)) {
    if (value[name] === undefined) value[name] = fallback;
  }
}

function isKnownType(type: string): type is ServerMessage['type'] {
  return Object.hasOwn(SERVER_FIELDS, type);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasKind(value: unknown, kind: FieldKind): boolean {
  if (kind.endsWith('?') && value === null) return true;
  switch (kind.replace('?', '')) {
    case 'array': return Array.isArray(value);
    case 'object': return isRecord(value);
    default: return typeof value === kind.replace('?', '');
  }
}
