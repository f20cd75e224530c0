//! System notifications as the tests see them: the permission set as a
//! person would in the browser's prompt, what the page showed (by itself or
//! through its service worker), and a person choosing one of their buttons.

use serde_json::json;

use crate::browser::{Browser, Cdp};

/// A notification the page showed.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct Shown {
    pub title: String,
    /// `document.visibilityState` when it was shown.
    pub visibility: String,
    pub closed: bool,
    /// Its buttons' labels.
    pub actions: Vec<String>,
    /// Shown through the service worker rather than by the page.
    pub worker: bool,
}

impl Browser {
    /// Lets (or forbids) this origin to show notifications.
    pub async fn set_notification_permission(&self, origin: &str, granted: bool) {
        let setting = if granted { "granted" } else { "denied" };
        let params = json!({"permission": {"name": "notifications"}, "setting": setting, "origin": origin});
        self.cdp("Browser.setPermission", params).await;
    }

    /// Every notification the page showed, oldest first; one shown through
    /// the worker counts as closed once the worker no longer lists it.
    pub async fn notifications(&self) -> Vec<Shown> {
        let v = self
            .js_async(
                "const done = arguments[arguments.length - 1]; const n = window.__duetNotifications; \
                 if (!n) return done([]); \
                 const sw = navigator.serviceWorker; \
                 (sw ? sw.getRegistration() : Promise.resolve()).then(r => r ? r.getNotifications() : []) \
                   .then(open => done(n.shown.map(s => ({ title: s.title, visibility: s.visibility, \
                     closed: s.worker ? !open.some(o => o.tag === s.tag && o.title === s.title) : s.closed, \
                     actions: s.actions, worker: !!s.worker }))), e => done(String(e)))",
            )
            .await;
        serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{}: notifications {v}: {e}", self.user))
    }

    /// How often the page asked for the notification permission.
    pub async fn notification_asks(&self) -> u64 {
        self.js("const n = window.__duetNotifications; return n ? n.asked : 0").await.as_u64().unwrap_or(0)
    }

    /// Whether Duet's service worker controls the page.
    pub async fn worker_controls(&self) -> bool {
        self.js("return !!(navigator.serviceWorker && navigator.serviceWorker.controller)").await == true
    }

    /// The person chooses `action` ("" for the notification itself) on the
    /// worker's notification titled `title`. The worker gets the event a
    /// click gives it (constructed in the worker through DevTools: headless
    /// Chromium draws no notification to click), so everything from the
    /// worker's handler on is the app's own path. The one thing a synthetic
    /// event cannot do is the browser's permission to focus a window.
    pub async fn choose_in_notification(&self, title: &str, action: &str) {
        let targets = self.cdp("Target.getTargets", json!({})).await;
        let worker = targets["targetInfos"]
            .as_array()
            .and_then(|t| t.iter().find(|t| t["type"] == "service_worker"))
            .and_then(|t| t["targetId"].as_str())
            .unwrap_or_else(|| panic!("{}: no service worker running: {targets}", self.user))
            .to_owned();
        let session = self.cdp("Target.attachToTarget", json!({"targetId": worker, "flatten": false})).await;
        let session = session["sessionId"].as_str().unwrap_or_default().to_owned();
        let expression = format!(
            "self.registration.getNotifications().then(ns => ns.filter(n => n.title === {title}).forEach(n => \
             self.dispatchEvent(new NotificationEvent('notificationclick', {{ notification: n, action: {action} }}))))",
            title = json!(title),
            action = json!(action)
        );
        let message = json!({"id": 1, "method": "Runtime.evaluate", "params": {"expression": expression}});
        self.cdp("Target.sendMessageToTarget", json!({"sessionId": session, "message": message.to_string()})).await;
        self.cdp("Target.detachFromTarget", json!({"sessionId": session})).await;
    }

    /// Stops the page from fetching `pattern` (DevTools' request blocking),
    /// e.g. a service worker script.
    pub async fn block_urls(&self, pattern: &str) {
        self.cdp("Network.enable", json!({})).await;
        self.cdp("Network.setBlockedURLs", json!({"urls": [pattern]})).await;
    }

    async fn cdp(&self, cmd: &'static str, params: serde_json::Value) -> serde_json::Value {
        self.client.issue_cmd(Cdp { cmd, params }).await.unwrap_or_else(|e| panic!("{}: {cmd}: {e}", self.user))
    }
}
