// The access log (监管) for the room's moderators: who read which series of this room, when
// first and last, and how often — from the server's audit trail (GET /api/rooms/{id}/audit/reads,
// checked against the reader's current grants; the server logs that the log was viewed).
import type { TokenSource } from '../access';
import { can, type Ctx } from '../context';
import { currentLang, t } from '../i18n';
import { $, button, toast } from './dom';

interface Read {
  action: string;
  actor: string;
  role: string | null;
  subject: Record<string, string>;
  first: number;
  last: number;
  count: number;
}

export function renderAccessLog(ctx: Ctx): void {
  $('#audit-btn').hidden = !can(ctx, 'moderate');
}

export function bindAccessLog(ctx: Ctx, token: TokenSource): void {
  $('#audit-btn').onclick = () => void openAccessLog(ctx, token);
}

async function fetchReads(room: string, token: TokenSource): Promise<Read[]> {
  const r = await fetch(`/api/rooms/${encodeURIComponent(room)}/audit/reads`, {
    headers: { Authorization: `Bearer ${token()}` },
  });
  if (!r.ok) throw new Error(((await r.json().catch(() => ({}))) as { code?: string }).code ?? String(r.status));
  return ((await r.json()) as { reads: Read[] }).reads;
}

async function openAccessLog(ctx: Ctx, token: TokenSource): Promise<void> {
  document.querySelector('#audit-dialog')?.remove();
  let reads: Read[];
  try {
    reads = await fetchReads(ctx.state.room_id, token);
  } catch (e) {
    toast(`${t('audit_failed')}: ${(e as Error).message}`);
    return;
  }
  const box = document.createElement('div');
  box.id = 'audit-dialog';
  box.setAttribute('role', 'dialog');
  box.setAttribute('aria-label', t('audit_title'));
  const title = document.createElement('h2');
  title.textContent = t('audit_title');
  const close = button(t('audit_close'), () => box.remove(), { 'data-action': 'audit-close' });
  box.onkeydown = (e) => { e.stopPropagation(); if (e.key === 'Escape') box.remove(); };
  const body = reads.length > 0 ? table(ctx, reads) : note(t('audit_empty'));
  box.append(title, body, close);
  document.body.append(box);
  close.focus();
}

function table(ctx: Ctx, reads: Read[]): HTMLTableElement {
  const el = document.createElement('table');
  const head = el.createTHead().insertRow();
  for (const key of ['audit_person', 'audit_images', 'audit_count', 'audit_first', 'audit_last'] as const) {
    const th = document.createElement('th');
    th.textContent = t(key);
    head.append(th);
  }
  const rows = el.createTBody();
  for (const read of reads) {
    const row = rows.insertRow();
    row.dataset.actor = read.actor;
    row.dataset.series = read.subject.series ?? read.subject.recording ?? '';
    const cells = [person(ctx, read), images(ctx, read), String(read.count), when(read.first), when(read.last)];
    for (const text of cells) row.insertCell().textContent = text;
  }
  return el;
}

function person(ctx: Ctx, read: Read): string {
  const name = ctx.state.participants.get(read.actor)?.name || read.actor;
  return read.role ? `${name} (${read.role})` : name;
}

function images(ctx: Ctx, read: Read): string {
  if (read.subject.recording) return `${t('audit_recording')} ${read.subject.recording}`;
  const series = ctx.web.series.get(read.subject.series ?? '');
  const study = ctx.state.studies.get(read.subject.study ?? '');
  const label = series ? `${series.modality} ${series.description || series.number}` : read.subject.series ?? '';
  return study?.description ? `${study.description} · ${label}` : label;
}

function when(at: number): string {
  return new Date(at * 1000).toLocaleString(currentLang());
}

function note(text: string): HTMLParagraphElement {
  const p = document.createElement('p');
  p.textContent = text;
  return p;
}
