//! `cargo xtask test`: every check CI runs, in order, ending with one
//! summary line. Steps that open sockets between browsers and servers run
//! inside a private network namespace that holds only loopback.

use std::process::Command;

use crate::{
    run::{cmd, tee},
    setup::{self, Need},
    tools,
};

struct Outcome {
    step: &'static str,
    ok: bool,
    passed: u64,
    failed: u64,
}

pub fn test(args: &[String]) -> Result<(), String> {
    let skip_browser = args.iter().any(|a| a == "--skip-browser");
    setup::setup(if skip_browser { Need::NativeTests } else { Need::Everything })?;

    // The fuzz crate keeps its own lock (outside the workspace); seeding it
    // from the workspace's pins the dependencies they share to the versions
    // everything else is tested with.
    let root = tools::root();
    let _ = std::fs::copy(root.join("Cargo.lock"), root.join("fuzz/Cargo.lock"));

    let mut steps: Vec<(&'static str, Command)> = vec![
        ("format", cmd("cargo", &["fmt", "--all", "--", "--check"])),
        ("clippy", cmd("cargo", &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])),
        (
            "clippy (wasm)",
            cmd(
                "cargo",
                &[
                    "clippy",
                    "--target",
                    "wasm32-unknown-unknown",
                    "-p",
                    "duet",
                    "--all-targets",
                    "--",
                    "-D",
                    "warnings",
                ],
            ),
        ),
        // The fuzz targets live outside the workspace (cargo-fuzz builds them
        // with a nightly compiler); checking them keeps them from rotting.
        (
            "fuzz targets",
            cmd("cargo", &["check", "--manifest-path", "fuzz/Cargo.toml", "--bins", "--target-dir", "target"]),
        ),
        // Dependency policy (deny.toml); advisories need a database download,
        // which the hosted workflow does.
        ("dependencies", cmd("cargo", &["deny", "--log-level", "error", "check", "licenses", "bans", "sources"])),
        // Servers, Redis and test clients talk over loopback only.
        // Every test binary runs even after one fails, so one failure hides no other.
        (
            "native tests",
            in_loopback_namespace(&["cargo", "test", "--no-fail-fast", "--workspace", "--exclude", "duet-e2e"]),
        ),
    ];
    if !skip_browser {
        let mut wasm = in_loopback_namespace(&["cargo", "test", "--target", "wasm32-unknown-unknown", "-p", "duet"]);
        wasm.env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner")
            .env("WASM_BINDGEN_TEST_TIMEOUT", "60");
        steps.push(("browser tests", wasm));
        // The same wasm tests in Firefox ESR (prefs in webdriver.json).
        let mut firefox = in_loopback_namespace(&["cargo", "test", "--target", "wasm32-unknown-unknown", "-p", "duet"]);
        firefox
            .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner")
            .env("WASM_BINDGEN_TEST_TIMEOUT", "60")
            .env("GECKODRIVER", tools::cargo_bin().join("geckodriver"))
            .env_remove("CHROMEDRIVER");
        steps.push(("browser (Firefox)", firefox));
    }

    let mut outcomes = Vec::new();
    eprintln!("\n==== msrv ====");
    let msrv = crate::msrv::check();
    match &msrv {
        Ok(said) => eprintln!("msrv: {said}"),
        Err(e) => eprintln!("msrv: {e}"),
    }
    outcomes.push(Outcome { step: "msrv", ok: msrv.is_ok(), passed: 0, failed: 0 });
    for (step, c) in steps {
        eprintln!("\n==== {step} ====");
        let (ok, out) = tee(c);
        let (passed, failed) = count(&out);
        outcomes.push(Outcome { step, ok, passed, failed });
    }
    let mut slower = None;
    if !skip_browser {
        eprintln!("\n==== end-to-end ====");
        // The release package: the bundle in dist/ and duet-server with it inside.
        let bundle_ok = crate::dist::dist().is_ok();
        let (ok, passed, failed) = if bundle_ok {
            let mut e2e =
                in_loopback_namespace(&["cargo", "test", "--no-fail-fast", "-p", "duet-e2e", "--", "--test-threads=1"]);
            // The short bench run among them (e2e/tests/bench.rs) writes its
            // lines here, since the harness shows a passing test's output to no one.
            let lines = tools::root().join("target/e2e/bench-quick.txt");
            let _ = std::fs::create_dir_all(tools::root().join("target/e2e"));
            let _ = std::fs::remove_file(&lines);
            e2e.env("DUET_DIST", tools::root().join("dist"))
                .env("DUET_AXE", tools::axe_js())
                .env("DUET_BENCH_LINES", &lines);
            let (ok, out) = tee(e2e);
            let measured = std::fs::read_to_string(&lines).unwrap_or_default();
            eprintln!("\n---- the short browser bench ----\n{measured}");
            // Without its lines the comparison below would silently compare
            // nothing (as it did before the lines went to a file): the step fails.
            let compared = !measured.trim().is_empty();
            if !compared {
                eprintln!("end-to-end: the short browser bench wrote no lines to {}", lines.display());
            }
            slower = crate::bench::slower_than_recorded(&measured);
            let (p, f) = count(&out);
            (ok && compared, p, f)
        } else {
            (false, 0, 0)
        };
        outcomes.push(Outcome { step: "end-to-end", ok, passed, failed });

        // README's development loop, exactly as written there.
        eprintln!("\n==== dev loop ====");
        let (ok, out) = tee(dev_loop());
        let (passed, failed) = count(&out);
        outcomes.push(Outcome { step: "dev loop", ok, passed, failed });

        // The benchmark harness, small, so it cannot rot unnoticed.
        eprintln!("\n==== bench smoke ====");
        let smoke = crate::bench::bench(&["server".into(), "bundle".into(), "--quick".into()]);
        if let Err(e) = &smoke {
            eprintln!("bench smoke: {e}");
        }
        outcomes.push(Outcome { step: "bench smoke", ok: smoke.is_ok(), passed: 0, failed: 0 });
    }

    eprintln!("\n==== results ====");
    if let Some(warning) = crate::screens::stale() {
        eprintln!("note: {warning}");
    }
    if let Some(warning) = &slower {
        eprintln!("{warning}");
    }
    for o in &outcomes {
        eprintln!("{:>4}  {:<14} {} passed, {} failed", if o.ok { "ok" } else { "FAIL" }, o.step, o.passed, o.failed);
    }
    if skip_browser {
        for step in ["browser tests", "browser (Firefox)", "end-to-end", "dev loop", "bench smoke"] {
            eprintln!("skip  {step:<14} skipped (--skip-browser)");
        }
    }
    let passed: u64 = outcomes.iter().map(|o| o.passed).sum();
    // A step that failed without a test failing (fmt, clippy, a build) still counts once.
    let failed: u64 = outcomes.iter().map(|o| if o.ok { o.failed } else { o.failed.max(1) }).sum();
    println!("summary: {passed} passed, {failed} failed");
    if outcomes.iter().all(|o| o.ok) {
        Ok(())
    } else {
        let bad: Vec<&str> = outcomes.iter().filter(|o| !o.ok).map(|o| o.step).collect();
        Err(format!("failed: {}", bad.join(", ")))
    }
}

