//! The rules of docs/architecture.md that a machine can check: dependencies
//! between the top-level modules of each crate run one way (no cycles); the
//! server's folders sit in layers, each using only those below it, none
//! importing through the crate root, whose file only wires; the agent never
//! looks the DOM up by id; and no server file grows past 500 lines.

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
/// (`pub use hub::Hub;` in lib.rs: Hub → hub; `pub use a::{b::C, D};`: C
/// and D → a).
fn root_reexports(root_file: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in code(root_file).lines() {
        let Some(rest) = line.trim().strip_prefix("pub use ") else { continue };
        let module = ident(rest).to_owned();
        for leaf in rest[module.len()..].split(['{', '}', ',', ';']) {
            let name = ident(leaf.trim().rsplit("::").next().unwrap_or(""));
            if !name.is_empty() {
                out.insert(name.to_owned(), module.clone());
            }
        }
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

/// The server's top-level modules from the top down: each may use only
/// modules of the layers below its own (docs/architecture.md).
const SERVER_LAYERS: &[&[&str]] = &[
    &["server"],
    &["edge"],
    &["signaling"],
    &["config"],
    &["access", "cluster", "limits"],
    &["address", "ids", "metrics", "private_file", "testing"],
];

/// Edges that do not point to a lower layer, and modules in no layer.
fn layer_violations(
    edges: &BTreeMap<String, BTreeSet<String>>,
    tops: &BTreeSet<String>,
    layers: &[&[&str]],
) -> Vec<String> {
    let layer = |m: &str| layers.iter().position(|l| l.contains(&m));
    let mut out: Vec<String> =
        tops.iter().filter(|m| layer(m).is_none()).map(|m| format!("{m} is in no layer")).collect();
    for (from, tos) in edges {
        for to in tos {
            if let (Some(a), Some(b)) = (layer(from), layer(to)) {
                if b <= a {
                    out.push(format!("{from} uses {to}, which is not below it"));
                }
            }
        }
    }
    out
}

/// `crate::X` paths below the crate root whose `X` is no module: names
/// reached through the root's re-exports, an arrow pointing up.
fn root_imports(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(root, &mut files);
    let tops: BTreeSet<String> = files.iter().filter_map(|f| module_path(root, f).first().cloned()).collect();
    let mut out = Vec::new();
    for file in files.iter().filter(|f| !module_path(root, f).is_empty()) {
        let text = code(&fs::read_to_string(file).unwrap());
        for (i, _) in text.match_indices("crate::") {
            if text[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            for seg in first_segments(&text[i + "crate::".len()..]) {
                if !tops.contains(&seg) {
                    out.push(format!("{}: crate::{seg}", file.strip_prefix(root).unwrap().display()));
                }
            }
        }
    }
    out
}

fn top_modules(root: &Path) -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(root, &mut files);
    files.iter().filter_map(|f| module_path(root, f).first().cloned()).collect()
}

#[test]
fn the_server_s_folders_use_only_the_layers_below_them() {
    let root = workspace().join("server/src");
    let violations = layer_violations(&top_level_edges(&root), &top_modules(&root), SERVER_LAYERS);
    assert!(violations.is_empty(), "server/src: {violations:#?}\nlayers: {SERVER_LAYERS:?}");
}

#[test]
fn nothing_in_the_server_imports_through_its_crate_root() {
    let found = root_imports(&workspace().join("server/src"));
    assert!(found.is_empty(), "use the module's own path, not the crate root's re-export: {found:#?}");
}

#[test]
fn the_server_s_crate_root_only_declares_and_re_exports() {
    let lib = fs::read_to_string(workspace().join("server/src/lib.rs")).unwrap();
    assert!(lib.lines().count() <= 100, "server/src/lib.rs has {} lines", lib.lines().count());
    for line in code(&lib).lines().map(str::trim).filter(|l| !l.is_empty()) {
        assert!(
            line.starts_with("pub mod ") || line.starts_with("mod ") || line.starts_with("pub use "),
            "server/src/lib.rs only declares modules and re-exports: {line:?} belongs in a module"
        );
    }
}

#[test]
fn the_layer_checks_see_an_upward_arrow() {
    // A crate made for it: `low` reaches `high` through a root re-export.
    let dir = std::env::temp_dir().join(format!("duet-layers-{}", std::process::id()));
    fs::create_dir_all(dir.join("high")).unwrap();
    fs::write(dir.join("lib.rs"), "pub mod high;\npub mod low;\npub use high::Thing;\n").unwrap();
    fs::write(dir.join("high/mod.rs"), "use crate::low::Leaf;\npub struct Thing;\n").unwrap();
    fs::write(dir.join("low.rs"), "pub struct Leaf;\nfn f() -> crate::Thing { todo!() }\n").unwrap();
    let edges = top_level_edges(&dir);
    let (layers, imports) = (layer_violations(&edges, &top_modules(&dir), &[&["high"], &["low"]]), root_imports(&dir));
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(layers, ["low uses high, which is not below it"]);
    assert_eq!(imports, ["low.rs: crate::Thing"]);
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
