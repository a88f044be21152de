// The service worker (public/sw.js) keeps the app shell and the room's study metadata for the
// next visit over a slow link. Registered after the room is up: its install copies the files
// this page already loaded from the HTTP cache, so it costs the link nothing now.
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((err: unknown) => {
    console.warn('service worker not registered', err);
  });
}
