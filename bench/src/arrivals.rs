//! A login storm as people make it: N clients open their sockets and log in
//! at the same moment (no connection gate), and the server must welcome
//! every one of them. Reports how long the last welcome took, who was never
//! welcomed and why, whether a newcomer's call still reaches one of the
//! crowd, and when the server's CPU settled.

use std::{
    collections::BTreeMap,
    sync::Arc,
    time::{Duration, Instant},
};

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::sync::{mpsc, watch, Notify};
use tokio_tungstenite::tungstenite::Message;

use crate::{
    client::{connect, login},
    proc_stats, server_addr, Args,
};

/// How long a client waits for its welcome before it counts as refused.
const PATIENCE: Duration = Duration::from_secs(60);

/// Who calls the crowd once it is in.
pub struct Newcomer<'a> {
    /// Where the newcomer logs in (another node), if not where the crowd did.
    pub url: Option<&'a str>,
    /// How many its node must count online before it calls (directory clients).
    pub expect_online: Option<u32>,
}

pub async fn arrivals(args: &Args, clients: usize, prefix: &str, newcomer: Newcomer<'_>) -> Result<(), String> {
    if newcomer.expect_online.is_some() && !args.directory {
        return Err("--expect-online reads the directory's count: use it with --directory".into());
    }
    let server = server_addr(&args.url)?;
    let cpu0 = args.server_pid.and_then(proc_stats::cpu_seconds);
    let (stop_tx, stop) = watch::channel(false);
    let offered = Arc::new(Notify::new());
    let (done_tx, mut done) = mpsc::unbounded_channel::<Result<Duration, String>>();
    let start = Instant::now();
    for i in 0..clients {
        let (url, duet, done_tx, mut stop, offered) =
            (args.url.clone(), args.version(), done_tx.clone(), stop.clone(), offered.clone());
        let name = format!("{prefix}{i}");
        tokio::spawn(async move {
            let opened = tokio::time::timeout(PATIENCE, async {
                let (mut sink, mut stream) = connect(&url, server, i).await?;
                login(&mut sink, &mut stream, &name, duet).await?;
                Ok::<_, String>((sink, stream))
            })
            .await
            .unwrap_or_else(|_| Err(format!("not welcomed within {PATIENCE:?}")));
            let (_sink, mut stream) = match opened {
                Ok(s) => s,
                Err(e) => {
                    let _ = done_tx.send(Err(e));
                    return;
                }
            };
            let _ = done_tx.send(Ok(start.elapsed()));
            drop(done_tx);
            // Read everything (unparsed, so the server is what is measured)
            // until the run ends; say so if a call arrives.
            loop {
                tokio::select! {
                    _ = stop.changed() => break,
                    m = stream.next() => match m {
                        Some(Ok(Message::Text(t))) if t.contains("\"video-offer\"") => offered.notify_one(),
                        Some(Ok(_)) => {}
                        _ => break,
                    },
                }
            }
        });
    }
    drop(done_tx);

    let mut last = Duration::ZERO;
    let mut welcomed = 0;
    let mut refused: BTreeMap<String, usize> = BTreeMap::new();
    while let Some(r) = done.recv().await {
        match r {
            Ok(t) => {
                welcomed += 1;
                last = last.max(t);
            }
            Err(e) => *refused.entry(reason(&e)).or_default() += 1,
        }
    }
    println!("clients arriving at once: {clients}");
    println!("welcomed: {welcomed}; last welcome after {:.2} s", last.as_secs_f64());
    println!("never welcomed: {}", clients - welcomed);
    for (why, n) in &refused {
        println!("  {n} × {why}");
    }

    // A newcomer calls someone in the crowd.
    if welcomed > 0 {
        let url = newcomer.url.unwrap_or(&args.url);
        let (mut sink, mut stream) = connect(url, server_addr(url)?, clients).await?;
        let (_, mut list) = login(&mut sink, &mut stream, "newcomer", args.version()).await?;
        if let Some(n) = newcomer.expect_online {
            let deadline = start + Duration::from_secs(args.deadline_secs);
            while list["total"].as_u64().unwrap_or(0) < u64::from(n) {
                list = tokio::time::timeout_at(deadline.into(), crate::client::next_json(&mut stream))
                    .await
                    .map_err(|_| format!("the newcomer's node never counted {n} online"))??;
            }
            println!(
                "the newcomer's node: counts {} online after {:.2} s",
                list["total"],
                start.elapsed().as_secs_f64()
            );
        }
        let target = format!("{prefix}{}", clients / 2);
        let offer = json!({"type": "video-offer", "name": "newcomer", "target": target,
                           "sdp": {"type": "offer", "sdp": "v=0\r\n"}});
        let t = Instant::now();
        sink.send(Message::text(offer.to_string())).await.map_err(|e| e.to_string())?;
        match tokio::time::timeout(Duration::from_secs(10), offered.notified()).await {
            Ok(()) => println!(
                "a newcomer's call{}: reached {target} after {:.1} ms",
                if newcomer.url.is_some() { " from the other node" } else { "" },
                t.elapsed().as_secs_f64() * 1e3
            ),
            Err(_) => println!("a newcomer's call: did NOT reach {target} within 10 s"),
        }
    }

    // The storm is over for the server when its CPU use falls below 10 %.
    if let (Some(pid), Some(c0)) = (args.server_pid, cpu0) {
        let mut prev = proc_stats::cpu_seconds(pid).unwrap_or(c0);
        let settled = loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let now = proc_stats::cpu_seconds(pid).unwrap_or(prev);
            if now - prev < 0.05 || start.elapsed() > Duration::from_secs(args.deadline_secs) {
                break start.elapsed();
            }
            prev = now;
        };
        let cpu = proc_stats::cpu_seconds(pid).unwrap_or(c0) - c0;
        println!("server settled (CPU < 10 %): after {:.2} s; server CPU {cpu:.1} s", settled.as_secs_f64());
        if let Some(rss) = proc_stats::rss_bytes(pid) {
            println!(
                "server RSS: {:.1} MiB ({:.1} KiB per client)",
                crate::scenarios::mib(rss),
                rss as f64 / 1024.0 / clients as f64
            );
        }
    }
    let _ = stop_tx.send(true);
    if welcomed < clients {
        return Err(format!("{} of {clients} clients were never welcomed", clients - welcomed));
    }
    Ok(())
}

/// Groups failures by kind (the numbers in them differ per client).
fn reason(e: &str) -> String {
    let cut = e.find("Some(").map(|i| i + 80).unwrap_or(120).min(e.len());
    e.chars().take(cut).map(|c| if c.is_ascii_digit() { '#' } else { c }).collect()
}
