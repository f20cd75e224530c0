//! The release package installed the way docs/operating.md says, and run the
//! way systemd runs it: deploy/install.sh into a folder standing in for `/`,
//! then the installed unit's ExecStart with its settings file and
//! credentials as an unprivileged user of its own, coturn from the
//! turnserver.conf the installer wrote, and real Caddy and nginx from the
//! package's own files in front. A relayed call goes through each proxy.
//! What is not as shipped, and why: the unit's sandbox lines are not
//! applied (systemd is not PID 1 here; deploy.rs checks them with
//! systemd-analyze); Caddy gets `tls internal`, its own ports and no admin
//! API through the file's placeholders; nginx's certificate is a throwaway
//! one; coturn gets loopback exceptions and no TLS (e2e/src/turn.rs).

use std::{os::unix::fs::PermissionsExt, path::Path, time::Duration};

use duet_e2e::{scenario, systemd, wait_until, Caddy, Coturn, Harness, Nginx, WAIT};

const DOMAIN: &str = "duet.test";

/// What `curl` gets for `url` (with `Host: duet.test` on 127.0.0.1): the status line's code.
fn status_of(url: &str, extra: &[&str]) -> String {
    let out = std::process::Command::new("curl")
        .args(["-sk", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "--max-time", "10"])
        .args(["--resolve", &format!("{DOMAIN}:80:127.0.0.1"), "--resolve", &format!("{DOMAIN}:443:127.0.0.1")])
        .args(extra)
        .arg(url)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn relayed_call(h: &Harness, url: &str, [caller, callee]: [&str; 2]) {
    let flags = [format!("--host-resolver-rules=MAP {DOMAIN} 127.0.0.1"), "--ignore-certificate-errors".into()];
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let alice = h.browser_with(caller, url, &flags).await;
    let bob = h.browser_with(callee, url, &flags).await;
    alice.login(caller).await;
    bob.login(callee).await;
    alice.set_relay_only().await;
    bob.set_relay_only().await;
    duet_e2e::connect(&alice, &bob).await;
    for b in [&alice, &bob] {
        let kind = wait_until(&format!("{}: a selected candidate pair", b.user), WAIT, || async {
            b.selected_local_candidate_type().await
        })
        .await;
        assert_eq!(kind, "relay", "{}: the call goes through the relay", b.user);
    }
    alice.quit().await;
    bob.quit().await;
}

fn first_key(access_keys: &Path) -> String {
    std::fs::read_to_string(access_keys).unwrap().lines().find(|l| !l.starts_with('#')).unwrap().trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn i01_the_installed_package_carries_relayed_calls_behind_caddy_and_nginx() {
    scenario(
        "i01",
        |_| {},
        |h| async move {
            let dir = h.artifacts().join("install");
            let _ = std::fs::remove_dir_all(&dir);
            let (package, root) = (dir.join("package"), dir.join("root"));
            std::fs::create_dir_all(&package).unwrap();
            let untar = std::process::Command::new("tar")
                .args(["-xzf", &duet_e2e::release_package().to_string_lossy(), "--strip-components=1", "-C"])
                .arg(&package)
                .status()
                .unwrap();
            assert!(untar.success());

            // As the guide says: `sudo deploy/install.sh duet.example.org`.
            let installed = std::process::Command::new(package.join("deploy/install.sh"))
                .arg(DOMAIN)
                .env("DUET_ROOT", &root)
                .output()
                .unwrap();
            let said = String::from_utf8_lossy(&installed.stdout).into_owned();
            assert!(installed.status.success(), "{said}{}", String::from_utf8_lossy(&installed.stderr));
            let etc = root.join("etc/duet");
            let key = first_key(&etc.join("access-keys"));
            assert!(said.contains(&format!("https://{DOMAIN}/#key={key}")), "{said}");
            for secret in ["access-keys", "turn-secret", "duet.env"] {
                let mode = std::fs::metadata(etc.join(secret)).unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o600, "{secret} is root's alone");
                // So the service's own user cannot read it: only systemd's copy works.
                assert!(!systemd::service_user_can_read(&etc.join(secret)), "{secret}");
            }
            // A second run (an upgrade) keeps the settings and secrets.
            std::fs::write(etc.join("duet.env"), std::fs::read_to_string(etc.join("duet.env")).unwrap() + "\n")
                .unwrap();
            let env_before = std::fs::read_to_string(etc.join("duet.env")).unwrap();
            let again = std::process::Command::new(package.join("deploy/install.sh"))
                .arg(DOMAIN)
                .env("DUET_ROOT", &root)
                .output()
                .unwrap();
            assert!(again.status.success());
            let said = String::from_utf8_lossy(&again.stdout);
            assert!(
                said.contains("systemctl daemon-reload && systemctl restart duet"),
                "an upgrade says to restart: {said}"
            );
            assert_eq!(std::fs::read_to_string(etc.join("duet.env")).unwrap(), env_before);
            assert_eq!(first_key(&etc.join("access-keys")), key);

            let unit = systemd::Unit::read(&root.join("etc/systemd/system/duet.service"));
            let run = dir.join("run");

            // Without the settings' DUET_ALLOWED_HOSTS line the server would
            // answer the proxy's requests for the domain with 403: this is
            // what the test below would catch if the line were lost.
            let env_file = etc.join("duet.env");
            let full = std::fs::read_to_string(&env_file).unwrap();
            let without: String =
                full.lines().filter(|l| !l.starts_with("DUET_ALLOWED_HOSTS=")).map(|l| l.to_owned() + "\n").collect();
            std::fs::write(&env_file, without).unwrap();
            {
                let _bare = unit.start(&root, &run, &h.artifacts().join("service-without-host.log"));
                duet_e2e::wait_for_port("the service to listen", 8080, WAIT).await;
                let direct = status_of("http://127.0.0.1:8080/", &["-H", &format!("Host: {DOMAIN}")]);
                assert!(direct.starts_with("403"), "{direct}");
            }
            std::fs::write(&env_file, &full).unwrap();
            wait_until("the port to be free", Duration::from_secs(10), || async {
                tokio::net::TcpStream::connect(("127.0.0.1", 8080)).await.is_err().then_some(())
            })
            .await;

            let log = h.artifacts().join("service.log");
            let _service = unit.start(&root, &run, &log);
            duet_e2e::wait_for_port("the service to listen on DUET_LISTEN", 8080, WAIT).await;
            let direct = status_of("http://127.0.0.1:8080/", &["-H", &format!("Host: {DOMAIN}")]);
            assert!(direct.starts_with("200"), "{direct}\n{}", std::fs::read_to_string(&log).unwrap());
            let said = std::fs::read_to_string(&log).unwrap();
            assert!(said.contains(r#"used=["access-keys", "turn-secret"]"#), "{said}");

            // coturn as the installer configured it, on the port the settings name.
            let _turn =
                Coturn::start_with(&etc.join("turnserver.conf"), 3478, &[], &h.artifacts().join("coturn")).await;

            // The proxies' files from the package, as an operator copies them.
            let caddyfile = package.join("deploy/Caddyfile");
            let caddy =
                Caddy::start(&caddyfile, DOMAIN, "127.0.0.1:8080".parse().unwrap(), &h.artifacts().join("caddy")).await;
            relayed_call(&h, &format!("https://{DOMAIN}:{}/#key={key}", caddy.https_port), ["alice", "bob"]).await;
            drop(caddy);

            let _nginx =
                Nginx::start(&package.join("deploy/nginx/duet.conf"), DOMAIN, &h.artifacts().join("nginx")).await;
            let redirect = status_of(&format!("http://{DOMAIN}/"), &[]);
            assert_eq!(redirect, format!("308 https://{DOMAIN}/"));
            relayed_call(&h, &format!("https://{DOMAIN}/#key={key}"), ["carol", "dave"]).await;
        },
    )
    .await;
}
