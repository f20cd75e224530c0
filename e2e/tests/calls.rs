//! Two (or three) real Chromium browsers call each other through duet-server.
//! Run by `cargo xtask test` inside a loopback-only network namespace.

use std::time::Duration;

use duet_e2e::{
    connect, scenario,
    screens::{look, resize},
    wait_until, Browser, Harness, WAIT,
};

async fn back_in_lobby(b: &Browser) {
    b.wait_text("Online").await;
    b.wait_no_button("Hang up").await;
}

/// Every local track this browser opened has ended and no peer connection
/// is left open.
async fn released(b: &Browser) {
    wait_until(&format!("{}: every local track ended", b.user), WAIT, || async {
        (b.live_local_tracks().await == 0).then_some(())
    })
    .await;
    assert_eq!(b.open_peer_connections().await, 0, "{}: peer connection closed", b.user);
}

/// Both back in the lobby with nothing left open.
async fn both_back_and_released(a: &Browser, b: &Browser) {
    for x in [a, b] {
        back_in_lobby(x).await;
        released(x).await;
    }
}

fn active_calls(h: &Harness) -> String {
    h.metrics().lines().find(|l| l.starts_with("duet_active_calls ")).unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s01_users_see_each_other_and_a_taken_name_is_renamed() {
    scenario(
        "s01",
        |_| {},
        |h| async move {
            let (alice, bob) = h.alice_and_bob().await;
            wait_until("alice to see bob", WAIT, || async { (alice.callable().await == ["bob"]).then_some(()) }).await;
            wait_until("bob to see alice", WAIT, || async { (bob.callable().await == ["alice"]).then_some(()) }).await;
            assert!(bob.text().await.contains("bob (you)"), "own name is listed, not callable");

            // Lobby chat reaches the other user as text, never as markup.
            alice.fill("Message", "<b>hello</b> bob").await;
            alice.click("Send").await;
            bob.wait_text("alice<b>hello</b> bob").await;
            // Had the text been parsed as markup, "hello" would be a <b> of its own.
            let injected = bob
                .js("return [...document.querySelectorAll('[aria-label=\"Chat messages\"] li *')].filter(e => e.textContent === 'hello').length")
                .await;
            assert_eq!(injected, serde_json::json!(0), "no injected element");

            // A keyboard user's focus on "Call alice" survives the list changing under it.
            bob.js("document.querySelector('[aria-label=\"Call alice\"]').focus(); return 0").await;

            let third = h.browser("alice-again", "/").await;
            third.fill("Username", "alice").await;
            third.click("Log in").await;
            third.wait_status("The name alice is taken; you are alice1").await;
            third.wait_text("Signed in as alice1").await;
            wait_until("bob to see alice1", WAIT, || async {
                (bob.callable().await == ["alice", "alice1"]).then_some(())
            })
            .await;
            let focused = bob.js("return document.activeElement.getAttribute('aria-label')").await;
            assert_eq!(focused, serde_json::json!("Call alice"), "focus kept across a presence update");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s02_a_call_is_accepted_and_media_flows_both_ways() {
    scenario(
        "s02",
        |_| {},
        |h| async move {
            let (alice, bob) = h.alice_and_bob().await;
            alice.click("Call bob").await;
            alice.wait_text("Calling bob").await;
            alice.wait_button("Cancel").await;
            bob.wait_text("alice is calling").await;
            bob.wait_button("Decline").await;
            bob.click("Accept").await;
            alice.assert_media_flows().await;
            bob.assert_media_flows().await;
            alice.wait_text("In a call with bob").await;
            bob.wait_text("In a call with alice").await;
            assert_eq!(active_calls(&h), "duet_active_calls 1");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s03_hanging_up_returns_both_to_the_lobby_and_releases_everything() {
    scenario(
        "s03",
        |_| {},
        |h| async move {
            let (alice, bob) = h.alice_and_bob().await;
            connect(&alice, &bob).await;
            alice.click("Hang up").await;
            back_in_lobby(&alice).await;
            back_in_lobby(&bob).await;
            bob.wait_status("alice hung up").await;
            alice.wait_status("Call with bob ended").await;
            for b in [&alice, &bob] {
                assert!(b.videos_cleared().await, "{}: videos cleared", b.user);
                released(b).await;
            }
            wait_until("the server to count no active call", WAIT, || async {
                (active_calls(&h) == "duet_active_calls 0").then_some(())
            })
            .await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s04_a_declined_call_tells_the_caller() {
    scenario(
        "s04",
        |_| {},
        |h| async move {
            let (alice, bob) = h.alice_and_bob().await;
            alice.click("Call bob").await;
            bob.click("Decline").await;
            alice.wait_status("bob declined the call").await;
            back_in_lobby(&alice).await;
            bob.wait_no_button("Accept").await;
            for b in [&alice, &bob] {
                b.wait_released().await;
            }
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s05_cancel_while_ringing_closes_the_callees_dialog() {
    scenario(
        "s05",
        |_| {},
        |h| async move {
            let (alice, bob) = h.alice_and_bob().await;
            alice.click("Call bob").await;
            bob.wait_button("Accept").await;
            alice.click("Cancel").await;
            bob.wait_no_button("Accept").await;
            bob.wait_status("Missed call from alice").await;
            alice.wait_status("Call to bob cancelled").await;
            back_in_lobby(&alice).await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s06_an_unanswered_call_times_out_on_both_sides() {
    scenario(
        "s06",
        |_| {},
        |h| async move {
            // A short ring, set through the app's runtime configuration.
            let alice = h.user_at("alice", "/?ring=3").await;
            let bob = h.user_at("bob", "/?ring=3").await;
            alice.click("Call bob").await;
            bob.wait_button("Accept").await;
            alice.wait_status_within("No answer from bob", Duration::from_secs(10)).await;
            bob.wait_status_within("Missed call from alice", Duration::from_secs(10)).await;
            bob.wait_no_button("Accept").await;
            back_in_lobby(&alice).await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s07_calling_someone_in_a_call_says_busy_and_leaves_their_call_alone() {
    scenario(
        "s07",
        |_| {},
        |h| async move {
            let (alice, bob) = h.alice_and_bob().await;
            let carol = h.user("carol").await;
            connect(&alice, &bob).await;
            // carol's list shows bob as busy, and calling him says so.
            wait_until("carol to see bob as busy", WAIT, || async {
                carol.text().await.contains("In a call").then_some(())
            })
            .await;
            carol.click("Call bob").await;
            carol.wait_status("bob is busy").await;
            assert!(bob.find_button("Accept").await.is_none(), "bob was not disturbed");
            alice.assert_media_flows().await;
            bob.assert_media_flows().await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s08_mute_and_camera_off_show_on_the_other_side() {
    scenario(
        "s08",
        |_| {},
        |h| async move {
            let (alice, bob) = h.alice_and_bob().await;
            connect(&alice, &bob).await;
            alice.click("Mute microphone").await;
            alice.wait_button("Unmute microphone").await;
            bob.wait_text("alice muted their microphone").await;
            alice.click("Turn camera off").await;
            alice.wait_button("Turn camera on").await;
            bob.wait_text("alice turned their camera off").await;
            let enabled =
                alice.js("return window.duetDiagnostics.pc.getSenders().map(s => s.track && s.track.enabled)").await;
            assert_eq!(enabled, serde_json::json!([false, false]), "alice's tracks are disabled");
            alice.click("Unmute microphone").await;
            wait_until("bob to see alice unmuted", WAIT, || async {
                (!bob.text().await.contains("alice muted their microphone")).then_some(())
            })
            .await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s09_the_peer_closing_their_browser_ends_the_call_within_5s() {
    scenario(
        "s09",
        |_| {},
        |h| async move {
            let (alice, bob) = h.alice_and_bob().await;
            connect(&alice, &bob).await;
            bob.clone().quit().await;
            alice.wait_status_within("bob went offline", Duration::from_secs(5)).await;
            back_in_lobby(&alice).await;
            assert_eq!(alice.open_peer_connections().await, 0);
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s10_glare_both_call_at_once_and_exactly_one_call_results() {
    // Both offers are held on the way until both were sent: they cross.
    let gate = std::sync::Arc::new(duet_e2e::offer_gate::start().await);
    let allowed = gate.url.clone();
    scenario(
        "s10",
        move |c| c.edge.connect_src = vec![allowed],
        |h| async move {
            gate.relay_to(&h.base_url());
            let path = format!("/?server={}", gate.url);
            let alice = h.user_at("alice", &path).await;
            let bob = h.user_at("bob", &path).await;
            alice.click("Call bob").await;
            bob.click("Call alice").await;
            alice.assert_media_flows().await;
            bob.assert_media_flows().await;
            assert!(gate.crossed(), "both offers were sent before either arrived");
            assert_eq!(alice.open_peer_connections().await, 1);
            assert_eq!(bob.open_peer_connections().await, 1);
            assert_eq!(active_calls(&h), "duet_active_calls 1");
            // One call, on both screens; either end can hang it up.
            alice.wait_text("In a call with bob").await;
            bob.wait_text("In a call with alice").await;
            bob.click("Hang up").await;
            alice.wait_status("bob hung up").await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s11_a_deep_link_calls_after_login() {
    scenario(
        "s11",
        |_| {},
        |h| async move {
            let alice = h.user("alice").await;
            let bob = h.browser("bob", "/call/alice").await;
            bob.login("bob").await;
            alice.wait_text("bob is calling").await;
            alice.click("Accept").await;
            bob.assert_media_flows().await;
            let path = bob.js("return location.pathname").await;
            assert_eq!(path, "/call/alice");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s12_twenty_calls_in_a_row_all_connect_and_leak_nothing() {
    scenario(
        "s12",
        |_| {},
        |h| async move {
            let (alice, bob) = h.alice_and_bob().await;
            let mut setup_ms = Vec::new();
            for i in 0..20 {
                alice.click("Call bob").await;
                bob.wait_button("Accept").await;
                // Time from bob's Accept to alice's first remote frame, on the machine's one clock.
                alice.arm_first_frame().await;
                let clicked = bob.click_timed("Accept").await;
                let first = alice.first_frame_at().await;
                setup_ms.push(first - clicked);
                bob.assert_media_flows().await;
                if i % 2 == 0 {
                    alice.click("Hang up").await
                } else {
                    bob.click("Hang up").await
                }
                back_in_lobby(&alice).await;
                back_in_lobby(&bob).await;
            }
            for b in [&alice, &bob] {
                b.wait_released().await;
            }
            setup_ms.sort_by(f64::total_cmp);
            let median = setup_ms[setup_ms.len() / 2];
            println!(
                "call setup (Accept → first remote frame), 20 calls: median {median:.0} ms, min {:.0} ms, max {:.0} ms",
                setup_ms[0],
                setup_ms[setup_ms.len() - 1]
            );
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s13_a_reload_mid_call_brings_the_call_back_without_logging_in() {
    scenario(
        "s13",
        |_| {},
        |h| async move {
            let (alice, bob) = h.alice_and_bob().await;
            connect(&alice, &bob).await;
            alice.client.refresh().await.unwrap();
            // Back in the call on her own: no login form, video again both ways.
            alice.wait_text("In a call with bob").await;
            assert!(alice.find_button("Log in").await.is_none(), "no login form after a reload");
            alice.assert_media_flows().await;
            bob.assert_media_flows().await;
            bob.wait_text("In a call with alice").await;
            assert_eq!(active_calls(&h), "duet_active_calls 1");
            // The same call: hanging up reaches the other side.
            bob.click("Hang up").await;
            alice.wait_status("bob hung up").await;
            back_in_lobby(&alice).await;
        },
    )
    .await;
}

/// A copy of the app whose chunk named `prefix…` is kept under a name no
/// one asks for (`restore` puts it back), served in place of the app.
fn without_chunk(prefix: &'static str) -> impl FnOnce(&mut duet_server::Config) {
    move |config| {
        let dir = std::env::temp_dir().join(format!("duet-e2e-dist-no-{prefix}{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut found = false;
        for e in std::fs::read_dir(&config.edge.static_dir).unwrap() {
            let name = e.unwrap().file_name().into_string().unwrap();
            let hidden = name.starts_with(prefix) && name.ends_with(".wasm");
            found |= hidden;
            let kept = if hidden { format!("{name}.away") } else { name.clone() };
            std::fs::copy(config.edge.static_dir.join(&name), dir.join(kept)).unwrap();
        }
        assert!(found, "the release build has a chunk {prefix}*.wasm");
        config.edge.static_dir = dir;
    }
}

const PHONE_AND_LAPTOP: [(u32, u32); 2] = [(360, 740), (1280, 800)];

/// Screenshots of `screen` at a phone's and a laptop's size, checked by axe.
async fn look_at(b: &Browser, screen: &str, theme: &str, problems: &mut Vec<String>) {
    for size in PHONE_AND_LAPTOP {
        resize(b, size).await;
        look(b, screen, theme, size, problems).await;
    }
}

fn restore(h: &Harness) {
    let dir = &h.config().edge.static_dir;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "away") {
            std::fs::rename(&p, p.with_extension("")).unwrap();
        }
    }
}

/// Release builds fetch the call's code apart from the first load (a wasm
/// chunk, xtask/src/split.rs), as soon as the app is up. When it cannot be
/// fetched, a call cannot start: the caller is told why, in her language,
/// and both are back in the lobby with nothing left open; once the file is
/// back, calling again connects with media.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s14_a_call_whose_code_cannot_load_says_so_and_connects_once_it_can() {
    scenario("s14", without_chunk("duet-call-"), |h| async move {
        let (alice, bob) = h.alice_and_bob().await;
        alice.select("Theme", "Dark").await;
        // Signing in set the ICE servers, a change to a call there is not:
        // no call code fetched for it, nothing said.
        let said = "The call could not start: part of the app did not load.";
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(!alice.page_text().await.unwrap_or_default().contains(said), "alice: no call, no failure said");
        alice.click("Call bob").await;
        alice.wait_text(said).await;
        assert!(bob.find_button("Accept").await.is_none(), "bob: no ring from an app that cannot call");
        both_back_and_released(&alice, &bob).await;
        let mut problems = Vec::new();
        look_at(&alice, "call-could-not-load", "dark", &mut problems).await;
        resize(&alice, PHONE_AND_LAPTOP[1]).await;
        alice.select("Language", "한국어").await;
        alice.wait_text("앱의 일부를 불러오지 못해 통화를 시작하지 못했습니다.").await;
        look_at(&alice, "call-could-not-load-ko", "dark", &mut problems).await;
        resize(&alice, PHONE_AND_LAPTOP[1]).await;
        alice.select("언어", "English").await;
        assert!(problems.is_empty(), "{problems:#?}");
        restore(&h);
        connect(&alice, &bob).await;
        alice.click("Hang up").await;
        both_back_and_released(&alice, &bob).await;
    })
    .await;
}

/// The lobby's code is fetched apart too: without it, signing in still
/// works and the page says the lobby could not load; once it can, "Try
/// again" brings the lobby, and a call from it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s15_a_lobby_that_cannot_load_says_so_and_comes_back_on_try_again() {
    scenario("s15", without_chunk("duet-lobby-"), |h| async move {
        let (alice, bob) = h.alice_and_bob().await;
        alice.wait_text("The lobby could not load. Check your connection and try again.").await;
        alice.wait_text("Signed in as alice").await;
        let mut problems = Vec::new();
        for (theme, tag) in [("Light", "light"), ("Dark", "dark")] {
            resize(&alice, PHONE_AND_LAPTOP[1]).await;
            alice.select("Theme", theme).await;
            look_at(&alice, "lobby-failed", tag, &mut problems).await;
        }
        resize(&alice, PHONE_AND_LAPTOP[1]).await;
        alice.select("Language", "한국어").await;
        alice.wait_text("대기실을 불러오지 못했어요. 연결을 확인하고 다시 시도하세요.").await;
        look_at(&alice, "lobby-failed-ko", "dark", &mut problems).await;
        resize(&alice, PHONE_AND_LAPTOP[1]).await;
        alice.select("언어", "English").await;
        assert!(problems.is_empty(), "{problems:#?}");
        restore(&h);
        alice.click("Try again").await;
        wait_until("alice to see bob", WAIT, || async { (alice.callable().await == ["bob"]).then_some(()) }).await;
        bob.click("Try again").await;
        connect(&alice, &bob).await;
    })
    .await;
}

/// A call whose code does not come (the request stalls): the caller's
/// screen says it is loading, with "Hang up"; nothing rings before the code
/// is there (the offer travels with the ring); after 15 s the call ends
/// saying why instead of loading for ever, and the stalled request is
/// dropped: the next call asks afresh. When the code arrives at last, the
/// call it was fetched for stays over (no camera, no connection, no ring),
/// and the next call connects at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s16_a_call_whose_code_stalls_can_be_hung_up_gives_up_after_15_s_and_stays_over() {
    scenario("s16", without_chunk("duet-call-"), |h| async move {
        let (alice, bob) = h.alice_and_bob().await;
        // The app asked for the chunk at start and was refused; from now on
        // the file is there but no answer comes.
        alice.stall_requests("*duet-call-*").await;
        restore(&h);
        alice
            .js("window.__callFetches = 0; const f = window.fetch; \
                 window.fetch = function (u, o) { if (String(u).includes('duet-call-')) window.__callFetches++; return f.call(this, u, o); }; \
                 return 1")
            .await;
        let fetches = || async { alice.js("return window.__callFetches").await.as_u64().unwrap_or(0) };
        alice.click("Call bob").await;
        alice.wait_text("Loading…").await;
        alice.wait_button("Hang up").await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(bob.find_button("Accept").await.is_none(), "bob: no ring before alice's app can call");
        alice.click("Hang up").await;
        both_back_and_released(&alice, &bob).await;

        alice.click("Call bob").await;
        alice.wait_text("Loading…").await;
        alice
            .wait_text_within("The call could not start: part of the app did not load.", Duration::from_secs(25))
            .await;
        for b in [&alice, &bob] {
            back_in_lobby(b).await;
        }
        let asked = fetches().await;
        assert!(asked >= 1, "alice: the call's code asked for");

        // The stalled request was dropped with the give-up: the next call
        // asks afresh instead of waiting on it; hung up, its code arriving
        // late starts nothing.
        alice.click("Call bob").await;
        alice.wait_text("Loading…").await;
        wait_until("alice: the call's code asked for afresh", WAIT, || async {
            (fetches().await > asked).then_some(())
        })
        .await;
        alice.click("Hang up").await;
        both_back_and_released(&alice, &bob).await;
        alice.release_requests().await;
        wait_until("alice: the call's code fetched at last", WAIT, || async {
            alice.fetched("duet-call-").await.then_some(())
        })
        .await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(bob.find_button("Accept").await.is_none(), "bob: no ring from a call that is over");
        both_back_and_released(&alice, &bob).await;
        connect(&alice, &bob).await;
        alice.click("Hang up").await;
        both_back_and_released(&alice, &bob).await;
    })
    .await;
}

/// alice rings bob, whose app's request for the call's code is held (its
/// first, at start, was refused): bob's dialog is up, his call code is not.
async fn ring_with_bobs_call_code_held(h: &Harness) -> (Browser, Browser) {
    let (alice, bob) = h.alice_and_bob().await;
    bob.stall_requests("*duet-call-*").await;
    restore(h);
    alice.click("Call bob").await;
    bob.wait_text("alice is calling").await;
    (alice, bob)
}

/// The callee's app gets the call's code late (its request held 3 s): the
/// ring shows at once, Accept waits for the code, and then the call's
/// effects run in the order they came: the call connects with media both
/// ways and is still up after the 15 s a part may take.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s17_a_callee_whose_call_code_comes_late_answers_once_it_is_in() {
    scenario("s17", without_chunk("duet-call-"), |h| async move {
        let (alice, bob) = ring_with_bobs_call_code_held(&h).await;
        bob.click("Accept").await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        bob.release_requests().await;
        alice.assert_media_flows().await;
        bob.assert_media_flows().await;
        tokio::time::sleep(Duration::from_secs(14)).await;
        for b in [&alice, &bob] {
            b.wait_text("In a call with").await;
            b.assert_media_flows().await;
        }
        bob.click("Hang up").await;
        both_back_and_released(&alice, &bob).await;
    })
    .await;
}

/// The callee's app cannot get the call's code (its request never
/// answered): after the 15 s a part may take, the callee's side ends the
/// call saying why, and the caller reads that the callee's app failed, not
/// a network problem (no relay hint).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s18_a_callee_whose_call_code_never_comes_is_told_apart_from_the_network() {
    scenario("s18", without_chunk("duet-call-"), |h| async move {
        let (alice, bob) = ring_with_bobs_call_code_held(&h).await;
        alice.wait_text_within("bob's app could not set up the call.", Duration::from_secs(25)).await;
        let said = alice.status().await;
        assert!(!said.contains("TURN") && !said.contains("relay"), "alice: no network hint: {said:?}");
        bob.wait_text("The call could not start: part of the app did not load.").await;
        both_back_and_released(&alice, &bob).await;
        let mut problems = Vec::new();
        look_at(&alice, "partner-app-failed", "light", &mut problems).await;
        resize(&alice, PHONE_AND_LAPTOP[1]).await;
        alice.select("Theme", "Dark").await;
        alice.select("Language", "한국어").await;
        alice.wait_text("bob 님의 앱이 통화를 준비하지 못했습니다.").await;
        look_at(&alice, "partner-app-failed-ko", "dark", &mut problems).await;
        assert!(problems.is_empty(), "{problems:#?}");
    })
    .await;
}

/// The agent's code (signaling, the call's set-up) is fetched after the
/// first screen. A page that cannot fetch it still shows a working login
/// form, in the person's language, and says the app could not finish
/// loading; a sign-in made meanwhile goes through once "Try again" brings
/// the code. A page whose request for it is held takes a sign-in and
/// completes it when the code comes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s20_signing_in_waits_for_the_apps_code_and_a_missing_one_is_said() {
    scenario("s20", without_chunk("duet-agent-"), |h| async move {
        let alice = h.browser("alice", "/").await;
        let failed = "Duet could not finish loading. Check your connection and try again.";
        alice.wait_text(failed).await;
        // A reload in a call comes back to the call's screen, which covers
        // the page: the message is on top of it, with its button. (The page
        // was opened by an invite link, and has a recent call with carol.)
        alice
            .js("sessionStorage.setItem('duet.session', JSON.stringify({name: 'alice', ticket: 't', peer: 'bob'})); \
                 localStorage.setItem('duet.history.alice', JSON.stringify('carol\\tout\\tanswered\\t1764900000000\\t60\\tseen')); \
                 location.hash = '#key=sesame'; location.reload(); return 1")
            .await;
        wait_until("alice: the call's screen after the reload", WAIT, || async {
            (alice.js("return !!document.getElementById('call-view')").await == true).then_some(())
        })
        .await;
        alice.wait_text(failed).await;
        let on_top = alice
            .js("const b = document.querySelector('.deferred.banner'), r = b.getBoundingClientRect(); \
                 return b.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2))")
            .await;
        assert_eq!(on_top, true, "alice: the message above the call's screen");
        // The link's key is kept at once: a reload (the natural answer to
        // "could not finish loading") does not lose it.
        let key = alice.js("return localStorage.getItem('duet.accessKey')").await;
        assert_eq!(key, "\"sesame\"", "alice: the invite link's key kept without the agent");
        let mut problems = Vec::new();
        look_at(&alice, "app-failed-in-call", "light", &mut problems).await;
        // Hung up before the agent came: the earlier calls are still listed,
        // and a reload stays hung up (no call back to bob).
        alice.click("Hang up").await;
        alice.click_summary("Recent calls").await;
        alice.wait_text("carol").await;
        alice.js("window.__before = 1; location.reload(); return 1").await;
        wait_until("alice: the lobby after the reload", WAIT, || async {
            let js = "return !window.__before && document.body.innerText.includes('Recent calls')";
            (alice.js(js).await == true).then_some(())
        })
        .await;
        alice.wait_text(failed).await;
        let in_call = alice.js("return !!document.getElementById('call-view') || sessionStorage.getItem('duet.session')").await;
        assert_eq!(in_call, serde_json::json!("{\"name\":\"alice\",\"ticket\":\"t\",\"peer\":null}"), "alice: still hung up");
        alice.js("sessionStorage.clear(); localStorage.clear(); location.reload(); return 1").await;
        wait_until("alice: the login form after the reload", WAIT, || async {
            (alice.js("return !document.body.innerText.includes('Recent calls')").await == true).then_some(())
        })
        .await;
        alice.wait_text(failed).await;
        alice.fill("Username", "alice").await;
        alice.click("Log in").await;
        alice.wait_text("Logging in…").await;
        look_at(&alice, "app-failed", "light", &mut problems).await;
        resize(&alice, PHONE_AND_LAPTOP[1]).await;
        alice.select("Theme", "Dark").await;
        alice.select("Language", "한국어").await;
        alice.wait_text("Duet을 다 불러오지 못했어요.").await;
        // The page's own language and theme do not wait for the agent.
        let page = alice.js("const r = document.documentElement; return r.lang + ' ' + r.dataset.theme").await;
        assert_eq!(page, "ko dark", "alice: the page's language and theme without the agent");
        look_at(&alice, "app-failed-ko", "dark", &mut problems).await;
        resize(&alice, PHONE_AND_LAPTOP[1]).await;
        alice.select("언어", "English").await;
        assert!(problems.is_empty(), "{problems:#?}");
        restore(&h);
        alice.click("Try again").await;
        alice.wait_logged_in().await;
        assert!(!alice.text().await.contains("Duet could not finish loading"), "alice: the alert is gone");

        // bob's page asks for the code while his request is held: the form
        // takes his name at once, and he is in once the code comes.
        let bob = h.browser("bob", "/manifest.webmanifest").await;
        bob.stall_requests("*duet-agent-*").await;
        bob.goto(&format!("{}/", h.base_url())).await;
        bob.fill("Username", "bob").await;
        bob.click("Log in").await;
        bob.wait_text("Logging in…").await;
        bob.release_requests().await;
        bob.wait_logged_in().await;
        connect(&alice, &bob).await;
        alice.click("Hang up").await;
        both_back_and_released(&alice, &bob).await;
    })
    .await;
}

/// The phone rings on both sides, as sound: the callee's ringtone (480 +
/// 620 Hz), the caller's ringback (440 + 480 Hz), both playing while it
/// rings and silenced (their audio closed) once it is answered or
/// cancelled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s19_both_sides_hear_the_ring_until_it_is_answered_or_cancelled() {
    scenario("s19", |_| {}, |h| async move {
        let (alice, bob) = h.alice_and_bob().await;
        // Every oscillator the page starts, by the audio context it plays in.
        let spy = "window.__tones = []; const P = BaseAudioContext.prototype, make = P.createOscillator; \
            P.createOscillator = function () { const o = make.call(this); \
              let t = window.__tones.find(t => t.ctx === this); \
              if (!t) { t = { freqs: [], ctx: this }; window.__tones.push(t); } \
              const start = o.start; o.start = function (...x) { t.freqs.push(o.frequency.value); return start.apply(o, x); }; \
              return o; }; \
            return 1";
        let tones = |b: &Browser| {
            let b = b.clone();
            async move {
                let v = b
                    .js("return window.__tones.filter(t => t.freqs.length) \
                         .map(t => t.freqs.map(Math.round).join('+') + ' ' + t.ctx.state)")
                    .await;
                serde_json::from_value::<Vec<String>>(v).unwrap_or_default()
            }
        };
        for b in [&alice, &bob] {
            b.js(spy).await;
        }
        for ending in ["Accept", "Cancel"] {
            alice.click("Call bob").await;
            bob.wait_button("Accept").await;
            for (b, tone) in [(&alice, "440+480 running"), (&bob, "480+620 running")] {
                wait_until(&format!("{}: {tone} while it rings", b.user), WAIT, || async {
                    tones(b).await.iter().any(|t| t == tone).then_some(())
                })
                .await;
            }
            if ending == "Accept" {
                bob.click("Accept").await;
            } else {
                alice.click("Cancel").await;
            }
            for b in [&alice, &bob] {
                wait_until(&format!("{}: silent after {ending}", b.user), WAIT, || async {
                    tones(b).await.iter().all(|t| t.ends_with(" closed")).then_some(())
                })
                .await;
            }
            if ending == "Accept" {
                alice.assert_media_flows().await;
                alice.click("Hang up").await;
            }
            both_back_and_released(&alice, &bob).await;
        }
    })
    .await;
}
