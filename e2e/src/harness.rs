//! The server, the driver, and failure artifacts.

use std::{
    net::TcpListener as StdListener,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, OnceLock},
    time::Duration,
};

use duet_server::{Config, Server};
use futures_util::FutureExt;
use tokio::process::{Child, Command};
use tokio_util::sync::CancellationToken;

use crate::Browser;

pub struct Harness {
    pub server: Server,
    /// The configuration the server started with, for more nodes of a cluster.
    config: Config,
    shutdown: CancellationToken,
    /// Stops the first node alone (see [`Harness::restart_server`]).
    node_shutdown: CancellationToken,
    node_task: Mutex<Option<NodeTask>>,
    _driver: Child,
    driver_url: String,
    /// geckodriver, started for the first Firefox of a scenario.
    gecko: tokio::sync::Mutex<Option<(Child, String)>>,
    /// Every browser opened, for screenshots on failure.
    browsers: Mutex<Vec<Browser>>,
    artifacts: PathBuf,
}

pub(crate) fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Server logs of the whole test binary go to one file, named on failure.
fn server_log() -> &'static PathBuf {
    static LOG: OnceLock<PathBuf> = OnceLock::new();
    LOG.get_or_init(|| {
        let dir = workspace().join("target").join("e2e");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("server.log");
        let file = std::fs::File::create(&path).unwrap();
        let _ = tracing_subscriber::fmt()
            .with_env_filter("duet_server=debug,info")
            .with_ansi(false)
            .with_writer(Mutex::new(file))
            .try_init();
        path
    })
}

/// Browsers and servers here must talk over loopback only.
fn require_loopback_namespace() {
    // /proc/self/net/dev lists this network namespace's interfaces (sysfs
    // would show the host's unless remounted).
    let dev = std::fs::read_to_string("/proc/self/net/dev").unwrap_or_default();
    let interfaces: Vec<String> =
        dev.lines().skip(2).filter_map(|l| l.split(':').next()).map(|n| n.trim().to_owned()).collect();
    assert!(
        interfaces == ["lo"],
        "refusing to run: end-to-end tests start browsers that must not reach any network, so they run only in \
         a network namespace holding nothing but loopback (found interfaces {interfaces:?}). \
         Run them with `cargo xtask test`, or as root: unshare --net sh -c 'ip link set lo up && cargo test -p duet-e2e'"
    );
}

fn dist_dir() -> PathBuf {
    let dist = std::env::var_os("DUET_DIST").map(PathBuf::from).unwrap_or_else(|| workspace().join("dist"));
    assert!(
        dist.join("index.html").is_file(),
        "no app bundle at {} — build it with `cargo xtask build` (cargo xtask test does)",
        dist.display()
    );
    dist
}

