// The recording API (docs/recording.md) with the viewer's Bearer token: manifest + chapters,
// state at t (one snapshot message), events by time range (one server frame), media files.
import { decode } from '@msgpack/msgpack';
import { decodeServerFrame, isServerMessage } from '../protocol/codec';
import type { RoomEvent, ServerMessage, SnapshotMessage } from '../protocol/types';

export type ChapterKind = 'case' | 'series' | 'measurement' | 'control' | 'question';
export interface Chapter { at: number; seq: number | null; kind: ChapterKind; label: string }
export interface Track { file: string; kind: string; codec: string; participant: string; offset_s: number }
export interface Recording {
  id: string; room: string; title: string; status: string; started_at: number;
  ended_at: number | null; tracks: Track[]; chapters: Chapter[];
}

export class RecordingApi {
  constructor(private readonly token: string) {}

  private async get(path: string): Promise<Response> {
    const r = await fetch(path, { headers: { Authorization: `Bearer ${this.token}` } });
    if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
    return r;
  }

  async list(): Promise<Recording[]> {
    const body = (await (await this.get('/api/recordings')).json()) as { recordings: Recording[] };
    return body.recordings;
  }

  async recording(id: string): Promise<Recording> {
    return (await (await this.get(this.base(id))).json()) as Recording;
  }

  async state(id: string, t: number): Promise<SnapshotMessage> {
    const r = await this.get(`${this.base(id)}/state?t=${t}`);
    const message: unknown = decode(new Uint8Array(await r.arrayBuffer()));
    if (!isServerMessage(message) || message.type !== 'snapshot') throw new Error('not a snapshot');
    return message;
  }

  /** Recorded events with from <= at <= to, in recorded order. */
  async events(id: string, from: number, to: number): Promise<RoomEvent[]> {
    const r = await this.get(`${this.base(id)}/events?from=${from}&to=${to}`);
    return decodeServerFrame(await r.arrayBuffer()).filter(isEvent);
  }

  /** A media file as an object URL (media elements cannot send the Authorization header). */
  async mediaUrl(id: string, file: string): Promise<string> {
    const name = file.split('/').pop() ?? file; // the manifest names it relative to the recording
    const blob = await (await this.get(`${this.base(id)}/media/${encodeURIComponent(name)}`)).blob();
    return URL.createObjectURL(new Blob([blob], { type: 'video/webm' }));
  }

  private base(id: string): string {
    return `/api/recordings/${encodeURIComponent(id)}`;
  }
}

/** The recording's frame holds room events only; anything else (none expected) is dropped. */
function isEvent(m: ServerMessage): m is RoomEvent {
  return 'by' in m;
}
