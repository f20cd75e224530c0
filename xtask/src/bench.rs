//! `cargo xtask bench [server|bundle|browser] [--quick]`: measure, print,
//! and leave the report in target/bench/. Nothing here asserts a timing;
//! BENCHMARKS.md records the figures against the targets.

use std::{fmt::Write as _, path::Path};

use crate::{
    run::{cmd, output, status, tee},
    serve::build_bundle,
    setup::{self, Need},
    tools,
};

pub fn bench(args: &[String]) -> Result<(), String> {
    let quick = args.iter().any(|a| a == "--quick");
    STRICT.store(quick, std::sync::atomic::Ordering::Relaxed);
    let parts: Vec<&str> = args.iter().map(String::as_str).filter(|a| !a.starts_with("--")).collect();
    let all = parts.is_empty();
    setup::setup(Need::Everything)?;
    let mut report = String::new();
    let _ = writeln!(report, "# Duet benchmarks{}\n", if quick { " (quick smoke run)" } else { "" });
    let _ = writeln!(report, "{}\n", machine());
    if all || parts.contains(&"bundle") {
        report.push_str(&bundle()?);
        if !quick {
            setup::twiggy()?;
            report.push_str(&contributors()?);
        }
    }
    if all || parts.contains(&"server") {
        report.push_str(&server(quick)?);
    }
    if all || parts.contains(&"browser") {
        report.push_str(&browser(quick)?);
    }
    let dir = tools::root().join("target").join("bench");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let path = dir.join(if quick { "report-quick.md" } else { "report.md" });
    std::fs::write(&path, &report).map_err(|e| e.to_string())?;
    println!("\n{report}");
    println!("report written to {}", path.display());
    Ok(())
}

fn machine() -> String {
    let cores = output("nproc", &[]).unwrap_or_default();
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| m.lines().next().map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_owned()))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or("?".into(), |kb| format!("{:.0} GiB", kb as f64 / 1048576.0));
    let commit = output("git", &["rev-parse", "--short", "HEAD"]).unwrap_or_default();
    let date = output("date", &["-u", "+%Y-%m-%d"]).unwrap_or_default();
    format!("Machine: {} cores, {mem}; commit {}; {}", cores.trim(), commit.trim(), date.trim())
}

fn sizes(path: &Path) -> (u64, u64, Option<u64>) {
    let raw = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let p = path.to_string_lossy();
    let count = |prog: &str, args: &[&str]| {
        let out = std::process::Command::new(prog).args(args).arg(p.as_ref()).output().ok()?;
        out.status.success().then_some(out.stdout.len() as u64)
    };
    (raw, count("gzip", &["-9", "-c"]).unwrap_or(0), count("brotli", &["-q", "11", "-c"]))
}

