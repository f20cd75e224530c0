//! Installs what is missing, checking versions first so a second run is quick.

use std::time::Instant;

use crate::{
    run::{cmd, output, status},
    tools,
};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Enough to build the bundle (serve).
    WebBuild,
    /// Also what the native tests run against (Redis, namespaces).
    NativeTests,
    /// Also the browser and coturn for the browser tests.
    Everything,
}

pub fn setup(need: Need) -> Result<(), String> {
    let started = Instant::now();
    wasm_target()?;
    trunk()?;
    if need != Need::WebBuild {
        cargo_deny()?;
    }
    if need == Need::Everything {
        cargo_install_pinned("geckodriver", "geckodriver", tools::GECKODRIVER_VERSION, "~1 min, once")?;
    }
    wasm_bindgen()?;
    wasm_opt()?;
    if need == Need::Everything {
        axe_core()?;
    }
    if need != Need::WebBuild {
        // One apt-get run for whatever system packages are missing.
        let mut missing: Vec<&str> = [namespace_tools(), redis(), cxx()].concat();
        if need == Need::Everything {
            missing.extend([browser(), korean_font(), firefox(), coturn(), brotli(), proxies()].concat());
        }
        if !missing.is_empty() {
            apt_install(&missing, "~2 min")?;
        }
    }
    eprintln!("setup: everything in place ({:.0?})", started.elapsed());
    Ok(())
}

fn step(what: &str, takes: &str) -> Instant {
    eprintln!("setup: installing {what} (takes {takes}) …");
    Instant::now()
}

fn done(what: &str, t: Instant) {
    eprintln!("setup: {what} installed in {:.0?}", t.elapsed());
}

fn wasm_target() -> Result<(), String> {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    let t = step("the wasm32-unknown-unknown target", "~1 min");
    status(cmd("rustup", &["target", "add", "wasm32-unknown-unknown"]))?;
    done("wasm32 target", t);
    Ok(())
}

fn trunk() -> Result<(), String> {
    // 0.22 needs a newer rustc than this toolchain; pin the last that builds.
    cargo_install_pinned("trunk", "trunk", tools::TRUNK_VERSION, "~13 min on 2 cores, once")
}

fn cargo_deny() -> Result<(), String> {
    cargo_install_pinned("cargo-deny", "cargo-deny", tools::CARGO_DENY_VERSION, "~2 min on 2 cores, once")
}

/// `cargo install --locked crate --version version`, unless `bin --version`
/// already says that version.
fn cargo_install_pinned(krate: &str, bin: &str, version: &str, takes: &str) -> Result<(), String> {
    let have = output(bin, &["--version"]).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(version) {
        return Ok(());
    }
    let t = step(&format!("{krate} {version}"), takes);
    status(cmd("cargo", &["install", "--locked", krate, "--version", version]))?;
    done(krate, t);
    Ok(())
}

fn wasm_bindgen() -> Result<(), String> {
    let want = tools::locked_wasm_bindgen()?;
    let have = output("wasm-bindgen", &["--version"]).unwrap_or_default();
    let runner = output("wasm-bindgen-test-runner", &["--version"]).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(want.as_str()) && runner.contains(&want) {
        return Ok(());
    }
    // Without --locked: its lockfile pins a crate version the registry lacks.
    let t = step(&format!("wasm-bindgen-cli {want}"), "~4 min, once");
    status(cmd("cargo", &["install", "wasm-bindgen-cli", "--version", &want]))?;
    done("wasm-bindgen-cli", t);
    Ok(())
}

fn wasm_opt() -> Result<(), String> {
    let bin = tools::binaryen_bin().join("wasm-opt");
    let have = output(&bin.to_string_lossy(), &["--version"]).unwrap_or_default();
    if have.contains(&format!("version {}", tools::BINARYEN_VERSION)) {
        return Ok(());
    }
    // Trunk would download binaryen from GitHub (unreachable here) and
    // Debian's is too old for current rustc output; npm ships a working one.
    let t = step(&format!("wasm-opt (npm binaryen@{})", tools::BINARYEN_VERSION), "~10 s");
    let prefix = tools::tools_dir().join("binaryen");
    std::fs::create_dir_all(&prefix).map_err(|e| format!("creating {}: {e}", prefix.display()))?;
    let pkg = format!("binaryen@{}", tools::BINARYEN_VERSION);
    status(cmd("npm", &["install", "--no-audit", "--no-fund", "--prefix", &prefix.to_string_lossy(), &pkg]))?;
    done("wasm-opt", t);
    Ok(())
}

/// axe-core, the accessibility checker the browser tests run in each screen.
fn axe_core() -> Result<(), String> {
    let script = tools::axe_js();
    let package = script.parent().map(|d| d.join("package.json"));
    let have = package.and_then(|p| std::fs::read_to_string(p).ok()).unwrap_or_default();
    if have.contains(&format!("\"version\": \"{}\"", tools::AXE_VERSION)) && script.is_file() {
        return Ok(());
    }
    let t = step(&format!("axe-core {} (npm)", tools::AXE_VERSION), "~5 s");
    let prefix = tools::tools_dir().join("axe");
    std::fs::create_dir_all(&prefix).map_err(|e| format!("creating {}: {e}", prefix.display()))?;
    let pkg = format!("axe-core@{}", tools::AXE_VERSION);
    status(cmd("npm", &["install", "--no-audit", "--no-fund", "--prefix", &prefix.to_string_lossy(), &pkg]))?;
    done("axe-core", t);
    Ok(())
}

