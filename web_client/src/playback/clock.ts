// The player clock: a position on the recording's server-time axis that advances at `rate`
// while playing. Everything (events, media) follows it; nothing keeps its own time.
export const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 2] as const;

export class PlayerClock {
  private base: number;
  private since = 0;
  playing = false;
  rate = 1;

  constructor(readonly start: number, public end: number) {
    this.base = start;
  }

  position(): number {
    if (!this.playing) return this.base;
    const t = this.base + ((performance.now() - this.since) / 1000) * this.rate;
    return Math.min(t, this.end);
  }

  seek(t: number): number {
    this.base = Math.min(this.end, Math.max(this.start, t));
    this.since = performance.now();
    return this.base;
  }

  play(): void {
    if (this.playing) return;
    if (this.base >= this.end) this.base = this.start;
    this.since = performance.now();
    this.playing = true;
  }

  pause(): void {
    this.base = this.position();
    this.playing = false;
  }

  setRate(rate: number): void {
    this.base = this.position();
    this.since = performance.now();
    this.rate = rate;
  }

  atEnd(): boolean {
    return this.position() >= this.end;
  }
}
