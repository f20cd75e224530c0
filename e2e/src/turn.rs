//! A real coturn on loopback, configured by the hardened file operators
//! deploy (deploy/coturn.conf), with the TURN REST API shared secret.

use std::{path::PathBuf, time::Duration};

use tokio::process::{Child, Command};

pub struct Coturn {
    _child: Child,
    pub port: u16,
    pub log: PathBuf,
}

impl Coturn {
    pub async fn start(secret: &str, log_dir: &std::path::Path) -> Coturn {
        Coturn::start_on(super::harness::free_port(), secret, log_dir).await
    }

    /// A coturn on `port` (e.g. the port of one that was stopped).
    pub async fn start_on(port: u16, secret: &str, log_dir: &std::path::Path) -> Coturn {
        let conf = crate::harness::workspace().join("deploy/coturn.conf");
        // The file's SET lines, for this test.
        let set = [format!("--static-auth-secret={secret}"), "--realm=duet.test".into()];
        Coturn::start_with(&conf, port, &set, log_dir).await
    }

    /// A coturn from a config file already filled in (deploy/install.sh's).
    pub async fn start_with(conf: &std::path::Path, port: u16, set: &[String], log_dir: &std::path::Path) -> Coturn {
        std::fs::create_dir_all(log_dir).unwrap();
        let log = log_dir.join("coturn.log");
        let child = Command::new("turnserver")
            .args(["-c", &conf.to_string_lossy()])
            .args(set)
            .args([
                // Test-only exceptions: the browsers, the relay and coturn all
                // live on loopback here, which the file denies as a peer.
                "--listening-ip=127.0.0.1",
                "--relay-ip=127.0.0.1",
                &format!("--listening-port={port}"),
                "--allow-loopback-peers",
                "--allowed-peer-ip=127.0.0.1",
                "--no-tls",
                "--no-dtls",
                "--min-port=49152",
                "--max-port=49500",
                &format!("--pidfile={}", log_dir.join("coturn.pid").display()),
                "--simple-log",
            ])
            // The file says log-file=stdout (for the journal): keep it.
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("starting turnserver (cargo xtask setup installs coturn)");
        // It listens on TCP too: that is the readiness signal.
        crate::wait_for_port("coturn to listen", port, Duration::from_secs(10)).await;
        Coturn { _child: child, port, log }
    }

    /// Stops this coturn (its allocations, and calls' relayed paths, go with
    /// it) and waits until its port is closed; returns the port.
    pub async fn stop(self) -> u16 {
        let port = self.port;
        drop(self);
        crate::wait_until("the relay's port to close", Duration::from_secs(15), || async {
            tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err().then_some(())
        })
        .await;
        port
    }

    pub fn url(&self) -> String {
        format!("turn:127.0.0.1:{}?transport=udp", self.port)
    }
}
