//! Loads of an attacker's shape (docs/security.md): many sockets of one
//! address chatting at a call whose reader is slow, and callers flooding
//! stalled callees with the largest messages allowed.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering::Relaxed},
        Arc,
    },
    time::{Duration, Instant},
};

use serde_json::json;
use tokio::sync::watch;

use crate::{
    client::{connect, login, next_json, Sink, Stream},
    proc_stats,
    scenarios::{mib, send, wait_for},
    server_addr, Args,
};

/// A call between `caller{p}` and `callee{p}`, each from its own address.
async fn call_pair(args: &Args, p: usize, first_index: usize) -> Result<(Sink, Stream, Sink, Stream), String> {
    let server = server_addr(&args.url)?;
    let (mut cs, mut cr) = connect(&args.url, server, first_index + 2 * p).await?;
    let (mut es, mut er) = connect(&args.url, server, first_index + 2 * p + 1).await?;
    let (caller, _) = login(&mut cs, &mut cr, &format!("caller{p}"), true).await?;
    let (callee, _) = login(&mut es, &mut er, &format!("callee{p}"), true).await?;
    let offer = json!({"type": "offer", "sdp": "v=0\r\n"});
    send(&mut cs, json!({"type": "video-offer", "target": callee, "sdp": offer})).await?;
    wait_for(&mut er, "video-offer").await?;
    let answer = json!({"type": "answer", "sdp": "v=0\r\n"});
    send(&mut es, json!({"type": "video-answer", "target": caller, "sdp": answer})).await?;
    wait_for(&mut cr, "video-answer").await?;
    Ok((cs, cr, es, er))
}

/// Reads and drops everything, counting lobby chat, until `stop`.
fn drain(mut stream: Stream, chats: Arc<AtomicU64>, mut stop: watch::Receiver<bool>) {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = stop.changed() => break,
                m = next_json(&mut stream) => match m {
                    Ok(m) if m["type"] == "message" => { chats.fetch_add(1, Relaxed); }
                    Ok(_) => {}
                    Err(_) => break,
                },
            }
        }
    });
}

/// `flooders` sockets from one address chat as fast as they like for
/// `seconds` while callee0 of a call does not read; then the call must
/// still be up: a candidate from the caller reaches the callee.
pub async fn chat_flood(args: &Args, flooders: usize, seconds: u64) -> Result<(), String> {
    let server = server_addr(&args.url)?;
    let (stop_tx, stop) = watch::channel(false);
    let (mut cs, cr, _es, mut er) = call_pair(args, 0, 300_000).await?;
    let seen_by_caller = Arc::new(AtomicU64::new(0));
    drain(cr, seen_by_caller.clone(), stop.clone());
    // One address for every flooder (the index picks the source address).
    let (sent, refused) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut sinks = Vec::new();
    for i in 0..flooders {
        let (mut sink, mut stream) = connect(&args.url, server, 310_000).await?;
        login(&mut sink, &mut stream, &format!("flood{i}"), true).await?;
        let (refused, mut stop) = (refused.clone(), stop.clone());
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = stop.changed() => break,
                    m = next_json(&mut stream) => match m {
                        Ok(m) if m["type"] == "error" && m["code"] == "rate-limited" => { refused.fetch_add(1, Relaxed); }
                        Ok(_) => {}
                        Err(_) => break,
                    },
                }
            }
        });
        sinks.push(sink);
    }
    let rss0 = args.server_pid.and_then(proc_stats::rss_bytes);
    let line = "flood ".repeat(330);
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    while Instant::now() < end {
        tick.tick().await;
        for sink in &mut sinks {
            // Five a tick: each user's burst, again and again.
            for _ in 0..5 {
                send(sink, json!({"type": "message", "text": line})).await?;
                sent.fetch_add(1, Relaxed);
            }
        }
    }
    let rss1 = args.server_pid.and_then(proc_stats::rss_bytes);
    // The callee reads again: the call's signaling must reach it.
    let c = json!({"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "sdpMid": "0", "sdpMLineIndex": 0});
    send(&mut cs, json!({"type": "new-ice-candidate", "target": "callee0", "candidate": c})).await?;
    let mut chats_to_callee = 0u64;
    let survived = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match next_json(&mut er).await {
                Ok(m) if m["type"] == "new-ice-candidate" => return Ok(()),
                Ok(m) if m["type"] == "hang-up" => return Err(format!("the call was hung up: {m}")),
                Ok(m) if m["type"] == "message" => chats_to_callee += 1,
                Ok(_) => {}
                Err(e) => return Err(format!("the callee's connection ended: {e}")),
            }
        }
    })
    .await
    .map_err(|_| "the callee got no candidate within 30 s".to_string())
    .and_then(|r| r);
    let _ = stop_tx.send(true);
    let (sent, refused) = (sent.load(Relaxed), refused.load(Relaxed));
    println!("chat flood: {flooders} sockets of one address, {sent} chat messages in {seconds} s");
    println!("refused by the chat budgets: {refused}; reached the caller (reading): {}", seen_by_caller.load(Relaxed));
    println!("reached the stalled callee: {chats_to_callee} (the rest dropped for it)");
    if let (Some(a), Some(b)) = (rss0, rss1) {
        println!("server RSS: {:.1} MiB before the flood, {:.1} MiB at its end", mib(a), mib(b));
    }
    survived?;
    println!("call after the flood: up (the callee's candidate arrived, no hang-up)");
    Ok(())
}

