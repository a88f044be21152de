// zh-CN and en; the default follows the browser, the choice is remembered.
import { en, type MessageKey } from './en';
import { zh } from './zh';

export type Lang = 'zh-CN' | 'en';
const TABLES = { 'zh-CN': zh, en };
const listeners: (() => void)[] = [];

function initial(): Lang {
  const saved = localStorage.getItem('huizhen.lang');
  if (saved === 'zh-CN' || saved === 'en') return saved;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

let lang: Lang = initial();

export function t(key: MessageKey): string {
  return TABLES[lang][key];
}

export function currentLang(): Lang {
  return lang;
}

export function setLang(next: Lang): void {
  lang = next;
  localStorage.setItem('huizhen.lang', next);
  document.documentElement.lang = next;
  translateStatic();
  for (const l of listeners) l();
}

export function onLangChange(listener: () => void): void {
  listeners.push(listener);
}

/** Elements with data-i18n (text) or data-i18n-title / data-i18n-placeholder attributes. */
export function translateStatic(root: ParentNode = document): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n as MessageKey);
  }
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-title]')) {
    el.title = t(el.dataset.i18nTitle as MessageKey);
  }
  for (const el of root.querySelectorAll<HTMLInputElement>('[data-i18n-placeholder]')) {
    el.placeholder = t(el.dataset.i18nPlaceholder as MessageKey);
  }
}

document.documentElement.lang = lang;
