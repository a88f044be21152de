// Pause and explore: the viewer detaches from the recording (scroll, window, measure on one's
// own); resume drops the local measurements and snaps back to the recording's view.
import { annotation as csAnnotation } from '@cornerstonejs/tools';
import type { Ctx } from '../context';
import type { CommandResult } from '../protocol/connection';
import type { Command, Participant } from '../protocol/types';

/** The viewer as a local participant while exploring: it may draw, on its own screen only. */
function explorer(id: string): Participant {
  return {
    id, name: id, role: 'observer', grants: ['annotate'], joined_at: 0, online: true,
    following: false, hand_raised: false, audio: false, video: false, screen: false,
    audio_muted: false, video_muted: false, offline_since: null, colour: 0,
  };
}

export class Explore {
  /** Called after entering or leaving. */
  onChange: () => void = () => undefined;

  constructor(private readonly ctx: Ctx, private readonly resync: () => void) {}

  get active(): boolean {
    return !this.ctx.following;
  }

  enter(): void {
    if (!this.ctx.following) return;
    this.ctx.following = false;
    this.ctx.state.participants.set(this.ctx.me, explorer(this.ctx.me));
    this.ctx.viewer.tools.setAnnotating(true);
    this.onChange();
  }

  leave(): void {
    if (this.ctx.following) return;
    this.ctx.following = true;
    this.ctx.state.participants.delete(this.ctx.me);
    this.ctx.viewer.tools.setAnnotating(false);
    this.dropLocal();
    this.resync();
    this.onChange();
  }

  /** Measurements made while exploring live only in Cornerstone: remove them. */
  private dropLocal(): void {
    const room = this.ctx.state.annotations;
    for (const a of csAnnotation.state.getAllAnnotations()) {
      if (a.annotationUID && !room.has(a.annotationUID)) {
        csAnnotation.state.removeAnnotation(a.annotationUID);
      }
    }
  }

  /** The playback page's stand-in for the room connection: nothing leaves the browser. */
  send(c: Command): Promise<CommandResult> {
    const local = !this.ctx.following && c.type === 'create_annotation';
    return Promise.resolve(local ? { ok: true, seq: null } : { ok: false, seq: null, code: 'read_only' });
  }
}