/// `readers` callees stop reading; their callers send the largest offers
/// and candidates the server relays, as fast as it lets them, for `seconds`.
/// The server's memory per stalled reader is what the queue bound allows.
pub async fn stalled(args: &Args, readers: usize, seconds: u64) -> Result<(), String> {
    let (stop_tx, stop) = watch::channel(false);
    let mut pairs = Vec::new();
    for p in 0..readers {
        let (cs, cr, es, er) = call_pair(args, p, 320_000).await?;
        drain(cr, Arc::new(AtomicU64::new(0)), stop.clone());
        // The callee's socket stays open and is never read again.
        pairs.push((cs, es, er));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss0 = args.server_pid.and_then(proc_stats::rss_bytes);
    let sdp = format!("v=0\r\n{}", "a=x-padding:0123456789abcdef\r\n".repeat(1000));
    let sdp = &sdp[..sdp.len().min(32 * 1024 - 16)];
    let candidate = format!("candidate:{}", "9".repeat(1000));
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut sent = 0u64;
    let mut peak = rss0;
    // 40 candidates a second (under the default 50 messages/s), and the
    // first ten ticks an offer too (the offer burst): all the server relays.
    let mut tick = tokio::time::interval(Duration::from_millis(25));
    let mut ticks = 0;
    while Instant::now() < end {
        tick.tick().await;
        ticks += 1;
        for (p, (cs, _, _)) in pairs.iter_mut().enumerate() {
            let target = format!("callee{p}");
            let c = json!({"type": "new-ice-candidate", "target": target, "candidate": {"candidate": candidate, "sdpMid": "0"}});
            let mut out = vec![c];
            if ticks <= 10 {
                out.push(json!({"type": "video-offer", "target": target, "sdp": {"type": "offer", "sdp": sdp}}));
            }
            for m in out {
                if send(cs, m).await.is_ok() {
                    sent += 1;
                }
            }
        }
        if ticks % 20 == 0 {
            peak = peak.max(args.server_pid.and_then(proc_stats::rss_bytes));
        }
    }
    let _ = stop_tx.send(true);
    println!("stalled readers: {readers}, each sent ~{} KiB offers and 1 KiB candidates for {seconds} s ({sent} messages in all)", sdp.len() / 1024);
    if let (Some(a), Some(b)) = (rss0, peak) {
        println!("server RSS: {:.1} MiB before, {:.1} MiB at the peak", mib(a), mib(b));
        println!("server memory per stalled reader: {:.2} MiB", mib(b.saturating_sub(a)) / readers as f64);
    }
    drop(pairs);
    Ok(())
}
