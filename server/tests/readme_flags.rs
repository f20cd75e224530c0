//! README's configuration table lists exactly the flags `duet-server --help` has.

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
