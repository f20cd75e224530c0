//! axe-core, the accessibility checker, run in the page under test. Its
//! source comes from npm (installed by `cargo xtask setup`), never fetched
//! at test time.

use std::path::PathBuf;

use crate::Browser;

/// Where `cargo xtask setup` puts axe-core (`$DUET_AXE` overrides it).
fn axe_path() -> PathBuf {
    if let Some(p) = std::env::var_os("DUET_AXE") {
        return PathBuf::from(p);
    }
    let tools = std::env::var_os("DUET_TOOLS_DIR").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache").join("duet-tools")
    });
    tools.join("axe").join("node_modules").join("axe-core").join("axe.min.js")
}

fn axe_source() -> String {
    let path = axe_path();
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("axe-core is not at {} ({e}); `cargo xtask setup` installs it", path.display()))
}

impl Browser {
    /// The page's serious and critical WCAG 2.2 A/AA violations, one line each
    /// (rule, what it means, where).
    pub async fn axe(&self) -> Vec<String> {
        // Run through WebDriver, as the page's own scripts are not: the
        // page's Content-Security-Policy stays as it is.
        let loaded = self.js(&format!("{}\n;return typeof window.axe", axe_source())).await;
        assert_ne!(loaded, "undefined", "{}: axe-core did not load", self.user);
        let found = self
            .js_async(
                "const done = arguments[arguments.length - 1]; \
                 axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } }) \
                   .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical') \
                     .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + \
                          v.nodes.slice(0, 4).map(n => n.target.join(' ')).join(', '))), \
                         e => done(['axe failed: ' + e]));",
            )
            .await;
        found.as_array().into_iter().flatten().map(|v| v.as_str().unwrap_or_default().to_owned()).collect()
    }
}
