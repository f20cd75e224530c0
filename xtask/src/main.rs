//! `cargo xtask`: the project's automation, in Rust so it needs nothing but
//! cargo to start.
//!
//! - `setup`  installs the web toolchain and browser (idempotent, quick when done)
//! - `serve`  builds the release bundle and runs duet-server on it
//! - `dist`   one self-contained release tarball
//! - `test`   everything CI checks, ending with one summary line
//! - `bench`  benchmarks (see BENCHMARKS.md)
//! - `pwa`    Trunk's post-build hook: manifest, icons, service worker
//! - `screens` copies the docs' screenshots from the last end-to-end run
//! - `docs-check` the docs name only flags, variables and files that exist

mod bench;
mod dist;
mod msrv;
mod pwa;
mod run;
mod screens;
mod serve;
mod setup;
mod shrink;
mod split;
mod test;
mod tools;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (cmd, rest) = args.split_first().map(|(c, r)| (c.as_str(), r)).unwrap_or(("help", &[]));
    let result = match cmd {
        "setup" => setup::setup(setup::Need::Everything),
        "serve" => serve::serve(rest),
        "build" => setup::setup(setup::Need::WebBuild).and_then(|()| serve::build_bundle()),
        "dist" => dist::dist().map(|_| ()),
        "test" => test::test(rest),
        "bench" => bench::bench(rest),
        "screens" => screens::screens(),
        "pwa" => pwa::pwa(),
        "docs-check" => run::status(run::cmd("cargo", &["test", "-p", "duet-server", "--test", "docs"])),
        "help" | "-h" | "--help" => {
            println!("{}", HELP);
            Ok(())
        }
        other => Err(format!("unknown command {other:?}\n\n{HELP}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

const HELP: &str = "usage: cargo xtask <command>

  setup            install what building and testing need (trunk, wasm-bindgen-cli,
                   wasm-opt, Chromium + ChromeDriver, the wasm target); skips what is there
  serve [ARGS..]   build the app (release) and run duet-server on http://127.0.0.1:8080;
                   ARGS go to duet-server, e.g. --listen 0.0.0.0:8080 --access key --access-key-file keys.txt (see duet-server --help)
  build            build the release bundle into dist/
  dist             one self-contained release (duet-server with the app inside, deploy/,
                   checksums) in target/dist/duet-<version>-<target>.tar.gz
  test [--skip-browser]
                   fmt, clippy, native tests, browser tests (headless Chromium), end-to-end,
                   and a quick benchmark run so the harness cannot rot
  bench [server|bundle|browser] [--quick]
                   measure (see BENCHMARKS.md); report in target/bench/
  pwa              (run by Trunk after each build) the web app manifest, icons and service worker
  screens          copy the screenshots README and docs/ show from the last end-to-end run
  docs-check       check that the docs name only flags, variables, files and commands that exist";
