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
    client::{connect, connect_with_window, login, next_json, Sink, Stream},
    proc_stats,
    scenarios::{mib, send, wait_for},
    server_addr, Args,
};

/// The receive buffer of a callee that reads slowly: a phone on a poor link.
const SLOW_WINDOW: u32 = 16 * 1024;

/// A call between `caller{p}` and `callee{p}`, each from its own address;
/// the callee's receive window is small.
async fn call_pair(args: &Args, p: usize, first_index: usize) -> Result<(Sink, Stream, Sink, Stream), String> {
    let server = server_addr(&args.url)?;
    let (mut cs, mut cr) = connect(&args.url, server, first_index + 2 * p).await?;
    let (mut es, mut er) = connect_with_window(&args.url, server, first_index + 2 * p + 1, Some(SLOW_WINDOW)).await?;
    let (caller, _) = login(&mut cs, &mut cr, &format!("caller{p}"), 1).await?;
    let (callee, _) = login(&mut es, &mut er, &format!("callee{p}"), 1).await?;
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
        login(&mut sink, &mut stream, &format!("flood{i}"), 1).await?;
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
    // The longest chat allowed, in a script of three bytes a character.
    let line = "가".repeat(1990);
    let end = Instant::now() + Duration::from_secs(seconds);
    // Each socket's burst of five every two seconds: what the per-user chat
    // budget alone lets through, from every socket of the address at once.
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    let mut closed = 0;
    while Instant::now() < end {
        tick.tick().await;
        let mut open = Vec::with_capacity(sinks.len());
        for mut sink in sinks {
            let mut ok = true;
            for _ in 0..5 {
                ok = ok && send(&mut sink, json!({"type": "message", "text": line})).await.is_ok();
                if ok {
                    sent.fetch_add(1, Relaxed);
                }
            }
            if ok {
                open.push(sink);
            } else {
                closed += 1;
            }
        }
        sinks = open;
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
    println!("refused by the chat budgets: {refused}; flooders closed by the server: {closed}");
    println!("reached the caller (reading): {}", seen_by_caller.load(Relaxed));
    println!("reached the stalled callee: {chats_to_callee} (the rest dropped for it)");
    if let (Some(a), Some(b)) = (rss0, rss1) {
        println!("server RSS: {:.1} MiB before the flood, {:.1} MiB at its end", mib(a), mib(b));
    }
    survived?;
    println!("call after the flood: up (the callee's candidate arrived, no hang-up)");
    Ok(())
}

/// `readers` callees stop reading; their callers send offers of `sdp_kib`
/// KiB and 1 KiB candidates as fast as the default message rate allows, for
/// `seconds`. What the server keeps per stalled reader is what its queue
/// bound (and its limits on sizes and offers) let an attacker make it keep.
pub async fn stalled(args: &Args, readers: usize, seconds: u64, sdp_kib: usize) -> Result<(), String> {
    let (stop_tx, stop) = watch::channel(false);
    let refused = Arc::new(AtomicU64::new(0));
    let mut pairs = Vec::new();
    for p in 0..readers {
        let (cs, mut cr, es, er) = call_pair(args, p, 320_000).await?;
        let (refused, mut stop) = (refused.clone(), stop.clone());
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = stop.changed() => break,
                    m = next_json(&mut cr) => match m {
                        Ok(m) if m["type"] == "error" => { refused.fetch_add(1, Relaxed); }
                        Ok(_) => {}
                        Err(_) => break,
                    },
                }
            }
        });
        // The callee's socket stays open and is never read again.
        pairs.push(Some((cs, es, er)));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss0 = args.server_pid.and_then(proc_stats::rss_bytes);
    let mut sdp = String::from("v=0\r\n");
    while sdp.len() + 32 < sdp_kib * 1024 {
        sdp.push_str("a=x-padding:0123456789abcdef\r\n");
    }
    let candidate = format!("candidate:{}", "9".repeat(1000));
    let end = Instant::now() + Duration::from_secs(seconds);
    let (mut sent, mut closed) = (0u64, 0);
    let mut peak = rss0;
    // An offer and a candidate every 50 ms: 40 messages a second, under the
    // default 50.
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    let mut ticks = 0u64;
    while Instant::now() < end {
        tick.tick().await;
        ticks += 1;
        for (p, slot) in pairs.iter_mut().enumerate() {
            let Some((cs, _, _)) = slot else { continue };
            let target = format!("callee{p}");
            let offer = json!({"type": "video-offer", "target": target, "sdp": {"type": "offer", "sdp": sdp}});
            let c = json!({"type": "new-ice-candidate", "target": target, "candidate": {"candidate": candidate, "sdpMid": "0"}});
            let mut ok = true;
            for m in [offer, c] {
                ok = ok && send(cs, m).await.is_ok();
                sent += u64::from(ok);
            }
            if !ok {
                // Closed by the server for abuse: one attacker fewer.
                *slot = None;
                closed += 1;
            }
        }
        if ticks.is_multiple_of(10) {
            peak = peak.max(args.server_pid.and_then(proc_stats::rss_bytes));
        }
    }
    let _ = stop_tx.send(true);
    println!(
        "stalled readers: {readers}; their callers sent {sdp_kib} KiB offers and 1 KiB candidates for {seconds} s: \
         {sent} messages, {} refused, {closed} callers closed for abuse",
        refused.load(Relaxed)
    );
    if let (Some(a), Some(b)) = (rss0, peak) {
        println!("server RSS: {:.1} MiB before, {:.1} MiB at the peak", mib(a), mib(b));
        println!("server memory per stalled reader: {:.2} MiB", mib(b.saturating_sub(a)) / readers as f64);
    }
    drop(pairs);
    Ok(())
}
