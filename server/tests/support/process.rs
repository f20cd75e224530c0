//! duet-server as its own process, as an operator runs it: it can be sent
//! signals or killed without any cleanup, and its log read afterwards.

use std::{
    path::PathBuf,
    process::{Child, Command, ExitStatus, Stdio},
    time::Duration,
};

use serde_json::json;

use super::{Client, WAIT};

pub struct ServerProcess {
    child: Child,
    pub port: u16,
    log: PathBuf,
}

impl ServerProcess {
    /// Starts the binary on a free loopback port with `args` (logging at info).
    pub fn start(args: &[&str]) -> Self {
        Self::start_with_env(args, &[])
    }

    /// The same, with these environment variables set.
    pub fn start_with_env(args: &[&str], env: &[(&str, &std::path::Path)]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = std::env::temp_dir().join(format!("duet-server-{}-{port}.log", std::process::id()));
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_duet-server"))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--static-dir", &std::env::temp_dir().join("duet-test-no-dist").display().to_string()])
            .args(args)
            .env("DUET_LOG", "info")
            .envs(env.iter().copied())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .stdin(Stdio::null())
            .spawn()
            .expect("start duet-server");
        ServerProcess { child, port, log }
    }

    /// SIGKILL: no goodbye to anyone.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        let _ = self.child.wait();
    }

    /// SIGTERM, as systemd, Docker or Kubernetes stop a service.
    pub fn terminate(&self) {
        let ok = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap().success();
        assert!(ok, "kill -TERM failed");
    }

    /// Waits for the process to exit on its own.
    pub async fn exited(&mut self) -> ExitStatus {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(tokio::time::Instant::now() < deadline, "duet-server still running:\n{}", self.log());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Everything the server printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Logs in once the server accepts connections (and, in a cluster, has joined it).
    pub async fn login(&self, name: &str) -> Client {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Ok(mut c) = Client::connect_with(format!("ws://127.0.0.1:{}/ws", self.port)).await {
                c.name = name.to_owned();
                c.recv_type("id").await;
                c.send(json!({"type": "username", "name": name, "duet": 1})).await;
                let m = c.recv().await;
                if m["type"] == "welcome" {
                    c.name = m["name"].as_str().unwrap().to_owned();
                    c.resume = m["resume"].as_str().unwrap_or_default().to_owned();
                    return c;
                }
                assert_eq!(m["code"], "unavailable", "only a node still joining refuses: {m}");
            }
            assert!(tokio::time::Instant::now() < deadline, "duet-server never took a login:\n{}", self.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}
