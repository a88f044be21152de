// Playback of a recording: seek = state at t (one snapshot from the server) + the events after
// it, fetched in chunks ahead of the clock; each tick hands the events now due to the page, which
// feeds them to the same reducer and viewer sync the live room uses.
import type { RoomEvent } from '../protocol/types';
import type { SnapshotMessage } from '../protocol/types';
import type { RecordingApi } from './api';
import { PlayerClock } from './clock';

const CHUNK_S = 20;
const PREFETCH_S = 8;

export interface PlayerHost {
  /** A new state replaces the mirrored one (after a seek). */
  load(snapshot: SnapshotMessage): void;
  /** Recorded events now due, in order. */
  events(events: RoomEvent[]): void;
  /** Position, play/pause or speed changed. */
  tick(): void;
}

export class Player {
  readonly clock: PlayerClock;
  private buffer: RoomEvent[] = [];
  private loadedUntil = 0;
  private lastSeq = -1;
  private generation = 0;
  private fetching: Promise<void> | null = null;
  private timer = 0;
  seeks = 0;

  constructor(
    private readonly api: RecordingApi,
    private readonly id: string,
    start: number,
    end: number,
    private readonly host: PlayerHost,
  ) {
    this.clock = new PlayerClock(start, end);
  }

  /** Jump to t: the exact room state at t, then the events after it. */
  async seek(t: number): Promise<void> {
    const generation = ++this.generation;
    const at = this.clock.seek(t);
    this.host.tick();
    const [snapshot, events] = await Promise.all([
      this.api.state(this.id, at), this.api.events(this.id, at, at + CHUNK_S),
    ]);
    if (generation !== this.generation) return; // a later seek won
    this.clock.seek(at); // time spent fetching does not count as played
    this.lastSeq = snapshot.seq;
    this.loadedUntil = at + CHUNK_S;
    this.buffer = events.filter((e) => (e.seq === null ? e.at > at : e.seq > snapshot.seq));
    this.note(this.buffer);
    this.host.load(snapshot);
    this.seeks++;
    this.host.tick();
  }

  play(): void {
    this.clock.play();
    this.timer ||= window.setInterval(() => this.step(), 20);
    this.host.tick();
  }

  pause(): void {
    this.clock.pause();
    window.clearInterval(this.timer);
    this.timer = 0;
    this.step();
    this.host.tick();
  }

  setRate(rate: number): void {
    this.clock.setRate(rate);
    this.host.tick();
  }

  /** Hand over the events now due; fetch ahead; stop at the end. */
  private step(): void {
    const now = this.clock.position();
    let n = 0;
    while (n < this.buffer.length && (this.buffer[n]?.at ?? Infinity) <= now) n++;
    if (n > 0) this.host.events(this.buffer.splice(0, n));
    if (this.loadedUntil - now < PREFETCH_S && this.loadedUntil < this.clock.end) this.fetchAhead();
    if (this.clock.playing && this.clock.atEnd()) this.pause();
    else this.host.tick();
  }

  private fetchAhead(): void {
    if (this.fetching) return;
    const generation = this.generation;
    const from = this.loadedUntil;
    const to = from + CHUNK_S;
    this.fetching = this.api.events(this.id, from, to).then((events) => {
      if (generation !== this.generation) return;
      const fresh = events.filter((e) => (e.seq === null ? e.at > from : e.seq > this.lastSeq));
      this.note(fresh);
      this.buffer.push(...fresh);
      this.loadedUntil = to;
    }).catch((err: unknown) => console.warn('playback: events not loaded', err))
      .finally(() => { this.fetching = null; });
  }

  private note(events: RoomEvent[]): void {
    for (const e of events) if (e.seq !== null && e.seq > this.lastSeq) this.lastSeq = e.seq;
  }
}
