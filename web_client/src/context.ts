// What the sync and UI modules share: the mirrored room, who I am, and the I/O objects.
import type { CommandResult } from './protocol/connection';
import type { Command, Grant, RoomState } from './protocol/types';
import type { DicomWeb } from './viewer/dicomweb';
import type { Viewer } from './viewer/viewer';

export interface Ctx {
  state: RoomState;
  me: string;
  viewer: Viewer;
  web: DicomWeb;
  /** Local: false while exploring (detached from the driver). */
  following: boolean;
  activeViewport: number;
  /** Who the SFU hears loudest now (active_speaker, from audio levels); unset outside a call. */
  speaker?: string | null;
  send(command: Command): Promise<CommandResult>;
  /** Ask the UI to re-render its panels. */
  changed(): void;
}

export function can(ctx: Ctx, grant: Grant): boolean {
  return ctx.state.participants.get(ctx.me)?.grants.includes(grant) ?? false;
}

export function driving(ctx: Ctx): boolean {
  return ctx.state.driver !== null && ctx.state.driver === ctx.me;
}
