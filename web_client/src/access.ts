// Short access tokens bought with the invite (docs/protocol.md, "Refresh"): the link carries an
// invite, which the server accepts only at POST /api/token; the socket and every HTTP request
// use the newest access token, bought again well before the current one ends, so a long
// consultation never drops. A plain room token (minted directly) is used as it is.
import type { Claims } from './session';

/** Where callers read the token to send now (it changes on every refresh). */
export type TokenSource = () => string;

/** Why the page cannot go on: a status key shown full-page (ui/status.ts). */
export type Refusal = 'token_revoked' | 'token_expired' | 'unauthorized';

interface Bought { token: string; expires_at: number }

const RETRY_MS = 5_000;
/** Refresh this long before expiry (or at two thirds of a short life). */
const MARGIN_MS = 60_000;

export class Access {
  private current: string;
  private timer = 0;
  /** How many access tokens were bought (tests read it through window.__huizhen). */
  refreshes = 0;

  private constructor(
    private readonly invite: string,
    private readonly onRefused: (why: Refusal) => void,
  ) {
    this.current = invite;
  }

  /** Ready to use: for an invite, once the first access token is bought (retried while the
   * server cannot be reached); null once the server refused the invite (``onRefused`` ran). */
  static async open(token: string, claims: Claims, onRefused: (why: Refusal) => void): Promise<Access | null> {
    const access = new Access(token, onRefused);
    if (claims.kind !== 'invite') return access;
    for (;;) {
      const outcome = await access.buy();
      if (outcome !== 'retry') return outcome === 'bought' ? access : null;
      await new Promise((resolve) => window.setTimeout(resolve, RETRY_MS));
    }
  }

  readonly token: TokenSource = () => this.current;

  stop(): void {
    window.clearTimeout(this.timer);
  }

  private async refresh(): Promise<void> {
    if ((await this.buy()) === 'retry') this.schedule(RETRY_MS); // the current one may still do
  }

  private async buy(): Promise<'bought' | 'retry' | 'refused'> {
    let reply: Response;
    try {
      reply = await fetch('/api/token', { method: 'POST', headers: { Authorization: `Bearer ${this.invite}` } });
    } catch {
      return 'retry'; // offline for a moment
    }
    if (reply.status >= 500 || reply.status === 429) return 'retry';
    if (!reply.ok) {
      this.onRefused(await refusal(reply));
      return 'refused';
    }
    const bought = (await reply.json()) as Bought;
    this.current = bought.token;
    this.refreshes++;
    const life = bought.expires_at * 1000 - Date.now();
    this.schedule(Math.max(1_000, Math.min(life - MARGIN_MS, (life * 2) / 3)));
    return 'bought';
  }

  private schedule(ms: number): void {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.refresh(), ms);
  }
}

async function refusal(reply: Response): Promise<Refusal> {
  const body = (await reply.json().catch(() => ({}))) as { code?: string; message?: string };
  if (body.code === 'token_revoked') return 'token_revoked';
  return (body.message ?? '').includes('expired') ? 'token_expired' : 'unauthorized';
}
