//! `cargo xtask screens`: copies the screenshots README and docs show from the
//! last end-to-end run (target/e2e/screens/, made by e2e/tests/screens.rs)
//! into docs/screens/, and records which app sources they picture, so that
//! `cargo xtask test` can say when the app has changed since.

use crate::{run::output, tools};

/// (taken by the end-to-end run, shown in the docs as)
pub const SHOWN: [(&str, &str); 7] = [
    ("call-dark-1366x768.png", "call-dark.png"),
    ("after-call-light-1280x800.png", "lobby-light.png"),
    ("ringing-light-360x740.png", "phone-ringing-light.png"),
    ("call-dark-360x740.png", "phone-call-dark.png"),
    ("lobby-ko-light-360x740.png", "phone-lobby-ko.png"),
    ("ringing-ko-dark-1366x768.png", "ringing-ko-dark.png"),
    ("call-safety-light-360x740.png", "phone-safety-light.png"),
];

const SOURCES_FILE: &str = "docs/screens/SOURCES";

pub fn screens() -> Result<(), String> {
    let root = tools::root();
    let from = root.join("target/e2e/screens");
    let to = root.join("docs/screens");
    std::fs::create_dir_all(&to).map_err(|e| e.to_string())?;
    for (taken, shown) in SHOWN {
        std::fs::copy(from.join(taken), to.join(shown)).map_err(|e| {
            format!("{}: {e}; run the end-to-end tests first (cargo xtask test)", from.join(taken).display())
        })?;
        eprintln!("docs/screens/{shown} ← {taken}");
    }
    std::fs::write(root.join(SOURCES_FILE), app_sources()? + "\n").map_err(|e| e.to_string())
}

/// A hash of what the screens picture: the app's sources and styles.
fn app_sources() -> Result<String, String> {
    output("sh", &["-c", "find src styles index.html -type f | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-16"])
        .map(|s| s.trim().to_owned())
        .ok_or_else(|| "could not hash src/, styles/ and index.html".into())
}

/// A warning when docs/screens/ shows an older app than the one in the tree.
pub fn stale() -> Option<String> {
    let recorded = std::fs::read_to_string(tools::root().join(SOURCES_FILE)).unwrap_or_default();
    let now = app_sources().ok()?;
    (recorded.trim() != now).then(|| {
        "docs/screens/ shows an older app than this tree: after the end-to-end run, `cargo xtask screens` \
         copies the current screenshots there"
            .to_owned()
    })
}