fn bundle() -> Result<String, String> {
    build_bundle()?;
    let dist = tools::root().join("dist");
    let mut rows = Vec::new();
    let (mut raw, mut gz, mut br) = (0, 0, 0);
    // What the page loads before it is up: the files index.html names (the
    // service worker and its script come later, and only once).
    let index = std::fs::read_to_string(dist.join("index.html")).map_err(|e| e.to_string())?;
    let mut entries: Vec<_> = std::fs::read_dir(&dist).map_err(|e| e.to_string())?.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    let row = |kind: &str, (r, g, b): (u64, u64, Option<u64>)| {
        format!(
            "| {kind} | {:.1} | {:.1} | {} |",
            r as f64 / 1000.0,
            g as f64 / 1000.0,
            b.map_or("n/a".into(), |b| format!("{:.1}", b as f64 / 1000.0))
        )
    };
    let mut later = Vec::new();
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let code = ["wasm", "js", "css"].iter().any(|k| name.ends_with(&format!(".{k}")));
        if !code {
            continue;
        }
        let size = sizes(&e.path());
        if !index.contains(&name) {
            // The wasm chunks the app fetches after sign-in (xtask/src/split.rs).
            if name.ends_with(".wasm") {
                later.push(row(&unhashed(&name), size));
            }
            continue;
        }
        raw += size.0;
        gz += size.1;
        br += size.2.unwrap_or(0);
        rows.push(row(&unhashed(&name), size));
    }
    let mut s = String::from("## Bundle (first load, as shipped)\n\nCommand: `cargo xtask bench bundle`\n\n| file | raw KB | gzip -9 KB | brotli -q 11 KB |\n| --- | --- | --- | --- |\n");
    for r in rows {
        s.push_str(&r);
        s.push('\n');
    }
    let _ = writeln!(
        s,
        "| **total** | {:.1} | {:.1} | {:.1} |\n",
        raw as f64 / 1000.0,
        gz as f64 / 1000.0,
        br as f64 / 1000.0
    );
    if !later.is_empty() {
        s.push_str("Fetched once the first screen is up, not in the first load:\n\n| file | raw KB | gzip -9 KB | brotli -q 11 KB |\n| --- | --- | --- | --- |\n");
        for r in later {
            s.push_str(&r);
            s.push('\n');
        }
        s.push('\n');
    }
    let kb = gz as f64 / 1000.0;
    let _ = writeln!(s, "First load: {kb:.1} KB gzip against a budget of {BUDGET_KB} KB (goal {GOAL_KB} KB).\n");
    if kb > BUDGET_KB {
        // Said loudly, not failed: the change that grew it says so in its note.
        eprintln!("\nFIRST LOAD OVER BUDGET: {kb:.1} KB gzip > {BUDGET_KB} KB (BENCHMARKS.md, Bundle)\n");
        let _ = writeln!(s, "**Over budget by {:.1} KB.**\n", kb - BUDGET_KB);
    }
    Ok(s)
}

/// "duet-split-<hash>.js" → "duet-split.js", "duet-<hash>_bg.wasm" → "duet_bg.wasm".
fn unhashed(name: &str) -> String {
    let (stem, ext) = name.split_once('.').unwrap_or((name, ""));
    let (stem, bg) = stem.strip_suffix("_bg").map_or((stem, ""), |s| (s, "_bg"));
    let stem = match stem.rsplit_once('-') {
        Some((base, hash)) if hash.len() >= 12 && hash.chars().all(|c| c.is_ascii_hexdigit()) => base,
        _ => stem,
    };
    format!("{stem}{bg}.{ext}")
}

/// The first load's gzip size a change may not exceed without saying so
/// (lowered as the app shrinks; BENCHMARKS.md has the plan to the goal).
const BUDGET_KB: f64 = 200.0;
const GOAL_KB: f64 = 150.0;

/// The biggest functions of the app's wasm, a map for size work. Read from
/// cargo's output (before wasm-bindgen and wasm-opt), which still has names.
fn contributors() -> Result<String, String> {
    let wasm = tools::root().join("target/wasm32-unknown-unknown/wasm-release/duet.wasm");
    let top = output("twiggy", &["top", "-n", "25", &wasm.to_string_lossy()])
        .ok_or_else(|| format!("twiggy could not read {}", wasm.display()))?;
    Ok(format!(
        "### Biggest contributors\n\n`twiggy top -n 25 target/wasm32-unknown-unknown/wasm-release/duet.wasm` (before wasm-opt):\n\n```\n{}```\n\n",
        top
    ))
}

/// One measurement: a fresh release duet-server and duet-load against it,
/// inside a loopback-only network namespace.
fn load(label: &str, server_flags: &str, load_args: &str) -> Result<String, String> {
    let script = format!(
        "ip link set lo up && ulimit -n $(ulimit -Hn) && \
         target/release/duet-server --listen 127.0.0.1:9100 --static-dir /nonexistent --log error \
           --max-connections 100000 {server_flags} & PID=$!; sleep 0.5; \
         target/release/duet-load --url ws://127.0.0.1:9100/ws --server-pid $PID {load_args}; RC=$?; \
         kill $PID; wait $PID 2>/dev/null; exit $RC"
    );
    measure(label, load_args, &script)
}

