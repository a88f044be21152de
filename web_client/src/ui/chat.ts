// Chat: messages with their time, the form, and an unread count while the chat is out of sight
// (another tab on a phone, or the page in the background), on the Chat tab and the page title.
import { colourOf } from '../colours';
import type { Ctx } from '../context';
import { t } from '../i18n';
import type { ChatMessage } from '../protocol/types';
import { $ } from './dom';

/** Local wall-clock time of a message (server seconds since the epoch), e.g. "14:05". */
export function clock(at: number): string {
  const d = new Date(at * 1000);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** The chat log with times and names (the live page and playback). */
export function renderChat(ctx: Ctx): void {
  const log = $('#chat-log');
  const shown = log.childElementCount;
  log.replaceChildren(...ctx.state.chat.map((m) => line(ctx, m)));
  if (ctx.state.chat.length !== shown) log.scrollTop = log.scrollHeight;
}

function line(ctx: Ctx, m: ChatMessage): HTMLElement {
  const li = document.createElement('li');
  const time = document.createElement('time');
  time.dateTime = new Date(m.at * 1000).toISOString();
  time.textContent = clock(m.at);
  const who = document.createElement('b');
  who.style.color = colourOf(ctx.state, m.author);
  who.textContent = ctx.state.participants.get(m.author)?.name ?? m.author;
  const text = document.createElement('span');
  text.textContent = m.text;
  li.append(time, who, text);
  return li;
}

export class Chat {
  /** The newest message seq the user could see. */
  private seen = -1;
  private readonly title = document.title;

  constructor(private readonly ctx: Ctx) {}

  bind(send: (text: string) => void): void {
    const form = $('#chat-form') as HTMLFormElement;
    const input = $('#chat-input') as HTMLInputElement;
    form.onsubmit = (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = '';
      send(text);
    };
    document.addEventListener('visibilitychange', () => this.ctx.changed());
  }

  render(): void {
    renderChat(this.ctx);
    this.renderUnread();
  }

  private renderUnread(): void {
    const chat = this.ctx.state.chat;
    const visible = $('#chat-section').offsetParent !== null && !document.hidden;
    if (visible || this.seen < 0) this.seen = chat.at(-1)?.seq ?? 0;
    const unread = chat.filter((m) => m.seq > this.seen && m.author !== this.ctx.me).length;
    const tab = $('[data-tab-target="chat"]');
    tab.textContent = t('chat');
    if (unread > 0) {
      const badge = document.createElement('span');
      badge.className = 'unread';
      badge.textContent = String(unread);
      tab.append(' ', badge);
    }
    document.title = unread > 0 ? `(${unread}) ${this.title}` : this.title;
  }
}
