// Boot: token -> UI -> Cornerstone -> the room page (app/page.ts) and its WebSocket.
import './style.css';
import { RoomPage } from './app/page';
import { translateStatic } from './i18n';
import { registerServiceWorker } from './offline';
import { readClaims, takeToken, type Claims } from './session';
import { $ } from './ui/dom';
import { showStatus } from './ui/status';
import { initCornerstone } from './viewer/setup';

/** The invite token and its claims, or null after showing why the page cannot open. */
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
  await initCornerstone(admitted.token);
  new RoomPage(admitted.token, admitted.claims).start();
  registerServiceWorker();
}

void boot().catch((err: unknown) => {
  console.error(err);
  showStatus('connecting');
  $('#status-text').textContent = `Error: ${String(err)}`;
});
