// An inline text prompt (arrow labels) instead of window.prompt(): translated, reachable by
// keyboard (focus lands in the field; Enter accepts, Escape cancels) and it does not freeze the
// page, so the room keeps syncing while the user types.
import { t } from '../i18n';
import type { MessageKey } from '../i18n/en';

const MAX_LENGTH = 200;

function field(label: MessageKey): { form: HTMLFormElement; input: HTMLInputElement; cancel: HTMLButtonElement } {
  const form = document.createElement('form');
  form.id = 'text-prompt';
  form.setAttribute('role', 'dialog');
  form.setAttribute('aria-label', t(label));
  const caption = document.createElement('label');
  caption.htmlFor = 'text-prompt-input';
  caption.textContent = t(label);
  const input = document.createElement('input');
  input.id = 'text-prompt-input';
  input.maxLength = MAX_LENGTH;
  input.autocomplete = 'off';
  const ok = document.createElement('button');
  ok.type = 'submit';
  ok.textContent = t('ok');
  const cancel = document.createElement('button');
  cancel.type = 'button';
  cancel.textContent = t('cancel');
  form.append(caption, input, ok, cancel);
  return { form, input, cancel };
}

/** Ask for a line of text; resolves '' when cancelled. One prompt at a time. */
export function askText(label: MessageKey): Promise<string> {
  document.querySelector('#text-prompt')?.remove();
  const { form, input, cancel } = field(label);
  const before = document.activeElement as HTMLElement | null;
  return new Promise((resolve) => {
    const done = (text: string): void => {
      form.remove();
      before?.focus();
      resolve(text);
    };
    form.onsubmit = (e) => { e.preventDefault(); done(input.value.trim()); };
    cancel.onclick = () => done('');
    form.onkeydown = (e) => {
      e.stopPropagation(); // typing "2" is a letter here, not the lung preset
      if (e.key === 'Escape') done('');
    };
    document.body.append(form);
    input.focus();
  });
}
