//! The rules of docs/architecture.md that a machine can check: dependencies
//! between the top-level modules of each crate run one way (no cycles), the
//! agent never looks the DOM up by id, and no server file grows past 500 lines.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a source file: `hub/relay.rs` → [hub, relay].
fn module_path(root: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(root).unwrap();
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    match last.trim_end_matches(".rs") {
        "mod" | "lib" | "main" => {}
        name => parts.push(name.to_owned()),
    }
    parts
}

/// The code without comments (so prose mentioning a module is no edge).
fn code(text: &str) -> String {
    text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

fn ident(s: &str) -> &str {
    let end = s.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(s.len());
    &s[..end]
}

/// The first segment of each path in `rest`, which follows `crate::` or
/// `super::`: one name, or each name of a `{…}` group.
fn first_segments(rest: &str) -> Vec<String> {
    if let Some(group) = rest.strip_prefix('{') {
        let (mut depth, mut items, mut start) = (0, Vec::new(), 0);
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    items.push(&group[start..i]);
                    break;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(&group[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        items.into_iter().map(|i| ident(i.trim()).to_owned()).filter(|i| !i.is_empty()).collect()
    } else {
        vec![ident(rest).to_owned()]
    }
}

/// Which top-level module each `use`d name of the crate root comes from
/// (`pub use hub::Hub;` in lib.rs: Hub → hub).
fn root_reexports(root_file: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in code(root_file).lines() {
        let Some(rest) = line.trim().strip_prefix("pub use ") else { continue };
        let module = ident(rest).to_owned();
        let name = rest.trim_end_matches(';').rsplit("::").next().unwrap_or("");
        out.insert(ident(name).to_owned(), module);
    }
    out
}

/// Edges between the top-level modules of the crate whose sources are in `root`.
fn top_level_edges(root: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(root, &mut files);
    let tops: BTreeSet<String> = files.iter().filter_map(|f| module_path(root, f).first().cloned()).collect();
    let lib = ["lib.rs", "main.rs"].iter().map(|f| root.join(f)).find(|f| f.exists()).unwrap();
    let reexports = root_reexports(&fs::read_to_string(lib).unwrap());
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let here = module_path(root, file);
        let Some(from) = here.first() else { continue };
        let text = code(&fs::read_to_string(file).unwrap());
        let mut rest = text.as_str();
        while let Some(i) = rest.find(['c', 's']) {
            let tail = &rest[i..];
            let boundary = i == 0 || !rest[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_');
            rest = &rest[i + 1..];
            if !boundary {
                continue;
            }
            let (base, after) = if let Some(after) = tail.strip_prefix("crate::") {
                (Vec::new(), after)
            } else if tail.starts_with("super::") {
                let mut base = here.clone();
                let mut after = tail;
                while let Some(a) = after.strip_prefix("super::") {
                    base.pop();
                    after = a;
                }
                (base, after)
            } else {
                continue;
            };
            for seg in first_segments(after) {
                let top = match base.first() {
                    Some(top) => top.clone(),
                    None if tops.contains(&seg) => seg,
                    None => match reexports.get(&seg) {
                        Some(m) => m.clone(),
                        None => continue,
                    },
                };
                if &top != from {
                    edges.entry(from.clone()).or_default().insert(top);
                }
            }
        }
    }
    edges
}

/// A cycle in `edges`, as the modules along it.
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|s| s == n) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(n.to_owned());
            return Some(cycle);
        }
        if done.contains(n) {
            return None;
        }
        stack.push(n.to_owned());
        for m in edges.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, edges, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(n.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    edges.keys().find_map(|n| visit(n, edges, &mut Vec::new(), &mut done))
}

#[test]
fn dependencies_between_top_level_modules_run_one_way() {
    for krate in ["src", "server/src", "protocol/src"] {
        let edges = top_level_edges(&workspace().join(krate));
        if let Some(cycle) = find_cycle(&edges) {
            panic!("{krate}: modules import each other: {}\nall edges: {edges:#?}", cycle.join(" → "));
        }
    }
}

#[test]
fn the_cycle_check_sees_a_cycle() {
    // The checker itself, on a crate made for it: a → b through a group
    // import, b → a through a root re-export.
    let dir = std::env::temp_dir().join(format!("duet-architecture-{}", std::process::id()));
    fs::create_dir_all(dir.join("a")).unwrap();
    fs::write(dir.join("lib.rs"), "mod a;\nmod b;\npub use a::Thing;\n").unwrap();
    fs::write(dir.join("a/mod.rs"), "use crate::{b::Other, a::Thing};\npub struct Thing;\n").unwrap();
    fs::write(dir.join("b.rs"), "// crate::nothing\nfn f() -> crate::Thing { todo!() }\n").unwrap();
    let cycle = find_cycle(&top_level_edges(&dir));
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(cycle, Some(vec!["a".into(), "b".into(), "a".into()]));
}

#[test]
fn the_agent_never_looks_up_the_dom_by_id() {
    let mut files = Vec::new();
    rust_files(&workspace().join("src/agent"), &mut files);
    for file in files {
        let text = code(&fs::read_to_string(&file).unwrap());
        assert!(!text.contains("get_element_by_id"), "{}: views own their elements (NodeRef)", file.display());
    }
}

#[test]
fn no_server_source_file_is_over_500_lines() {
    let mut files = Vec::new();
    rust_files(&workspace().join("server/src"), &mut files);
    for file in files {
        let lines = fs::read_to_string(&file).unwrap().lines().count();
        assert!(lines <= 500, "{} has {lines} lines: split it by concern", file.display());
    }
}
