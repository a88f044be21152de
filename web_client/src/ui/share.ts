// "Share study" (issue 12): a manage_case holder of a room that owns the study shown in the
// active viewport lets another room attach and read it (POST /api/rooms/{room}/studies/{uid}/
// shares, docs/dicomweb.md "Ownership and sharing"). The server decides; a refusal is shown
// translated (a room that does not own the study: study_owned_elsewhere).
import type { TokenSource } from '../access';
import { can, type Ctx } from '../context';
import { t } from '../i18n';
import type { MessageKey } from '../i18n/en';
import { button, toast } from './dom';
import { askText } from './textprompt';

const ROOM_ID = /^[A-Za-z0-9_-]{1,64}$/;
const REFUSALS: Partial<Record<string, MessageKey>> = {
  study_owned_elsewhere: 'study_owned_elsewhere',
  forbidden: 'forbidden',
};

export class ShareStudy {
  constructor(private readonly ctx: Ctx, private readonly token: TokenSource) {}

  /** The toolbar's control; null for those without manage_case (they never see it). */
  control(): HTMLButtonElement | null {
    if (!can(this.ctx, 'manage_case')) return null;
    return button(t('share_study'), () => void this.share(), { 'data-action': 'share-study' });
  }

  async share(): Promise<void> {
    const study = this.ctx.viewer.currentRef(this.ctx.activeViewport)?.study;
    if (!study) { toast(t('no_studies')); return; }
    const other = await askText('share_with_room');
    if (!other) return;
    if (!ROOM_ID.test(other)) { toast(t('share_bad_room')); return; }
    const r = await fetch(this.url(study), {
      method: 'POST',
      headers: { Authorization: `Bearer ${this.token()}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ room: other }),
    });
    if (r.ok) { toast(`${t('share_done')} ${other}`, 'info'); return; }
    const body = (await r.json().catch(() => ({}))) as { code?: string };
    const key = body.code === undefined ? undefined : REFUSALS[body.code];
    toast(key ? t(key) : `${t('error_generic')}: ${body.code ?? r.status}`);
  }

  private url(study: string): string {
    const room = encodeURIComponent(this.ctx.state.room_id);
    return `${window.location.origin}/api/rooms/${room}/studies/${encodeURIComponent(study)}/shares`;
  }
}