/// The same with two duet-server nodes clustered through a fresh
/// redis-server: callers on node 1, callees on node 2, so every relayed
/// message crosses Redis. CPU is node 1's.
fn load_cluster(label: &str, load_args: &str) -> Result<String, String> {
    let node = |port: u16, id: &str| {
        format!(
            "target/release/duet-server --listen 127.0.0.1:{port} --static-dir /nonexistent --log error \
               --max-connections 100000 --redis-url redis://127.0.0.1:9190/ --node-id {id}"
        )
    };
    let script = format!(
        "ip link set lo up && ulimit -n $(ulimit -Hn) && \
         redis-server --port 9190 --bind 127.0.0.1 --save '' --appendonly no >/dev/null & RPID=$!; sleep 0.3; \
         {} & PID=$!; {} & PID2=$!; sleep 1; \
         target/release/duet-load --url ws://127.0.0.1:9100/ws --callee-url ws://127.0.0.1:9101/ws \
           --server-pid $PID {load_args}; RC=$?; \
         kill $PID $PID2; wait $PID $PID2 2>/dev/null; kill $RPID; wait $RPID 2>/dev/null; exit $RC",
        node(9100, "n1"),
        node(9101, "n2"),
    );
    measure(label, load_args, &script)
}

/// A login storm across two clustered nodes (one redis-server): `per_node`
/// directory clients arrive at each node at once, from two `duet-load`
/// processes (each within its open-file limit); each one's newcomer logs in
/// at the other node, waits until its node counts everyone, and calls one
/// of the crowd across the nodes.
fn cluster_arrivals(label: &str, per_node: usize) -> Result<String, String> {
    let node = |port: u16, id: &str| {
        format!(
            "exec target/release/duet-server --listen 127.0.0.1:{port} --static-dir /nonexistent --log error \
               --max-connections 100000 --redis-url redis://127.0.0.1:9190/ --node-id {id} --secret-file $S"
        )
    };
    let crowd = |port: u16, other: u16, prefix: &str, pid: &str| {
        format!(
            "target/release/duet-load --url ws://127.0.0.1:{port}/ws --server-pid {pid} --duet --directory \
               --deadline-secs 250 arrivals --clients {per_node} --prefix {prefix} \
               --newcomer-url ws://127.0.0.1:{other}/ws --expect-online {}",
            2 * per_node + 2
        )
    };
    let script = format!(
        "ip link set lo up && ulimit -n $(ulimit -Hn) || exit 1; S=$(mktemp); \
         printf 'a-cluster-secret-of-at-least-thirty-two-bytes' > $S; \
         redis-server --port 9190 --bind 127.0.0.1 --save '' --appendonly no >/dev/null & RPID=$!; sleep 0.3; \
         ({}) & PID=$!; ({}) & PID2=$!; sleep 1; \
         {} > $S.a 2>&1 & A=$!; {} > $S.b 2>&1 & B=$!; \
         wait $A; RA=$?; wait $B; RB=$?; echo 'node 1:'; cat $S.a; echo 'node 2:'; cat $S.b; \
         kill $PID $PID2; wait $PID $PID2 2>/dev/null; kill $RPID; wait $RPID 2>/dev/null; rm -f $S $S.a $S.b; \
         exit $((RA + RB))",
        node(9100, "n1"),
        node(9101, "n2"),
        crowd(9100, 9101, "a", "$PID"),
        crowd(9101, 9100, "b", "$PID2"),
    );
    let args = format!("--duet --directory arrivals --clients {per_node} (on each of two nodes)");
    measure(label, &args, &script)
}

/// Set for the quick smoke run `cargo xtask test` makes: its small loads must
/// all complete, or the harness is what broke.
static STRICT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn measure(label: &str, load_args: &str, script: &str) -> Result<String, String> {
    eprintln!("\n---- {label} ----");
    let (ok, out) = tee(cmd("unshare", &["--net", "--", "sh", "-c", script]));
    if !ok && STRICT.load(std::sync::atomic::Ordering::Relaxed) {
        return Err(format!("bench smoke: {label} (`duet-load {load_args}`) did not complete"));
    }
    if !ok {
        // Reported, not fatal: one measurement out of reach should not hide the others.
        let why = out.lines().filter(|l| l.starts_with("duet-load:")).collect::<Vec<_>>().join("; ");
        return Ok(format!("**{label}** — `duet-load {load_args}`\n\n- did not complete: {why}\n\n"));
    }
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| l.contains(':') && !l.contains("Duet is running") && !l.trim_start().starts_with("http"))
        .collect();
    Ok(format!(
        "**{label}** — `duet-load {load_args}`\n\n{}\n\n",
        lines.iter().map(|l| format!("- {l}")).collect::<Vec<_>>().join("\n")
    ))
}

