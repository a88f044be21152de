// The identity watermark on the live page: every viewport shows the viewer's own name, role,
// identity and time while the room's `watermark` setting is on (viewer/watermark.ts draws it);
// a moderator switches the setting with the top-bar button, and every page follows the event.
import { can, type Ctx } from '../context';
import { t } from '../i18n';
import type { Holder } from '../viewer/watermark';
import { $, toast } from './dom';

/** Whose mark: the role in the page's language (role_host, ...), the raw role if unknown. */
export function holderOf(name: string, role: string, identity: string): Holder {
  const label = (t as (key: string) => string | undefined)(`role_${role}`);
  return { name, role: label ?? role, identity };
}

/** Follow the room's setting; the room's name and role for me win over the token's. */
export function renderWatermark(ctx: Ctx, token: { name: string; role: string }): void {
  const me = ctx.state.participants.get(ctx.me);
  const holder = holderOf(me?.name ?? token.name, me?.role ?? token.role, ctx.me);
  ctx.viewer.watermark.update(ctx.state.watermark, holder);
  const btn = $('#watermark-btn') as HTMLButtonElement;
  btn.hidden = !can(ctx, 'moderate');
  btn.textContent = t(ctx.state.watermark ? 'watermark_on' : 'watermark_off');
  btn.title = t('watermark_title');
  btn.dataset.on = String(ctx.state.watermark);
}

export function bindWatermark(ctx: Ctx): void {
  $('#watermark-btn').onclick = async () => {
    const r = await ctx.send({ type: 'set_watermark', watermark: !ctx.state.watermark });
    if (!r.ok && r.code !== 'conflict') {
      toast(r.code === 'forbidden' ? t('forbidden') : `${t('error_generic')}: ${r.code ?? ''}`);
    }
  };
}

/** Everyone hears when a moderator switches it (a screenshot's mark is part of the deal). */
export function watermarkNotice(on: boolean): void {
  toast(t(on ? 'watermark_notice_on' : 'watermark_notice_off'), 'info');
}
