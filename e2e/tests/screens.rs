//! Every screen at a phone's and two laptops' sizes, light and dark: the
//! call's controls stay on screen (statistics and chat open too), axe-core
//! finds no serious or critical WCAG 2.2 AA violation, and a screenshot of
//! each is saved under target/e2e/screens/ for a person to look at; the
//! Korean screens at a phone's and a laptop's size. `cargo xtask screens`
//! copies the ones the docs show into docs/screens/.

use duet_e2e::{
    scenario,
    screens::{look, resize},
    wait_until, Browser, WAIT,
};

const SIZES: [(u32, u32); 3] = [(360, 740), (1280, 800), (1366, 768)];

/// The buttons named `names` are entirely inside the window.
async fn on_screen(b: &Browser, names: &[&str]) -> Vec<String> {
    let out = b
        .client
        .execute(
            "return arguments[0].filter(name => { \
               const el = [...document.querySelectorAll('button')].find(x => (x.getAttribute('aria-label') || x.innerText).trim() === name); \
               if (!el) return true; \
               const r = el.getBoundingClientRect(); \
               return !(r.width > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth); })",
            vec![serde_json::json!(names)],
        )
        .await
        .unwrap();
    out.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
}

async fn theme(b: &Browser, name: &str) {
    b.select("Theme", name).await;
}

