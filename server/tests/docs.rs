//! The docs cannot drift from the code (`cargo xtask docs-check` runs this
//! file): docs/operating.md's settings table lists exactly the flags
//! `duet-server --help` has, deploy/duet.env names every variable, every
//! flag, variable, file and `cargo xtask` command the docs name exists, and
//! README's figures are BENCHMARKS.md's.

use std::{collections::BTreeSet, path::Path};

use clap::CommandFactory;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// The texts a newcomer or an operator follows.
const DOCS: [&str; 13] = [
    "README.md",
    "CONTRIBUTING.md",
    "SECURITY.md",
    "docs/operating.md",
    "docs/security.md",
    "docs/cluster.md",
    "docs/architecture.md",
    "docs/protocol.md",
    "deploy/duet.service",
    "deploy/duet.env",
    "deploy/install.sh",
    "deploy/Caddyfile",
    "deploy/nginx/duet.conf",
];

/// Flags of other programs that the docs use.
const OTHER_FLAGS: [&str; 8] =
    ["--check", "--net", "--now", "--quick", "--skip-browser", "--standalone", "--pre-hook", "--post-hook"];

fn read(file: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Each `start…` word in `text`, e.g. every `--flag`, as far as it runs.
fn words(text: &str, start: &str, more: impl Fn(char) -> bool) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find(start) {
        let after = &rest[i..];
        let end = after[start.len()..].find(|c: char| !more(c)).map_or(after.len(), |e| e + start.len());
        if end > start.len() {
            found.insert(after[..end].to_owned());
        }
        rest = &after[end.max(1)..];
    }
    found
}

fn flag_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
}

fn server_flags() -> BTreeSet<String> {
    duet_server::Config::command()
        .get_arguments()
        .filter_map(|a| a.get_long())
        .filter(|l| !matches!(*l, "help" | "version"))
        .map(|l| format!("--{l}"))
        .collect()
}

fn server_variables() -> BTreeSet<String> {
    duet_server::Config::command()
        .get_arguments()
        .filter_map(|a| a.get_env())
        .map(|e| e.to_string_lossy().into_owned())
        .collect()
}

#[test]
fn the_settings_table_lists_exactly_the_flags() {
    let guide = read("docs/operating.md");
    let section = guide.split("## Settings").nth(1).expect("a Settings section");
    let table: String = section
        .lines()
        .skip_while(|l| !l.starts_with("| flag"))
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.split('|').nth(1).unwrap_or_default().to_owned() + "\n")
        .collect();
    let documented: BTreeSet<String> = words(&table, "`--", flag_char).iter().map(|w| w[1..].to_owned()).collect();
    let actual = server_flags();
    let missing: Vec<_> = actual.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&actual).collect();
    assert!(missing.is_empty() && stale.is_empty(), "the Settings table lacks {missing:?}; lists unknown {stale:?}");
}

#[test]
fn the_settings_template_names_every_variable_and_only_those() {
    let named: BTreeSet<String> = read("deploy/duet.env")
        .lines()
        .filter_map(|l| l.trim_start_matches('#').split_once('='))
        .map(|(k, _)| k.to_owned())
        .filter(|k| k.starts_with("DUET_"))
        .collect();
    let actual = server_variables();
    let missing: Vec<_> = actual.difference(&named).collect();
    let stale: Vec<_> = named.difference(&actual).collect();
    assert!(missing.is_empty() && stale.is_empty(), "deploy/duet.env lacks {missing:?}; names unknown {stale:?}");
}

#[test]
fn every_flag_and_variable_the_docs_name_exists() {
    let (flags, vars) = (server_flags(), server_variables());
    // Variables the docs may name that are not settings.
    let others = ["DUET_DIST", "DUET_AXE", "DUET_TOOLS_DIR", "DUET_ROOT", "DUET_LOOPBACK_NAMESPACE", "DUET_DOMAIN"];
    let mut wrong = Vec::new();
    for doc in DOCS {
        let text = read(doc);
        for f in words(&text, "--", flag_char).into_iter().filter(|f| f.as_bytes()[2].is_ascii_lowercase()) {
            if !flags.contains(&f) && !OTHER_FLAGS.contains(&f.as_str()) && f != "--help" {
                wrong.push(format!("{doc}: {f}"));
            }
        }
        for v in words(&text, "DUET_", |c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') {
            let v = v.trim_end_matches('_').to_owned();
            if !vars.contains(&v)
                && !others.contains(&v.as_str())
                && !v.starts_with("DUET_CADDY_")
                && v != "DUET_UPSTREAM"
            {
                wrong.push(format!("{doc}: {v}"));
            }
        }
    }
    assert!(wrong.is_empty(), "named in the docs but unknown to duet-server:\n{}", wrong.join("\n"));
}

#[test]
fn every_file_and_command_the_docs_name_exists() {
    let xtask = read("xtask/src/main.rs");
    let mut wrong = Vec::new();
    for doc in DOCS {
        let text = read(doc);
        let path_char = |c: char| c.is_ascii_alphanumeric() || "/._-".contains(c);
        for top in ["deploy/", "docs/", "server/", "e2e/", "src/", "xtask/", "protocol/", "bench/", "fuzz/"] {
            for w in words(&text, top, path_char) {
                let w = w.trim_end_matches(['.', '/']);
                // `src/` inside another path (server/src/…) is read with its prefix.
                let inside =
                    text.split(w).any(|before| before.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '/'));
                if w.len() > top.len() && !inside && !w.contains("..") && !Path::new(ROOT).join(w).exists() {
                    wrong.push(format!("{doc}: {w}"));
                }
            }
        }
        // The package's name carries the version being documented.
        for name in words(&text, "duet-0", |c| c.is_ascii_digit() || c == '.') {
            if name != format!("duet-{}", env!("CARGO_PKG_VERSION")) {
                wrong.push(format!("{doc}: {name} (the version is {})", env!("CARGO_PKG_VERSION")));
            }
        }
        for cmd in words(&text, "cargo xtask ", |c| c.is_ascii_lowercase() || c == '-') {
            let name = cmd.trim_start_matches("cargo xtask ");
            if !xtask.contains(&format!("\"{name}\" =>")) {
                wrong.push(format!("{doc}: {cmd}"));
            }
        }
    }
    assert!(wrong.is_empty(), "named in the docs but missing:\n{}", wrong.join("\n"));
}

#[test]
fn readme_shows_only_figures_recorded_in_benchmarks_md() {
    let (readme, bench) = (read("README.md"), read("BENCHMARKS.md"));
    let section = readme.split("## Performance").nth(1).unwrap().split("\n## ").next().unwrap();
    let number_char = |c: char| c.is_ascii_digit() || c == '.' || c == ',';
    let mut figures = BTreeSet::new();
    for unit in [" ms", " KB"] {
        for (i, _) in section.match_indices(unit) {
            let start = section[..i].rfind(|c: char| !number_char(c)).map_or(0, |s| s + 1);
            figures.insert(section[start..i + unit.len()].to_owned());
        }
    }
    assert!(!figures.is_empty());
    let missing: Vec<_> = figures.iter().filter(|f| !bench.contains(f.as_str())).collect();
    assert!(missing.is_empty(), "README figures not in BENCHMARKS.md: {missing:?}");
    for img in words(&readme, "docs/screens/", |c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
        assert!(Path::new(ROOT).join(&img).is_file(), "README shows {img}, which is missing");
    }
}
