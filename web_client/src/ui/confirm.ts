// An inline yes/no question (like ui/textprompt.ts, not window.confirm): translated, keyboard
// reachable (Enter confirms, Escape cancels), and the room keeps syncing while it is open.
import { t } from '../i18n';
import type { MessageKey } from '../i18n/en';
import { button } from './dom';

/** Ask a question; resolves true when confirmed. One question at a time. */
export function askConfirm(question: MessageKey, yes: MessageKey = 'confirm_ok'): Promise<boolean> {
  document.querySelector('#confirm-dialog')?.remove();
  const box = document.createElement('form');
  box.id = 'confirm-dialog';
  box.setAttribute('role', 'alertdialog');
  const text = document.createElement('p');
  text.textContent = t(question);
  box.setAttribute('aria-label', t(question));
  const before = document.activeElement as HTMLElement | null;
  return new Promise((resolve) => {
    const done = (answer: boolean): void => {
      box.remove();
      before?.focus();
      resolve(answer);
    };
    const ok = button(t(yes), () => undefined, { 'data-action': 'confirm-yes' });
    ok.type = 'submit';
    const no = button(t('cancel'), () => done(false), { 'data-action': 'confirm-no' });
    box.onsubmit = (e) => { e.preventDefault(); done(true); };
    box.onkeydown = (e) => {
      e.stopPropagation();
      if (e.key === 'Escape') done(false);
    };
    box.append(text, ok, no);
    document.body.append(box);
    ok.focus();
  });
}