/// The network gone and a new version waiting, for the notes the page
/// shows then (the events as the browser and web/pwa.js fire them; the
/// experience tests make both happen for real); `offline` is the note's
/// first words.
async fn offline_with_an_update(b: &Browser, offline: &str) {
    b.js("dispatchEvent(new Event('offline')); dispatchEvent(new Event('duet-update-ready')); return 1").await;
    b.wait_text(offline).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r01_every_screen_fits_and_passes_axe_in_both_themes() {
    scenario(
        "r01",
        |_| {},
        |h| async move {
            let mut problems = Vec::new();
            let carol = h.browser("carol", "/").await;
            let (alice, bob) = h.alice_and_bob().await;
            for mode in ["Light", "Dark"] {
                let tag = mode.to_lowercase();
                for b in [&carol, &alice, &bob] {
                    theme(b, mode).await;
                }
                for size in SIZES {
                    resize(&carol, size).await;
                    look(&carol, "login", &tag, size, &mut problems).await;
                    resize(&alice, size).await;
                    look(&alice, "lobby", &tag, size, &mut problems).await;
                }

                alice.click("Call bob").await;
                bob.wait_button("Accept").await;
                // A person on another tab sees who is calling.
                let tab = "return [document.title, !!document.querySelector('link[rel=icon]')]";
                assert_eq!(bob.js(tab).await, serde_json::json!(["alice is calling — Duet", true]));
                for size in SIZES {
                    resize(&bob, size).await;
                    look(&bob, "ringing", &tag, size, &mut problems).await;
                }
                resize(&bob, (1000, 800)).await;
                resize(&alice, (1280, 800)).await;
                bob.click("Accept").await;
                alice.assert_media_flows().await;
                alice.wait_text("In a call with bob").await;
                assert_eq!(bob.js(tab).await, serde_json::json!(["Duet", false]), "the tab is itself again");
                // The picture fills the window or shows whole; your tile moves.
                let fit = "return getComputedStyle(document.getElementById('received_video')).objectFit";
                assert_eq!(alice.js(fit).await, "contain");
                alice.click("Fill the window").await;
                assert_eq!(alice.js(fit).await, "cover");
                alice.click("Fill the window").await;
                let tile_left = "return document.getElementById('local_video').getBoundingClientRect().left < window.innerWidth / 2";
                assert_eq!(alice.js(tile_left).await, false, "your tile starts on the right");
                alice.click("Move your picture to the next corner").await;
                alice.click("Move your picture to the next corner").await;
                alice.click("Move your picture to the next corner").await;
                assert_eq!(alice.js(tile_left).await, true, "three moves on: the left");
                alice.click("Move your picture to the next corner").await;
                for size in SIZES {
                    resize(&alice, size).await;
                    let off = on_screen(&alice, &["Hang up", "Mute microphone", "Turn camera off"]).await;
                    assert!(off.is_empty(), "{w}×{h}, {tag}: off screen in a call: {off:?}", w = size.0, h = size.1);
                    look(&alice, "call", &tag, size, &mut problems).await;
                }
                // Statistics and chat open beside (or over) the video: the controls stay.
                resize(&alice, (1280, 800)).await;
                alice.click("Statistics").await;
                alice.click("Chat").await;
                alice.wait_text("Round trip").await;
                for size in SIZES {
                    resize(&alice, size).await;
                    let off = on_screen(&alice, &["Hang up", "Mute microphone", "Turn camera off"]).await;
                    assert!(off.is_empty(), "{w}×{h}, {tag}, panels open: off screen: {off:?}", w = size.0, h = size.1);
                    look(&alice, "call-panels", &tag, size, &mut problems).await;
                }
                resize(&alice, (1280, 800)).await;
                alice.click("Statistics").await;
                alice.click("Chat").await;
                // The device panel: pickers and the sound switches.
                alice.click("Devices").await;
                alice.wait_text("Noise suppression").await;
                for size in SIZES {
                    resize(&alice, size).await;
                    look(&alice, "call-devices", &tag, size, &mut problems).await;
                }
                resize(&alice, (1280, 800)).await;
                alice.click("Devices").await;
                // The safety number, confirmed.
                alice.click("Verify call").await;
                alice.click("Matches").await;
                alice.wait_text("Verified").await;
                for size in SIZES {
                    resize(&alice, size).await;
                    look(&alice, "call-safety", &tag, size, &mut problems).await;
                }
                resize(&alice, (1280, 800)).await;
                alice.click("Verify call").await;
                // Recording, said on both ends; then the saved file's note.
                let downloads = std::env::temp_dir().join(format!("duet-screens-{}-{tag}", std::process::id()));
                std::fs::create_dir_all(&downloads).unwrap();
                alice.allow_downloads(&downloads).await;
                alice.click("Record").await;
                alice.wait_button("Stop recording").await;
                bob.wait_text("alice is recording").await;
                // alice records once bob's app has answered that it shows it.
                duet_e2e::wait_until("alice: recording", duet_e2e::WAIT, || async {
                    (alice.text_of("[data-indicator=recording]").await == "Recording").then_some(())
                })
                .await;
                for size in SIZES {
                    resize(&alice, size).await;
                    look(&alice, "call-recording", &tag, size, &mut problems).await;
                }
                look(&bob, "call-peer-recording", &tag, (1000, 800), &mut problems).await;
                resize(&alice, (1280, 800)).await;
                alice.click("Stop recording").await;
                alice.wait_text("Recording saved").await;
                look(&alice, "call-recording-saved", &tag, (1280, 800), &mut problems).await;
                let _ = std::fs::remove_dir_all(&downloads);
                alice.click("Hang up").await;
                alice.wait_status("Call with bob ended").await;
                // The lobby after a call, its recent calls open.
                alice.js("document.querySelector('.recent-calls summary').click(); return 1").await;
                alice.wait_text("Outgoing · Answered").await;
                for size in SIZES {
                    resize(&alice, size).await;
                    look(&alice, "after-call", &tag, size, &mut problems).await;
                }
                resize(&alice, (1000, 800)).await;
            }
            offline_with_an_update(&alice, "You are offline").await;
            alice.wait_button("Reload").await;
            for mode in ["Light", "Dark"] {
                theme(&alice, mode).await;
                for size in SIZES {
                    resize(&alice, size).await;
                    look(&alice, "offline-update", &mode.to_lowercase(), size, &mut problems).await;
                }
            }
            assert!(problems.is_empty(), "axe-core found:\n{}", problems.join("\n"));

            // A positive control: the check sees a violation when there is one.
            carol
                .js("const i = document.createElement('img'); i.src = 'data:,'; document.body.append(i); return 1")
                .await;
            let found = carol.axe().await;
            assert!(
                found.iter().any(|v| v.starts_with("image-alt")),
                "axe-core missed an image without a text: {found:?}"
            );
        },
    )
    .await;
}

/// Logs in from the Korean login form.
async fn log_in_korean(b: &Browser, name: &str) {
    b.fill("이름", name).await;
    b.click("로그인").await;
    b.wait_text("접속 중").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r02_the_korean_screens_fit_and_pass_axe_on_a_phone_and_a_laptop() {
    scenario(
        "r02",
        |_| {},
        |h| async move {
            let mut problems = Vec::new();
            let sizes = [SIZES[0], SIZES[2]];
            let minji = h.browser("minji", "/").await;
            let jun = h.browser("jun", "/").await;
            minji.select("Language", "한국어").await;
            jun.select("Language", "한국어").await;
            for size in sizes {
                resize(&minji, size).await;
                look(&minji, "login-ko", "light", size, &mut problems).await;
            }
            log_in_korean(&minji, "민지").await;
            log_in_korean(&jun, "준").await;
            for (mode, tag) in [("밝게", "light"), ("어둡게", "dark")] {
                for b in [&minji, &jun] {
                    b.select("테마", mode).await;
                }
                for size in sizes {
                    resize(&minji, size).await;
                    look(&minji, "lobby-ko", tag, size, &mut problems).await;
                }
                // The camera check, with the device pickers and sound switches.
                minji.click("카메라와 마이크 확인").await;
                minji.wait_button("확인 끝내기").await;
                assert!(minji.text().await.contains("잡음 제거"), "the sound switches are there");
                for size in sizes {
                    resize(&minji, size).await;
                    minji.js("document.getElementById('device-check-heading').scrollIntoView(); return 1").await;
                    look(&minji, "device-check-ko", tag, size, &mut problems).await;
                }
                minji.click("확인 끝내기").await;
                jun.click("민지 님에게 전화").await;
                minji.wait_button("받기").await;
                for size in sizes {
                    resize(&minji, size).await;
                    look(&minji, "ringing-ko", tag, size, &mut problems).await;
                }
                minji.click("받기").await;
                minji.assert_media_flows().await;
                for size in sizes {
                    resize(&minji, size).await;
                    let off = on_screen(&minji, &["끊기", "마이크 끄기"]).await;
                    assert!(off.is_empty(), "{size:?}, {tag}: off screen in a call: {off:?}");
                    look(&minji, "call-ko", tag, size, &mut problems).await;
                }
                minji.click("끊기").await;
                jun.wait_status("민지 님이 전화를 끊었습니다").await;
                minji.js("document.querySelector('.recent-calls summary').click(); return 1").await;
                minji.wait_text("수신 · 통화함").await;
                for size in sizes {
                    resize(&minji, size).await;
                    minji.js("document.getElementById('recent-heading').scrollIntoView(); return 1").await;
                    look(&minji, "recent-ko", tag, size, &mut problems).await;
                }
            }
            offline_with_an_update(&minji, "오프라인 상태입니다").await;
            minji.wait_button("새로 고침").await;
            for (mode, tag) in [("밝게", "light"), ("어둡게", "dark")] {
                minji.select("테마", mode).await;
                for size in sizes {
                    resize(&minji, size).await;
                    look(&minji, "offline-update-ko", tag, size, &mut problems).await;
                }
            }
            assert!(problems.is_empty(), "axe-core found:\n{}", problems.join("\n"));
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r03_a_lobby_of_1500_renders_the_rows_on_screen_and_reaches_every_name() {
    scenario(
        "r03",
        |c| {
            // One test address for everyone: the per-address limits would refuse them.
            c.limits.max_conns_per_ip = 0;
            c.limits.logins_per_minute = 0;
        },
        |h| async move {
            let names = (0..1500).map(|i| format!("user{i:04}"));
            let _crowd = duet_e2e::Crowd::join(&format!("ws://{}/ws", h.addr()), names).await;
            let alice = h.user("alice").await;
            let rows = || async {
                let v = alice
                    .js("const li = [...document.querySelectorAll('.user-list li')]; \
                         return [li.length, li.at(-1).getAttribute('aria-setsize'), li.at(-1).querySelector('.name')?.textContent ?? '']")
                    .await;
                serde_json::from_value::<(u64, Option<String>, String)>(v).unwrap()
            };
            wait_until("alice: all 1,500 in her list", WAIT, || async {
                (rows().await.1.as_deref() == Some("1501")).then_some(())
            })
            .await;
            let (rendered, _, _) = rows().await;
            assert!(rendered < 80, "only the rows near the window are in the page: {rendered}");
            let mut problems = Vec::new();
            for size in [SIZES[0], SIZES[1]] {
                resize(&alice, size).await;
                look(&alice, "lobby-1500", "light", size, &mut problems).await;
            }
            assert!(problems.is_empty(), "axe-core found:\n{}", problems.join("\n"));

            // The list scrolls by itself (the rest of the lobby stays near).
            // Scrolled to its end: the last name is there to call, and the list
            // is as long as all its rows (the scroll bar tells the truth).
            let list = "document.querySelector('.user-list ul')";
            alice.js(&format!("const l = {list}; l.scrollTop = l.scrollHeight; return 1")).await;
            wait_until("alice: the last name on screen", WAIT, || async {
                let last = alice.find_button("Call user1499").await?;
                let on_screen = alice
                    .client
                    .execute(
                        "const r = arguments[0].getBoundingClientRect(), l = arguments[0].closest('ul').getBoundingClientRect(); \
                         return r.top >= l.top && r.bottom <= l.bottom + 1",
                        vec![serde_json::to_value(&last).unwrap()],
                    )
                    .await
                    .ok()?;
                (on_screen == true).then_some(())
            })
            .await;
            assert!(rows().await.0 < 80, "still only the rows near the window");
            look(&alice, "lobby-1500-end", "light", SIZES[1], &mut problems).await;
            // Halfway, by the list's own scroll position.
            alice.js(&format!("const l = {list}; l.scrollTop = l.scrollHeight / 2; return 1")).await;
            wait_until("alice: names from the middle", WAIT, || async {
                let t = alice.text().await;
                (t.contains("user07") && !t.contains("user1499")).then_some(())
            })
            .await;
            // Search finds anyone, from the top.
            alice.js(&format!("{list}.scrollTop = 0; return 1")).await;
            let search = alice.client.find(fantoccini::Locator::Css("input[aria-label='Search people']")).await.unwrap();
            search.send_keys("USER1234").await.unwrap();
            wait_until("alice: the one match", WAIT, || async {
                let (n, _, last) = rows().await;
                (n == 2 && last == "user1234").then_some(())
            })
            .await;
            alice.click("Call user1234").await;
            alice.wait_text("Calling user1234").await;
            assert!(problems.is_empty(), "axe-core found:\n{}", problems.join("\n"));
        },
    )
    .await;
}
