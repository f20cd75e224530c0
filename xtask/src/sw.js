// Duet's service worker (written by `cargo xtask pwa` for each build): it
// keeps this build's app shell so a repeat visit starts from the cache and
// an offline one still opens. It never touches signaling (/ws), the
// server's other paths, or anything but the public files listed here.
const VERSION = "__VERSION__";
const SHELL = __SHELL__;
const CACHE = "duet-shell-" + VERSION;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("duet-shell-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// The page asks for the new version once the person said "Reload", and
// asks which files this version keeps (is the page already this build?).
self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
  if (event.data === "shell" && event.ports[0]) event.ports[0].postMessage(SHELL);
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // The page from the network when there is one (a deploy shows at
    // once), this build's copy when not. Any client route is the app.
    event.respondWith(fetch(request).catch(() => caches.match("/", { cacheName: CACHE })));
    return;
  }
  if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname, { cacheName: CACHE }).then((hit) => hit || fetch(request)));
  }
});
