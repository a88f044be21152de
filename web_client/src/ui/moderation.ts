// Host controls: per participant (give control, lower hand, mute, stop video, remove), for the
// room (lower all hands, close), the ban list (a kick bans until lifted), a counter of what waits for the host (raised hands, control
// requests) and a toast when something new arrives, so the host no longer misses requests.
import { can, driving, type Ctx } from '../context';
import { t } from '../i18n';
import type { Command, Participant, RoomEvent } from '../protocol/types';
import { askConfirm } from './confirm';
import { $, button, toast } from './dom';

async function act(ctx: Ctx, command: Command): Promise<void> {
  const r = await ctx.send(command);
  if (!r.ok) toast(r.code === 'forbidden' ? t('forbidden') : `${t('error_generic')}: ${r.code ?? ''}`);
}

/** The buttons a driver or moderator gets in a participant's row. */
export function participantActions(ctx: Ctx, p: Participant): HTMLElement[] {
  const out: HTMLElement[] = [];
  const moderate = can(ctx, 'moderate');
  if ((driving(ctx) || moderate) && p.id !== ctx.state.driver && p.grants.includes('drive') && p.online) {
    out.push(button(t('give_control'), () => void act(ctx, { type: 'grant_control', to: p.id }),
      { 'data-action': 'give-control' }));
  }
  if (!moderate) return out;
  if (p.hand_raised) {
    out.push(button(t('lower_hand'), () => void act(ctx, { type: 'lower_hand', participant: p.id }),
      { 'data-action': 'lower-hand' }));
  }
  if (p.id === ctx.me) return out;
  if (p.audio && !p.audio_muted) {
    out.push(button(t('mod_mute'), () => void act(ctx, mute(p.id, true, false)), { 'data-action': 'mute' }));
  }
  if (p.video) {
    out.push(button(t('mod_stop_video'), () => void act(ctx, mute(p.id, false, true)),
      { 'data-action': 'stop-video' }));
  }
  out.push(button(t('mod_remove'), () => void remove(ctx, p), { 'data-action': 'remove', class: 'danger' }));
  return out;
}

const mute = (participant: string, audio: boolean, video: boolean): Command =>
  ({ type: 'mute_participant', participant, audio, video });

async function remove(ctx: Ctx, p: Participant): Promise<void> {
  if (await askConfirm('mod_remove_confirm', 'mod_remove')) await act(ctx, { type: 'kick', participant: p.id, reason: '' });
}

/** The identities a kick banned, with "lift ban", for moderators (docs/protocol.md, kick). */
export function renderBans(ctx: Ctx): void {
  const box = $('#ban-list');
  const bans = Object.entries(ctx.state.bans);
  box.hidden = !can(ctx, 'moderate') || bans.length === 0;
  if (box.hidden) return;
  const rows = bans.map(([id, ban]) => {
    const li = document.createElement('li');
    li.dataset.banned = id;
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = ban.name;
    li.append(name, button(t('mod_lift_ban'), () => void liftBan(ctx, id, ban.name),
      { 'data-action': 'lift-ban' }));
    return li;
  });
  $('#bans').replaceChildren(...rows);
}

async function liftBan(ctx: Ctx, participant: string, name: string): Promise<void> {
  const r = await ctx.send({ type: 'lift_ban', participant });
  if (r.ok) toast(`${name} ${t('mod_ban_lifted')}`, 'info');
  else toast(r.code === 'forbidden' ? t('forbidden') : `${t('error_generic')}: ${r.code ?? ''}`);
}

/** Hands and control requests waiting: a counter in the top bar for the host (or the driver). */
export function renderAttention(ctx: Ctx): void {
  const box = $('#attention');
  const moderate = can(ctx, 'moderate');
  const hands = moderate ? [...ctx.state.participants.values()].filter((p) => p.hand_raised) : [];
  const requests = moderate || driving(ctx) ? ctx.state.control_requests.length : 0;
  const items: HTMLElement[] = [];
  if (hands.length > 0) {
    items.push(counter(`✋ ${hands.length}`, t('mod_hands'), 'hands'));
    items.push(button(t('mod_lower_all'), () => {
      for (const p of hands) void act(ctx, { type: 'lower_hand', participant: p.id });
    }, { 'data-action': 'lower-all-hands' }));
  }
  if (requests > 0) items.push(counter(`🖐 ${requests}`, t('mod_requests'), 'requests'));
  if (moderate) {
    items.push(button(t('mod_close_room'), () => void closeRoom(ctx),
      { 'data-action': 'close-room', class: 'danger' }));
  }
  box.replaceChildren(...items);
}

function counter(text: string, title: string, kind: string): HTMLElement {
  const c = document.createElement('span');
  c.className = `counter ${kind}`;
  c.dataset.count = kind;
  c.textContent = text;
  c.title = title;
  return c;
}

async function closeRoom(ctx: Ctx): Promise<void> {
  if (await askConfirm('mod_close_confirm', 'mod_close_room')) await act(ctx, { type: 'close_room', reason: '' });
}

/** A toast for the host when a hand goes up or someone asks for control. */
export function attentionToast(ctx: Ctx, e: RoomEvent): void {
  const name = (id: string) => ctx.state.participants.get(id)?.name ?? id;
  if (e.type === 'hand_changed' && e.raised && e.participant !== ctx.me && can(ctx, 'moderate')) {
    toast(`✋ ${name(e.participant)} ${t('mod_raised_hand')}`, 'info');
  }
  if (e.type === 'control_requested' && e.participant !== ctx.me && (can(ctx, 'moderate') || driving(ctx))) {
    toast(`🖐 ${name(e.participant)} ${t('requests')}`, 'info');
  }
}
