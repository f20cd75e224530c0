//! The measurements: held connections, join storm, relay latency (the
//! attacker-shaped loads are in `abuse.rs`).

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use futures_util::SinkExt;
use serde_json::{json, Value};
use tokio::sync::{watch, Semaphore};
use tokio_tungstenite::tungstenite::Message;

use crate::{
    client::{connect, login, next_json, Sink, Stream},
    proc_stats, server_addr, Args, Scenario,
};

/// Connections opened at once.
const CONCURRENCY: usize = 256;

pub async fn run(args: Args) -> Result<(), String> {
    match args.scenario.clone() {
        Scenario::Connect { clients } => held(&args, clients).await,
        Scenario::Storm { clients } => storm(&args, clients).await,
        Scenario::Relay { rate, seconds, background } => relay(&args, rate, seconds, background).await,
        Scenario::Arrivals { clients, ref prefix, ref newcomer_url, expect_online } => {
            let newcomer = crate::arrivals::Newcomer { url: newcomer_url.as_deref(), expect_online };
            crate::arrivals::arrivals(&args, clients, prefix, newcomer).await
        }
        Scenario::ChatFlood { flooders, seconds } => crate::abuse::chat_flood(&args, flooders, seconds).await,
        Scenario::Stalled { readers, seconds, sdp_kib } => {
            crate::abuse::stalled(&args, readers, seconds, sdp_kib).await
        }
    }
}

pub fn mib(b: u64) -> f64 {
    b as f64 / 1048576.0
}

/// Logs in `n` clients named `{prefix}{i}` that then read (and drop)
/// everything until `stop` changes.
async fn crowd(
    args: &Args,
    prefix: &str,
    n: usize,
    first_index: usize,
    stop: watch::Receiver<bool>,
) -> Result<(), String> {
    let server = server_addr(&args.url)?;
    let gate = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let (url, duet, name, gate, mut stop) =
            (args.url.clone(), args.version(), format!("{prefix}{i}"), gate.clone(), stop.clone());
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let permit = gate.acquire_owned().await.expect("semaphore open");
            let result = async {
                let (mut sink, mut stream) = connect(&url, server, first_index + i).await?;
                login(&mut sink, &mut stream, &name, duet).await?;
                Ok::<_, String>((sink, stream))
            }
            .await;
            drop(permit);
            let ok = result.as_ref().map(|_| ()).map_err(|e| e.clone());
            let _ = ready_tx.send(ok);
            if let Ok((_sink, mut stream)) = result {
                // Read and drop frames unparsed: only the server is measured.
                use futures_util::StreamExt;
                loop {
                    tokio::select! {
                        _ = stop.changed() => break,
                        m = stream.next() => if !matches!(m, Some(Ok(_))) { break },
                    }
                }
            }
        });
        tasks.push(ready_rx);
    }
    for t in tasks {
        t.await.map_err(|_| "client task died".to_string())??;
    }
    Ok(())
}

async fn held(args: &Args, clients: usize) -> Result<(), String> {
    let before = args.server_pid.and_then(proc_stats::rss_bytes);
    let (stop_tx, stop) = watch::channel(false);
    let t = Instant::now();
    crowd(args, "held", clients, 0, stop).await?;
    let took = t.elapsed();
    // Let fan-out settle before reading memory.
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!("clients logged in and held: {clients}");
    println!("login time: {:.2} s ({:.0} logins/s)", took.as_secs_f64(), clients as f64 / took.as_secs_f64());
    if let (Some(b), Some(a)) = (before, args.server_pid.and_then(proc_stats::rss_bytes)) {
        println!("server RSS: {:.1} MiB before, {:.1} MiB with clients", mib(b), mib(a));
        println!("server RSS per connection: {:.1} KiB", a.saturating_sub(b) as f64 / 1024.0 / clients as f64);
    }
    let _ = stop_tx.send(true);
    Ok(())
}

/// Tracks which users a client knows are online.
fn apply(known: &mut HashSet<String>, m: &Value) {
    let names = |v: &Value| v.as_array().cloned().unwrap_or_default();
    match m["type"].as_str() {
        Some("userlist") => {
            known.clear();
            known.extend(names(&m["users"]).iter().filter_map(|n| n.as_str().map(str::to_owned)));
        }
        Some("presence") => {
            for key in ["available", "busy"] {
                known.extend(names(&m[key]).iter().filter_map(|n| n.as_str().map(str::to_owned)));
            }
            for l in names(&m["left"]) {
                if let Some(l) = l.as_str() {
                    known.remove(l);
                }
            }
        }
        _ => {}
    }
}

