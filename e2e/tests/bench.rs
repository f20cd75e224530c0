//! Browser measurements for `cargo xtask bench browser`: call setup times,
//! first load to an interactive form, and JS heap during a call. Printed as
//! `bench:` lines, never asserted (timings belong in BENCHMARKS.md). With the
//! defaults it is a short smoke run inside `cargo xtask test`.

use std::time::Duration;

use duet_e2e::{scenario, wait_until, WAIT};

/// Prints a `bench:` line, and adds it to the file `DUET_BENCH_LINES` names
/// when set: `cargo xtask test` runs this among the end-to-end tests, whose
/// output the test harness keeps to itself, and compares the lines with
/// BENCHMARKS.md from there.
macro_rules! bench {
    ($($arg:tt)*) => { say(format!($($arg)*)) };
}

fn say(line: String) {
    println!("bench: {line}");
    if let Ok(path) = std::env::var("DUET_BENCH_LINES") {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path).expect("the bench lines' file");
        writeln!(f, "bench: {line}").expect("writing a bench line");
    }
}

fn env_num(key: &str, default: u64) -> u64 {
    std::env::var(key).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The value below which a share `p` of `v` lies (nearest rank).
fn percentile(v: &[f64], p: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn stats(v: &[f64]) -> String {
    format!("median {:.0} ms, p90 {:.0} ms (n = {})", percentile(v, 0.5), percentile(v, 0.9), v.len())
}

/// The browser alone, for scale: in one page, two peer connections on
/// loopback with the senders set up as Duet's are (tracks added, then taken
/// off), connected and left 1.5 s, a camera opened meanwhile, its tracks put
/// back with `replaceTrack` → the receiver's first shown frame
/// (`requestVideoFrameCallback`). Cleans up whatever happens; a step that
/// takes over 10 s fails with its name.
const BARE_JS: &str = r#"
const [hd, done] = arguments;
const a = new RTCPeerConnection(), b = new RTCPeerConnection();
const video = document.createElement('video');
let stream;
const within = (what, p) => Promise.race([p, new Promise((_, no) => setTimeout(() => no(what + ' took over 10 s'), 10000))]);
(async () => {
  a.onicecandidate = e => e.candidate && b.addIceCandidate(e.candidate).catch(() => {});
  b.onicecandidate = e => e.candidate && a.addIceCandidate(e.candidate).catch(() => {});
  stream = await within('getUserMedia', navigator.mediaDevices.getUserMedia({audio: true, video: hd ? {width: 1280, height: 720} : true}));
  const senders = stream.getTracks().map(t => a.addTrack(t, stream));
  await Promise.all(senders.map(s => s.replaceTrack(null)));
  video.autoplay = true;
  b.ontrack = e => { video.srcObject = e.streams[0]; };
  document.body.append(video);
  await a.setLocalDescription();
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription();
  await a.setRemoteDescription(b.localDescription);
  await within('connecting', new Promise(r => { const up = () => a.connectionState === 'connected' && r(); a.onconnectionstatechange = up; up(); }));
  await new Promise(r => setTimeout(r, 1500));
  const shown = new Promise(r => video.requestVideoFrameCallback(() => r(performance.now())));
  const t0 = performance.now();
  await Promise.all(stream.getTracks().map((t, i) => senders[i].replaceTrack(t)));
  return (await within('the first frame', shown)) - t0;
})().then(done, e => done('failed: ' + e)).finally(() => {
  a.close(); b.close(); video.remove();
  if (stream) stream.getTracks().forEach(t => t.stop());
});
"#;

async fn bare_browser(page: &duet_e2e::Browser, runs: usize, hd: bool) -> Vec<f64> {
    let mut out = Vec::new();
    for _ in 0..runs {
        let r = page.js_async_with(BARE_JS, vec![hd.into()]).await;
        out.push(r.as_f64().filter(|ms| *ms > 0.0).unwrap_or_else(|| panic!("the browser alone: {r}")));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b01_call_setup_first_load_and_heap() {
    let calls = env_num("DUET_BENCH_CALLS", 3) as usize;
    let call_secs = env_num("DUET_BENCH_CALL_SECS", 3);
    scenario("bench", |_| {}, |h| async move {
        // First load: navigation start to the app's first interactive render.
        let mut loads = Vec::new();
        let probe = h.browser("probe", "/").await;
        for _ in 0..5 {
            probe.goto(&format!("{}/?fresh={}", h.base_url(), loads.len())).await;
            let t = wait_until("the interactive mark", WAIT, || async {
                probe.js("const m = performance.getEntriesByName('duet:interactive')[0]; return m ? m.startTime : null").await.as_f64()
            })
            .await;
            loads.push(t);
        }
        bench!("navigation → interactive login form: {}", stats(&loads));

        // A page's first call (its audio, camera and WebRTC stack used for
        // the first time), which the medians below hide: fresh pages each
        // time, the callee accepting the moment its dialog shows.
        let (mut first_ring, mut first_frame) = (Vec::new(), Vec::new());
        for i in 0..if calls >= 10 { 5 } else { 1 } {
            let (caller, callee) = (h.user(&format!("first{i}a")).await, h.user(&format!("first{i}b")).await);
            let call = format!("Call first{i}b");
            caller.wait_button(&call).await;
            callee
                .js("window.__dialogAt = null; new MutationObserver((_, o) => { \
                       const b = [...document.querySelectorAll('button')].find(x => (x.getAttribute('aria-label') || x.innerText).trim() === 'Accept'); \
                       if (b) { o.disconnect(); window.__dialogAt = performance.timeOrigin + performance.now(); b.click(); } \
                     }).observe(document.body, {childList: true, subtree: true}); return 1")
                .await;
            caller
                .js("window.__firstFrame = null; \
                     const arm = () => { const v = document.getElementById('received_video'); if (!v) return false; \
                       v.requestVideoFrameCallback(() => { window.__firstFrame = performance.timeOrigin + performance.now(); }); return true; }; \
                     if (!arm()) new MutationObserver((_, o) => { if (arm()) o.disconnect(); }).observe(document.body, {childList: true, subtree: true});")
                .await;
            let clicked = caller.click_timed(&call).await;
            let frame = caller.first_frame_at().await;
            let shown = callee.js("return window.__dialogAt").await.as_f64().expect("the callee's dialog");
            first_ring.push(shown - clicked);
            first_frame.push(frame - clicked);
            caller.click("Hang up").await;
            callee.wait_no_button("Hang up").await;
            caller.quit().await;
            callee.quit().await;
        }
        assert!(first_ring.iter().chain(&first_frame).all(|ms| *ms > 0.0 && *ms < 60_000.0), "{first_frame:?}");
        bench!("a page's first call: caller's click → callee's dialog: {}", stats(&first_ring));
        bench!("a page's first call: caller's click → first remote frame, instant Accept: {}", stats(&first_frame));

        let (alice, bob) = h.alice_and_bob().await;

        // Click → first remote frame when the callee accepts the moment the
        // dialog shows (from inside the page, so no driver delay is in it).
        // Call 0 is these pages' first, timed above on its own: not counted
        // here (nor MDN's first, below), so a short run's three calls are
        // what a long run's median is.
        let mut instant = Vec::new();
        for i in 0..=calls {
            alice.wait_button("Call bob").await;
            bob.js("new MutationObserver((_, o) => { \
                      const b = [...document.querySelectorAll('button')].find(x => (x.getAttribute('aria-label') || x.innerText).trim() === 'Accept'); \
                      if (b) { o.disconnect(); b.click(); } \
                    }).observe(document.body, {childList: true, subtree: true});").await;
            alice.js("window.__firstFrame = null; \
                      const arm = () => { const v = document.getElementById('received_video'); if (!v) return false; \
                        v.requestVideoFrameCallback(() => { window.__firstFrame = performance.timeOrigin + performance.now(); }); return true; }; \
                      if (!arm()) new MutationObserver((_, o) => { if (arm()) o.disconnect(); }).observe(document.body, {childList: true, subtree: true});").await;
            let clicked = alice.click_timed("Call bob").await;
            let first = wait_until(&format!("instant call {i}: alice's first remote frame"), WAIT, || async {
                alice.js("return window.__firstFrame").await.as_f64()
            })
            .await;
            if i > 0 {
                instant.push(first - clicked);
            }
            alice.click("Hang up").await;
            bob.wait_no_button("Hang up").await;
        }
        assert!(instant.iter().all(|ms| *ms > 0.0 && *ms < 60_000.0), "{instant:?}");
        bench!("caller's click → first remote frame, instant Accept: {}", stats(&instant));

        // Accept after a realistic ring (1.5 s: the call connects meanwhile)
        // → the first remote frame on each side.
        let arm = "window.__firstFrame = null; \
                   const arm = () => { const v = document.getElementById('received_video'); if (!v) return false; \
                     v.requestVideoFrameCallback(() => { window.__firstFrame = performance.timeOrigin + performance.now(); }); return true; }; \
                   if (!arm()) new MutationObserver((_, o) => { if (arm()) o.disconnect(); }).observe(document.body, {childList: true, subtree: true});";
        let (mut to_caller, mut to_callee) = (Vec::new(), Vec::new());
        for i in 0..calls {
            alice.wait_button("Call bob").await;
            alice.click("Call bob").await;
            bob.wait_button("Accept").await;
            tokio::time::sleep(Duration::from_millis(1500)).await;
            alice.js(arm).await;
            bob.js(arm).await;
            let accepted = bob.click_timed("Accept").await;
            for (b, out) in [(&alice, &mut to_caller), (&bob, &mut to_callee)] {
                let first = wait_until(&format!("ringing call {i}: {}'s first remote frame", b.user), WAIT, || async {
                    b.js("return window.__firstFrame").await.as_f64()
                })
                .await;
                out.push(first - accepted);
            }
            alice.click("Hang up").await;
            bob.wait_no_button("Hang up").await;
        }
        assert!(to_caller.iter().chain(&to_callee).all(|ms| *ms > 0.0 && *ms < 60_000.0), "{to_caller:?} {to_callee:?}");
        bench!("Accept after a 1.5 s ring → caller's first remote frame: {}", stats(&to_caller));
        bench!("Accept after a 1.5 s ring → callee's first remote frame: {}", stats(&to_callee));

        // The same step in the browser alone, for scale: what Chromium takes
        // here, with its defaults, to show a freshly opened camera's first
        // frame on a connection that is up (Duet's figures above sit near it).
        let bare = bare_browser(&probe, calls, false).await;
        bench!("the browser alone, replaceTrack → first remote frame in one page: {}", stats(&bare));
        if calls >= 10 {
            // A camera asked for 720p instead of the default 640×480: the
            // encoder starts from a 300 kbit/s estimate and drops its first
            // frames until it has scaled down (see BENCHMARKS.md), so a
            // higher default resolution would cost every Accept this.
            let hd = bare_browser(&probe, calls, true).await;
            bench!("the same with a 1280×720 camera: {}", stats(&hd));
        }

        let (mut ring, mut setup, mut gap, mut whole) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for i in 0..calls {
            alice.wait_button("Call bob").await;
            bob.js("window.__dialogAt = null; new MutationObserver((_, o) => { \
                      if (document.querySelector('[role=alertdialog]')) { window.__dialogAt = performance.timeOrigin + performance.now(); o.disconnect(); } \
                    }).observe(document.body, {childList: true, subtree: true});").await;
            let clicked = alice.click_timed("Call bob").await;
            let shown = wait_until(&format!("call {i}: bob's dialog"), WAIT, || async { bob.js("return window.__dialogAt").await.as_f64() }).await;
            ring.push(shown - clicked);
            alice.arm_first_frame().await;
            let accepted = bob.click_timed("Accept").await;
            let first = alice.first_frame_at().await;
            setup.push(first - accepted);
            gap.push(accepted - shown);
            whole.push(first - clicked);
            if i + 1 < calls {
                alice.click("Hang up").await;
                bob.wait_no_button("Hang up").await;
            }
        }
        // Each reading is a real interval: an event after the click that caused it.
        assert!(ring.iter().chain(&setup).chain(&loads).all(|ms| *ms > 0.0 && *ms < 60_000.0), "{ring:?} {setup:?}");
        bench!("caller's click → callee's dialog: {}", stats(&ring));
        bench!("callee's Accept → caller's first remote frame: {}", stats(&setup));
        bench!("dialog shown → the driver's Accept click: {}", stats(&gap));
        bench!("caller's click → first remote frame, driver's Accept: {}", stats(&whole));

        // JS heap over a call (the last one is still up).
        // (Chromium reports it with --enable-precise-memory-info; a missing
        // reading is a failure, not a zero.)
        let heap = || async {
            alice
                .js("return performance.memory ? performance.memory.usedJSHeapSize : null")
                .await
                .as_f64()
                .filter(|b| *b > 0.0)
                .expect("performance.memory.usedJSHeapSize")
        };
        let start = heap().await;
        let mut peak = start;
        for _ in 0..call_secs {
            tokio::time::sleep(Duration::from_secs(1)).await;
            peak = peak.max(heap().await);
        }
        let end = heap().await;
        bench!(
            "JS heap over a {call_secs} s call: {:.1} MB at start, {:.1} MB peak, {:.1} MB at end",
            start / 1e6,
            peak / 1e6,
            end / 1e6
        );
        alice.assert_media_flows().await;

        // MDN's sample client calling itself through the same server, for
        // scale: its callee answers at once, as the instant Accept above
        // (alice's call ends first, so no other call shares the cores).
        alice.click("Hang up").await;
        bob.wait_no_button("Hang up").await;
        let page = duet_e2e::mdn_client::serve().await;
        let (dave, erin) = (
            duet_e2e::mdn_client::login(&h, &page, "dave").await,
            duet_e2e::mdn_client::login(&h, &page, "erin").await,
        );
        let (mut mdn, mut failed) = (Vec::new(), 0);
        for i in 0..=calls {
            dave.js("window.__firstFrame = null; \
                     document.getElementById('received_video').requestVideoFrameCallback(() => { \
                       window.__firstFrame = performance.timeOrigin + performance.now(); }); return 0")
                .await;
            let invited = dave
                .js("const t = performance.timeOrigin + performance.now(); window.mdn.invite('erin'); return t")
                .await
                .as_f64()
                .expect("a time");
            // MDN's client races with itself now and then (see mdn_client.rs):
            // a call that never shows video is counted, not measured.
            let deadline = std::time::Instant::now() + WAIT;
            loop {
                if let Some(first) = dave.js("return window.__firstFrame").await.as_f64() {
                    if i > 0 {
                        mdn.push(first - invited);
                    }
                    break;
                }
                if std::time::Instant::now() > deadline {
                    failed += usize::from(i > 0);
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            dave.js("window.mdn.hangUp(); return 0").await;
            for b in [&dave, &erin] {
                wait_until("the MDN call to close", WAIT, || async {
                    (b.js("return window.mdn.inCall()").await == false).then_some(())
                })
                .await;
            }
            wait_until("the server to see the MDN call end", WAIT, || async {
                h.server_partner_of("dave").is_none().then_some(())
            })
            .await;
        }
        assert!(!mdn.is_empty(), "MDN's sample showed no video in any of {calls} calls");
        assert!(mdn.iter().all(|ms| *ms > 0.0 && *ms < 60_000.0), "{mdn:?}");
        let ratio = percentile(&instant, 0.5) / percentile(&mdn, 0.5);
        let shown = format!("{}{}", stats(&mdn), if failed > 0 { format!("; {failed} calls showed no video") } else { String::new() });
        bench!("MDN's sample client calling itself, invite → first remote frame: {shown}");
        bench!("Duet's instant call against MDN's sample: {ratio:.2}× (goal ≤ 0.5×)");
        // No media before Accept: an instant call is one signaling hop to
        // the callee's dialog and then (at best) the browser's own step.
        let hop_and_step = (percentile(&ring, 0.5) + percentile(&bare, 0.5)) / percentile(&mdn, 0.5);
        bench!("click → dialog plus the browser alone's step, against MDN's sample: {hop_and_step:.2}×");
        drop((dave, erin));
    })
    .await;
}
