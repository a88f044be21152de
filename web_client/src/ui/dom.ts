export function $(selector: string): HTMLElement {
  const el = document.querySelector<HTMLElement>(selector);
  if (!el) throw new Error(`missing element ${selector}`);
  return el;
}

export function button(label: string, onClick: () => void, attrs: Record<string, string> = {}): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.onclick = onClick;
  for (const [k, v] of Object.entries(attrs)) b.setAttribute(k, v);
  return b;
}

let toastTimer = 0;
/** A short message at the bottom: an error (red) unless `tone` is 'info'. */
export function toast(message: string, tone: 'error' | 'info' = 'error'): void {
  const el = $('#toast');
  el.textContent = message;
  el.dataset.tone = tone;
  el.hidden = false;
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => { el.hidden = true; }, 4000);
}