pub(crate) fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Harness {
    pub async fn start(name: &str, tweak: impl FnOnce(&mut Config)) -> Arc<Harness> {
        require_loopback_namespace();
        server_log();
        let mut config = Config::defaults();
        config.edge.static_dir = dist_dir();
        config.state_dir = Some(std::env::temp_dir().join(format!("duet-e2e-state-{}", std::process::id())));
        tweak(&mut config);
        let shutdown = CancellationToken::new();
        let node_shutdown = shutdown.child_token();
        let (server, task) = start_node(config.clone(), &node_shutdown).await;

        let port = free_port();
        let driver = Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into()))
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("starting chromedriver (cargo xtask setup installs it)");
        let driver_url = format!("http://127.0.0.1:{port}");
        crate::wait_until("chromedriver to listen", Duration::from_secs(10), || async {
            tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok().map(|_| ())
        })
        .await;

        let artifacts = workspace().join("target").join("e2e").join(name);
        let _ = std::fs::remove_dir_all(&artifacts);
        Arc::new(Harness {
            server,
            config,
            shutdown,
            node_shutdown,
            node_task: Mutex::new(Some(task)),
            _driver: driver,
            driver_url,
            gecko: tokio::sync::Mutex::new(None),
            browsers: Mutex::default(),
            artifacts,
        })
    }

    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme(), self.server.addr)
    }

    fn scheme(&self) -> &'static str {
        if self.config.edge.tls() {
            "https"
        } else {
            "http"
        }
    }

    /// The server's configuration (as the scenario tweaked it).
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Another duet-server of the same cluster (same configuration but for
    /// `tweak`), stopped with the scenario.
    pub async fn another_node(&self, tweak: impl FnOnce(&mut Config)) -> Server {
        let mut config = self.config.clone();
        tweak(&mut config);
        start_node(config, &self.shutdown).await.0
    }

    /// Stops the server (as a deploy would: clients are told it is going
    /// away), waits `downtime`, and starts a fresh one, knowing nothing, on
    /// the same address. Returns the new one.
    pub async fn restart_server(&self, downtime: Duration) -> Server {
        self.node_shutdown.cancel();
        let task = self.node_task.lock().unwrap().take().expect("the first node runs");
        let _ = task.await;
        tokio::time::sleep(downtime).await;
        let listener = tokio::net::TcpListener::bind(self.server.addr).await.expect("the same address again");
        let (server, task) = duet_server::spawn(listener, self.config.clone(), self.shutdown.clone()).unwrap();
        drop(task);
        server
    }

    /// A new Chromium instance (own profile) showing `path` of the app.
    pub async fn browser(&self, user: &str, path: &str) -> Browser {
        self.browser_on(&self.server, user, path).await
    }

    /// A browser showing `path` as served by `node`, so it signals through that node.
    pub async fn browser_on(&self, node: &Server, user: &str, path: &str) -> Browser {
        let b = Browser::launch(&self.driver_url, user).await;
        b.goto(&format!("{}://{}{}", self.scheme(), node.addr, path)).await;
        self.browsers.lock().unwrap().push(b.clone());
        b
    }

    /// A new Firefox (ESR, headless, fake camera and microphone) showing `path`.
    pub async fn firefox(&self, user: &str, path: &str) -> Browser {
        self.firefox_with(user, path, serde_json::json!({})).await
    }

    /// A Firefox with more preferences (e.g. where downloads go).
    pub async fn firefox_with(&self, user: &str, path: &str, prefs: serde_json::Value) -> Browser {
        let driver_url = {
            let mut gecko = self.gecko.lock().await;
            if gecko.is_none() {
                let port = free_port();
                let child = Command::new(std::env::var("GECKODRIVER").unwrap_or_else(|_| "geckodriver".into()))
                    .args(["--port", &port.to_string(), "--log", "error"])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .kill_on_drop(true)
                    .spawn()
                    .expect("starting geckodriver (cargo xtask setup installs it)");
                crate::wait_for_port("geckodriver to listen", port, Duration::from_secs(10)).await;
                *gecko = Some((child, format!("http://127.0.0.1:{port}")));
            }
            gecko.as_ref().map(|(_, url)| url.clone()).unwrap_or_default()
        };
        let b = Browser::launch_firefox(&driver_url, user, prefs).await;
        b.goto(&format!("{}{}", self.base_url(), path)).await;
        self.browsers.lock().unwrap().push(b.clone());
        b
    }

    /// A Chromium whose camera and microphone permission is refused, at `path`.
    pub async fn browser_denying_media(&self, user: &str, path: &str) -> Browser {
        let b = Browser::launch_denying_media(&self.driver_url, user).await;
        b.goto(&format!("{}{}", self.base_url(), path)).await;
        self.browsers.lock().unwrap().push(b.clone());
        b
    }

    /// A new Chromium with extra flags, opening `url` as given.
    pub async fn browser_with(&self, user: &str, url: &str, flags: &[&str]) -> Browser {
        let b = Browser::launch_with(&self.driver_url, user, flags).await;
        b.goto(url).await;
        self.browsers.lock().unwrap().push(b.clone());
        b
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        self.server.addr
    }

    /// Whom `name` is in a call with, as the server sees it.
    pub fn server_partner_of(&self, name: &str) -> Option<String> {
        self.server.hub.partner_of(name)
    }

    /// A browser logged in as `user`, in the lobby.
    pub async fn user(&self, user: &str) -> Browser {
        self.user_at(user, "/").await
    }

    /// alice and bob, logged in, each in their own browser.
    pub async fn alice_and_bob(&self) -> (Browser, Browser) {
        (self.user("alice").await, self.user("bob").await)
    }

    pub async fn user_at(&self, user: &str, path: &str) -> Browser {
        let b = self.browser(user, path).await;
        b.login(user).await;
        b
    }

    /// Every scenario runs under the server's Content Security Policy; the
    /// app must never trip it (a blocked script, style or connection).
    pub async fn assert_no_csp_violations(&self) {
        let browsers = self.browsers.lock().unwrap().clone();
        for b in browsers {
            let violations: Vec<String> =
                b.console_messages().await.into_iter().filter(|m| m.contains("Content Security Policy")).collect();
            assert!(violations.is_empty(), "{}: CSP violations:\n{}", b.user, violations.join("\n"));
        }
    }

    /// Where this scenario keeps its logs and screenshots.
    pub fn artifacts(&self) -> &Path {
        &self.artifacts
    }

    pub fn metrics(&self) -> String {
        self.server.hub.metrics.render()
    }

    async fn save_artifacts(&self) {
        let _ = std::fs::create_dir_all(&self.artifacts);
        let browsers = self.browsers.lock().unwrap().clone();
        for b in browsers {
            let path = self.artifacts.join(format!("{}.png", b.user));
            match b.screenshot().await {
                Some(png) if std::fs::write(&path, &png).is_ok() => eprintln!("screenshot: {}", path.display()),
                _ => eprintln!("screenshot of {} unavailable (browser closed?)", b.user),
            }
            if let Some(log) = b.page_text().await {
                let path = self.artifacts.join(format!("{}-page.txt", b.user));
                if std::fs::write(&path, &log).is_ok() {
                    eprintln!("page state: {}", path.display());
                }
                // Its end in the test's output too: CI keeps nothing else.
                let lines: Vec<&str> = log.lines().collect();
                eprintln!(
                    "--- {}'s page, last lines ---\n{}",
                    b.user,
                    lines[lines.len().saturating_sub(20)..].join("\n")
                );
            }
            let problems = b.console_problems().await;
            if !problems.is_empty() {
                eprintln!("--- {}'s console warnings ---\n{}", b.user, problems.join("\n"));
            }
        }
        eprintln!("server log: {}", server_log().display());
    }

    async fn close(&self) {
        let browsers = std::mem::take(&mut *self.browsers.lock().unwrap());
        for b in browsers {
            b.quit().await;
        }
        self.shutdown.cancel();
    }
}

