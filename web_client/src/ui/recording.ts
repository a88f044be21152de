// Recording: the start/stop button for `record` holders (after a confirmation that everyone is
// told), the REC indicator every page shows while the room records, and the notices.
import { can, type Ctx } from '../context';
import { t } from '../i18n';
import { askConfirm } from './confirm';
import { $, toast } from './dom';

export function renderRecording(ctx: Ctx): void {
  const recording = ctx.state.recording;
  const rec = $('#rec-indicator');
  rec.hidden = !recording;
  rec.textContent = `● ${t('rec_indicator')}`;
  rec.title = t('rec_notice_join');
  const btn = $('#rec-btn') as HTMLButtonElement;
  btn.hidden = !can(ctx, 'record');
  btn.textContent = recording ? t('rec_stop') : t('rec_start');
  btn.classList.toggle('recording', recording);
}

export function bindRecording(ctx: Ctx): void {
  $('#rec-btn').onclick = async () => {
    const start = !ctx.state.recording;
    if (!(await askConfirm(start ? 'rec_confirm_start' : 'rec_confirm_stop'))) return;
    const r = await ctx.send({ type: 'set_recording', recording: start });
    if (!r.ok && r.code !== 'conflict') toast(`${t('error_generic')}: ${r.code ?? ''}`);
  };
}

/** Everyone hears of a change; a joiner hears that the room is already recording. */
export function recordingNotice(recording: boolean, joined: boolean): void {
  if (joined && !recording) return;
  toast(t(joined ? 'rec_notice_join' : recording ? 'rec_started' : 'rec_stopped'), 'info');
}
