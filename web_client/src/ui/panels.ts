// Participants (role, following/exploring, hand, driver, speaking), control and hands.
import { can, driving, type Ctx } from '../context';
import { t } from '../i18n';
import type { MessageKey } from '../i18n/en';
import type { Participant } from '../protocol/types';
import { colourOf } from '../colours';
import { $, button, toast } from './dom';
import { participantActions } from './moderation';

function nameOf(ctx: Ctx, id: string | null): string {
  if (!id) return '';
  return ctx.state.participants.get(id)?.name ?? id;
}

function badge(text: string, cls: string): HTMLElement {
  const b = document.createElement('span');
  b.className = `badge ${cls}`;
  b.textContent = text;
  return b;
}

function participantRow(ctx: Ctx, p: Participant): HTMLElement {
  const li = document.createElement('li');
  li.dataset.participant = p.id;
  const sw = document.createElement('span');
  sw.className = 'swatch';
  sw.style.background = colourOf(ctx.state, p.id);
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = p.id === ctx.me ? `${p.name} (${t('you')})` : p.name;
  li.append(sw, name, badge(t(`role_${p.role}` as MessageKey), `role role-${p.role}`));
  if (ctx.state.driver === p.id) li.append(badge(t('driving'), 'drive'));
  else li.append(badge(p.following ? t('following') : t('exploring'), p.following ? 'follow' : 'explore'));
  if (p.hand_raised) li.append(badge(`✋ ${t('hand_raised')}`, 'hand'));
  // "Speaking" is what the SFU hears (audio level), not merely a microphone that is on.
  if (ctx.speaker === p.id) li.append(badge(`🔊 ${t('speaking')}`, 'speak'));
  else if (p.audio && !p.audio_muted) li.append(badge('🎙', 'mic-on'));
  if (!p.online) li.append(badge(t('offline'), 'offline'));
  if (ctx.state.control_requests.includes(p.id)) li.append(badge(t('requests'), 'request'));
  li.append(...participantActions(ctx, p));
  return li;
}

export async function act(ctx: Ctx, command: Parameters<Ctx['send']>[0]): Promise<void> {
  const r = await ctx.send(command);
  if (!r.ok) toast(r.code === 'forbidden' ? t('forbidden') : `${t('error_generic')}: ${r.code ?? ''}`);
}

export function renderParticipants(ctx: Ctx): void {
  const list = [...ctx.state.participants.values()].sort((a, b) => a.joined_at - b.joined_at);
  $('#participants').replaceChildren(...list.map((p) => participantRow(ctx, p)));
}

export function renderControls(ctx: Ctx): void {
  const me = ctx.state.participants.get(ctx.me);
  const box = $('#control-buttons');
  const items: HTMLElement[] = [];
  const driver = ctx.state.driver;
  $('#driver-info').textContent = driving(ctx) ? t('you_drive')
    : driver ? `${t('driver_is')}: ${nameOf(ctx, driver)}` : t('nobody_drives');
  if (driving(ctx)) {
    items.push(button(t('release_control'), () => void act(ctx, { type: 'release_control' }),
      { 'data-action': 'release-control' }));
  } else if (can(ctx, 'moderate')) {
    items.push(button(t('take_control'), () => void act(ctx, { type: 'take_control' }),
      { 'data-action': 'take-control' }));
  } else if (ctx.state.control_requests.includes(ctx.me)) {
    items.push(badge(t('request_pending'), 'pending'));
    items.push(button(t('request_cancel'), () => void act(ctx, { type: 'withdraw_control_request' }),
      { 'data-action': 'cancel-request' }));
  } else if (can(ctx, 'drive')) {
    items.push(button(t('request_control'), () => void act(ctx, { type: 'request_control' }),
      { 'data-action': 'request-control' }));
  }
  box.replaceChildren(...items);
  const hand = $('#hand-btn') as HTMLButtonElement;
  const raised = Boolean(me?.hand_raised);
  hand.textContent = raised ? t('lower_hand') : `✋ ${t('raise_hand')}`;
  hand.disabled = !can(ctx, 'raise_hand');
  hand.onclick = () => void act(ctx, { type: 'raise_hand', raised: !raised });
  $('#room-title').textContent = ctx.state.title || t('app_title');
}
