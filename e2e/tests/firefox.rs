//! Firefox ESR and Chromium call each other through duet-server, both ways,
//! and what Duet adds to a call works in Firefox too.

use std::time::Duration;

use duet_e2e::{connect, scenario, wait_until, Browser, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f01_chromium_and_firefox_call_each_other_both_ways() {
    scenario(
        "f01",
        |_| {},
        |h| async move {
            let alice = h.user("alice").await; // Chromium
            let bob = h.firefox("bob", "/").await;
            // geckodriver cannot read the console: collect warnings and errors in the page.
            bob.js("window.__problems = []; for (const k of ['warn', 'error']) { const o = console[k]; \
                 console[k] = (...a) => { window.__problems.push(a.join(' ')); o.apply(console, a); }; } return 0")
                .await;
            bob.login("bob").await;

            // Chromium calls Firefox: media both ways, mute shown across, hang-up from Chromium.
            connect(&alice, &bob).await;
            // The peer-to-peer chat (a data channel) both ways.
            alice.click("Chat").await;
            alice.fill("Call message", "hi firefox").await;
            alice.click("Send to call").await;
            bob.click("Chat (1 unread)").await;
            bob.wait_text("alicehi firefox").await;
            bob.fill("Call message", "hi chromium").await;
            bob.click("Send to call").await;
            alice.wait_text("bobhi chromium").await;
            // Firefox's statistics panel shows real figures from its getStats.
            bob.click("Statistics").await;
            let kbps = wait_until("bob (Firefox): a receiving bitrate", WAIT, || async {
                let v = bob.text_of("[data-stat=Receiving]").await;
                v.split_whitespace().next()?.parse::<f64>().ok().filter(|k| *k > 10.0)
            })
            .await;
            assert!(kbps > 10.0);
            bob.wait_text("Connection: Good").await;
            // The safety number reads the same in both browsers (Firefox
            // writes its fingerprint once per description, Chromium per media).
            alice.click("Verify call").await;
            bob.click("Verify call").await;
            let number = |b: &duet_e2e::Browser| {
                let b = b.clone();
                async move {
                    wait_until(&format!("{}: the safety number", b.user), WAIT, || async {
                        Some(b.safety_number_shown().await).filter(|n| !n.is_empty())
                    })
                    .await
                }
            };
            assert_eq!(number(&alice).await, number(&bob).await);
            bob.click("Matches").await;
            bob.wait_text("Verified").await;
            bob.click("Mute microphone").await;
            alice.wait_text("bob muted their microphone").await;
            bob.click("Unmute microphone").await;
            alice.click("Hang up").await;
            bob.wait_no_button("Hang up").await;

            // Firefox calls Chromium: the same, hang-up from Firefox.
            connect(&bob, &alice).await;
            alice.click("Turn camera off").await;
            bob.wait_text("alice turned their camera off").await;
            bob.click("Hang up").await;
            alice.wait_no_button("Hang up").await;
            // Nothing went wrong that only the console would show, in either browser.
            let problems = alice.console_problems().await;
            assert!(problems.is_empty(), "Chromium's console during the calls: {problems:#?}");
            let problems = bob.js("return window.__problems").await;
            assert_eq!(problems, serde_json::json!([]), "Firefox's console during the calls");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f02_a_relayed_call_with_firefox_survives_a_relay_restart_by_an_ice_restart() {
    use duet_e2e::Coturn;
    let dir = std::env::temp_dir().join(format!("duet-f02-{}", std::process::id()));
    let turn = Coturn::start("relay-secret", &dir).await;
    let url = turn.url();
    scenario(
        "f02",
        |c| {
            c.turn.turn_urls = vec![url];
            c.turn.turn_secret = Some("relay-secret".parse().unwrap());
        },
        |h| async move {
            let alice = h.user_at("alice", "/?grace=2").await; // Chromium
            let bob = h.firefox("bob", "/?grace=2").await;
            bob.login("bob").await;
            alice.set_relay_only().await;
            bob.set_relay_only().await;
            alice.click("Call bob").await;
            bob.click("Accept").await;
            alice.assert_media_flows().await;
            bob.assert_media_flows().await;
            for b in [&alice, &bob] {
                let kind = wait_until(&format!("{}: a selected pair", b.user), WAIT, || async {
                    b.selected_local_candidate_type().await
                })
                .await;
                assert_eq!(kind, "relay", "{}: relayed", b.user);
            }

            let before = (alice.ice_ufrag().await, bob.ice_ufrag().await);
            let port = turn.stop().await;
            let _turn = Coturn::start_on(port, "relay-secret", &dir).await;
            for b in [&alice, &bob] {
                let peer = if b.user == "alice" { "bob" } else { "alice" };
                b.wait_text(&format!("In a call with {peer}")).await;
                let (stalled, _) = b.remote_frames().await;
                wait_until(&format!("{}: frames again", b.user), WAIT, || async {
                    (b.remote_frames().await.0 > stalled + 5).then_some(())
                })
                .await;
                b.assert_media_flows().await;
            }
            let after = (alice.ice_ufrag().await, bob.ice_ufrag().await);
            assert!(
                after.0 != before.0 && after.1 != before.1,
                "new ICE credentials on both sides: {before:?} → {after:?}"
            );
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f03_in_firefox_sound_switches_data_saver_recording_recent_calls_notifications_and_the_cached_app() {
    let downloads = std::env::temp_dir().join(format!("duet-f03-downloads-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&downloads);
    std::fs::create_dir_all(&downloads).unwrap();
    let prefs = serde_json::json!({
        "browser.download.folderList": 2,
        "browser.download.dir": downloads.to_string_lossy(),
        "browser.download.useDownloadDir": true,
        "browser.download.always_ask_before_handling_new_types": false,
        "browser.helperApps.neverAsk.saveToDisk": "video/webm",
        "browser.download.start_downloads_in_tmp_dir": false,
        // As if bob had said "Allow" in Firefox's prompt.
        "permissions.default.desktop-notification": 1,
        // Firefox's own notification windows (headless has no system's).
        "alerts.useSystemBackend": false,
    });
    let saved_in = downloads.clone();
    scenario(
        "f03",
        |_| {},
        |h| async move {
            let alice = h.user("alice").await; // Chromium
            let bob = h.firefox_with("bob", "/", prefs).await;
            bob.login("bob").await;

            // Noise suppression off in Firefox's lobby: the call's microphone opens without it.
            bob.set_checkbox("Noise suppression", false).await;
            connect(&alice, &bob).await;
            let sent_noise_suppression = bob
                .js("const s = window.duetDiagnostics.pc.getSenders().find(s => s.track && s.track.kind === 'audio'); \
                     return s ? s.track.getSettings().noiseSuppression : null")
                .await;
            assert_eq!(sent_noise_suppression, false);

            // Data saver from Firefox: its own video capped, and Chromium's at its request.
            bob.click("Devices").await;
            bob.set_checkbox("Data saver", true).await;
            for b in [&bob, &alice] {
                wait_until(&format!("{}: video capped", b.user), Duration::from_secs(20), || async {
                    let (kbps, height) = b.sent_video().await;
                    (height <= 360 && kbps <= 170.0).then_some(())
                })
                .await;
            }
            bob.set_checkbox("Data saver", false).await;

            // Firefox records; Chromium is told for as long as it lasts.
            let indicator = |b: &Browser, which: &'static str| {
                let b = b.clone();
                async move { b.text_of(&format!("[data-indicator={which}]")).await }
            };
            bob.click("Record").await;
            wait_until("alice: told that bob records", WAIT, || async {
                (indicator(&alice, "peer-recording").await == "bob is recording").then_some(())
            })
            .await;
            wait_until("bob: recording once alice's app answered", WAIT, || async {
                (indicator(&bob, "recording").await == "Recording").then_some(())
            })
            .await;
            tokio::time::sleep(Duration::from_secs(3)).await;
            bob.click("Stop recording").await;
            wait_until("alice: the notice gone", WAIT, || async {
                indicator(&alice, "peer-recording").await.is_empty().then_some(())
            })
            .await;
            // A failure says what was saved and what the app said.
            let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
            let files = loop {
                let files = duet_e2e::recordings(&saved_in);
                if files.len() == 1 && files[0].1.len() > 20_000 {
                    break files;
                }
                if tokio::time::Instant::now() > deadline {
                    let saved: Vec<_> = std::fs::read_dir(&saved_in)
                        .into_iter()
                        .flatten()
                        .flatten()
                        .map(|e| format!("{:?} {} bytes", e.file_name(), e.metadata().map_or(0, |m| m.len())))
                        .collect();
                    panic!("bob: no recording saved in 30 s; downloads: {saved:?}; status: {:?}", bob.status().await);
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            };
            let (name, bytes) = &files[0];
            assert!(name.starts_with("duet-alice-"), "{name}");
            assert_eq!(&bytes[..4], [0x1a, 0x45, 0xdf, 0xa3], "a WebM (EBML) file");
            alice.click("Hang up").await;
            bob.wait_status("alice hung up").await;

            // Firefox keeps the call in its recent calls.
            bob.js("document.querySelector('.recent-calls summary').click(); return 1").await;
            let what = bob.text_of(".recent-calls li .what").await;
            assert!(what.starts_with("Incoming · Answered · 0:"), "{what}");

            // A ring while Firefox's tab is behind another: a notification
            // from its service worker, closed when the ring stops.
            bob.set_checkbox("Call notifications", true).await;
            wait_until("bob: the worker controls the page", WAIT, || async { bob.worker_controls().await.then_some(()) })
                .await;
            let shown = || async {
                let v = bob
                    .js_async(
                        "const done = arguments[arguments.length - 1]; navigator.serviceWorker.getRegistration() \
                         .then(r => r.getNotifications()).then(ns => done(ns.map(n => n.title)), e => done([String(e)]))",
                    )
                    .await;
                serde_json::from_value::<Vec<String>>(v).unwrap()
            };
            let duet = bob.hide_behind_another_tab().await;
            alice.click("Call bob").await;
            tokio::time::sleep(Duration::from_secs(2)).await;
            bob.to_tab(duet).await;
            assert_eq!(shown().await, ["alice is calling"]);
            alice.click("Cancel").await;
            wait_until("bob: the notification closed", WAIT, || async { shown().await.is_empty().then_some(()) }).await;
            // ... and the missed call is there to call back.
            bob.click("Call back alice").await;
            alice.wait_button("Accept").await;
            alice.click("Decline").await;

            // The server gone: opening Duet again starts Firefox's copy of the app.
            let h2 = h.clone();
            let restart = tokio::spawn(async move { drop(h2.restart_server(Duration::from_secs(6)).await) });
            tokio::time::sleep(Duration::from_secs(1)).await;
            bob.goto(&h.base_url()).await;
            wait_until("bob: the app started from the worker's copy", WAIT, || async {
                (bob.js("return !!window.wasmBindings").await == true).then_some(())
            })
            .await;
            restart.await.unwrap();
        },
    )
    .await;
    let _ = std::fs::remove_dir_all(&downloads);
}
