// Boot: token -> UI -> Cornerstone -> the room page (app/page.ts) and its WebSocket.
import './style.css';
import { Access } from './access';
import { RoomPage } from './app/page';
import { translateStatic } from './i18n';
import { registerServiceWorker } from './offline';
import { readClaims, takeToken, type Claims } from './session';
import { $ } from './ui/dom';
import { showStatus } from './ui/status';
import { initCornerstone } from './viewer/setup';

/** The link's token (an invite) and its claims, or null after showing why the page cannot open. */
function admit(): { token: string; claims: Claims } | null {
  const token = takeToken();
  const claims = token ? readClaims(token) : null;
  if (!token || !claims) {
    showStatus('no_token');
    return null;
  }
  if (claims.exp && claims.exp * 1000 < Date.now()) {
    showStatus('token_expired');
    return null;
  }
  return { token, claims };
}

async function boot(): Promise<void> {
  translateStatic();
  const admitted = admit();
  if (!admitted) return;
  showStatus('connecting');
  // The invite buys short access tokens (access.ts); refused (revoked, expired): say why.
  let page: RoomPage | null = null;
  const access = await Access.open(admitted.token, admitted.claims, (why) => {
    page?.ctx.conn.stop();
    showStatus(why);
  });
  if (!access) return;
  await initCornerstone(access.token);
  page = new RoomPage(access, admitted.claims);
  page.start();
  registerServiceWorker();
}

void boot().catch((err: unknown) => {
  console.error(err);
  showStatus('connecting');
  $('#status-text').textContent = `Error: ${String(err)}`;
});
