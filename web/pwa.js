// Installs the service worker once the app is up (it must not compete with
// the first load), and tells the app when a new version is waiting; the
// app's "Reload" asks for it. Events, so the app needs no more than a listener.
const start = () => {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/sw.js").then((reg) => {
    const announce = (worker) => {
      if (worker && navigator.serviceWorker.controller) dispatchEvent(new CustomEvent("duet-update-ready"));
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
