use std::net::SocketAddr;

use clap::Parser;
use duet_server::{spawn, Config, Server};
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let mut config = Config::parse();
    let filter = EnvFilter::try_new(&config.log).unwrap_or_else(|e| {
        eprintln!("duet-server: invalid --log filter {:?} ({e}); using info", config.log);
        EnvFilter::new("info")
    });
    // Colours only on a terminal: journald, Docker and log files get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(|| Stdout).init();
    if let Some(dir) = std::env::var_os("CREDENTIALS_DIRECTORY").filter(|d| !d.is_empty()) {
        let used = duet_server::config::credentials::fill(&mut config, std::path::Path::new(&dir));
        tracing::info!(?used, "systemd credentials");
    }

    let listener = match duet_server::edge::listener::bind(config.edge.listen) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("duet-server: cannot listen on {}: {e}", config.edge.listen);
            return std::process::ExitCode::FAILURE;
        }
    };
    if !duet_server::app_present(&config.edge.static_dir) {
        tracing::warn!(dir = %config.edge.static_dir.display(), "no built app there; serving signaling only (run `cargo xtask serve` or `trunk build --release`)");
    } else if !config.edge.static_dir.join("index.html").is_file()
        && config.edge.static_dir != std::path::Path::new("dist")
    {
        // Asked for a bundle that is not there: say so rather than quietly serve another.
        tracing::warn!(dir = %config.edge.static_dir.display(), "no index.html there; serving the app built into this binary instead");
    }
    let https = config.edge.tls();
    let shutdown = CancellationToken::new();
    tokio::spawn(stop_on_signal(shutdown.clone()));
    let (server, task) = match spawn(listener, config, shutdown) {
        Ok(started) => started,
        Err(e) => {
            eprintln!("duet-server: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    print_welcome(&server, https);
    match task.await {
        Ok(Ok(())) => std::process::ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("duet-server: {e}");
            std::process::ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("duet-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Where to open Duet: every address people can reach it on (an address
/// of any interface when listening on all of them), with the invite key and
/// the certificate's fingerprint to compare.
fn print_welcome(server: &Server, https: bool) {
    let scheme = if https { "https" } else { "http" };
    let port = server.addr.port();
    let hosts: Vec<String> = if server.addr.ip().is_unspecified() {
        duet_server::edge::tls::machine_addresses()
            .into_iter()
            .filter(|ip| server.addr.is_ipv6() || ip.is_ipv4())
            .map(|ip| SocketAddr::new(ip, port).to_string())
            .collect()
    } else {
        vec![server.addr.to_string()]
    };
    let fragment = server.invite_key.as_deref().map(|k| format!("#key={k}")).unwrap_or_default();
    say(format_args!(
        "Duet is running. Open{}:",
        if fragment.is_empty() { "" } else { " (an invite link: the key lets people in)" }
    ));
    for host in hosts {
        say(format_args!("  {scheme}://{host}/{fragment}"));
    }
    if let Some(fp) = &server.tls_fingerprint {
        say(format_args!(
            "Certificate SHA-256 fingerprint (browsers warn about a self-made one; check it matches):\n  {fp}"
        ));
    }
    if let Some(r) = server.redirect_addr {
        say(format_args!("Plain http on {r} redirects to https."));
    }
}

async fn stop_on_signal(shutdown: CancellationToken) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    // Stop first: nothing said about it may keep it from happening.
    shutdown.cancel();
    tracing::info!("shutting down");
}

/// Standard output that shrugs off write errors. Whoever reads it may go
/// away (`duet-server | head`, a closed terminal): the server goes on, and
/// a failed log line must not panic the task writing it (a panic in the
/// signal task once left the server deaf to SIGTERM).
struct Stdout;

impl std::io::Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = std::io::stdout().write_all(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        let _ = std::io::stdout().flush();
        Ok(())
    }
}

/// A line on standard output, if anyone still reads it.
fn say(line: std::fmt::Arguments) {
    use std::io::Write;
    let _ = writeln!(Stdout, "{line}");
}
