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
if (window.wasmBindings) start();
else addEventListener("TrunkApplicationStarted", start, { once: true });
