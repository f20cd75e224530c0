//! `cargo xtask dist`: one self-contained release — duet-server with the app
//! compiled in — packed with a short README, deploy/, the operator's guide and checksums into
//! target/dist/duet-<version>-<target>.tar.gz.

use std::path::{Path, PathBuf};

use crate::{
    run::{cmd, output, status},
    serve::build_bundle,
    setup::{self, Need},
    tools,
};

const PACKAGE_README: &str = include_str!("dist_readme.md");

/// Builds the package and returns the tarball's path.
pub fn dist() -> Result<PathBuf, String> {
    setup::setup(Need::WebBuild)?;
    build_bundle()?;
    let root = tools::root();
    let mut build = cmd("cargo", &["build", "--release", "-p", "duet-server"]);
    build.env("DUET_EMBED_DIST", root.join("dist"));
    status(build)?;

    let version = server_version(&root)?;
    let target = output("rustc", &["-vV"])
        .and_then(|v| v.lines().find_map(|l| l.strip_prefix("host: ").map(str::to_owned)))
        .ok_or("rustc -vV names no host target")?;
    let name = format!("duet-{version}-{target}");
    let out = root.join("target/dist");
    let stage = out.join(&name);
    let _ = std::fs::remove_dir_all(&stage);
    for dir in ["deploy/nginx", "docs"] {
        std::fs::create_dir_all(stage.join(dir)).map_err(|e| e.to_string())?;
    }
    let copy = |from: &Path, to: &Path| {
        std::fs::copy(from, to).map(|_| ()).map_err(|e| format!("copying {}: {e}", from.display()))
    };
    copy(&root.join("target/release/duet-server"), &stage.join("duet-server"))?;
    std::fs::write(stage.join("README.md"), PACKAGE_README.replace("{version}", &version))
        .map_err(|e| e.to_string())?;
    for f in ["Caddyfile", "coturn.conf", "duet.env", "duet.service", "install.sh", "nginx/duet.conf"] {
        copy(&root.join("deploy").join(f), &stage.join("deploy").join(f))?;
    }
    // The operator's guide and what it links to.
    for f in ["docs/operating.md", "docs/security.md", "docs/cluster.md", "CHANGELOG.md"] {
        copy(&root.join(f), &stage.join(f))?;
    }
    for f in ["LICENSE-MIT", "LICENSE-APACHE"] {
        if root.join(f).is_file() {
            copy(&root.join(f), &stage.join(f))?;
        }
    }
    let mut sums = cmd("sh", &["-c", "find . -type f ! -name SHA256SUMS | sort | xargs sha256sum > SHA256SUMS"]);
    sums.current_dir(&stage);
    status(sums)?;
    let tarball = out.join(format!("{name}.tar.gz"));
    status(cmd("tar", &["-czf", &tarball.to_string_lossy(), "-C", &out.to_string_lossy(), &name]))?;
    let mut sum = cmd("sh", &["-c", &format!("sha256sum {name}.tar.gz > {name}.tar.gz.sha256")]);
    sum.current_dir(&out);
    status(sum)?;
    let size = std::fs::metadata(&tarball).map(|m| m.len()).unwrap_or(0);
    eprintln!("dist: {} ({:.1} MB)", tarball.display(), size as f64 / 1e6);
    Ok(tarball)
}

fn server_version(root: &Path) -> Result<String, String> {
    let toml = std::fs::read_to_string(root.join("server/Cargo.toml")).map_err(|e| e.to_string())?;
    toml.lines()
        .find_map(|l| l.strip_prefix("version = \"").and_then(|v| v.strip_suffix('"')).map(str::to_owned))
        .ok_or_else(|| "server/Cargo.toml names no version".into())
}