async fn storm(args: &Args, clients: usize) -> Result<(), String> {
    if args.directory {
        return Err("the storm waits for every client's whole list; directory clients have none (use arrivals)".into());
    }
    let server = server_addr(&args.url)?;
    // Connect everyone first; then all log in at the same moment.
    let (go_tx, go) = watch::channel(false);
    let gate = Arc::new(Semaphore::new(CONCURRENCY));
    let mut connected = Vec::new();
    let mut done = Vec::new();
    for i in 0..clients {
        let (url, duet, gate, mut go) = (args.url.clone(), args.duet, gate.clone(), go.clone());
        let (conn_tx, conn_rx) = tokio::sync::oneshot::channel::<Result<(), String>>();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<Result<Instant, String>>();
        tokio::spawn(async move {
            let permit = gate.acquire_owned().await.expect("semaphore open");
            let opened = async {
                let (sink, mut stream) = connect(&url, server, i).await?;
                let id = next_json(&mut stream).await?;
                Ok::<_, String>((sink, stream, id))
            }
            .await;
            drop(permit);
            let (mut sink, mut stream, id) = match opened {
                Ok(x) => x,
                Err(e) => {
                    let _ = conn_tx.send(Err(e));
                    return;
                }
            };
            let _ = conn_tx.send(Ok(()));
            let _ = go.changed().await;
            let mut msg = json!({"type": "username", "name": format!("storm{i}"), "id": id["id"]});
            if duet {
                msg["duet"] = json!(1);
            }
            if let Err(e) = sink.send(Message::text(msg.to_string())).await {
                let _ = done_tx.send(Err(e.to_string()));
                return;
            }
            let mut known = HashSet::new();
            let result = loop {
                match next_json(&mut stream).await {
                    Ok(m) => {
                        apply(&mut known, &m);
                        if known.len() >= clients {
                            break Ok(Instant::now());
                        }
                    }
                    Err(e) => break Err(e),
                }
            };
            let _ = done_tx.send(result);
            // Keep reading so the server is not slowed by a full socket.
            while next_json(&mut stream).await.is_ok() {}
        });
        connected.push(conn_rx);
        done.push(done_rx);
    }
    for c in connected {
        c.await.map_err(|_| "client task died".to_string())??;
    }
    let cpu0 = args.server_pid.and_then(proc_stats::cpu_seconds);
    let start = Instant::now();
    let _ = go_tx.send(true);
    let mut last = start;
    for d in done {
        let at = d.await.map_err(|_| "client task died".to_string())??;
        last = last.max(at);
    }
    println!(
        "join storm: {clients} clients ({}) converged in {:.2} s",
        if args.duet { "Duet presence" } else { "MDN userlist" },
        (last - start).as_secs_f64()
    );
    if let (Some(a), Some(b)) = (cpu0, args.server_pid.and_then(proc_stats::cpu_seconds)) {
        println!("server CPU during the storm: {:.2} s", b - a);
    }
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn relay(args: &Args, rate: u32, seconds: u64, background: usize) -> Result<(), String> {
    let server = server_addr(&args.url)?;
    let callee_url = args.callee_url.clone().unwrap_or_else(|| args.url.clone());
    let callee_server = server_addr(&callee_url)?;
    let (stop_tx, stop) = watch::channel(false);
    if background > 0 {
        crowd(args, "idle", background, 100_000, stop.clone()).await?;
        // Let the presence updates of those logins drain: the measurement
        // is of relaying while many clients sit connected, not of the storm.
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    // Each connection sends at most 40 messages/s, under the default limit.
    let pairs = (rate as usize).div_ceil(80).max(1);
    let per_caller = Duration::from_secs_f64(pairs as f64 * 2.0 / rate as f64);
    let epoch = Instant::now();
    let samples = Arc::new(Mutex::new(Vec::<f64>::new()));
    let sent = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let warmup = Duration::from_secs(1);
    let end = epoch + warmup + Duration::from_secs(seconds) + Duration::from_secs(2);

    let mut ready = Vec::new();
    for p in 0..pairs {
        let (url, callee_url, duet) = (args.url.clone(), callee_url.clone(), args.version());
        let (samples, sent, stop) = (samples.clone(), sent.clone(), stop.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<Result<(), String>>();
        tokio::spawn(async move {
            let setup = async {
                let (mut cs, mut cr) = connect(&url, server, 200_000 + 2 * p).await?;
                let (mut es, mut er) = connect(&callee_url, callee_server, 200_001 + 2 * p).await?;
                let (caller, _) = login(&mut cs, &mut cr, &format!("caller{p}"), duet).await?;
                let (callee, _) = login(&mut es, &mut er, &format!("callee{p}"), duet).await?;
                // A call between them, so a server that tracks calls relays candidates.
                let sdp = json!({"type": "offer", "sdp": "v=0\r\n"});
                let offer = json!({"type": "video-offer", "name": caller, "target": callee, "sdp": sdp});
                // On another node the callee is known once its presence has
                // crossed over (one presence flush, ~100 ms); until then the
                // offer is refused as offline, so it is retried for up to 5 s.
                for tries in 0.. {
                    send(&mut cs, offer.clone()).await?;
                    let answer = tokio::time::timeout(Duration::from_millis(300), wait_for(&mut cr, "video-answer"));
                    match answer.await {
                        Ok(Err(e)) if e.contains("target-offline") && tries < 50 => {
                            tokio::time::sleep(Duration::from_millis(100)).await
                        }
                        Ok(Err(e)) => return Err(e),
                        // Not refused: the offer is with the callee.
                        _ => break,
                    }
                }
                wait_for(&mut er, "video-offer").await?;
                let answer = json!({"type": "answer", "sdp": "v=0\r\n"});
                send(&mut es, json!({"type": "video-answer", "name": callee, "target": caller, "sdp": answer})).await?;
                wait_for(&mut cr, "video-answer").await?;
                Ok::<_, String>((cs, cr, es, er, caller))
            }
            .await;
            let (mut cs, mut cr, mut es, mut er, caller) = match setup {
                Ok(x) => {
                    let _ = tx.send(Ok(()));
                    x
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            // The callee echoes every candidate back to the caller.
            let mut echo_stop = stop.clone();
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = echo_stop.changed() => break,
                        m = next_json(&mut er) => match m {
                            Ok(m) if m["type"] == "new-ice-candidate" => {
                                let back = json!({"type": "new-ice-candidate", "target": caller, "candidate": m["candidate"]});
                                if send(&mut es, back).await.is_err() { break }
                            }
                            Ok(_) => {}
                            Err(_) => break,
                        }
                    }
                }
            });
            // The caller's reader measures round trips.
            let mut read_stop = stop.clone();
            let samples2 = samples.clone();
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = read_stop.changed() => break,
                        m = next_json(&mut cr) => match m {
                            Ok(m) if m["type"] == "new-ice-candidate" => {
                                if let Some(t) = m["candidate"]["candidate"].as_str().and_then(|s| s.parse::<u64>().ok()) {
                                    let sent_at = epoch + Duration::from_micros(t);
                                    if sent_at > epoch + warmup {
                                        samples2.lock().unwrap().push((Instant::now() - sent_at).as_secs_f64() * 1000.0);
                                    }
                                }
                            }
                            Ok(_) => {}
                            Err(_) => break,
                        }
                    }
                }
            });
            let mut tick = tokio::time::interval(per_caller);
            let callee = format!("callee{p}");
            while Instant::now() < end - Duration::from_secs(2) {
                tick.tick().await;
                let t = epoch.elapsed().as_micros() as u64;
                let c = json!({"type": "new-ice-candidate", "target": callee, "candidate": {"candidate": t.to_string(), "sdpMid": "0", "sdpMLineIndex": 0}});
                if send(&mut cs, c).await.is_err() {
                    break;
                }
                sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        });
        ready.push(rx);
    }
    for r in ready {
        r.await.map_err(|_| "pair task died".to_string())??;
    }
    tokio::time::sleep_until((epoch + warmup).into()).await;
    let cpu0 = args.server_pid.and_then(proc_stats::cpu_seconds);
    let t0 = Instant::now();
    tokio::time::sleep_until(end.into()).await;
    let cpu = args.server_pid.and_then(proc_stats::cpu_seconds).zip(cpu0).map(|(b, a)| b - a);
    let _ = t0;
    let _ = stop_tx.send(true);

    let mut s = samples.lock().unwrap().clone();
    s.sort_by(f64::total_cmp);
    let relayed = s.len() as f64 * 2.0;
    println!(
        "relay at {rate} msg/s offered ({pairs} pairs, {background} idle clients): {} round trips measured",
        s.len()
    );
    println!(
        "round trip A→B→A: p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms",
        percentile(&s, 0.5),
        percentile(&s, 0.99),
        percentile(&s, 0.999),
        s.last().copied().unwrap_or(f64::NAN)
    );
    println!("relayed: {:.0} msg/s achieved", relayed / seconds as f64);
    if let Some(cpu) = cpu {
        println!("server CPU: {:.3} s per 1000 relayed messages", cpu / (relayed / 1000.0).max(1e-9));
    }
    Ok(())
}

pub async fn send(sink: &mut Sink, v: Value) -> Result<(), String> {
    sink.send(Message::text(v.to_string())).await.map_err(|e| e.to_string())
}

pub async fn wait_for(stream: &mut Stream, kind: &str) -> Result<Value, String> {
    loop {
        let m = next_json(stream).await?;
        if m["type"] == kind {
            return Ok(m);
        }
        if m["type"] == "error" {
            return Err(format!("server refused: {m}"));
        }
    }
}
