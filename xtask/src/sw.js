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

// A click on a notification, or on one of its buttons, goes to the tab that
// showed it (only that page knows the call): every Duet tab is asked, the
// one that says "mine" acts, and comes to the front unless it was "decline".
self.addEventListener("notificationclick", (event) => {
  const { tag } = event.notification;
  const action = event.action;
  event.notification.close();
  const ask = (client) => new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (reply) => resolve(reply.data === true);
    setTimeout(() => resolve(false), 2000);
    client.postMessage({ duet: "notification", tag, action }, [channel.port2]);
  });
  const work = self.clients.matchAll({ type: "window" })
    .then((windows) => Promise.all(windows.map(ask)).then((mine) => windows.find((_, i) => mine[i])))
    .then((client) => client && action !== "decline" && client.focus())
    .catch(() => {});
  event.waitUntil(work);
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
