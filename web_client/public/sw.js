// huizhen service worker: the next visit over a county link starts from this device.
//
// What it keeps, and why it is safe to keep:
// - The app shell: /assets/* are content-hashed and immutable, so they are served cache-first
//   (Chromium also keeps compiled code for scripts a service worker cached). Pages (/, /join,
//   /room/*) are the cached index.html at once, refreshed in the background: a new release
//   shows from the visit after the one that fetched it (one visit late, one round trip less).
// - Study metadata (DICOMweb QIDO series lists and series metadata) is patient data. It is
//   cached per room, under the name "huizhen-meta:<room>", and served only to a request that
//   carries a room token (Authorization: Bearer) for that same room which has not expired;
//   every use is revalidated with the server in the background (stale-while-revalidate), and
//   the room's cache is dropped as soon as the server refuses the token (401/403). Pixel data
//   (frames) is never put here: the HTTP cache and its revalidation handle it.
// The token's claims are read, not verified: the server verifies every revalidation, and a
// cached answer only ever goes back to the same browser profile that fetched it.
const SHELL = 'huizhen-shell-v1';
const META = 'huizhen-meta:';
const ROOM_PAGES = /^\/(join|room\/.*)?$/;
const METADATA = /^\/dicom-web\/studies\/[^/]+\/series(\/[^/]+\/metadata)?$/;

self.addEventListener('install', (event) => {
  event.waitUntil(precacheShell().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/assets/')) event.respondWith(cacheFirst(request));
  else if (request.mode === 'navigate' && ROOM_PAGES.test(url.pathname)) {
    event.respondWith(shellPage(request, event));
  }
  else if (METADATA.test(url.pathname) && !url.search) {
    const room = roomOf(request);
    if (room) event.respondWith(staleWhileRevalidate(request, room, event));
  }
});

/** The shell the page just loaded, from the HTTP cache: the index and the files it names. */
async function precacheShell() {
  const cache = await caches.open(SHELL);
  const page = await fetch('/', { cache: 'no-cache' });
  if (!page.ok) return;
  const html = await page.clone().text();
  await cache.put('/', page);
  await cache.addAll([...new Set(assetsOf(html))]);
}

/** Keep the new index; after a release, drop the assets the new index no longer names (the
 *  decoders and the worker come back on first use), so the cache does not grow per release. */
async function refreshShell(cache, response) {
  const html = await response.clone().text();
  const old = await cache.match('/');
  await cache.put('/', response);
  if (!old || (await old.text()) === html) return;
  const named = new Set(assetsOf(html));
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname;
    if (path.startsWith('/assets/') && !named.has(path)) await cache.delete(request);
  }
}

function assetsOf(html) {
  return [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
}

async function cacheFirst(request) {
  const cache = await caches.open(SHELL);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && response.status === 200) await cache.put(request, response.clone());
  return response;
}

/** The cached page at once (one round trip less), refreshed for the next visit. */
async function shellPage(request, event) {
  const cache = await caches.open(SHELL);
  const fresh = fetch(request).then(async (response) => {
    if (response.status === 200) await refreshShell(cache, response.clone());
    return response;
  });
  const page = await cache.match('/');
  if (!page) return fresh;
  event.waitUntil(fresh.catch(() => undefined));
  return page;
}

/** The room of an unexpired Bearer room token, or null (then the request is left alone). */
function roomOf(request) {
  const auth = request.headers.get('Authorization') || '';
  const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(new TextDecoder().decode(
      Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
    const live = typeof claims.exp !== 'number' || claims.exp * 1000 > Date.now();
    return live && typeof claims.room === 'string' ? claims.room : null;
  } catch {
    return null;
  }
}

async function staleWhileRevalidate(request, room, event) {
  const name = META + room;
  const cache = await caches.open(name);
  const hit = await cache.match(request);
  const fresh = fetch(request).then(async (response) => {
    if (response.status === 401 || response.status === 403) await caches.delete(name);
    else if (response.status === 200) await cache.put(request, response.clone());
    else if (response.status === 404) await cache.delete(request);
    return response;
  });
  if (!hit) return fresh;
  event.waitUntil(fresh.catch(() => undefined));
  return hit;
}