/// `cargo run -p duet-server` and `trunk serve` as README says, in one
/// loopback-only namespace, then a call through Trunk's port.
fn dev_loop() -> Command {
    let log = tools::root().join("target/e2e/dev-loop");
    let _ = std::fs::create_dir_all(&log);
    let script = format!(
        "set -u; cargo run -q -p duet-server > {log}/server.log 2>&1 & S=$!; \
         trunk serve > {log}/trunk.log 2>&1 & T=$!; \
         ok=; for i in $(seq 1 600); do \
           if curl -sf http://127.0.0.1:8081/ | grep -q '<script' && curl -sf http://127.0.0.1:8080/healthz >/dev/null; then ok=1; break; fi; \
           sleep 1; done; \
         if [ -z \"$ok\" ]; then echo 'dev loop: trunk serve or duet-server did not come up (see {log})'; RC=1; \
         else DUET_DEV_URL=http://127.0.0.1:8081/ cargo test -p duet-e2e --test dev_loop -- --ignored --test-threads=1; RC=$?; fi; \
         kill $T $S 2>/dev/null; wait $T $S 2>/dev/null; exit $RC",
        log = log.display()
    );
    let mut c = in_loopback_namespace(&["sh", "-c", &script]);
    c.env("TRUNK_SKIP_VERSION_CHECK", "true");
    c
}

/// Runs `argv` in a new network namespace with only `lo`, up. Browsers and
/// servers there can talk to each other and to nothing else.
fn in_loopback_namespace(argv: &[&str]) -> Command {
    let mut c = cmd("unshare", &["--net", "--", "sh", "-c", "ip link set lo up && exec \"$@\"", "loopback-only"]);
    c.args(argv).env("DUET_LOOPBACK_NAMESPACE", "1");
    c
}

/// Sums cargo's and wasm-bindgen-test's "test result:" lines.
fn count(out: &str) -> (u64, u64) {
    let mut passed = 0;
    let mut failed = 0;
    for line in out.lines().filter(|l| l.trim_start().starts_with("test result:")) {
        let num_before = |word: &str| {
            line.split(';')
                .find(|part| part.trim_end().ends_with(word))
                .and_then(|part| part.split_whitespace().rev().nth(1))
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0)
        };
        passed += num_before("passed");
        failed += num_before("failed");
    }
    (passed, failed)
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_cargo_test_result_lines() {
        let out = "running 3 tests\ntest result: ok. 3 passed; 0 failed; 1 ignored; 0 measured\n\
                   test result: FAILED. 5 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.1s\n";
        assert_eq!(super::count(out), (8, 2));
    }
}