fn server(quick: bool) -> Result<String, String> {
    status(cmd("cargo", &["build", "--release", "-p", "duet-server", "-p", "duet-bench"]))?;
    let fd_limit: usize = output("sh", &["-c", "ulimit -Hn"]).and_then(|s| s.trim().parse().ok()).unwrap_or(20_000);
    // Each client holds a descriptor in duet-load and one in the server.
    let held = if quick { 200 } else { 10_000.min(fd_limit.saturating_sub(500)) };
    let storm = if quick { 200 } else { 5_000 };
    let mut s = format!(
        "## Signaling server load\n\nCommand: `cargo xtask bench server{}`; duet-server (release) and duet-load on loopback in one namespace, sharing the 2 cores. Open-file limit here: {fd_limit}.\n\n",
        if quick { " --quick" } else { "" }
    );
    s += &load("Held connections", "", &format!("--duet --deadline-secs 250 connect --clients {held}"))?;
    s += &load("Join storm, Duet presence", "", &format!("--duet --deadline-secs 250 storm --clients {storm}"))?;
    s += &load("Join storm, MDN userlist", "", &format!("storm --clients {}", if quick { 100 } else { 200 }))?;
    // People arriving at once (connect and log in together, no gate): every
    // one must be welcomed; duet-load fails the run if anyone is not.
    let arrivals = if quick { 300 } else { 15_000.min(fd_limit.saturating_sub(500)) };
    s += &load(
        "Login storm, everyone arriving at once",
        "",
        &format!("--duet --deadline-secs 250 arrivals --clients {arrivals}"),
    )?;
    // The same with directory clients (protocol 2): a page at login, not everyone.
    s += &load(
        "Login storm, everyone arriving at once, directory clients",
        "",
        &format!("--duet --directory --deadline-secs 250 arrivals --clients {arrivals}"),
    )?;
    let rates: &[u32] = if quick { &[500] } else { &[1_000, 5_000, 10_000, 20_000, 40_000] };
    let secs = if quick { 1 } else { 5 };
    for &rate in rates {
        s += &load(&format!("Relay at {rate} msg/s"), "", &format!("--duet relay --rate {rate} --seconds {secs}"))?;
    }
    // The per-address limits (on by default: every client above has its own
    // source address, as on the internet) against the same runs without them.
    let off = "--max-conns-per-ip 0 --logins-per-minute 0 --auth-failures-per-minute 0";
    s += &load(
        "Join storm, Duet presence, per-address limits off",
        off,
        &format!("--duet --deadline-secs 250 storm --clients {storm}"),
    )?;
    // #30's relay target: 10,000 msg/s with 15,000 directory clients online.
    let (rate, background) = if quick { (500, 100) } else { (10_000, 15_000.min(fd_limit.saturating_sub(1_000))) };
    s += &load(
        &format!("Relay at {rate} msg/s with {background} directory clients online"),
        "",
        &format!("--duet --directory relay --rate {rate} --seconds {secs} --background {background}"),
    )?;
    let rate = if quick { 500 } else { 10_000 };
    s += &load(
        &format!("Relay at {rate} msg/s, per-address limits off"),
        off,
        &format!("--duet relay --rate {rate} --seconds {secs}"),
    )?;
    let per_node = if quick { 150 } else { 10_000.min(fd_limit.saturating_sub(500)) };
    s += &cluster_arrivals(
        &format!("Login storm across two clustered nodes (Redis), {} directory clients", 2 * per_node),
        per_node,
    )?;
    let cluster_rates: &[u32] = if quick { &[500] } else { &[1_000, 5_000, 10_000] };
    for &rate in cluster_rates {
        s += &load_cluster(
            &format!("Relay across two clustered nodes (Redis) at {rate} msg/s"),
            &format!("--duet relay --rate {rate} --seconds {secs}"),
        )?;
    }
    // Attacker-shaped loads (docs/security.md): a call must survive a chat
    // flood from one address, and a stalled reader costs at most its queue.
    let (flooders, flood_secs, readers, stall_secs) = if quick { (10, 2, 5, 2) } else { (60, 20, 20, 20) };
    s += &load(
        "Chat flood from one address at a call whose callee reads slowly",
        "",
        &format!("--duet chat-flood --flooders {flooders} --seconds {flood_secs}"),
    )?;
    // 56 KiB: about the largest offer a 64 KiB message holds; 31 KiB: the
    // largest the default --max-sdp-bytes relays.
    let sizes: &[u32] = if quick { &[31] } else { &[56, 31] };
    for kib in sizes {
        s += &load(
            &format!("Stalled readers flooded with {kib} KiB offers and 1 KiB candidates"),
            "",
            &format!("--duet stalled --readers {readers} --seconds {stall_secs} --sdp-kib {kib}"),
        )?;
    }
    if !quick {
        s += &load(
            "Relay at 10000 msg/s with 10,000 idle clients",
            "",
            "--duet --deadline-secs 200 relay --rate 10000 --seconds 5 --background 10000",
        )?;
    }
    Ok(s)
}

