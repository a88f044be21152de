// The invite (or a room token): read from the URL fragment (#token=JWT; never sent to servers or logs),
// kept in sessionStorage so a reload of /room/<id> still works.
export interface Claims { room: string; name: string; role: string; exp: number; sub: string; kind?: string }

const KEY = 'huizhen.token';

export function takeToken(): string | null {
  const hash = new URLSearchParams(window.location.hash.slice(1));
  const fresh = hash.get('token');
  if (fresh) {
    sessionStorage.setItem(KEY, fresh);
    const claims = readClaims(fresh);
    const path = claims ? `/room/${encodeURIComponent(claims.room)}` : window.location.pathname;
    history.replaceState(null, '', path);
    return fresh;
  }
  return sessionStorage.getItem(KEY);
}

export function readClaims(token: string): Claims | null {
  try {
    const part = token.split('.')[1] ?? '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes)) as Claims;
  } catch {
    return null;
  }
}

export function wsUrl(): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/ws`;
}
