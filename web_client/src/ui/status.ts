// Full-page status messages: connecting, reconnecting, restarting, kicked, closed, expired,
// denied.
import { t } from '../i18n';
import type { MessageKey } from '../i18n/en';
import { $ } from './dom';

let current = 'connecting';

export function showStatus(status: string): void {
  current = status;
  $('#status-overlay').dataset.status = status;
  const key = (status === 'connected' ? 'connecting' : status) as MessageKey;
  $('#status-text').textContent = t(key) ?? status;
}

export function refreshStatus(): void {
  showStatus(current);
}
