// One WebSocket to /ws: hello (token + resume_from), acks by ref, reconnect with backoff.
// Terminal close codes (kicked, room closed, token problems) stop reconnecting.
import { decodeServerFrame, encodeMessage } from './codec';
import { CLOSE_CODE, type Ack, type Command, type ErrorMessage, type ServerMessage } from './types';

export type ConnectionStatus =
  | 'connecting' | 'connected' | 'reconnecting' | 'restarting'
  | 'kicked' | 'room_closed' | 'token_expired' | 'unauthorized' | 'room_not_found'
  | 'unsupported_version' | 'replaced' | 'room_full' | 'banned' | 'token_revoked';

/** Close codes from docs/protocol.md that must not be retried. */
const TERMINAL: Partial<Record<number, ConnectionStatus>> = {
  [CLOSE_CODE.UNAUTHORIZED]: 'unauthorized', [CLOSE_CODE.TOKEN_EXPIRED]: 'token_expired',
  [CLOSE_CODE.ROOM_NOT_FOUND]: 'room_not_found', [CLOSE_CODE.KICKED]: 'kicked',
  [CLOSE_CODE.ROOM_CLOSED]: 'room_closed', [CLOSE_CODE.UNSUPPORTED_VERSION]: 'unsupported_version',
  [CLOSE_CODE.REPLACED]: 'replaced', [CLOSE_CODE.ROOM_FULL]: 'room_full',
  [CLOSE_CODE.BANNED]: 'banned', // kicked earlier: a reconnect loop would only hit the ban
  [CLOSE_CODE.TOKEN_REVOKED]: 'token_revoked',
};

export interface CommandResult { ok: boolean; seq: number | null; code?: string; message?: string }

export interface ConnectionHandlers {
  onMessages(messages: ServerMessage[]): void;
  onStatus(status: ConnectionStatus, detail: string): void;
}

interface Pending { resolve(result: CommandResult): void }

const MAX_BACKOFF_MS = 10_000;
/** The server is restarting (SIGTERM); its reason carries resume_from (docs/protocol.md). */
const SERVICE_RESTART = 1012;

export class Connection {
  ws: WebSocket | null = null;
  private nextRef = 1;
  private readonly pending = new Map<number, Pending>();
  private attempts = 0;
  private stopped = false;
  /** The server said it is restarting (1012); cleared by the next welcome. */
  private restarting = false;
  /** Last durable seq applied; sent as resume_from after a drop. */
  lastSeq: number | null = null;

  constructor(
    private readonly url: string,
    private readonly token: () => string, // the newest access token (access.ts)
    private readonly handlers: ConnectionHandlers,
  ) {}

  start(): void {
    this.open('connecting');
  }

  stop(): void {
    this.stopped = true;
    this.ws?.close(CLOSE_CODE.NORMAL);
  }

  /** Send a command; resolves with the ack or error the server returns for its ref. */
  send(command: Command): Promise<CommandResult> {
    const ref = this.nextRef++;
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      return Promise.resolve({ ok: false, seq: null, code: 'offline', message: 'not connected' });
    }
    ws.send(encodeMessage({ ...command, ref }));
    return new Promise((resolve) => this.pending.set(ref, { resolve }));
  }

  /** Send a message that is not a command (WebRTC signalling); false while not open. */
  sendRaw(message: object): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(encodeMessage(message));
    return true;
  }

  private open(status: ConnectionStatus): void {
    this.handlers.onStatus(status, '');
    const ws = new WebSocket(this.url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      ws.send(encodeMessage({
        type: 'hello', versions: [1], token: this.token(), resume_from: this.lastSeq,
      }));
    };
    ws.onmessage = (ev: MessageEvent) => this.receive(ev.data);
    ws.onclose = (ev: CloseEvent) => this.closed(ws, ev.code, ev.reason);
  }

  private receive(data: unknown): void {
    if (!(data instanceof ArrayBuffer)) return;
    const messages = decodeServerFrame(data);
    for (const m of messages) this.track(m);
    this.handlers.onMessages(messages);
  }

  private track(m: ServerMessage): void {
    if (m.type === 'welcome') {
      this.attempts = 0;
      this.restarting = false;
      this.handlers.onStatus('connected', '');
    }
    if (m.type === 'ack' || m.type === 'error') this.settle(m);
    else if ('seq' in m && m.seq !== null) this.lastSeq = m.seq;
  }

  private settle(m: Ack | ErrorMessage): void {
    if (m.ref === null) return;
    const p = this.pending.get(m.ref);
    this.pending.delete(m.ref);
    if (!p) return;
    if (m.type === 'ack') p.resolve({ ok: true, seq: m.seq });
    else p.resolve({ ok: false, seq: null, code: m.code, message: m.message });
  }

  private closed(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    for (const p of this.pending.values()) p.resolve({ ok: false, seq: null, code: 'offline' });
    this.pending.clear();
    const terminal = TERMINAL[code];
    if (terminal) {
      this.stopped = true;
      this.handlers.onStatus(terminal, reason);
      return;
    }
    if (this.stopped) return;
    const hint = /resume_from=(\d+)/.exec(reason);
    if (hint && this.lastSeq === null) this.lastSeq = Number(hint[1]);
    const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** this.attempts) * (0.5 + Math.random() / 2);
    this.attempts++;
    // A restart was announced: say so (the user will be back) until a welcome arrives, also
    // across the attempts refused while the server is still down.
    if (code === SERVICE_RESTART) this.restarting = true;
    const status: ConnectionStatus = this.restarting ? 'restarting' : 'reconnecting';
    this.handlers.onStatus(status, String(code));
    window.setTimeout(() => this.open(status), delay);
  }
}
