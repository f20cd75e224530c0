//! duet-load: drives a signaling server with many WebSocket clients speaking
//! MDN's baseline protocol (plus, with --duet, Duet's presence opt-in), so
//! the same run can target Duet or any other server of that protocol.
//! Every loop is bounded in count and time; it connects to 127.0.0.0/8 only.

mod abuse;
mod arrivals;
mod client;
mod proc_stats;
mod scenarios;

use std::{net::SocketAddr, time::Duration};

use clap::{Parser, Subcommand};

#[derive(Parser, Debug, Clone)]
#[command(name = "duet-load")]
pub struct Args {
    /// The server's WebSocket URL (loopback only), e.g. ws://127.0.0.1:8080/ws
    #[arg(long, default_value = "ws://127.0.0.1:8080/ws")]
    pub url: String,
    /// In the relay scenario, callees connect here instead (another node of
    /// a cluster), so every message crosses between nodes.
    #[arg(long)]
    pub callee_url: Option<String>,
    /// The server's process id, to report its memory and CPU (Linux /proc).
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Log in with Duet's opt-in (batched presence) instead of as MDN's client.
    #[arg(long)]
    pub duet: bool,
    /// With --duet: ask for the directory (protocol 2: the count and a page
    /// of names at login, not the whole list).
    #[arg(long, requires = "duet")]
    pub directory: bool,
    /// Give up after this many seconds whatever happens.
    #[arg(long, default_value_t = 120)]
    pub deadline_secs: u64,
    #[command(subcommand)]
    pub scenario: Scenario,
}

impl Args {
    /// What the clients announce in `username.duet` (0: nothing, MDN's client).
    pub fn version(&self) -> u32 {
        match (self.duet, self.directory) {
            (false, _) => 0,
            (true, false) => duet_protocol::PROTOCOL_VERSION,
            (true, true) => duet_protocol::DIRECTORY_VERSION,
        }
    }
}

#[derive(Subcommand, Debug, Clone)]
pub enum Scenario {
    /// Log in N clients and hold them: memory per connection.
    Connect {
        #[arg(long, default_value_t = 1000)]
        clients: usize,
    },
    /// N clients log in at once: time until every client's list is complete.
    Storm {
        #[arg(long, default_value_t = 1000)]
        clients: usize,
    },
    /// N clients connect and log in at the same moment: every one must be
    /// welcomed, and a newcomer's call must reach one of them.
    Arrivals {
        #[arg(long, default_value_t = 1000)]
        clients: usize,
        /// The crowd's names: <prefix>0, <prefix>1, … (a second duet-load
        /// process for another node of a cluster needs other names).
        #[arg(long, default_value = "arrival")]
        prefix: String,
        /// The newcomer who calls one of the crowd logs in here instead
        /// (another node of a cluster), so the call crosses the nodes.
        #[arg(long)]
        newcomer_url: Option<String>,
        /// Directory clients: before calling, the newcomer waits until its
        /// node counts this many online (the cluster has converged).
        #[arg(long)]
        expect_online: Option<u32>,
    },
    /// Many sockets of one address chat while a call's callee does not
    /// read; the call must still be up afterwards.
    ChatFlood {
        #[arg(long, default_value_t = 60)]
        flooders: usize,
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// Callees stop reading while their callers send the largest messages
    /// allowed: the server's memory per stalled reader.
    Stalled {
        #[arg(long, default_value_t = 20)]
        readers: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Size of each offer's SDP (the server refuses it over --max-sdp-bytes).
        #[arg(long, default_value_t = 31)]
        sdp_kib: usize,
    },
    /// Round trips A → server → B → server → A at a fixed offered rate.
    Relay {
        /// Messages per second offered, counting both directions.
        #[arg(long, default_value_t = 1000)]
        rate: u32,
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// Idle logged-in clients connected meanwhile.
        #[arg(long, default_value_t = 0)]
        background: usize,
    },
}

pub fn server_addr(url: &str) -> Result<SocketAddr, String> {
    let rest = url.strip_prefix("ws://").ok_or("only ws:// URLs on loopback")?;
    let host = rest.split('/').next().unwrap_or(rest);
    let addr: SocketAddr = host.parse().map_err(|e| format!("{host}: {e} (use an IP address)"))?;
    if !addr.ip().is_loopback() {
        return Err(format!("{addr} is not a loopback address: load tests target 127.0.0.0/8 only"));
    }
    Ok(addr)
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Some(e) = std::iter::once(&args.url).chain(&args.callee_url).find_map(|u| server_addr(u).err()) {
        eprintln!("duet-load: {e}");
        std::process::exit(2);
    }
    let deadline = Duration::from_secs(args.deadline_secs);
    match tokio::time::timeout(deadline, scenarios::run(args.clone())).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            eprintln!("duet-load: {e}");
            std::process::exit(1);
        }
        Err(_) => {
            eprintln!("duet-load: gave up after {deadline:?}");
            std::process::exit(1);
        }
    }
}
