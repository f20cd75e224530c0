// Installs the service worker once the app is up (it must not compete with
// the first load), and tells the app when a new version is waiting; the
// app's "Reload" asks for it. Events, so the app needs no more than a listener.
const start = () => {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/sw.js").then((reg) => {
    // A new worker waits. If this page is already its build (page loads come
    // from the network), it takes over silently; otherwise the app offers
    // the new version.
    const announce = (worker) => {
      if (!worker || !navigator.serviceWorker.controller) return;
      const page = document.querySelector("link[rel=modulepreload]");
      const channel = new MessageChannel();
      channel.port1.onmessage = (event) => {
        if (page && event.data.includes(page.getAttribute("href"))) worker.postMessage("skip-waiting");
        else dispatchEvent(new CustomEvent("duet-update-ready"));
      };
      worker.postMessage("shell", [channel.port2]);
    };
    announce(reg.waiting);
    reg.addEventListener("updatefound", () => {
      const worker = reg.installing;
      worker.addEventListener("statechange", () => worker.state === "installed" && announce(worker));
    });
    addEventListener("duet-apply-update", () => reg.waiting && reg.waiting.postMessage("skip-waiting"));
    let reloading = false;
    navigator.serviceWorker.addEventListener("controllerchange", () => {
      if (navigator.serviceWorker.controller && !reloading && window.__duetUpdating) {
        reloading = true;
        location.reload();
      }
    });
  }, () => {});
};
addEventListener("duet-apply-update", () => { window.__duetUpdating = true; });

// System notifications through the worker once it controls the page: phones
// show no other kind, and only these carry buttons (Accept, Decline). The app
// asks with "duet-notify" and shows a plain one itself when nobody takes it.
const notes = new Set();
let queue = Promise.resolve();
addEventListener("duet-notify", (event) => {
  const sw = navigator.serviceWorker;
  if (!sw || !sw.controller) return;
  event.preventDefault();
  const { title, body, tag, actions, close } = event.detail;
  if (close) notes.delete(tag);
  else notes.add(tag);
  // In order: a close must not overtake the showing it undoes.
  queue = queue
    .then(() => sw.ready)
    .then((reg) => close
      ? reg.getNotifications({ tag }).then((shown) => shown.forEach((n) => n.close()))
      : reg.showNotification(title, { body, tag, actions, requireInteraction: true }))
    .catch(() => {});
});
// The worker asks every Duet tab whose notification was clicked; the one
// that showed it acts on the button and says so, and the worker brings it
// to the front.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.addEventListener("message", (event) => {
    const { duet, tag, action } = event.data || {};
    if (duet !== "notification") return;
    const mine = notes.has(tag);
    if (mine) dispatchEvent(new CustomEvent("duet-notification-action", { detail: { tag, action } }));
    if (event.ports[0]) event.ports[0].postMessage(mine);
  });
  navigator.serviceWorker.startMessages();
}
if (window.wasmBindings) start();
else addEventListener("TrunkApplicationStarted", start, { once: true });
