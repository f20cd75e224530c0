//! Using Duet as deployed: opened from another machine over plain http, the
//! app explains what is missing instead of a dead login.

use duet_e2e::scenario;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d01_plain_http_from_another_name_shows_the_https_page_in_both_languages() {
    scenario(
        "d01",
        |c| {
            c.edge.allowed_hosts = vec!["duet.test".into()];
            c.auth.access = Some(duet_server::access::AccessMode::Open);
        },
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
            c.edge.tls_self_signed = true;
            c.edge.tls_names = vec!["duet.test".into()];
            c.edge.allowed_hosts = vec!["duet.test".into()];
        },
        |h| async move {
            // Trust exactly the certificate the server made (as a person
            // would after comparing its fingerprint), on a name that is not
            // localhost: only HTTPS makes this page a secure context.
            let key = h.config().state_dir().join("tls/self-signed.key");
            let spki = duet_server::edge::tls::spki_sha256(&std::fs::read_to_string(key).unwrap()).unwrap();
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

#[test]
fn the_nginx_site_passes_nginx_own_check() {
    let dir = std::env::temp_dir().join(format!("duet-nginx-{}", std::process::id()));
    let site = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().join("deploy/nginx/duet.conf");
    let conf = duet_e2e::nginx::configure(&site, "duet.example.org", &dir);
    let out = std::process::Command::new("/usr/sbin/nginx")
        .args(["-t", "-c", &conf.to_string_lossy(), "-p", &dir.to_string_lossy()])
        .output()
        .expect("nginx (cargo xtask setup installs nginx-light)");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && said.contains("test is successful"), "{said}");
}

#[test]
fn the_systemd_unit_passes_systemd_analyze_verify() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let unit = std::fs::read_to_string(root.join("deploy/duet.service")).unwrap();
    assert!(
        unit.contains("NoNewPrivileges=yes")
            && unit.contains("ProtectSystem=strict")
            && unit.contains("StateDirectory=duet")
    );
    // verify also checks that ExecStart exists: point it at a real binary.
    let dir = std::env::temp_dir().join(format!("duet-unit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let unit = unit.replace("/usr/local/bin/duet-server", "/bin/true");
    std::fs::write(dir.join("duet.service"), unit).unwrap();
    let out = std::process::Command::new("systemd-analyze")
        .args(["verify", &dir.join("duet.service").to_string_lossy()])
        .output()
        .expect("systemd-analyze");
    let said = String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && !said.contains("duet.service:"), "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d04_the_release_binary_alone_serves_the_app_over_https_and_carries_a_call() {
    scenario(
        "d04",
        |_| {},
        |h| async move {
            // Unpacked into an empty folder: nothing beside the binary.
            let empty = h.artifacts().join("from-empty-folder");
            let _ = std::fs::remove_dir_all(&empty);
            std::fs::create_dir_all(&empty).unwrap();
            let untar = std::process::Command::new("tar")
                .args([
                    "-xzf",
                    &duet_e2e::release_package().to_string_lossy(),
                    "--strip-components=1",
                    "-C",
                    &empty.to_string_lossy(),
                ])
                .status()
                .unwrap();
            assert!(untar.success());
            assert!(!empty.join("dist").exists());
            let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            let log = std::fs::File::create(h.artifacts().join("dist-server.log")).unwrap();
            let _server = tokio::process::Command::new(empty.join("duet-server"))
                .args(["--tls-self-signed", "--tls-name", "duet.test", "--allowed-host", "duet.test"])
                .args(["--listen", &format!("127.0.0.1:{port}"), "--state-dir", "state"])
                .current_dir(&empty)
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .kill_on_drop(true)
                .spawn()
                .unwrap();
            duet_e2e::wait_for_port("the packaged server to listen", port, duet_e2e::WAIT).await;

            // Served from memory: precompressed, typed, cached as it should be.
            let wasm_path = {
                let index = std::process::Command::new("curl")
                    .args([
                        "-sk",
                        "--resolve",
                        &format!("duet.test:{port}:127.0.0.1"),
                        &format!("https://duet.test:{port}/"),
                    ])
                    .output()
                    .unwrap();
                let index = String::from_utf8_lossy(&index.stdout).to_string();
                let at = index.find("_bg.wasm").expect("index.html names the wasm");
                let start = index[..at].rfind('/').unwrap();
                index[start..at + "_bg.wasm".len()].to_owned()
            };
            let head = std::process::Command::new("curl")
                .args(["-sk", "-D", "-", "-o", "/dev/null", "-H", "Accept-Encoding: gzip, br"])
                .args([
                    "--resolve",
                    &format!("duet.test:{port}:127.0.0.1"),
                    &format!("https://duet.test:{port}{wasm_path}"),
                ])
                .output()
                .unwrap();
            let head = String::from_utf8_lossy(&head.stdout).to_lowercase();
            for want in ["200", "content-type: application/wasm", "content-encoding: br", "immutable"] {
                assert!(head.contains(want), "{want} missing for {wasm_path}:\n{head}");
            }

            let key = std::fs::read_to_string(empty.join("state/tls/self-signed.key")).unwrap();
            let spki = duet_server::edge::tls::spki_sha256(&key).unwrap();
            let flags = [
                "--host-resolver-rules=MAP duet.test 127.0.0.1".to_string(),
                format!("--ignore-certificate-errors-spki-list={spki}"),
            ];
            let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
            let url = format!("https://duet.test:{port}/");
            let alice = h.browser_with("alice", &url, &flags).await;
            let bob = h.browser_with("bob", &url, &flags).await;
            alice.login("alice").await;
            bob.login("bob").await;
            duet_e2e::connect(&alice, &bob).await;
        },
    )
    .await;
}

/// `systemd-analyze security --offline` on the unit installed under a root
/// folder, with `drop_in` (if any) as a drop-in: its verdict on networking
/// privileges.
fn bind_privileges(drop_in: Option<&str>) -> String {
    let root = std::env::temp_dir().join(format!("duet-unit-security-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let units = root.join("etc/systemd/system");
    std::fs::create_dir_all(units.join("duet.service.d")).unwrap();
    std::fs::create_dir_all(root.join("usr/local/bin")).unwrap();
    std::fs::copy("/bin/true", root.join("usr/local/bin/duet-server")).unwrap();
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    std::fs::copy(repo.join("deploy/duet.service"), units.join("duet.service")).unwrap();
    if let Some(text) = drop_in {
        std::fs::write(units.join("duet.service.d/override.conf"), text).unwrap();
    }
    let out = std::process::Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--no-pager", &format!("--root={}", root.display()), "duet.service"])
        .output()
        .expect("systemd-analyze");
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    said.lines()
        .find(|l| l.contains("CAP_NET_(BIND_SERVICE"))
        .unwrap_or_else(|| panic!("no verdict:\n{said}"))
        .to_owned()
}

#[test]
fn the_guide_s_https_drop_in_lets_the_unit_listen_on_443_and_the_unit_alone_cannot() {
    let guide = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().join("docs/operating.md"),
    )
    .unwrap();
    let block = guide
        .split("```ini")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .find(|b| b.contains("CAP_NET_BIND_SERVICE"))
        .expect("docs/operating.md has the HTTPS drop-in");
    let lines: String = block.lines().map(str::trim).map(|l| l.to_owned() + "\n").collect();
    assert!(bind_privileges(Some(&lines)).contains("has elevated networking privileges"), "with the drop-in");
    assert!(bind_privileges(None).contains("has no elevated networking privileges"), "the unit alone");
}
