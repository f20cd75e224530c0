//! A private server (`--access key` / `jwt`) through the app, in Chromium:
//! invite links, the key prompt, wrong and expired credentials, and the
//! Content Security Policy every scenario runs under.

use duet_e2e::{connect, scenario, wait_until, WAIT};
use duet_server::access::AccessMode;

const KEY: &str = "an-access-key-for-the-e2e-test";

fn key_file() -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("duet-e2e-keys-{}", std::process::id()));
    std::fs::write(&p, format!("{KEY}\n")).unwrap();
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn k01_an_invite_link_lets_you_in_and_the_key_prompt_takes_a_retry() {
    let keys = key_file();
    scenario(
        "k01",
        |c| {
            c.auth.access = Some(AccessMode::Key);
            c.auth.access_key_file = Some(keys.clone());
        },
        |h| async move {
            // The invite link: straight in, and the key leaves the address bar.
            let alice = h.browser("alice", &format!("/#key={KEY}")).await;
            alice.login("alice").await;
            let href = alice.js("return location.href").await;
            assert!(!href.as_str().unwrap().contains(KEY), "the key stays in the address bar: {href}");

            // Without it: asked for the key; a wrong one says so; a retry works.
            let bob = h.browser("bob", "/").await;
            bob.fill("Username", "bob").await;
            bob.click("Log in").await;
            bob.wait_text("This Duet server is private").await;
            let shot = h.artifacts().join("k01-key-prompt.png");
            std::fs::create_dir_all(h.artifacts()).unwrap();
            std::fs::write(&shot, bob.screenshot().await.unwrap()).unwrap();
            bob.fill("Username", "bob").await;
            bob.fill("Access key", "not-the-key-at-all-000").await;
            bob.click("Log in").await;
            bob.wait_text("That access key is not right").await;
            bob.fill("Username", "bob").await;
            bob.fill("Access key", KEY).await;
            bob.click("Log in").await;
            bob.wait_text("Signed in as bob").await;
            connect(&alice, &bob).await;
            alice.click("Hang up").await;
            bob.wait_no_button("Hang up").await;

            // Remembered: a new visit (this tab's session forgotten, so it is not
            // a reload that resumes) logs in without asking for the key again.
            bob.js("sessionStorage.clear(); return 1").await;
            bob.goto(&format!("{}/", h.base_url())).await;
            bob.login("bob").await;

            // The CSP check itself can fail: an inline script is reported.
            bob.js("const s = document.createElement('script'); s.textContent = 'window.x = 1'; document.head.appendChild(s); return 0").await;
            wait_until("the console to report the blocked script", WAIT, || async {
                bob.console_messages().await.iter().any(|m| m.contains("Content Security Policy")).then_some(())
            })
            .await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn j01_a_site_token_names_you_and_an_expired_one_says_so() {
    use jsonwebtoken::{encode, EncodingKey, Header};
    let secret = "the-embedding-site-secret-of-32-bytes+";
    let file = std::env::temp_dir().join(format!("duet-e2e-jwt-{}", std::process::id()));
    std::fs::write(&file, secret).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let token = |sub: &str, exp: u64| {
        let claims = serde_json::json!({"sub": sub, "exp": exp});
        encode(&Header::default(), &claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
    };
    let (fresh, stale) = (token("minji", now + 600), token("late", now - 600));
    scenario(
        "j01",
        |c| {
            c.auth.access = Some(AccessMode::Jwt);
            c.auth.jwt_secret_file = Some(file.clone());
        },
        |h| async move {
            let minji = h.browser("minji", &format!("/#token={fresh}")).await;
            minji.wait_text("signed in by the site").await;
            minji.click("Continue").await;
            minji.wait_text("Signed in as minji").await;

            let late = h.browser("late", &format!("/#token={stale}")).await;
            late.click("Continue").await;
            late.wait_text("Your sign-in link has expired").await;

            // No token at all: told where to go instead.
            let stranger = h.browser("stranger", "/").await;
            stranger.fill("Username", "stranger").await;
            stranger.click("Log in").await;
            stranger.wait_text("signs people in through its own site").await;
        },
    )
    .await;
}
