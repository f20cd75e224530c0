//! README's configuration table lists exactly the flags `duet-server --help`
//! has, and the settings template deploy/duet.env names every variable.

use std::collections::BTreeSet;

use clap::CommandFactory;

fn flags_in(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("`--") {
        let after = &rest[i + 1..];
        let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).unwrap_or(after.len());
        found.insert(after[..end].to_owned());
        rest = &after[end..];
    }
    found
}

#[test]
fn the_readme_configuration_table_matches_the_flags() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let section = readme.split("## Configuration").nth(1).expect("a Configuration section");
    let table: String = section
        .lines()
        .skip_while(|l| !l.starts_with("| flag"))
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.split('|').nth(1).unwrap_or_default().to_owned() + "\n")
        .collect();
    let documented = flags_in(&table);
    let actual: BTreeSet<String> = duet_server::Config::command()
        .get_arguments()
        .filter_map(|a| a.get_long())
        .filter(|l| !matches!(*l, "help" | "version"))
        .map(|l| format!("--{l}"))
        .collect();
    let missing: Vec<_> = actual.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&actual).collect();
    assert!(missing.is_empty() && stale.is_empty(), "README table lacks {missing:?}; lists unknown {stale:?}");
}

#[test]
fn the_settings_template_names_every_variable_and_only_those() {
    let template = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/duet.env")).unwrap();
    let named: BTreeSet<String> = template
        .lines()
        .filter_map(|l| l.trim_start_matches('#').split_once('='))
        .map(|(k, _)| k.to_owned())
        .filter(|k| k.starts_with("DUET_"))
        .collect();
    let actual: BTreeSet<String> = duet_server::Config::command()
        .get_arguments()
        .filter_map(|a| a.get_env())
        .map(|e| e.to_string_lossy().into_owned())
        .collect();
    let missing: Vec<_> = actual.difference(&named).collect();
    let stale: Vec<_> = named.difference(&actual).collect();
    assert!(missing.is_empty() && stale.is_empty(), "deploy/duet.env lacks {missing:?}; names unknown {stale:?}");
}
