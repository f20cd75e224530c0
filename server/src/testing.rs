//! Fixtures shared by the server's tests and the end-to-end tests: a real
//! redis-server (Debian's package) on a free loopback port, owned by one
//! test and killed with it.

use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

pub struct RedisServer {
    child: Child,
    pub port: u16,
}

impl RedisServer {
    pub async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        Self::start_on(port).await
    }

    async fn start_on(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start redis-server ({e}); `cargo xtask setup` installs it"));
        let r = RedisServer { child, port };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while r.ping().await.is_none() {
            assert!(tokio::time::Instant::now() < deadline, "redis-server did not answer PING on port {port}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        r
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    async fn ping(&self) -> Option<()> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).await.ok()?;
        s.write_all(b"PING\r\n").await.ok()?;
        let mut buf = [0u8; 7];
        s.read_exact(&mut buf).await.ok()?;
        (&buf == b"+PONG\r\n").then_some(())
    }

    /// Kills Redis without warning (SIGKILL: nothing flushed, every
    /// connection cut) and starts a fresh, empty one on the same port after `down_for`.
    pub async fn crash_and_restart(&mut self, down_for: Duration) {
        self.kill();
        tokio::time::sleep(down_for).await;
        let port = self.port;
        *self = Self::start_on(port).await;
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}