fn browser(quick: bool) -> Result<String, String> {
    build_bundle()?;
    let (calls, secs) = if quick { ("3", "5") } else { ("20", "60") };
    let mut c = cmd(
        "unshare",
        &[
            "--net",
            "--",
            "sh",
            "-c",
            "ip link set lo up && exec \"$@\"",
            "loopback-only",
            "cargo",
            "test",
            "--release",
            "-p",
            "duet-e2e",
            "--test",
            "bench",
            "--",
            "--nocapture",
        ],
    );
    c.env("DUET_DIST", tools::root().join("dist")).env("DUET_BENCH_CALLS", calls).env("DUET_BENCH_CALL_SECS", secs);
    eprintln!("\n---- browser ----");
    let (ok, out) = tee(c);
    if !ok {
        return Err("browser benchmark failed".into());
    }
    if let Some(warning) = slower_than_recorded(&out) {
        eprintln!("{warning}");
    }
    let lines: Vec<String> =
        out.lines().filter(|l| l.starts_with("bench:")).map(|l| format!("- {}", &l[6..].trim())).collect();
    Ok(format!(
        "## Browser (two headless Chromium, fake media, loopback)\n\nCommand: `cargo xtask bench browser{}`\n\n{}\n\n",
        if quick { " --quick" } else { "" },
        lines.join("\n")
    ))
}

/// The measurements whose medians are compared with BENCHMARKS.md's: the
/// words that start the `bench:` line, the row of the browser table, and
/// the step that is not Duet's, measured in the same run, it is weighed
/// against ([`REFERENCES`]).
const WATCHED: [(&str, &str, usize); 4] = [
    ("callee's Accept → caller's first remote frame", "| callee's Accept → caller's first remote frame", BROWSER_ALONE),
    (
        "Accept after a 1.5 s ring → caller's first remote frame",
        "| Accept after a 1.5 s ring → caller's first remote frame",
        BROWSER_ALONE,
    ),
    (
        "Accept after a 1.5 s ring → callee's first remote frame",
        "| Accept after a 1.5 s ring → callee's first remote frame",
        BROWSER_ALONE,
    ),
    (
        "caller's click → first remote frame, instant Accept",
        "| caller's click → first remote frame, instant Accept",
        MDN,
    ),
];

/// Steps that are not Duet's, measured in the same run: the browser's own
/// step (no server in it) and MDN's sample calling itself (through the same
/// server and browsers, so a busy machine slows it as much as Duet's calls).
const REFERENCES: [(&str, &str); 2] = [
    ("the browser alone, replaceTrack → first remote frame", "| the browser alone, `replaceTrack` → first frame shown"),
    ("MDN's sample client calling itself", "| MDN's sample client calling itself"),
];
const BROWSER_ALONE: usize = 0;
const MDN: usize = 1;

