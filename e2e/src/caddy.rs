//! A real Caddy (Debian's package) running a shipped Caddyfile (the
//! package's deploy/Caddyfile) in front of duet-server, with `tls internal`
//! since the test has no public name.

use std::{net::SocketAddr, path::Path, time::Duration};

use tokio::process::{Child, Command};

pub struct Caddy {
    _child: Child,
    pub https_port: u16,
}

impl Caddy {
    pub async fn start(caddyfile: &Path, domain: &str, upstream: SocketAddr, dir: &Path) -> Caddy {
        std::fs::create_dir_all(dir).unwrap();
        let (https_port, http_port) = (super::harness::free_port(), super::harness::free_port());
        let log = std::fs::File::create(dir.join("caddy.log")).unwrap();
        let child = Command::new("caddy")
            .args(["run", "--adapter", "caddyfile", "--config", &caddyfile.to_string_lossy()])
            .env("DUET_DOMAIN", domain)
            .env("DUET_UPSTREAM", upstream.to_string())
            .env("DUET_CADDY_TLS", "tls internal")
            .env(
                "DUET_CADDY_GLOBAL",
                format!("skip_install_trust\nadmin off\nhttps_port {https_port}\nhttp_port {http_port}"),
            )
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .env("HOME", dir)
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("starting caddy (cargo xtask setup installs it)");
        crate::wait_for_port("caddy to listen", https_port, Duration::from_secs(15)).await;
        Caddy { _child: child, https_port }
    }
}
