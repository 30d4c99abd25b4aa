// Service worker of Field CRM, generated at build time by pwa/gen-sw.mjs.
// App shell: precached on install, served cache-first; /api/ is never cached; old caches
// are removed on activate; a new version waits until the page asks it to take over.
const VERSION = __VERSION__;
const ASSETS = __ASSETS__;
const CACHE = `field-crm-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('field-crm-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') self.skipWaiting();
  if (event.data === 'version' && event.source) event.source.postMessage({ version: VERSION });
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/api/')) {
    return; // network only: sync traffic and anything cross-origin
  }
  if (request.mode === 'navigate') {
    // Every route of the single-page app is the same shell.
    event.respondWith(caches.open(CACHE).then((c) => c.match('/index.html')).then((r) => r || fetch(request)));
    return;
  }
  event.respondWith(caches.open(CACHE).then((c) => c.match(request)).then((r) => r || fetch(request)));
});