type NodeTask = tokio::task::JoinHandle<Result<(), duet_server::ServeError>>;

/// Starts a duet-server; a clustered one once it has joined its cluster.
async fn start_node(config: Config, shutdown: &CancellationToken) -> (Server, NodeTask) {
    let clustered = config.cluster.redis_url.is_some();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (server, task) = duet_server::spawn(listener, config, shutdown.clone()).unwrap();
    if clustered {
        let up =
            || async { (server.hub.metrics.cluster_up.load(std::sync::atomic::Ordering::Relaxed) == 1).then_some(()) };
        crate::wait_until("the node to join its cluster", Duration::from_secs(10), up).await;
    }
    (server, task)
}

/// Runs one scenario; on failure saves each browser's screenshot and the
/// server log under target/e2e/ and prints their paths. Browsers are closed
/// either way.
pub async fn scenario<F, Fut>(name: &str, tweak: impl FnOnce(&mut Config), body: F)
where
    F: FnOnce(Arc<Harness>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let h = Harness::start(name, tweak).await;
    let run = async {
        body(h.clone()).await;
        h.assert_no_csp_violations().await;
    };
    let outcome = std::panic::AssertUnwindSafe(run).catch_unwind().await;
    // DUET_E2E_SCREENSHOTS=1 keeps them for passing scenarios too.
    if outcome.is_err() || std::env::var_os("DUET_E2E_SCREENSHOTS").is_some() {
        h.save_artifacts().await;
    }
    h.close().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}
