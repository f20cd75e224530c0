//! The minimum supported Rust version is the workspace's `rust-version`; it
//! must be at least what every dependency declares. (Building with that exact
//! toolchain needs a rustup download, which the hosted CI can do.)

use crate::{run::cmd, tools};

type Version = (u64, u64, u64);

fn parse(v: &str) -> Version {
    let mut parts = v.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// Ok with a line saying what was checked, or Err listing the dependencies
/// that need a newer Rust than the workspace says.
pub fn check() -> Result<String, String> {
    let out = cmd("cargo", &["metadata", "--format-version", "1", "--locked"])
        .output()
        .map_err(|e| format!("cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err(format!("cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let toml = std::fs::read_to_string(tools::root().join("Cargo.toml")).map_err(|e| e.to_string())?;
    let ours = toml
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \"").and_then(|v| v.strip_suffix('"')))
        .ok_or("the workspace Cargo.toml declares no rust-version")?;
    let packages = meta["packages"].as_array().ok_or("cargo metadata lists no packages")?;
    let newer: Vec<String> = packages
        .iter()
        .filter_map(|p| {
            let needs = p["rust_version"].as_str()?;
            (parse(needs) > parse(ours)).then(|| format!("{} {} needs {needs}", p["name"], p["version"]))
        })
        .collect();
    if newer.is_empty() {
        Ok(format!("rust-version {ours} covers all {} packages", packages.len()))
    } else {
        Err(format!("rust-version {ours} is too old for: {}", newer.join(", ")))
    }
}
