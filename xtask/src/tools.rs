//! Where the tools live and the environment they need.

use std::path::{Path, PathBuf};

pub const TRUNK_VERSION: &str = "0.21.14";
/// geckodriver, for the Firefox end-to-end tests.
pub const GECKODRIVER_VERSION: &str = "0.37.1";
/// cargo-deny, for the dependency policy (deny.toml).
pub const CARGO_DENY_VERSION: &str = "0.20.2";
pub const BINARYEN_VERSION: &str = "132";
/// axe-core, for the accessibility checks in the browser tests.
pub const AXE_VERSION: &str = "4.14.1";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask is inside the workspace").to_path_buf()
}

/// Tools installed outside the repo, so a fresh clone reuses them:
/// `$DUET_TOOLS_DIR`, else `~/.cache/duet-tools`.
pub fn tools_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("DUET_TOOLS_DIR") {
        return PathBuf::from(d);
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/tmp"));
    home.join(".cache").join("duet-tools")
}

pub fn binaryen_bin() -> PathBuf {
    tools_dir().join("binaryen").join("node_modules").join(".bin")
}

/// axe-core's browser build (the end-to-end tests read it from here).
pub fn axe_js() -> PathBuf {
    tools_dir().join("axe").join("node_modules").join("axe-core").join("axe.min.js")
}

pub fn cargo_bin() -> PathBuf {
    if let Some(d) = std::env::var_os("CARGO_HOME") {
        return PathBuf::from(d).join("bin");
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    home.join(".cargo").join("bin")
}

/// PATH with wasm-opt and cargo-installed tools first.
pub fn path_env() -> String {
    let old = std::env::var("PATH").unwrap_or_default();
    format!("{}:{}:{old}", binaryen_bin().display(), cargo_bin().display())
}

/// The wasm-bindgen version Cargo.lock pins (the CLI must match it exactly).
pub fn locked_wasm_bindgen() -> Result<String, String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| format!("reading Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|v| v.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_owned());
            }
        }
    }
    Err("Cargo.lock has no wasm-bindgen".into())
}