/// A loud note when a call-setup median printed in `out` is more than 25 %
/// above the one BENCHMARKS.md records, and more than 25 % above it against
/// its same-run reference too (when both runs have one): a busy machine
/// slows the reference as much, a slower Duet does not. Timings never fail a run (the machine is shared and noisy),
/// but a regression must not pass unnoticed.
pub fn slower_than_recorded(out: &str) -> Option<String> {
    let recorded = std::fs::read_to_string(tools::root().join("BENCHMARKS.md")).ok()?;
    let median = |line: &str| -> Option<f64> {
        let rest = &line[line.find("median ")? + "median ".len()..];
        rest.split(" ms").next()?.trim().parse().ok()
    };
    let printed = |words: &str| out.lines().find(|l| l.starts_with(&format!("bench: {words}"))).and_then(median);
    let row = |start: &str| recorded.lines().find(|l| l.starts_with(start)).and_then(median);
    let mut notes = Vec::new();
    for (words, start, reference) in WATCHED {
        let (Some(now), Some(then)) = (printed(&format!("{words}:")), row(start)) else { continue };
        if now <= then * 1.25 {
            continue;
        }
        let (ref_words, ref_row) = REFERENCES[reference];
        let note = format!(
            "{words}: median {now:.0} ms, {:.0} % slower than the {then:.0} ms BENCHMARKS.md records",
            (now / then - 1.0) * 100.0
        );
        match (printed(ref_words), row(ref_row)) {
            (Some(ref_now), Some(ref_then)) => {
                let weighed = (now / ref_now) / (then / ref_then);
                if weighed > 1.25 {
                    notes.push(format!(
                        "{note}; {:.0} % slower weighed against {ref_words} ({ref_now:.0} ms here, {ref_then:.0} recorded)",
                        (weighed - 1.0) * 100.0
                    ));
                }
            }
            _ => notes.push(note),
        }
    }
    (!notes.is_empty()).then(|| {
        let bar = "!".repeat(78);
        format!("{bar}\nCALLS GOT SLOWER (check with `cargo xtask bench browser`):\n{}\n{bar}", notes.join("\n"))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_call_setup_a_quarter_slower_than_recorded_is_called_out() {
        let line =
            |ms: u32| format!("bench: callee's Accept → caller's first remote frame: median {ms} ms, p90 1 ms (n = 3)");
        let alone = |ms: u32| {
            format!("bench: the browser alone, replaceTrack → first remote frame in one page: median {ms} ms, p90 1 ms (n = 3)")
        };
        let loud = super::slower_than_recorded(&line(900)).expect("900 ms is far slower than the record");
        assert!(loud.contains("CALLS GOT SLOWER") && loud.contains("median 900 ms"), "{loud}");
        assert_eq!(super::slower_than_recorded(&line(100)), None);
        assert_eq!(super::slower_than_recorded("no bench lines"), None);
        // The browser's own step as fast as recorded: Duet's is slower.
        let loud = super::slower_than_recorded(&format!("{}\n{}", line(900), alone(110))).expect("Duet slower");
        assert!(loud.contains("weighed against the browser alone"), "{loud}");
        // Everything nine times slower (a loaded machine): not Duet's doing.
        let recorded = std::fs::read_to_string(crate::tools::root().join("BENCHMARKS.md")).unwrap();
        let alone_then = recorded
            .lines()
            .find(|l| l.starts_with("| the browser alone, `replaceTrack`"))
            .and_then(|l| l.split("median ").nth(1)?.split(" ms").next()?.parse::<f64>().ok())
            .expect("BENCHMARKS.md records the browser alone");
        let slow_machine = format!("{}\n{}", line(900), alone((alone_then * 9.0) as u32));
        assert_eq!(super::slower_than_recorded(&slow_machine), None, "weighed, it is no slower");
    }
}