fn apt_install(packages: &[&str], takes: &str) -> Result<(), String> {
    let t = step(&packages.join(", "), takes);
    let is_root = output("id", &["-u"]).is_some_and(|u| u.trim() == "0");
    if !is_root {
        return Err(format!(
            "{} missing; install them with: sudo apt-get install -y {}",
            packages.join(", "),
            packages.join(" ")
        ));
    }
    status(cmd("apt-get", &["update", "-q"]))?;
    // Tests need these daemons' binaries, never the system services their
    // packages start on install (a web server on :80, Redis on :6379 left
    // running on a developer's laptop): Debian's policy-rc.d forbids starting
    // them while installing, and what was installed is not enabled either.
    let policy = std::path::Path::new("/usr/sbin/policy-rc.d");
    let ours = !policy.exists()
        && std::fs::write(policy, "#!/bin/sh\n# cargo xtask setup: start no services\nexit 101\n").is_ok();
    if ours {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(policy, std::fs::Permissions::from_mode(0o755));
    }
    let mut c = cmd("apt-get", &["install", "-y", "-q"]);
    c.args(packages).env("DEBIAN_FRONTEND", "noninteractive");
    let installed = status(c);
    if ours {
        let _ = std::fs::remove_file(policy);
    }
    installed?;
    let services: Vec<&str> = packages.iter().filter_map(|p| service_of(p)).collect();
    if !services.is_empty() && std::path::Path::new("/run/systemd/system").exists() {
        let mut disable = cmd("systemctl", &["disable", "--now", "--quiet"]);
        disable.args(&services);
        let _ = status(disable);
    }
    if !services.is_empty() {
        eprintln!("setup: {} installed for the tests only: not started, not enabled", services.join(", "));
    }
    done(&packages.join(", "), t);
    Ok(())
}

/// The system service a package would start on install.
fn service_of(package: &str) -> Option<&'static str> {
    match package {
        "caddy" => Some("caddy"),
        "nginx-light" => Some("nginx"),
        "redis-server" => Some("redis-server"),
        "coturn" => Some("coturn"),
        _ => None,
    }
}

/// Chromium and a ChromeDriver of the same major version.
fn browser() -> Vec<&'static str> {
    let chromium = output(tools::CHROMIUM, &["--version"]).unwrap_or_default();
    let driver = output(tools::CHROMEDRIVER, &["--version"]).unwrap_or_default();
    let major = |s: &str| {
        s.split_whitespace()
            .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))
            .and_then(|v| v.split('.').next().map(str::to_owned))
    };
    if !chromium.is_empty() && major(&chromium) == major(&driver) {
        return vec![];
    }
    vec!["chromium", "chromium-driver", "fonts-liberation"]
}

/// `unshare` and `ip` put browser tests in a loopback-only network namespace.
fn namespace_tools() -> Vec<&'static str> {
    if output("unshare", &["--version"]).is_some()
        && output("ip", &["-V"]).is_some()
        && output("curl", &["--version"]).is_some()
    {
        return vec![];
    }
    vec!["util-linux", "iproute2", "curl"]
}

/// coturn: the TURN server the relay tests run calls through.
fn coturn() -> Vec<&'static str> {
    if std::path::Path::new("/usr/bin/turnserver").exists() {
        return vec![];
    }
    vec!["coturn"]
}

/// redis-server: the cluster tests run several duet-servers through a real one.
/// A C++ compiler: the fuzz targets' libFuzzer is built from source.
fn cxx() -> Vec<&'static str> {
    if output("c++", &["--version"]).is_some() {
        return vec![];
    }
    vec!["g++"]
}

fn redis() -> Vec<&'static str> {
    if output("redis-server", &["--version"]).is_some() {
        return vec![];
    }
    vec!["redis-server"]
}

/// Firefox ESR: the end-to-end tests call between it and Chromium.
fn firefox() -> Vec<&'static str> {
    if std::path::Path::new("/usr/bin/firefox-esr").exists() {
        return vec![];
    }
    vec!["firefox-esr"]
}

/// Caddy and nginx: the reverse-proxy recipes in deploy/ are tested with
/// the real ones (a call through Caddy; nginx's own config check).
fn proxies() -> Vec<&'static str> {
    let mut missing = vec![];
    if output("caddy", &["version"]).is_none() {
        missing.push("caddy");
    }
    if !std::path::Path::new("/usr/sbin/nginx").exists() {
        missing.push("nginx-light");
    }
    // systemd-analyze checks the shipped unit file.
    if output("systemd-analyze", &["--version"]).is_none() {
        missing.push("systemd");
    }
    missing
}

/// A Korean font, so the Korean screenshots show Hangul (a Korean user's
/// machine has one; the app ships no font).
fn korean_font() -> Vec<&'static str> {
    if std::path::Path::new("/usr/share/fonts/truetype/nanum").is_dir() {
        return vec![];
    }
    vec!["fonts-nanum"]
}

/// The brotli CLI, for the bundle size report.
fn brotli() -> Vec<&'static str> {
    if output("brotli", &["--version"]).is_some() {
        return vec![];
    }
    vec!["brotli"]
}

/// twiggy, for the bundle's size map (`cargo xtask bench`, not the quick run).
pub fn twiggy() -> Result<(), String> {
    if output("twiggy", &["--version"]).is_some() {
        return Ok(());
    }
    let t = step("twiggy", "~3 min, once");
    status(cmd("cargo", &["install", "twiggy", "--version", "0.8.0"]))?;
    done("twiggy", t);
    Ok(())
}
