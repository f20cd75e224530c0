//! The call experience beyond the sample: in-call chat, statistics,
//! shortcuts, device switching, screen sharing, the lobby's device check.
//! Real Chromium with two fake cameras; run by `cargo xtask test` inside a
//! loopback-only network namespace.

use std::time::Duration;

use duet_e2e::{
    connect, scenario,
    screens::{look, resize},
    wait_until, Browser, Shown, WAIT,
};
use fantoccini::key::Key;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x01_in_call_chat_goes_both_ways_with_an_unread_badge() {
    scenario(
        "x01",
        |_| {},
        |h| async move {
            let (alice, bob) = h.alice_and_bob().await;
            connect(&alice, &bob).await;
            alice.click("Chat").await;
            alice.fill("Call message", "hi bob, peer to peer").await;
            alice.click("Send to call").await;
            // bob has not opened the panel: the button counts what he missed.
            bob.click("Chat (1 unread)").await;
            bob.wait_text("alicehi bob, peer to peer").await;
            bob.wait_button("Chat").await;
            bob.fill("Call message", "hello alice").await;
            bob.click("Send to call").await;
            alice.wait_text("bobhello alice").await;
            assert!(!alice.text().await.contains("Lobby chat"), "the call view shows no lobby chat");
            alice.click("Hang up").await;
            alice.wait_text("Lobby chat").await;
            assert!(!alice.text().await.contains("hello alice"), "call chat ends with the call");
            // Neither line went through the server: alice's first lobby line
            // is the first chat bob's lobby shows.
            alice.fill("Message", "back in the lobby").await;
            alice.click("Send").await;
            bob.wait_text("aliceback in the lobby").await;
            let lines = bob
                .js("return [...document.querySelectorAll('[aria-label=\"Chat messages\"] li')].map(l => l.innerText)")
                .await;
            assert_eq!(lines.as_array().map(Vec::len), Some(1), "bob's lobby chat: {lines}");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x02_statistics_quality_timer_and_keyboard_shortcuts() {
    scenario(
        "x02",
        |_| {},
        |h| async move {
            let (alice, bob) = h.alice_and_bob().await;
            connect(&alice, &bob).await;
            alice.wait_text("Connection: Good").await;
            // The timer counts this call's seconds (m:ss) and runs.
            let seconds = |t: String| -> Option<u64> {
                let (m, s) = t.split_once(':')?;
                Some(m.parse::<u64>().ok()? * 60 + s.parse::<u64>().ok()?)
            };
            let t0 = seconds(alice.text_of("[role=timer]").await).expect("a m:ss timer");
            assert!(t0 < 60, "the timer started with this call: {t0} s");
            wait_until("the timer to tick", WAIT, || async {
                seconds(alice.text_of("[role=timer]").await).filter(|t| *t > t0)
            })
            .await;

            // Typing into a field is not a shortcut: the line typed after
            // the m reaches bob, so the m's keydown has been handled by then.
            alice.click("Chat").await;
            alice.fill("Call message", "m").await;
            alice.click("Send to call").await;
            bob.click("Chat (1 unread)").await;
            bob.wait_text("alicem").await;
            assert!(alice.find_button("Mute microphone").await.is_some(), "typing m in a field does not mute");
            assert!(!bob.text().await.contains("alice muted"), "nor does bob hear of a mute");
            bob.click("Chat").await;

            // Off the field, M mutes and the peer sees it; I shows the stats.
            alice.blur().await;
            alice.press('m').await;
            alice.wait_button("Unmute microphone").await;
            bob.wait_text("alice muted their microphone").await;
            alice.press('i').await;
            let bitrate = wait_until("alice: a receiving bitrate above zero", WAIT, || async {
                let v = alice.text_of("[data-stat=Receiving]").await;
                let kbps: f64 = v.split_whitespace().next()?.parse().ok()?;
                (kbps > 0.0).then_some(kbps)
            })
            .await;
            assert!(bitrate > 10.0, "video arrives at {bitrate} kbit/s");
            let route = alice.text_of("[data-stat=Route]").await;
            assert_eq!(route, "host (udp)", "loopback calls go direct");
            let video_in = alice.text_of("[data-stat='Video in']").await;
            assert!(video_in.starts_with("640×480"), "inbound resolution {video_in:?}");

            // ? lists the shortcuts; Escape closes the list and the stats.
            alice.press('?').await;
            alice.wait_text("Keyboard shortcuts").await;
            alice.wait_text("Mute or unmute the microphone").await;
            // Over the call view (whose chunk it lives in), on a phone and a laptop.
            let mut problems = Vec::new();
            for size in [(360, 740), (1280, 800)] {
                resize(&alice, size).await;
                look(&alice, "shortcuts", "light", size, &mut problems).await;
            }
            assert!(problems.is_empty(), "{problems:#?}");
            alice.press(Key::Escape.into()).await;
            wait_until("alice: overlays closed", WAIT, || async {
                let t = alice.text().await;
                (!t.contains("Mute or unmute the microphone") && !t.contains("Round trip")).then_some(())
            })
            .await;

            // Full screen takes the whole call view, controls included, so
            // the same button brings it back; picture-in-picture floats the peer.
            let mode = |b: &Browser, field: &'static str| {
                let b = b.clone();
                async move {
                    b.js(&format!("const e = document.{field}; return e ? e.id : null"))
                        .await
                        .as_str()
                        .map(str::to_owned)
                }
            };
            alice.click("Full screen").await;
            wait_until("alice: full screen", WAIT, || async {
                (mode(&alice, "fullscreenElement").await.as_deref() == Some("call-view")).then_some(())
            })
            .await;
            alice.click("Full screen").await;
            wait_until("alice: out of full screen", WAIT, || async {
                mode(&alice, "fullscreenElement").await.is_none().then_some(())
            })
            .await;
            alice.click("Picture in picture").await;
            wait_until("alice: bob's video in picture-in-picture", WAIT, || async {
                (mode(&alice, "pictureInPictureElement").await.as_deref() == Some("received_video")).then_some(())
            })
            .await;
            alice.click("Picture in picture").await;
            wait_until("alice: picture-in-picture closed", WAIT, || async {
                mode(&alice, "pictureInPictureElement").await.is_none().then_some(())
            })
            .await;

            // H hangs up.
            bob.blur().await;
            bob.press('h').await;
            bob.wait_status("Call with alice ended").await;
            alice.wait_status("bob hung up").await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x03_switching_camera_microphone_and_speaker_and_sharing_the_screen_keep_media_flowing() {
    scenario(
        "x03",
        |_| {},
        |h| async move {
            let (alice, bob) = h.alice_and_bob().await;
            connect(&alice, &bob).await;
            assert_eq!(alice.sent_camera_label().await, "fake_device_0");

            // Another camera, mid-call, without renegotiation.
            alice.click("Devices").await;
            alice.select("Camera", "fake_device_2").await;
            wait_until("alice to send the second camera", WAIT, || async {
                (alice.sent_camera_label().await == "fake_device_2").then_some(())
            })
            .await;
            bob.assert_media_flows().await;

            // Another microphone: it is what bob hears from now on.
            let sent_mic = || async {
                let label = alice.js("return window.duetDiagnostics.pc.getSenders().filter(s => s.track && s.track.kind === 'audio').map(s => s.track.label)").await;
                label.as_array().and_then(|l| l.first()).and_then(|l| l.as_str()).map(str::to_owned)
            };
            assert_eq!(sent_mic().await.as_deref(), Some("Fake Default Audio Input"));
            alice.select("Microphone", "Fake Audio Input 2").await;
            wait_until("alice to send the second microphone", WAIT, || async {
                (sent_mic().await.as_deref() == Some("Fake Audio Input 2")).then_some(())
            })
            .await;
            bob.assert_media_flows().await;
            // Sound processing off: the microphone is reopened without it.
            let sent_noise_suppression = || async {
                alice
                    .js("const s = window.duetDiagnostics.pc.getSenders().find(s => s.track && s.track.kind === 'audio'); \
                         return s ? s.track.getSettings().noiseSuppression : null")
                    .await
            };
            assert_eq!(sent_noise_suppression().await, true);
            alice.set_checkbox("Noise suppression", false).await;
            wait_until("alice to send her microphone without noise suppression", WAIT, || async {
                (sent_noise_suppression().await == false).then_some(())
            })
            .await;
            assert_eq!(sent_mic().await.as_deref(), Some("Fake Audio Input 2"), "the chosen microphone stays");
            bob.assert_media_flows().await;
            // Another speaker: the call's sound plays there.
            alice.select("Speaker", "Fake Audio Output 2").await;
            wait_until("the call's sound to play on the second speaker", WAIT, || async {
                let on = alice
                    .js_async(
                        "const done = arguments[arguments.length - 1]; \
                         navigator.mediaDevices.enumerateDevices().then(ds => { \
                           const out = ds.find(d => d.kind === 'audiooutput' && d.label === 'Fake Audio Output 2'); \
                           done(!!out && document.getElementById('received_video').sinkId === out.deviceId); });",
                    )
                    .await;
                (on == true).then_some(())
            })
            .await;

            // The screen (Chromium's fake capture is 800 wide, its cameras 640).
            alice.click("Share screen").await;
            alice.wait_button("Stop sharing").await;
            wait_until("bob to see the screen", WAIT, || async { (bob.remote_width().await == 800).then_some(()) })
                .await;
            bob.assert_media_flows().await;
            alice.click("Stop sharing").await;
            alice.wait_button("Share screen").await;
            wait_until("bob to see the camera again", WAIT, || async {
                (bob.remote_width().await == 640).then_some(())
            })
            .await;
            assert_eq!(alice.sent_camera_label().await, "fake_device_2", "the chosen camera comes back");
            bob.assert_media_flows().await;
            // S toggles sharing too.
            alice.blur().await;
            alice.press('s').await;
            alice.wait_button("Stop sharing").await;
            alice.press('s').await;
            alice.wait_button("Share screen").await;

            // The choice is remembered for the next call.
            alice.click("Hang up").await;
            alice.wait_released().await;
            connect(&alice, &bob).await;
            assert_eq!(alice.sent_camera_label().await, "fake_device_2");
            assert_eq!(sent_noise_suppression().await, false, "the sound setting is remembered too");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x04_the_lobby_preview_and_the_ringing_phone_open_the_camera_before_the_call() {
    scenario(
        "x04",
        |_| {},
        |h| async move {
            let (alice, bob) = h.alice_and_bob().await;
            alice.click("Check camera and microphone").await;
            wait_until("alice: the preview plays", WAIT, || async {
                let w =
                    alice.js("const v = document.getElementById('preview_video'); return v ? v.videoWidth : 0").await;
                (w.as_u64() > Some(0)).then_some(())
            })
            .await;
            // The fake microphone beeps: the meter moves.
            wait_until("alice: the microphone meter moves", WAIT, || async {
                let v = alice.js("const m = document.getElementById('mic-level'); return m ? m.value : 0").await;
                (v.as_f64() > Some(0.01)).then_some(())
            })
            .await;
            let opened = alice.streams_opened().await;
            alice.click("Call bob").await;
            bob.wait_text("alice is calling").await;
            // bob's camera opens while it rings, so Accept does not wait for it.
            wait_until("bob: camera opened while ringing", WAIT, || async {
                (bob.streams_opened().await >= 1).then_some(())
            })
            .await;
            let bob_opened = bob.streams_opened().await;
            bob.click("Accept").await;
            alice.assert_media_flows().await;
            bob.assert_media_flows().await;
            assert_eq!(alice.streams_opened().await, opened, "alice's call reused the preview's stream");
            assert_eq!(bob.streams_opened().await, bob_opened, "bob's call reused the stream opened while ringing");

            // Declining releases what ringing opened.
            alice.click("Hang up").await;
            bob.wait_released().await;
            bob.click("Call alice").await;
            alice.wait_text("bob is calling").await;
            alice.click("Decline").await;
            alice.wait_released().await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x05_a_server_restart_mid_call_reconnects_both_and_media_never_stops() {
    scenario(
        "x05",
        |_| {},
        |h| async move {
            let (alice, bob) = h.alice_and_bob().await;
            connect(&alice, &bob).await;

            // Watch both remote videos' frame counters through the outage,
            // timing each reading (a reading itself can take a while on a
            // loaded machine).
            let watch = |b: Browser| {
                tokio::spawn(async move {
                    let start = tokio::time::Instant::now();
                    let mut samples = vec![];
                    while start.elapsed() < Duration::from_secs(15) {
                        samples.push((start.elapsed(), b.remote_frames().await.0));
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    samples
                })
            };
            let (wa, wb) = (watch(alice.clone()), watch(bob.clone()));

            // The server goes away for two seconds (a deploy) and comes back empty.
            let restarted = {
                let h = h.clone();
                tokio::spawn(async move { h.restart_server(Duration::from_secs(2)).await })
            };
            alice.wait_status("Reconnecting").await;
            bob.wait_status("Reconnecting").await;
            assert!(alice.text().await.contains("In a call with bob"), "the call stays up while signaling is down");
            let server = restarted.await.unwrap();
            alice.wait_status("Reconnected to the server").await;
            bob.wait_status("Reconnected to the server").await;
            wait_until("the new server to know the call", WAIT, || async {
                server.hub.metrics.render().contains("duet_active_calls 1").then_some(())
            })
            .await;

            for (who, w) in [("alice", wa), ("bob", wb)] {
                let samples = w.await.unwrap();
                // Over the 15 s watched, new frames never stopped for long.
                // 30 fps means a frame each 33 ms; a 3 s gap is a freeze
                // anyone notices, far beyond a reading's delay on a loaded machine.
                let mut last_new = Duration::ZERO;
                let mut longest = Duration::ZERO;
                for pair in samples.windows(2) {
                    if pair[1].1 > pair[0].1 {
                        longest = longest.max(pair[1].0 - last_new);
                        last_new = pair[1].0;
                    }
                }
                longest = longest.max(samples.last().unwrap().0 - last_new);
                assert!(longest < Duration::from_secs(3), "{who}: video froze for {longest:?}: {samples:?}");
            }

            // The call is a call on the new server too: hanging up reaches bob.
            alice.click("Hang up").await;
            bob.wait_status("alice hung up").await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x06_korean_ui_remembered_and_usable_on_a_360px_phone() {
    scenario(
        "x06",
        |_| {},
        |h| async move {
            let alice = h.browser("alice", "/").await;
            alice.select("Language", "한국어").await;
            alice.wait_button("로그인").await;
            assert_eq!(alice.js("return document.documentElement.lang").await, serde_json::json!("ko"));
            // A Korean name, end to end: login, presence, ringing, the call, hang-up.
            alice.fill("이름", "민지").await;
            alice.click("로그인").await;
            alice.wait_text("민지(으)로 로그인함").await;
            alice.wait_text("접속 중").await;

            // A phone's width: nothing sticks out sideways, in the lobby or in a call.
            alice.client.set_window_size(360, 740).await.unwrap();
            let fits = |b: Browser| async move {
                b.js("return document.documentElement.scrollWidth <= window.innerWidth").await
                    == serde_json::json!(true)
            };
            assert!(fits(alice.clone()).await, "the lobby fits 360 px");

            let bob = h.user("bob").await;
            bob.click("Call 민지").await;
            alice.wait_text("bob 님의 전화").await;
            alice.click("받기").await;
            alice.assert_media_flows().await;
            alice.wait_text("bob 님과 통화 중").await;
            alice.wait_button("마이크 끄기").await;
            assert!(fits(alice.clone()).await, "the call view fits 360 px");
            // Every control is on screen and big enough for a thumb.
            let controls = alice
                .js("return [...document.querySelectorAll('[role=toolbar] button')].map(b => { \
                       const r = b.getBoundingClientRect(); \
                       return r.left >= 0 && r.right <= window.innerWidth && r.height >= 40; })")
                .await;
            assert!(controls.as_array().unwrap().iter().all(|v| v == true), "controls reachable: {controls}");
            let hangul = |t: String| t.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c));
            // Names (and their initials) are the users' own, and the language
            // picker names Korean in Korean; everything else is English.
            let english_but_names = |t: String| !hangul(t.replace("한국어", "").replace(['민', '지'], ""));
            assert!(english_but_names(bob.text().await), "bob's call view is English: {}", bob.text().await);
            alice.click("끊기").await;
            bob.wait_status("민지 hung up").await;

            // The choice outlives a reload; the English user saw English throughout.
            // (A reload resumes the session: straight back to the lobby.)
            alice.goto(&format!("{}/", h.base_url())).await;
            alice.wait_text("접속 중").await;
            bob.wait_text("Online").await;
            assert!(english_but_names(bob.text().await), "bob's lobby is English: {}", bob.text().await);
            assert_eq!(bob.js("return document.documentElement.lang").await, serde_json::json!("en"));
            assert_eq!(h.server_partner_of("민지"), None);
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x07_a_refused_camera_is_explained_and_the_call_still_works_one_way() {
    scenario(
        "x07",
        |_| {},
        |h| async move {
            let alice = h.user("alice").await;
            let bob = h.browser_denying_media("bob", "/").await;
            bob.login("bob").await;
            // The device check says so instead of failing silently.
            bob.click("Check camera and microphone").await;
            bob.wait_status("Camera and microphone access was denied").await;
            // After changing the site setting, a person asks again from here.
            bob.click("Try again").await;
            bob.click("Stop the check").await;

            // A call still connects: bob sees and hears alice, and is told why
            // she cannot see him; she sees who it is instead of a black box.
            alice.click("Call bob").await;
            bob.click("Accept").await;
            bob.assert_media_flows().await;
            bob.wait_status("Camera and microphone access was denied").await;
            alice.wait_text("In a call with bob").await;
            assert_eq!(
                alice.js("return document.getElementById('received_video').videoWidth").await,
                serde_json::json!(0),
                "nothing comes from bob"
            );
            bob.click("Hang up").await;
            alice.wait_status("bob hung up").await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x08_a_computer_without_a_camera_calls_with_audio_only() {
    scenario(
        "x08",
        |_| {},
        |h| async move {
            let alice = h.user("alice").await;
            // A desktop without a webcam: Chromium's fake capture with no camera.
            let url = format!("{}/", h.base_url());
            let bob = h.browser_with("bob", &url, &["--use-fake-device-for-media-stream=device-count=0"]).await;
            bob.login("bob").await;
            alice.click("Call bob").await;
            bob.click("Accept").await;
            bob.wait_status("No camera found: the call uses audio only.").await;
            // bob sees and hears alice; alice hears bob, and no video comes from him.
            bob.assert_media_flows().await;
            let audio_from_bob = || async { alice.inbound().await.1 };
            let first =
                wait_until("alice: audio from bob", WAIT, || async { Some(audio_from_bob().await).filter(|n| *n > 0) })
                    .await;
            wait_until("alice: bob's audio to keep coming", WAIT, || async {
                (audio_from_bob().await > first).then_some(())
            })
            .await;
            assert_eq!(alice.inbound().await.0, 0, "no video frames from bob");
            let tracks = bob
                .js("return window.duetDiagnostics.pc.getSenders().filter(s => s.track).map(s => s.track.kind)")
                .await;
            assert_eq!(tracks, serde_json::json!(["audio"]), "bob sends his microphone only");
            alice.click("Hang up").await;
            bob.wait_status("alice hung up").await;
            bob.wait_released().await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x09_both_ends_read_the_same_safety_number_and_each_marks_it_verified() {
    scenario(
        "x09",
        |_| {},
        |h| async move {
            let (alice, bob) = h.alice_and_bob().await;
            connect(&alice, &bob).await;
            for b in [&alice, &bob] {
                b.click("Verify call").await;
            }
            let shown = |b: &duet_e2e::Browser| {
                let b = b.clone();
                async move {
                    wait_until(&format!("{}: the safety number", b.user), WAIT, || async {
                        Some(b.safety_number_shown().await).filter(|n| !n.is_empty())
                    })
                    .await
                }
            };
            let (at_alice, at_bob) = (shown(&alice).await, shown(&bob).await);
            assert_eq!(at_alice, at_bob, "both ends read the same number");
            assert!(
                at_alice.split(' ').map(|g| g.len()).eq([5, 5, 5, 5])
                    && at_alice.bytes().all(|b| b == b' ' || b.is_ascii_digit()),
                "{at_alice}"
            );
            // It is the certificates' fingerprints this connection really uses.
            assert_eq!(alice.safety_number_expected().await, at_alice);
            assert_eq!(bob.safety_number_expected().await, at_bob);

            // "Matches" marks the call verified on that side only.
            alice.click("Matches").await;
            let verified = |b: &duet_e2e::Browser| {
                let b = b.clone();
                async move { b.js("return !!document.querySelector('[data-indicator=verified]')").await == true }
            };
            wait_until("alice: the call marked verified", WAIT, || async { verified(&alice).await.then_some(()) })
                .await;
            assert!(!verified(&bob).await, "bob has not said it matches");
            alice.click("Verify call").await;
            assert!(alice.safety_number_shown().await.is_empty(), "the panel closes");

            // The next call has another connection, another number, unverified.
            alice.click("Hang up").await;
            bob.wait_status("alice hung up").await;
            connect(&alice, &bob).await;
            assert!(!verified(&alice).await, "a new call starts unverified");
            alice.click("Verify call").await;
            let again = shown(&alice).await;
            assert_ne!(again, at_alice, "new certificates, a new number");
            assert_eq!(alice.safety_number_expected().await, again);
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x10_recent_calls_keep_every_call_mark_missed_ones_and_call_back() {
    scenario(
        "x10",
        |_| {},
        |h| async move {
            let (alice, bob) = h.alice_and_bob().await;
            let open_recent = |b: &Browser| {
                let b = b.clone();
                async move { b.js("document.querySelector('.recent-calls summary').click(); return 1").await }
            };
            let rows = |b: &Browser| {
                let b = b.clone();
                async move {
                    let v = b
                        .js("return Array.from(document.querySelectorAll('.recent-calls li')).map(li => \
                             [li.querySelector('.name').textContent, li.querySelector('.what').textContent, \
                              li.querySelector('button').getAttribute('aria-label'), li.querySelector('button').disabled])")
                        .await;
                    serde_json::from_value::<Vec<(String, String, String, bool)>>(v).unwrap()
                }
            };
            let badge = |b: &Browser| {
                let b = b.clone();
                async move { b.text_of(".recent-calls .missed-badge").await }
            };

            // alice rings and gives up: a missed call for bob, badged until he looks.
            alice.click("Call bob").await;
            bob.wait_button("Accept").await;
            alice.click("Cancel").await;
            bob.wait_status("Missed call from alice").await;
            wait_until("bob: a missed-call badge", WAIT, || async { (badge(&bob).await == "1 missed").then_some(()) })
                .await;
            open_recent(&bob).await;
            wait_until("bob: the badge to go once he looked", WAIT, || async { badge(&bob).await.is_empty().then_some(()) })
                .await;
            assert_eq!(
                rows(&bob).await,
                [("alice".into(), "Incoming · Missed".into(), "Call back alice".into(), false)]
            );

            // bob calls back from the list; they talk for two seconds.
            bob.click("Call back alice").await;
            alice.wait_button("Accept").await;
            alice.click("Accept").await;
            bob.assert_media_flows().await;
            tokio::time::sleep(Duration::from_secs(2)).await;
            bob.click("Hang up").await;
            alice.wait_status("bob hung up").await;
            let bob_rows = rows(&bob).await;
            assert_eq!(bob_rows.len(), 2);
            assert!(bob_rows[0].1.starts_with("Outgoing · Answered · 0:0"), "{bob_rows:?}");
            let seconds: u32 = bob_rows[0].1.rsplit(':').next().unwrap().parse().unwrap();
            assert!((2..=6).contains(&seconds), "{bob_rows:?}");
            open_recent(&alice).await;
            let alice_rows = rows(&alice).await;
            assert_eq!(alice_rows.iter().map(|r| r.1.split(" · 0:").next().unwrap()).collect::<Vec<_>>(), [
                "Incoming · Answered",
                "Outgoing · Cancelled"
            ]);

            // The list outlives a reload; nothing of it came from the server.
            bob.client.refresh().await.unwrap();
            bob.wait_logged_in().await;
            open_recent(&bob).await;
            assert_eq!(rows(&bob).await, bob_rows);

            // Offline people cannot be called back, and the row says why.
            alice.click("Sign out").await;
            wait_until("bob: call-back greyed while alice is away", WAIT, || async {
                rows(&bob).await.iter().all(|r| r.3).then_some(())
            })
            .await;
            assert_eq!(bob.text_of(".recent-calls li .away").await, "Not online");
            bob.click("Clear history").await;
            bob.wait_text("No calls yet.").await;
            // A second reload (a 304 for the page) still starts the app.
            bob.client.refresh().await.unwrap();
            bob.wait_logged_in().await;
            open_recent(&bob).await;
            bob.wait_text("No calls yet.").await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x11_data_saver_caps_both_sides_video_and_lifting_it_restores_it() {
    scenario(
        "x11",
        |_| {},
        |h| async move {
            let (alice, bob) = h.alice_and_bob().await;
            connect(&alice, &bob).await;
            // Uncapped: the camera's full height once the bandwidth estimate
            // has grown (Chrome sends less for a while when the machine is
            // busy, as under the whole suite).
            for b in [&alice, &bob] {
                wait_until(&format!("{}: whole video before", b.user), Duration::from_secs(30), || async {
                    let (kbps, height) = b.sent_video().await;
                    (height == 480 && kbps > 200.0).then_some(())
                })
                .await;
            }
            // alice turns it on mid-call: her video and, at her request, bob's.
            alice.click("Devices").await;
            alice.set_checkbox("Data saver", true).await;
            for b in [&alice, &bob] {
                wait_until(&format!("{}: video capped", b.user), Duration::from_secs(30), || async {
                    let (kbps, height) = b.sent_video().await;
                    (height <= 360 && kbps <= 170.0).then_some(())
                })
                .await;
            }
            bob.assert_media_flows().await;
            alice.assert_media_flows().await;
            // Off again: full height back on both sides, the bitrate free to grow.
            alice.set_checkbox("Data saver", false).await;
            for b in [&alice, &bob] {
                wait_until(&format!("{}: video whole again", b.user), Duration::from_secs(30), || async {
                    let (kbps, height) = b.sent_video().await;
                    (height == 480 && kbps > 170.0).then_some(())
                })
                .await;
            }
            // Remembered, and a call that starts with it on is capped from
            // the start, even when bob's camera opens only after alice's
            // request reached him.
            alice.set_checkbox("Data saver", true).await;
            bob.slow_camera(3000).await;
            alice.click("Hang up").await;
            bob.wait_status("alice hung up").await;
            alice.client.refresh().await.unwrap();
            alice.wait_logged_in().await;
            connect(&alice, &bob).await;
            wait_until("bob: capped at alice's request in the new call", Duration::from_secs(30), || async {
                let (kbps, height) = bob.sent_video().await;
                (height <= 360 && kbps <= 170.0).then_some(())
            })
            .await;
            // By the cap itself, not by Chrome's own adaptation to 150 kbit/s.
            assert_eq!(bob.video_cap().await, (360.0, Some(150_000.0)), "bob's camera scaled to 360 lines");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x12_calls_ringing_or_missed_in_a_background_tab_are_system_notifications() {
    scenario(
        "x12",
        |_| {},
        |h| async move {
            let (alice, bob) = h.alice_and_bob().await;
            let origin = h.base_url().trim_end_matches('/').to_owned();
            // Never asked on page load; asked when the person turns it on.
            assert_eq!(bob.notification_asks().await, 0);
            bob.set_notification_permission(&origin, true).await;
            bob.set_checkbox("Call notifications", true).await;
            wait_until("bob: notifications on", WAIT, || async {
                let on = bob
                    .js("return document.evaluate(\"//label[normalize-space(.)='Call notifications']/input\", \
                                 document, null, 9, null).singleNodeValue.checked")
                    .await;
                (on == true).then_some(())
            })
            .await;
            assert_eq!(bob.notification_asks().await, 1);

            // Once the app's service worker controls the page, it shows them:
            // phones show no other kind, and only these carry buttons.
            wait_until("bob: the worker controls the page", WAIT, || async {
                bob.worker_controls().await.then_some(())
            })
            .await;

            // In front, the page says it: no notification.
            alice.click("Call bob").await;
            bob.wait_button("Decline").await;
            bob.click("Decline").await;
            alice.wait_button("Call bob").await;
            assert_eq!(bob.notifications().await, vec![]);

            // Behind another tab: the ring is a notification with Accept and
            // Decline, and Accept there answers the call.
            let duet = bob.hide_behind_another_tab().await;
            alice.click("Call bob").await;
            let ring = || Shown {
                title: "alice is calling".to_owned(),
                visibility: "hidden".to_owned(),
                closed: false,
                actions: vec!["Accept".to_owned(), "Decline".to_owned()],
                worker: true,
            };
            // (WebDriver reads only the tab in front: give the ring time.)
            tokio::time::sleep(Duration::from_secs(2)).await;
            bob.choose_in_notification("alice is calling", "accept").await;
            alice.assert_media_flows().await;
            bob.to_tab(duet.clone()).await;
            bob.wait_text("In a call with alice").await;
            bob.assert_media_flows().await;
            assert_eq!(bob.notifications().await, vec![Shown { closed: true, ..ring() }]);
            alice.click("Hang up").await;
            bob.wait_status("alice hung up").await;

            // Decline there tells the caller, as the page's button does.
            let duet = bob.hide_behind_another_tab().await;
            alice.click("Call bob").await;
            // (WebDriver reads only the tab in front: give the ring time.)
            tokio::time::sleep(Duration::from_secs(2)).await;
            bob.choose_in_notification("alice is calling", "decline").await;
            alice.wait_status("bob declined the call").await;
            bob.to_tab(duet).await;
            bob.wait_no_button("Accept").await;
            assert_eq!(bob.notifications().await, vec![Shown { closed: true, ..ring() }; 2]);

            // Missed while away: a notification until the list is looked at.
            let duet = bob.hide_behind_another_tab().await;
            alice.click("Call bob").await;
            tokio::time::sleep(Duration::from_secs(1)).await;
            alice.click("Cancel").await;
            let missed = Shown {
                title: "Missed call from alice".to_owned(),
                visibility: "hidden".to_owned(),
                closed: false,
                actions: vec![],
                worker: true,
            };
            tokio::time::sleep(Duration::from_secs(1)).await;
            bob.to_tab(duet).await;
            assert_eq!(bob.notifications().await, [vec![Shown { closed: true, ..ring() }; 3], vec![missed]].concat());
            bob.js("document.querySelector('.recent-calls summary').click(); return 1").await;
            wait_until("bob: the missed call's notification closed", WAIT, || async {
                bob.notifications().await[3].closed.then_some(())
            })
            .await;

            // Without a worker (here: the script installing it blocked) the page shows a
            // plain one itself, closed when the ring stops.
            let dave = h.browser_with("dave", "about:blank", &[]).await;
            dave.block_urls("*/pwa.js").await;
            dave.goto(&h.base_url()).await;
            dave.login("dave").await;
            dave.set_notification_permission(&origin, true).await;
            dave.set_checkbox("Call notifications", true).await;
            let duet = dave.hide_behind_another_tab().await;
            alice.click("Call dave").await;
            let plain = Shown {
                title: "alice is calling".to_owned(),
                visibility: "hidden".to_owned(),
                closed: false,
                actions: vec![],
                worker: false,
            };
            tokio::time::sleep(Duration::from_secs(2)).await;
            dave.to_tab(duet).await;
            assert_eq!(dave.notifications().await, vec![plain.clone()]);
            alice.click("Cancel").await;
            wait_until("dave: the ring's notification closed", WAIT, || async {
                dave.notifications().await.first().is_some_and(|n| n.closed).then_some(())
            })
            .await;
            assert!(!dave.worker_controls().await);

            // Refused in the browser: the switch stays off and says why.
            let carol = h.user("carol").await;
            carol.set_notification_permission(&origin, false).await;
            carol.set_checkbox("Call notifications", true).await;
            carol.wait_text("Notifications are blocked for this site").await;
            let on = carol
                .js("return document.evaluate(\"//label[normalize-space(.)='Call notifications']/input\", \
                     document, null, 9, null).singleNodeValue.checked")
                .await;
            assert_eq!(on, false);
        },
    )
    .await;
}

/// A copy of the app's bundle this test may change (a "new version").
fn copy_of(dist: &std::path::Path, tag: &str) -> std::path::PathBuf {
    let to = std::env::temp_dir().join(format!("duet-e2e-dist-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&to);
    std::fs::create_dir_all(&to).unwrap();
    for e in std::fs::read_dir(dist).unwrap().filter_map(Result::ok) {
        if e.path().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
    to
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x13_installable_opens_offline_and_offers_a_new_version() {
    let dist = std::sync::Arc::new(std::sync::Mutex::new(std::path::PathBuf::new()));
    let keep = dist.clone();
    scenario(
        "x13",
        move |c| {
            c.edge.static_dir = copy_of(&c.edge.static_dir, "x13");
            *keep.lock().unwrap() = c.edge.static_dir.clone();
        },
        |h| async move {
            let dist = dist.lock().unwrap().clone();
            let alice = h.browser("alice", "/").await;
            wait_until("alice: the service worker in charge", WAIT, || async { alice.worker_controls().await.then_some(()) })
                .await;
            // An installable app: its manifest and icons are served.
            let manifest = alice
                .js_async(
                    "const done = arguments[arguments.length - 1]; fetch('/manifest.webmanifest').then(r => r.json()) \
                     .then(m => Promise.all(m.icons.map(i => fetch(i.src).then(r => [i.sizes, r.status, r.headers.get('content-type')])))) \
                     .then(done, e => done(String(e)));",
                )
                .await;
            assert_eq!(
                manifest,
                serde_json::json!([["192x192", 200, "image/png"], ["512x512", 200, "image/png"]])
            );

            // The server gone and the network off: a reload still opens the app, which says why it cannot call.
            let h2 = h.clone();
            let restart = tokio::spawn(async move { drop(h2.restart_server(Duration::from_secs(8)).await) });
            tokio::time::sleep(Duration::from_secs(1)).await;
            alice.set_offline(true).await;
            alice.client.refresh().await.unwrap();
            alice.wait_button("Log in").await;
            alice.wait_text("You are offline").await;
            alice.set_offline(false).await;
            restart.await.unwrap();
            // (In this test's network namespace the browser may go on saying
            // it is offline; reaching the server is proof enough.)
            alice.login("alice").await;
            alice.wait_logged_in().await;
            wait_until("alice: the offline note gone once the server answers", WAIT, || async {
                (!alice.text().await.contains("You are offline")).then_some(())
            })
            .await;

            // A new version deployed while the page runs the old one (its
            // worker keeps other files): offered, and taken on "Reload".
            let page_js = alice.js("return document.querySelector('link[rel=modulepreload]').getAttribute('href')").await;
            let page_js = page_js.as_str().unwrap().to_owned();
            let sw = std::fs::read_to_string(dist.join("sw.js")).unwrap();
            let sw = sw.replacen("const VERSION = \"", "const VERSION = \"v2-", 1).replace(&page_js, "/duet-next.js");
            std::fs::write(dist.join("sw.js"), sw).unwrap();
            alice.js("navigator.serviceWorker.getRegistration().then(r => r.update()); return 1").await;
            alice.wait_text("A new version of Duet is ready.").await;
            alice.click("Reload").await;
            // The page reloads on the new worker (the old page's scripts
            // cannot be asked anything meanwhile).
            wait_until("alice: the page reloaded", WAIT, || async {
                (!alice.text().await.contains("A new version")).then_some(())
            })
            .await;
            alice.wait_logged_in().await;
            wait_until("alice: on the new version", WAIT, || async {
                let keys = alice
                    .js_async("const done = arguments[arguments.length - 1]; caches.keys().then(done, () => done([]));")
                    .await;
                let keys: Vec<String> = serde_json::from_value(keys).unwrap_or_default();
                (keys.len() == 1 && keys[0].starts_with("duet-shell-v2-")).then_some(())
            })
            .await;

            // A worker of the build the page already runs takes over without asking.
            let sw = std::fs::read_to_string(dist.join("sw.js")).unwrap();
            let sw = sw.replacen("const VERSION = \"v2-", "const VERSION = \"v3-", 1).replace("/duet-next.js", &page_js);
            std::fs::write(dist.join("sw.js"), sw).unwrap();
            alice.js("navigator.serviceWorker.getRegistration().then(r => r.update()); return 1").await;
            wait_until("alice: the same build's worker in charge", WAIT, || async {
                let keys = alice
                    .js_async("const done = arguments[arguments.length - 1]; caches.keys().then(done, () => done([]));")
                    .await;
                let keys: Vec<String> = serde_json::from_value(keys).unwrap_or_default();
                (keys.len() == 1 && keys[0].starts_with("duet-shell-v3-")).then_some(())
            })
            .await;
            assert!(!alice.text().await.contains("A new version"), "nothing to offer: the page is that build");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x14_recording_is_announced_on_both_ends_and_saved_when_stopped_or_when_the_call_ends() {
    scenario(
        "x14",
        |_| {},
        |h| async move {
            let downloads = std::env::temp_dir().join(format!("duet-e2e-downloads-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&downloads);
            std::fs::create_dir_all(&downloads).unwrap();
            let (alice, bob) = h.alice_and_bob().await;
            alice.allow_downloads(&downloads).await;
            connect(&alice, &bob).await;
            let indicator = |b: &Browser, which: &'static str| {
                let b = b.clone();
                async move { b.text_of(&format!("[data-indicator={which}]")).await }
            };

            // bob is silent, so what the file holds of voices is alice's.
            bob.click("Mute microphone").await;
            alice.click("Record").await;
            alice.wait_button("Stop recording").await;
            wait_until("bob: told that alice records", WAIT, || async {
                (indicator(&bob, "peer-recording").await == "alice is recording").then_some(())
            })
            .await;
            // bob's app answers that it shows it; then alice records.
            wait_until("alice: recording once bob's app answered", WAIT, || async {
                (indicator(&alice, "recording").await == "Recording").then_some(())
            })
            .await;
            tokio::time::sleep(Duration::from_secs(2)).await;
            // Another microphone mid-recording: the recording goes on hearing her.
            alice.click("Devices").await;
            alice.select("Microphone", "Fake Audio Input 2").await;
            alice.click("Devices").await;
            tokio::time::sleep(Duration::from_secs(3)).await;
            alice.click("Stop recording").await;
            wait_until("bob: the notice gone", WAIT, || async {
                indicator(&bob, "peer-recording").await.is_empty().then_some(())
            })
            .await;
            let files = wait_until("alice: the recording saved", WAIT, || async {
                Some(duet_e2e::recordings(&downloads)).filter(|f| f.len() == 1)
            })
            .await;
            let (name, bytes) = &files[0];
            assert!(name.starts_with("duet-bob-") && name.ends_with(".webm"), "{name}");
            assert_eq!(&bytes[..4], [0x1a, 0x45, 0xdf, 0xa3], "a WebM (EBML) file");
            assert!(bytes.len() > 20_000, "five seconds of sound and video: {} bytes", bytes.len());
            let (loudest, seconds) = loudest_and_duration(&alice, bytes).await;
            assert!(seconds > 4.0, "five seconds recorded: {seconds}");
            assert!(loudest > 0.05, "alice's voice after the switch, in the file: loudest {loudest}");
            bob.click("Unmute microphone").await;
            bob.assert_media_flows().await;

            // Recording again, then bob hangs up: the file is saved all the same.
            alice.click("Record").await;
            wait_until("bob: told again", WAIT, || async {
                (!indicator(&bob, "peer-recording").await.is_empty()).then_some(())
            })
            .await;
            tokio::time::sleep(Duration::from_secs(2)).await;
            bob.click("Hang up").await;
            alice.wait_status("bob hung up").await;
            // No click started that download, so the browser may hold it
            // back: the app offers it as a link, which a click saves.
            alice.wait_text("Recording saved: duet-bob-").await;
            if duet_e2e::recordings(&downloads).len() < 2 {
                let link = alice.client.find(fantoccini::Locator::LinkText("Save recording")).await.unwrap();
                link.click().await.unwrap();
            }
            wait_until("alice: the second recording saved", WAIT, || async {
                Some(duet_e2e::recordings(&downloads))
                    .filter(|f| f.len() == 2 && f.iter().all(|(_, b)| b.len() > 10_000))
            })
            .await;

            // A browser whose sound mixing never starts (Firefox without a
            // working sound output): alice is told her voice is left out,
            // and the file still has bob's voice and video.
            alice.wait_status("bob hung up").await;
            alice.select("Theme", "Dark").await;
            connect(&alice, &bob).await;
            alice
                .js("Object.defineProperty(BaseAudioContext.prototype, 'state', \
                     { get: () => 'suspended', configurable: true }); return 1")
                .await;
            alice.click("Mute microphone").await;
            alice.click("Record").await;
            alice.wait_text("Recording bob's voice and video only").await;
            assert_eq!(indicator(&alice, "recording").await, "Recording");
            let mut problems = Vec::new();
            for size in [(360, 740), (1280, 800)] {
                resize(&alice, size).await;
                look(&alice, "recording-without-your-voice", "dark", size, &mut problems).await;
            }
            assert!(problems.is_empty(), "{problems:#?}");
            tokio::time::sleep(Duration::from_secs(3)).await;
            alice.click("Stop recording").await;
            let files = wait_until("alice: the third recording saved", WAIT, || async {
                Some(duet_e2e::recordings(&downloads)).filter(|f| f.len() == 3)
            })
            .await;
            // Names end in the time: the last is this one.
            let (name, bytes) = files.last().unwrap();
            assert!(bytes.len() > 20_000, "{name}: three seconds of sound and video: {} bytes", bytes.len());
            let (loudest, seconds) = loudest_and_duration(&alice, bytes).await;
            assert!(seconds > 2.0, "{name}: three seconds recorded: {seconds}");
            assert!(loudest > 0.05, "{name}: bob's voice in the file: loudest {loudest}");
            let _ = std::fs::remove_dir_all(&downloads);
        },
    )
    .await;
}

/// The loudest sample of a recording's last two seconds and its length in
/// seconds, decoded by the browser.
async fn loudest_and_duration(b: &Browser, bytes: &[u8]) -> (f64, f64) {
    let loudest = b
        .client
        .execute_async(
            "const [bytes, done] = arguments; \
             new AudioContext().decodeAudioData(new Uint8Array(bytes).buffer).then(a => { \
               const d = a.getChannelData(0), from = Math.max(0, d.length - 2 * a.sampleRate); let m = 0; \
               for (let i = from; i < d.length; i++) m = Math.max(m, Math.abs(d[i])); done([m, a.duration]); \
             }, e => done(String(e)));",
            vec![serde_json::json!(bytes)],
        )
        .await
        .unwrap();
    serde_json::from_value(loudest.clone()).unwrap_or_else(|e| panic!("{loudest}: {e}"))
}
