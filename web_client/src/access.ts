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

  /** Ready to use: for an invite, after the first access token was bought. */
  static async open(token: string, claims: Claims, onRefused: (why: Refusal) => void): Promise<Access | null> {
    const access = new Access(token, onRefused);
    if (claims.kind !== 'invite') return access;
    return (await access.refresh()) ? access : null;
  }

  readonly token: TokenSource = () => this.current;

  stop(): void {
    window.clearTimeout(this.timer);
  }

  private async refresh(): Promise<boolean> {
    let reply: Response;
    try {
      reply = await fetch('/api/token', { method: 'POST', headers: { Authorization: `Bearer ${this.invite}` } });
    } catch {
      this.schedule(RETRY_MS); // offline for a moment: the current token may still do
      return this.refreshes > 0;
    }
    if (!reply.ok) return this.refused(reply);
    const bought = (await reply.json()) as Bought;
    this.current = bought.token;
    this.refreshes++;
    const life = bought.expires_at * 1000 - Date.now();
    this.schedule(Math.max(1_000, Math.min(life - MARGIN_MS, (life * 2) / 3)));
    return true;
  }

  private async refused(reply: Response): Promise<false> {
    const body = (await reply.json().catch(() => ({}))) as { code?: string; message?: string };
    if (reply.status >= 500 || reply.status === 429) {
      this.schedule(RETRY_MS);
      return false;
    }
    const why: Refusal = body.code === 'token_revoked' ? 'token_revoked'
      : (body.message ?? '').includes('expired') ? 'token_expired' : 'unauthorized';
    this.onRefused(why);
    return false;
  }

  private schedule(ms: number): void {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.refresh(), ms);
  }
}
