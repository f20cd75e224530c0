//! One user's Chromium, driven through WebDriver by accessible names.

use std::time::Duration;

use fantoccini::{elements::Element, wd::Capabilities, Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::{wait_until, WAIT};

#[derive(Clone)]
pub struct Browser {
    pub user: String,
    pub client: Client,
}

const CHROME_ARGS: &[&str] = &[
    "--headless=new",
    // Three fake cameras, so switching devices can be tested. Chromium's
    // fake_device_1 is a Y16 depth camera whose frames are not sent; 0 and 2
    // are ordinary colour cameras.
    "--use-fake-device-for-media-stream=device-count=3",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1000,800",
    "--enable-precise-memory-info",
];

fn xpath_literal(s: &str) -> String {
    if !s.contains('\'') {
        format!("'{s}'")
    } else {
        format!("concat('{}')", s.replace('\'', "', \"'\", '"))
    }
}

impl Browser {
    pub async fn launch(driver: &str, user: &str) -> Browser {
        Browser::launch_with(driver, user, &[]).await
    }

    /// Firefox ESR, headless, with the preferences a call needs here: fake
    /// camera and microphone, ICE on loopback, and a stored permission for
    /// both (without one Firefox gathers only its default-route address,
    /// which the loopback-only namespace does not have).
    /// `extra` preferences are added to those.
    pub async fn launch_firefox(driver: &str, user: &str, extra: Value) -> Browser {
        let mut prefs = json!({
            "media.navigator.streams.fake": true,
            "media.peerconnection.ice.loopback": true,
            "permissions.default.camera": 1,
            "permissions.default.microphone": 1,
            "media.autoplay.default": 0,
            "media.autoplay.blocking_policy": 0,
        });
        if let (Some(prefs), Value::Object(extra)) = (prefs.as_object_mut(), extra) {
            prefs.extend(extra);
        }
        let mut caps = Capabilities::new();
        caps.insert("browserName".into(), json!("firefox"));
        caps.insert(
            "moz:firefoxOptions".into(),
            json!({
                "binary": "/usr/bin/firefox-esr",
                "args": ["-headless", "-width", "1000", "-height", "800"],
                "prefs": prefs,
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(driver)
            .await
            .unwrap_or_else(|e| panic!("starting Firefox for {user}: {e}"));
        Browser { user: user.to_owned(), client }
    }

    /// A browser with more Chromium flags (e.g. host resolver rules).
    pub async fn launch_with(driver: &str, user: &str, extra: &[&str]) -> Browser {
        let args: Vec<&str> = CHROME_ARGS.iter().chain(extra).copied().collect();
        Browser::launch_args(driver, user, args).await
    }

    /// A Chromium that refuses the page the camera and microphone, as a
    /// person clicking "Block" would (fake devices, but no fake consent).
    pub async fn launch_denying_media(driver: &str, user: &str) -> Browser {
        let args = CHROME_ARGS
            .iter()
            .copied()
            .filter(|a| *a != "--use-fake-ui-for-media-stream")
            // Without camera permission Chromium hides its addresses behind
            // mDNS names, which nothing resolves in the tests' loopback-only
            // namespace (on a real network they resolve, or STUN/TURN help).
            .chain(["--deny-permission-prompts", "--disable-features=WebRtcHideLocalIpsWithMdns"])
            .collect();
        Browser::launch_args(driver, user, args).await
    }

    async fn launch_args(driver: &str, user: &str, args: Vec<&str>) -> Browser {
        let mut caps = Capabilities::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), json!({"binary": "/usr/bin/chromium", "args": args}));
        // The console, so tests can see Content Security Policy violations.
        caps.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(driver)
            .await
            .unwrap_or_else(|e| panic!("starting Chromium for {user}: {e}"));
        // Before any page script: note every peer connection and media track
        // the page makes, so leaks are judged by the browser, not the app.
        let watch = Cdp { cmd: "Page.addScriptToEvaluateOnNewDocument", params: json!({"source": LEAK_WATCH}) };
        client.issue_cmd(watch).await.unwrap_or_else(|e| panic!("{user}: installing the leak watch: {e}"));
        Browser { user: user.to_owned(), client }
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|e| panic!("{}: opening {url}: {e}", self.user));
    }

    pub async fn quit(self) {
        let _ = self.client.close().await;
    }

    /// Console messages since the last call (Chromium's log); none from a
    /// browser the test already closed.
    pub async fn console_messages(&self) -> Vec<String> {
        self.console().await.into_iter().map(|(_, m)| m).collect()
    }

    /// Warnings and errors in the console since the last read.
    pub async fn console_problems(&self) -> Vec<String> {
        self.console()
            .await
            .into_iter()
            .filter(|(level, _)| level == "WARNING" || level == "SEVERE")
            .map(|(_, m)| m)
            .collect()
    }

    async fn console(&self) -> Vec<(String, String)> {
        let Ok(logs) = self.client.issue_cmd(BrowserLog).await else { return vec![] };
        logs.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| Some((e["level"].as_str()?.to_owned(), e["message"].as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub async fn screenshot(&self) -> Option<Vec<u8>> {
        self.client.screenshot().await.ok()
    }

    /// The page's visible text and call state, for failure reports.
    pub async fn page_text(&self) -> Option<String> {
        let v = self.client.execute("return document.body.innerText", vec![]).await.ok()?;
        Some(v.as_str().unwrap_or_default().to_owned())
    }

    /// Runs `script` (a function body) in the page.
    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("{}: script failed: {e}\n{script}", self.user))
    }

    /// Runs an async `script` whose last argument is the callback.
    pub async fn js_async(&self, script: &str) -> Value {
        self.js_async_with(script, vec![]).await
    }

    /// The same with `args` before the callback.
    pub async fn js_async_with(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute_async(script, args)
            .await
            .unwrap_or_else(|e| panic!("{}: script failed: {e}\n{script}", self.user))
    }

    fn button_xpath(name: &str) -> String {
        let n = xpath_literal(name);
        format!("//button[@aria-label={n} or (not(@aria-label) and normalize-space(.)={n})]")
    }

    pub async fn find_button(&self, name: &str) -> Option<Element> {
        self.client.find(Locator::XPath(&Self::button_xpath(name))).await.ok()
    }

    /// Waits for an enabled button named `name` and clicks it.
    pub async fn click(&self, name: &str) {
        let b = wait_until(&format!("{}: an enabled button {name:?}", self.user), WAIT, || async {
            let b = self.find_button(name).await?;
            b.is_enabled().await.ok()?.then_some(b)
        })
        .await;
        b.click().await.unwrap_or_else(|e| panic!("{}: clicking {name:?}: {e}", self.user));
    }

    pub async fn wait_button(&self, name: &str) {
        wait_until(&format!("{}: button {name:?}", self.user), WAIT, || async {
            self.find_button(name).await.map(|_| ())
        })
        .await;
    }

    pub async fn wait_no_button(&self, name: &str) {
        wait_until(&format!("{}: button {name:?} to go away", self.user), WAIT, || async {
            self.find_button(name).await.is_none().then_some(())
        })
        .await;
    }

    /// Types into the control whose <label> reads `label`.
    pub async fn fill(&self, label: &str, text: &str) {
        let xpath = format!("//*[@id=//label[normalize-space(.)={}]/@for]", xpath_literal(label));
        let field = wait_until(&format!("{}: field {label:?}", self.user), WAIT, || async {
            self.client.find(Locator::XPath(&xpath)).await.ok()
        })
        .await;
        field.clear().await.ok();
        field.send_keys(text).await.unwrap_or_else(|e| panic!("{}: typing into {label:?}: {e}", self.user));
    }

    /// Logs in and waits for the lobby.
    pub async fn login(&self, name: &str) {
        self.fill("Username", name).await;
        self.click("Log in").await;
        self.wait_logged_in().await;
    }

    /// Waits for the lobby's header, or the call screen (a call link rings
    /// at once after login, and the call screen has no header).
    pub async fn wait_logged_in(&self) {
        wait_until(&format!("{}: logged in", self.user), WAIT, || async {
            let shown = self
                .js("return document.body.innerText.includes('Signed in as') || !!document.getElementById('call-view')")
                .await;
            (shown == true).then_some(())
        })
        .await;
    }

    pub async fn text(&self) -> String {
        self.js("return document.body.innerText").await.as_str().unwrap_or_default().to_owned()
    }

    pub async fn status(&self) -> String {
        self.js("const s = document.querySelector('[role=status]'); return s ? s.innerText : ''")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub async fn wait_text(&self, needle: &str) {
        self.wait_text_within(needle, WAIT).await;
    }

    pub async fn wait_text_within(&self, needle: &str, limit: Duration) {
        wait_until(&format!("{}: text {needle:?} on the page", self.user), limit, || async {
            self.text().await.contains(needle).then_some(())
        })
        .await;
    }

    pub async fn wait_status(&self, needle: &str) {
        self.wait_status_within(needle, WAIT).await;
    }

    pub async fn wait_status_within(&self, needle: &str, limit: Duration) {
        wait_until(&format!("{}: status {needle:?}", self.user), limit, || async {
            self.status().await.contains(needle).then_some(())
        })
        .await;
    }

    /// Names in the user list that can be called ("Call <name>" buttons).
    pub async fn callable(&self) -> Vec<String> {
        let v = self
            .js("return [...document.querySelectorAll('button[aria-label^=\"Call \"]')].map(b => b.getAttribute('aria-label').slice(5))")
            .await;
        serde_json::from_value(v).unwrap_or_default()
    }

    /// The remote video's decoded frame count and width.
    pub async fn remote_frames(&self) -> (u64, u64) {
        let v = self
            .js("const v = document.getElementById('received_video'); \
                 if (!v) return [0, 0]; \
                 const q = v.getVideoPlaybackQuality().totalVideoFrames; \
                 return [q || v.mozPaintedFrames || 0, v.videoWidth];")
            .await;
        (v[0].as_u64().unwrap_or(0), v[1].as_u64().unwrap_or(0))
    }

    /// Inbound RTP counters of the current call: (video frames decoded, audio packets received).
    pub async fn inbound(&self) -> (u64, u64) {
        let v = self
            .js_async(
                "const done = arguments[arguments.length - 1]; \
                 const pc = window.duetDiagnostics && window.duetDiagnostics.pc; \
                 if (!pc) return done([0, 0]); \
                 pc.getStats().then(stats => { let f = 0, a = 0; \
                   stats.forEach(s => { if (s.type === 'inbound-rtp') { \
                     if (s.kind === 'video') f += s.framesDecoded || 0; \
                     if (s.kind === 'audio') a += s.packetsReceived || 0; } }); \
                   done([f, a]); }, () => done([0, 0]));",
            )
            .await;
        (v[0].as_u64().unwrap_or(0), v[1].as_u64().unwrap_or(0))
    }

    /// Asserts video and audio arrive and keep arriving: the remote <video>
    /// has a size and its frame count rises, and inbound video frames and
    /// audio packets rise too (each within WAIT, however loaded the machine).
    pub async fn assert_media_flows(&self) {
        wait_until(&format!("{}: remote video frames", self.user), WAIT, || async {
            let (frames, width) = self.remote_frames().await;
            (frames > 0 && width > 0).then_some(())
        })
        .await;
        let (f0, _) = self.remote_frames().await;
        let (v0, a0) = self.inbound().await;
        wait_until(&format!("{}: remote video frames to rise from {f0}", self.user), WAIT, || async {
            (self.remote_frames().await.0 > f0).then_some(())
        })
        .await;
        wait_until(
            &format!("{}: inbound frames and audio packets to rise from {v0}, {a0}", self.user),
            WAIT,
            || async {
                let (v1, a1) = self.inbound().await;
                (v1 > v0 && a1 > a0).then_some(())
            },
        )
        .await;
    }

    /// Starts watching for the next frame of the remote video; read the
    /// time with [`Browser::first_frame_at`].
    pub async fn arm_first_frame(&self) {
        self.js(
            "window.__firstFrame = null; document.getElementById('received_video')\
               .requestVideoFrameCallback(() => { window.__firstFrame = performance.timeOrigin + performance.now(); });",
        )
        .await;
    }

    /// When the armed remote frame was shown (ms since the epoch, the machine's one clock).
    pub async fn first_frame_at(&self) -> f64 {
        wait_until(&format!("{}: the first remote frame", self.user), WAIT, || async {
            self.js("return window.__firstFrame").await.as_f64()
        })
        .await
    }

    /// Clicks the button whose text is `name` from inside the page; returns
    /// the click's time (ms since the epoch).
    pub async fn click_timed(&self, name: &str) -> f64 {
        self.client
            .execute(
                "const t = performance.timeOrigin + performance.now(); \
                 [...document.querySelectorAll('button')].find(b => (b.getAttribute('aria-label') || b.innerText).trim() === arguments[0]).click(); \
                 return t;",
                vec![name.into()],
            )
            .await
            .unwrap_or_else(|e| panic!("{}: clicking {name:?}: {e}", self.user))
            .as_f64()
            .unwrap()
    }

    /// Ticks the "Relay only" privacy setting.
    pub async fn set_relay_only(&self) {
        self.set_checkbox("Relay only", true).await;
    }

    /// Ticks (`on`) or clears the checkbox labelled `label`.
    pub async fn set_checkbox(&self, label: &str, on: bool) {
        let cb = wait_until(&format!("{}: the {label} checkbox", self.user), WAIT, || async {
            self.client.find(Locator::XPath(&format!("//label[normalize-space(.)='{label}']/input"))).await.ok()
        })
        .await;
        if (cb.prop("checked").await.ok().flatten().as_deref() == Some("true")) != on {
            cb.click().await.unwrap();
        }
    }

    /// The safety number the "Safety number" panel shows ("" until it does).
    pub async fn safety_number_shown(&self) -> String {
        self.js("return Array.from(document.querySelectorAll('.safety-digits [aria-hidden]')).map(s => s.textContent).join(' ')")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The safety number worked out here, independently of the app, from the
    /// DTLS fingerprints in the descriptions the peer connection uses:
    /// SHA-256 of the sorted, normalised fingerprints, 4 × 5 digits.
    pub async fn safety_number_expected(&self) -> String {
        self.js_async(
            "const done = arguments[arguments.length - 1]; const pc = window.duetDiagnostics.pc; \
             const fps = sdp => sdp.split(/\\r?\\n/).filter(l => l.startsWith('a=fingerprint:')).map(l => { \
               const [a, h] = l.slice(14).trim().split(' '); return a.toLowerCase() + ' ' + h.toUpperCase(); }); \
             const all = [fps(pc.localDescription.sdp)[0], fps(pc.remoteDescription.sdp)[0]].sort(); \
             crypto.subtle.digest('SHA-256', new TextEncoder().encode(all.join('\\n'))).then(buf => { \
               const b = new Uint8Array(buf); const groups = []; \
               for (let g = 0; g < 4; g++) { let n = 0n; for (let i = 0; i < 5; i++) n = (n << 8n) | BigInt(b[g * 5 + i]); \
                 groups.push(String(n % 100000n).padStart(5, '0')); } \
               done(groups.join(' ')); });",
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// What this browser sends of video over two seconds: kbit/s and the frame height.
    pub async fn sent_video(&self) -> (f64, u64) {
        let v = self
            .js_async(
                "const done = arguments[arguments.length - 1]; const pc = window.duetDiagnostics.pc; \
                 const read = () => pc.getStats().then(st => { let bytes = 0, h = 0; st.forEach(r => { \
                   if (r.type === 'outbound-rtp' && r.kind === 'video') { bytes += r.bytesSent; h = r.frameHeight || h; } }); \
                   return [bytes, h, performance.now()]; }); \
                 read().then(a => setTimeout(() => read().then(z => done([(z[0] - a[0]) * 8 / (z[2] - a[2]), z[1]])), 2000));",
            )
            .await;
        serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{}: sent video {v}: {e}", self.user))
    }

    /// From now on the camera and microphone take `ms` longer to open (a
    /// slow camera, or a busy machine).
    pub async fn slow_camera(&self, ms: u32) {
        self.js(&format!("window.__duetSlowCamera = {ms}; return 1")).await;
    }

    /// The height of the video we send at most, as its sender is told
    /// (the track's height scaled down by the encoding's
    /// `scaleResolutionDownBy`), and its `maxBitrate` if any.
    pub async fn video_cap(&self) -> (f64, Option<f64>) {
        let v = self
            .js("const s = window.duetDiagnostics.pc.getSenders().find(s => s.track && s.track.kind === 'video'); \
                 if (!s) return [0, null]; const e = s.getParameters().encodings[0] || {}; \
                 return [s.track.getSettings().height / (e.scaleResolutionDownBy || 1), e.maxBitrate ?? null];")
            .await;
        serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{}: video cap {v}: {e}", self.user))
    }

    /// Saves this browser's downloads into `dir`, without asking.
    pub async fn allow_downloads(&self, dir: &std::path::Path) {
        let cmd = Cdp {
            cmd: "Browser.setDownloadBehavior",
            params: json!({"behavior": "allow", "downloadPath": dir.to_string_lossy()}),
        };
        self.client.issue_cmd(cmd).await.unwrap_or_else(|e| panic!("{}: downloads: {e}", self.user));
    }

    /// Takes this page's network away (`true`) or gives it back, as the
    /// browser's offline mode does.
    pub async fn set_offline(&self, offline: bool) {
        for (cmd, params) in [
            ("Network.enable", json!({})),
            (
                "Network.emulateNetworkConditions",
                json!({"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
            ),
        ] {
            self.client.issue_cmd(Cdp { cmd, params }).await.unwrap_or_else(|e| panic!("{}: {cmd}: {e}", self.user));
        }
    }

    /// Holds every request whose URL matches `pattern` (`*` for any run of
    /// characters) forever: DevTools pauses them and no one lets them go,
    /// as a server that never answers would.
    pub async fn stall_requests(&self, pattern: &str) {
        let cmd = Cdp { cmd: "Fetch.enable", params: json!({"patterns": [{"urlPattern": pattern}]}) };
        self.client.issue_cmd(cmd).await.unwrap_or_else(|e| panic!("{}: Fetch.enable: {e}", self.user));
    }

    /// Lets the requests [`Browser::stall_requests`] holds go on (DevTools
    /// stops intercepting), as a server that answers at last would.
    pub async fn release_requests(&self) {
        let cmd = Cdp { cmd: "Fetch.disable", params: json!({}) };
        self.client.issue_cmd(cmd).await.unwrap_or_else(|e| panic!("{}: Fetch.disable: {e}", self.user));
    }

    /// Whether the page has fetched a file whose URL contains `part`.
    pub async fn fetched(&self, part: &str) -> bool {
        let js = format!(
            "return performance.getEntriesByType('resource').some(e => e.name.includes({part:?}) && e.responseEnd > 0 && (e.responseStatus || 200) === 200)"
        );
        self.js(&js).await.as_bool().unwrap_or(false)
    }

    /// Puts another tab in front of this one (which the page then sees as
    /// hidden); the returned handle brings it back with [`Browser::to_tab`].
    pub async fn hide_behind_another_tab(&self) -> fantoccini::wd::WindowHandle {
        let ours = self.client.window().await.unwrap();
        let other = self.client.new_window(true).await.unwrap();
        self.client.switch_to_window(other.handle).await.unwrap();
        ours
    }

    /// Back to the tab `handle`, in front again.
    pub async fn to_tab(&self, handle: fantoccini::wd::WindowHandle) {
        self.client.switch_to_window(handle).await.unwrap();
    }

    /// The candidate type of the selected pair's local side (host, srflx, relay).
    pub async fn selected_local_candidate_type(&self) -> Option<String> {
        let v = self
            .js_async(
                "const done = arguments[arguments.length - 1]; \
                 const pc = window.duetDiagnostics && window.duetDiagnostics.pc; if (!pc) return done(null); \
                 pc.getStats().then(stats => { let id = null; \
                   stats.forEach(s => { if (s.type === 'transport' && s.selectedCandidatePairId) id = s.selectedCandidatePairId; }); \
                   if (!id) stats.forEach(s => { if (s.type === 'candidate-pair' && s.selected) id = s.id; }); \
                   const pair = id && stats.get(id); const local = pair && stats.get(pair.localCandidateId); \
                   done(local ? local.candidateType : null); }, () => done(null));",
            )
            .await;
        v.as_str().map(str::to_owned)
    }

    /// The local ICE username fragment of the call's connection (it changes
    /// with every ICE restart).
    pub async fn ice_ufrag(&self) -> String {
        self.js("const pc = window.duetDiagnostics && window.duetDiagnostics.pc; \
             const m = pc && pc.localDescription && pc.localDescription.sdp.match(/a=ice-ufrag:(\\S+)/); \
             return m ? m[1] : ''")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Open peer connections, per the page's diagnostics.
    pub async fn open_peer_connections(&self) -> i64 {
        self.js("return window.duetDiagnostics ? window.duetDiagnostics.openPeerConnections : 0")
            .await
            .as_i64()
            .unwrap_or(-1)
    }

    /// Local camera/microphone tracks not yet ended.
    pub async fn live_local_tracks(&self) -> u64 {
        self.js("const d = window.duetDiagnostics; if (!d) return 0; \
             return d.localStreams.flatMap(s => s.getTracks()).filter(t => t.readyState !== 'ended').length")
            .await
            .as_u64()
            .unwrap_or(u64::MAX)
    }

    /// Waits until the page holds no peer connection and no live camera or
    /// microphone track: by the app's own count, and (in Chromium) by the
    /// browser's: every RTCPeerConnection the page ever made is closed and
    /// every track it got from getUserMedia/getDisplayMedia (or cloned) ended.
    pub async fn wait_released(&self) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let seen = self.js(LEAK_COUNT).await;
            let (pcs, tracks) = (self.open_peer_connections().await, self.live_local_tracks().await);
            let browser_says = seen.is_null() || (seen["openPcs"] == 0 && seen["liveTracks"] == 0);
            if pcs == 0 && tracks == 0 && browser_says {
                println!("{}: released everything (the browser saw {seen})", self.user);
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{}: still holding after {WAIT:?}: app counts {pcs} peer connections, {tracks} live tracks; browser {seen}",
                self.user
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Whether both video elements are gone or empty.
    pub async fn videos_cleared(&self) -> bool {
        self.js("return ['received_video', 'local_video'].every(id => { \
               const v = document.getElementById(id); return !v || !v.srcObject; })")
            .await
            .as_bool()
            .unwrap_or(false)
    }

    /// Presses `key` as a user would, on whatever has the focus.
    pub async fn press(&self, key: char) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let keys =
            KeyActions::new("keyboard".into()).then(KeyAction::Down { value: key }).then(KeyAction::Up { value: key });
        self.client.perform_actions(keys).await.unwrap_or_else(|e| panic!("{}: pressing {key:?}: {e}", self.user));
        let _ = self.client.release_actions().await;
    }

    /// Opens the <details> whose <summary> reads `name`.
    pub async fn click_summary(&self, name: &str) {
        let xpath = format!("//summary[normalize-space(.)={}]", xpath_literal(name));
        let s = wait_until(&format!("{}: summary {name:?}", self.user), WAIT, || async {
            self.client.find(Locator::XPath(&xpath)).await.ok()
        })
        .await;
        s.click().await.unwrap_or_else(|e| panic!("{}: opening {name:?}: {e}", self.user));
    }

    /// Moves the focus off any field, so keys go to the page.
    pub async fn blur(&self) {
        self.js("if (document.activeElement) document.activeElement.blur(); return 0").await;
    }

    /// Picks the option showing `option` in the <select> labelled `label`.
    pub async fn select(&self, label: &str, option: &str) {
        let xpath = format!("//select[@id=//label[normalize-space(.)={}]/@for]", xpath_literal(label));
        let select = wait_until(&format!("{}: select {label:?}", self.user), WAIT, || async {
            self.client.find(Locator::XPath(&xpath)).await.ok()
        })
        .await;
        select.select_by_label(option).await.unwrap_or_else(|e| panic!("{}: choosing {option:?}: {e}", self.user));
    }

    /// The label of the camera track we send, per the current peer connection.
    pub async fn sent_camera_label(&self) -> String {
        self.js("const pc = window.duetDiagnostics && window.duetDiagnostics.pc; if (!pc) return ''; \
                 const s = pc.getSenders().find(s => s.track && s.track.kind === 'video'); \
                 return s ? s.track.label : ''")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Width of the remote video as decoded now.
    pub async fn remote_width(&self) -> u64 {
        self.remote_frames().await.1
    }

    /// How many camera/microphone streams the page has opened so far.
    pub async fn streams_opened(&self) -> u64 {
        self.js("return window.duetDiagnostics ? window.duetDiagnostics.localStreams.length : 0")
            .await
            .as_u64()
            .unwrap_or(0)
    }

    /// The text of the element matching the CSS `selector`, or "".
    pub async fn text_of(&self, selector: &str) -> String {
        self.client
            .execute(
                "const e = document.querySelector(arguments[0]); return e ? e.innerText : ''",
                vec![selector.into()],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// ChromeDriver's console log (the Selenium `se/log` extension).
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.into()))
    }
}

/// A DevTools command through ChromeDriver (`goog/cdp/execute`).
#[derive(Debug)]
pub(crate) struct Cdp {
    pub(crate) cmd: &'static str,
    pub(crate) params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({"cmd": self.cmd, "params": self.params}).to_string()))
    }
}

/// Runs before the page's own scripts (DevTools scripts are outside its CSP).
const LEAK_WATCH: &str = r#"(() => {
  const seen = { pcs: [], tracks: [] };
  Object.defineProperty(window, '__duetLeakWatch', { value: seen });
  const PC = window.RTCPeerConnection;
  if (PC) {
    window.RTCPeerConnection = class extends PC {
      constructor(...args) { super(...args); seen.pcs.push(this); }
    };
  }
  const keep = stream => { stream.getTracks().forEach(t => seen.tracks.push(t)); return stream; };
  if (window.MediaDevices) {
    for (const f of ['getUserMedia', 'getDisplayMedia']) {
      const original = MediaDevices.prototype[f];
      // `__duetSlowCamera` (ms): a camera that takes that long to open.
      const late = stream => new Promise(done => setTimeout(() => done(stream), window.__duetSlowCamera || 0));
      if (original) MediaDevices.prototype[f] = function (...args) {
        const opened = original.apply(this, args).then(keep);
        return window.__duetSlowCamera ? opened.then(late) : opened;
      };
    }
  }
  if (window.MediaStreamTrack) {
    const clone = MediaStreamTrack.prototype.clone;
    MediaStreamTrack.prototype.clone = function () { const t = clone.call(this); seen.tracks.push(t); return t; };
  }
  // Every system notification the page shows (still shown, by the real
  // API), its own or through the service worker, and every time it asks
  // for the permission.
  if (window.Notification) {
    const N = window.Notification;
    const notes = { shown: [], asked: 0 };
    Object.defineProperty(window, '__duetNotifications', { value: notes });
    const W = class extends N {
      constructor(title, options) {
        super(title, options);
        const note = { title, visibility: document.visibilityState, closed: false, actions: [] };
        notes.shown.push(note);
        const close = this.close.bind(this);
        this.close = () => { note.closed = true; close(); };
      }
    };
    W.requestPermission = (...args) => { notes.asked++; return N.requestPermission(...args); };
    Object.defineProperty(W, 'permission', { get: () => N.permission });
    window.Notification = W;
    if (window.ServiceWorkerRegistration) {
      const show = ServiceWorkerRegistration.prototype.showNotification;
      ServiceWorkerRegistration.prototype.showNotification = function (title, options) {
        const o = options || {};
        notes.shown.push({ title, visibility: document.visibilityState, tag: o.tag,
          actions: (o.actions || []).map((a) => a.title), worker: true });
        return show.call(this, title, options);
      };
    }
  }
})();"#;

const LEAK_COUNT: &str = "const w = window.__duetLeakWatch; if (!w) return null; \
    return { pcs: w.pcs.length, openPcs: w.pcs.filter(p => p.signalingState !== 'closed').length, \
             tracks: w.tracks.length, liveTracks: w.tracks.filter(t => t.readyState !== 'ended').length };";
