//! Using Duet as deployed: opened from another machine over plain http, the
//! app explains what is missing instead of a dead login.

use duet_e2e::scenario;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d01_plain_http_from_another_name_shows_the_https_page_in_both_languages() {
    scenario(
        "d01",
        |c| c.allowed_hosts = vec!["duet.test".into()],
        |h| async move {
            // A name other than localhost over http is not a secure context,
            // as a LAN address would be.
            let url = format!("http://duet.test:{}/", h.addr().port());
            let b = h.browser_with("visitor", &url, &["--host-resolver-rules=MAP duet.test 127.0.0.1"]).await;
            b.wait_text("Calls cannot start from this page").await;
            b.wait_text("This page is not secure (plain http)").await;
            assert!(b.text().await.contains("--tls-self-signed"), "says what to do");
            assert!(b.find_button("Log in").await.is_none(), "no login that cannot work");
            std::fs::create_dir_all(h.artifacts()).unwrap();
            std::fs::write(h.artifacts().join("d01-insecure-en.png"), b.screenshot().await.unwrap()).unwrap();

            b.select("Language", "한국어").await;
            b.wait_text("이 페이지에서는 통화를 시작할 수 없습니다").await;
            b.wait_text("안전하지 않은 페이지입니다").await;
            std::fs::write(h.artifacts().join("d01-insecure-ko.png"), b.screenshot().await.unwrap()).unwrap();

            let console = b.console_messages().await;
            assert!(!console.iter().any(|m| m.contains("panicked")), "a panic in the console: {console:?}");
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d02_https_with_a_self_signed_certificate_carries_a_call_over_wss() {
    scenario(
        "d02",
        |c| {
            c.tls_self_signed = true;
            c.tls_names = vec!["duet.test".into()];
            c.allowed_hosts = vec!["duet.test".into()];
        },
        |h| async move {
            // Trust exactly the certificate the server made (as a person
            // would after comparing its fingerprint), on a name that is not
            // localhost: only HTTPS makes this page a secure context.
            let key = h.config().state_dir().join("tls/self-signed.key");
            let spki = duet_server::tls::spki_sha256(&std::fs::read_to_string(key).unwrap()).unwrap();
            let flags = [
                "--host-resolver-rules=MAP duet.test 127.0.0.1".to_string(),
                format!("--ignore-certificate-errors-spki-list={spki}"),
            ];
            let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
            let url = format!("https://duet.test:{}/", h.addr().port());
            let alice = h.browser_with("alice", &url, &flags).await;
            let bob = h.browser_with("bob", &url, &flags).await;
            alice.login("alice").await;
            bob.login("bob").await;
            assert_eq!(alice.js("return location.protocol").await, "https:");
            assert_eq!(alice.js("return window.isSecureContext").await, true);
            duet_e2e::connect(&alice, &bob).await;
        },
    )
    .await;
}
