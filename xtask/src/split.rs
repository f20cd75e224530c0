//! Release builds only (called by `cargo xtask pwa`, Trunk's post-build
//! hook): the app's wasm in pieces. Each split point the app marks
//! (`#[wasm_split(…)]` in src/components/parts.rs: the lobby, the call
//! screen) becomes a chunk of its own, with what only it uses, and what
//! several use a shared one; the app fetches them once it is up instead of
//! with the first load.
//!
//! The splitter (`wasm_split_cli_support`) reads the module as cargo linked
//! it, with its relocations (`--emit-relocs`, .cargo/config.toml), before
//! wasm-bindgen; Trunk lets no step in there, so this one takes cargo's
//! module again and does the rest itself: split, wasm-bindgen on the main
//! piece, wasm-opt on every piece (Trunk's own is off, index.html),
//! `shrink`, and names after contents, in place of the pair Trunk made.

use std::{
    fs,
    path::{Path, PathBuf},
};

use crate::{
    pwa::fnv,
    run::{cmd, output, status},
    shrink::shrink,
    tools,
};

/// Names the splitter writes into the pieces, replaced once all are named.
const LINK_PLACEHOLDER: &str = "./duet-split.js";
const MAIN_PLACEHOLDER: &str = "./duet-main.js";

/// What `wasm-opt` gets for every piece. Rust's wasm layout puts the 1 MiB
/// stack first, growing down to 0, and the data above it: memory's first
/// kilobyte is reached only by a stack overflow, so wasm-opt may fold
/// addresses into loads (−1 KB gzip).
const WASM_OPT: &[&str] = &["-Oz", "--low-memory-unused"];

/// The pieces of one build, before they are named.
struct Pieces {
    /// The main module, after wasm-bindgen, wasm-opt and `shrink`.
    wasm: Vec<u8>,
    /// Its glue, importing the loader as `LINK_PLACEHOLDER`.
    glue: String,
    /// The chunks' loader, importing the glue as `MAIN_PLACEHOLDER` and
    /// fetching each chunk as `./<its splitter's name>`.
    loader: String,
    /// Each chunk: the splitter's file name and the optimized bytes.
    chunks: Vec<(String, Vec<u8>)>,
}

/// Replaces Trunk's `<stem>_bg.wasm` and `<stem>.js` in `dir` with the
/// split, optimized and renamed pieces.
pub fn split(dir: &Path) -> Result<(), String> {
    let wasm_name = fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .find(|n| n.ends_with("_bg.wasm"))
        .ok_or("no _bg.wasm in the build")?;
    let stem = wasm_name.trim_end_matches("_bg.wasm").to_owned();
    let app = stem.rsplit_once('-').map_or(stem.as_str(), |(app, _)| app).to_owned();
    let target = target_dir()?;
    let input_path = target.join("wasm32-unknown-unknown/wasm-release").join(format!("{app}.wasm"));
    let input = read(&input_path)?;
    let work = target.join("wasm-split");
    let _ = fs::remove_dir_all(&work);
    let main = work.join("main.wasm");
    let out = wasm_split_cli_support::transform({
        let mut o = wasm_split_cli_support::Options::new(&input);
        o.output_dir = &work;
        o.main_out_path = &main;
        o.link_name = LINK_PLACEHOLDER;
        o.main_module = MAIN_PLACEHOLDER;
        o
    })
    .map_err(|e| {
        format!(
            "splitting {}: {e:#} (the splitter needs the module linked with --emit-relocs, \
             which .cargo/config.toml asks for; a RUSTFLAGS in the environment replaces it)",
            input_path.display()
        )
    })?;

    // The chunks import the main module's function table, which wasm-bindgen
    // otherwise unexports (`--keep-lld-exports`).
    let bindgen = work.join("bindgen");
    let main_str = main.to_string_lossy();
    let out_dir = bindgen.to_string_lossy();
    status(cmd(
        "wasm-bindgen",
        &[
            "--target",
            "web",
            "--no-typescript",
            "--keep-lld-exports",
            "--out-dir",
            &out_dir,
            "--out-name",
            &app,
            &main_str,
        ],
    ))?;
    let (wasm, glue) = shrink(
        &optimize(&bindgen.join(format!("{app}_bg.wasm")))?,
        &String::from_utf8(read(&bindgen.join(format!("{app}.js")))?).map_err(|e| format!("{app}.js: {e}"))?,
    )?;
    let loader = String::from_utf8(read(&work.join(LINK_PLACEHOLDER))?).map_err(|e| format!("loader: {e}"))?;
    let loader = bounded_fetches(&loader)?;
    let mut chunks = Vec::new();
    for path in &out.split_modules {
        let name = path.file_name().and_then(|n| n.to_str()).ok_or("a chunk without a name")?;
        chunks.push((name.to_owned(), optimize(path)?));
    }
    place(dir, &stem, &app, Pieces { wasm, glue, loader, chunks })
}

/// How long a chunk's request may go without receiving anything before the
/// loader drops it: the app's own give-up (`GIVE_UP_MS` in
/// src/components/parts.rs).
const FETCH_IDLE_MS: u32 = 15_000;

/// A request that stops arriving (no answer, or a body that stalls) is
/// aborted after `FETCH_IDLE_MS` of nothing; one that goes on arriving,
/// however slowly, is not. The body is read at once, before the pieces the
/// chunk waits for, so only the network's silence counts.
const FETCH_WITHIN: &str = "const fetchWithin = (url) => {
    const stop = new AbortController();
    let timer;
    const idle = () => { clearTimeout(timer); timer = setTimeout(() => stop.abort(), IDLE_MS); };
    idle();
    return fetch(url, { signal: stop.signal }).then((res) => {
        idle();
        if (!res.body) { clearTimeout(timer); return res; }
        const reader = res.body.getReader();
        const body = new ReadableStream({ async start(out) {
            try {
                for (;;) {
                    const { done, value } = await reader.read();
                    if (done) break;
                    idle();
                    out.enqueue(value);
                }
                out.close();
            } catch (e) { out.error(e); } finally { clearTimeout(timer); }
        } });
        return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
    }, (e) => { clearTimeout(timer); throw e; });
};
";

/// The loader with each chunk's request bounded by [`FETCH_IDLE_MS`] of
/// silence. The splitter's loader keeps a request until it settles, and a
/// stalled one may never settle: every later try (the call after the one
/// that gave up, the lobby's "Try again") would join it. Aborted, it fails,
/// the loader forgets it, and the next try fetches afresh.
fn bounded_fetches(loader: &str) -> Result<String, String> {
    const FETCH: &str = "fetch(new URL(";
    if !loader.contains(FETCH) {
        return Err(format!("the splitter's loader no longer fetches chunks as `{FETCH}…`: bound its requests anew"));
    }
    let helper = FETCH_WITHIN.replace("IDLE_MS", &FETCH_IDLE_MS.to_string());
    let bounded = loader.replace(FETCH, "fetchWithin(new URL(");
    // After the imports: a module's imports come first.
    let at = bounded.lines().take_while(|l| l.starts_with("import ")).map(|l| l.len() + 1).sum::<usize>();
    Ok(format!("{}{helper}{}", &bounded[..at], &bounded[at..]))
}

/// Fails on a build whose glue still imports the splitter's placeholder:
/// the app was compiled in release mode (where its split points exist) but
/// not split, and could not start.
pub fn check_unsplit(dir: &Path) -> Result<(), String> {
    for entry in fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|e| e == "js")
            && read(&path)?.windows(26).any(|w| w == b"__wasm_split_placeholder__")
        {
            return Err(format!(
                "{} imports __wasm_split_placeholder__: a release-mode app that was not split \
                 (`trunk build --release` splits it)",
                path.display()
            ));
        }
    }
    Ok(())
}

/// Writes the pieces under names that change with what they hold (the
/// server lets browsers keep such files forever), points the page and the
/// pieces at each other by those names, and removes Trunk's pair.
///
/// The glue and the loader import each other, so neither can be named
/// after its own final bytes: the loader is named after everything its
/// bytes are made from (the main module, the glue before it names the
/// loader, the loader's code, the chunks), and the glue, which then names
/// the loader, after itself and the main module.
fn place(dir: &Path, old_stem: &str, app: &str, p: Pieces) -> Result<(), String> {
    let mut loader = p.loader;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for (name, bytes) in p.chunks {
        let label = name.trim_end_matches(".wasm").trim_start_matches("split_").replace('_', "-");
        let final_name = format!("{app}-{label}-{:016x}.wasm", fnv(&bytes));
        loader = replace_named(&loader, &format!("\"./{name}\""), &format!("\"./{final_name}\""), "the loader")?;
        files.push((final_name, bytes));
    }
    let loader_name = format!("{app}-split-{:016x}.js", digest(&[&p.wasm, p.glue.as_bytes(), loader.as_bytes()]));
    let glue = replace_named(&p.glue, &format!("\"{LINK_PLACEHOLDER}\""), &format!("\"./{loader_name}\""), "the glue")?;
    let new_stem = format!("{app}-{:016x}", digest(&[&p.wasm, glue.as_bytes()]));
    let loader =
        replace_named(&loader, &format!("\"{MAIN_PLACEHOLDER}\""), &format!("\"./{new_stem}.js\""), "the loader")?;

    let index_path = dir.join("index.html");
    let index = String::from_utf8(read(&index_path)?).map_err(|e| format!("index.html: {e}"))?;
    if !index.contains(old_stem) || !index.contains("</head>") {
        return Err(format!("index.html does not load {old_stem}"));
    }
    // The loader is fetched with the glue, not after it.
    let index = index
        .replace(old_stem, &new_stem)
        .replace("</head>", &format!("<link crossorigin href=/{loader_name} rel=modulepreload></head>"));
    files.push((format!("{new_stem}_bg.wasm"), p.wasm));
    files.push((format!("{new_stem}.js"), glue.into_bytes()));
    files.push((loader_name, loader.into_bytes()));
    files.push(("index.html".into(), index.into_bytes()));
    for (name, bytes) in files {
        let path = dir.join(name);
        fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    for old in [format!("{old_stem}_bg.wasm"), format!("{old_stem}.js")] {
        let old = dir.join(old);
        fs::remove_file(&old).map_err(|e| format!("{}: {e}", old.display()))?;
    }
    Ok(())
}

/// `text` with every `from` replaced; a piece that does not name another
/// at all would ship an app that cannot start.
fn replace_named(text: &str, from: &str, to: &str, what: &str) -> Result<String, String> {
    if text.contains(from) {
        Ok(text.replace(from, to))
    } else {
        Err(format!("{what} does not name {from}"))
    }
}

fn optimize(path: &Path) -> Result<Vec<u8>, String> {
    let out = path.with_extension("opt.wasm");
    let (input, output) = (path.to_string_lossy(), out.to_string_lossy());
    let mut args = WASM_OPT.to_vec();
    args.extend([input.as_ref(), "-o", output.as_ref()]);
    status(cmd(&tools::binaryen_bin().join("wasm-opt").to_string_lossy(), &args))?;
    read(&out)
}

/// Where cargo put the module Trunk built (`CARGO_TARGET_DIR` and
/// `build.target-dir` included).
fn target_dir() -> Result<PathBuf, String> {
    let meta = output("cargo", &["metadata", "--format-version", "1", "--no-deps"]).ok_or("cargo metadata failed")?;
    let meta: serde_json::Value = serde_json::from_str(&meta).map_err(|e| format!("cargo metadata: {e}"))?;
    meta["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata names no target directory".into())
}

/// One hash of several pieces, each led by its length, so that no two
/// different sets of pieces hash the same bytes.
fn digest(pieces: &[&[u8]]) -> u64 {
    let mut all = Vec::new();
    for piece in pieces {
        all.extend((piece.len() as u64).to_le_bytes());
        all.extend(*piece);
    }
    fnv(&all)
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chunk_request_is_bounded_in_time() {
        let loader = "import { initSync } from \"./duet-main.js\";\nlet a;\n\
                      const src = fetch(new URL(\"./chunk_3.wasm\", import.meta.url));\n\
                      const src2 = fetch(new URL(\"./split_call.wasm\", import.meta.url));\n";
        let out = bounded_fetches(loader).unwrap();
        assert!(out.starts_with("import { initSync } from \"./duet-main.js\";\nconst fetchWithin = "), "{out}");
        assert!(
            out.contains("setTimeout(() => stop.abort(), 15000)")
                && out.contains("idle();\n                    out.enqueue"),
            "{out}"
        );
        assert_eq!(out.matches("fetchWithin(new URL(").count(), 2, "{out}");
        assert!(!out.contains(" fetch(new URL("), "{out}");
        // A loader that fetches some other way is not shipped unbounded.
        assert!(bounded_fetches("import x from \"./m.js\";\nload(\"./a.wasm\");\n").is_err());
    }

    #[test]
    fn the_pieces_are_named_after_their_contents_and_point_at_each_other() {
        let dir = std::env::temp_dir().join(format!("duet-split-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let old = "app-00112233aabbccdd";
        fs::write(dir.join(format!("{old}_bg.wasm")), b"trunk's").unwrap();
        fs::write(dir.join(format!("{old}.js")), b"trunk's").unwrap();
        let page =
            format!("<head><script type=module>import init from '/{old}.js'; init('/{old}_bg.wasm');</script></head>");
        fs::write(dir.join("index.html"), page).unwrap();
        let pieces = || {
            Pieces {
            wasm: b"main".to_vec(),
            // wasm-bindgen imports the loader once per function it gives.
            glue: "import * as a from \"./duet-split.js\"\nimport * as b from \"./duet-split.js\"\nlet w;\n".into(),
            loader: "import { initSync } from \"./duet-main.js\";\nfetch(new URL(\"./split_call.wasm\", import.meta.url));\n"
                .into(),
            chunks: vec![("split_call.wasm".into(), b"call".to_vec())],
        }
        };
        place(&dir, old, "app", pieces()).unwrap();

        let mut names: Vec<String> =
            fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        assert_eq!(names.len(), 5, "{names:?}");
        let chunk = names.iter().find(|n| n.starts_with("app-call-") && n.ends_with(".wasm")).unwrap();
        let loader = names.iter().find(|n| n.starts_with("app-split-") && n.ends_with(".js")).unwrap();
        let glue = names.iter().find(|n| n.ends_with(".js") && *n != loader).unwrap();
        let stem = glue.trim_end_matches(".js");
        assert!(names.contains(&format!("{stem}_bg.wasm")) && stem != old, "{names:?}");
        let page = fs::read_to_string(dir.join("index.html")).unwrap();
        assert!(page.contains(&format!("'/{stem}.js'")) && page.contains(&format!("'/{stem}_bg.wasm'")), "{page}");
        assert!(page.contains(&format!("href=/{loader} rel=modulepreload")) && !page.contains(old), "{page}");
        let glue_js = fs::read_to_string(dir.join(glue)).unwrap();
        assert_eq!(glue_js.matches(&format!("from \"./{loader}\"")).count(), 2, "{glue_js}");
        let loader_js = fs::read_to_string(dir.join(loader)).unwrap();
        assert!(loader_js.contains(&format!("from \"./{stem}.js\"")), "{loader_js}");
        assert!(loader_js.contains(&format!("URL(\"./{chunk}\"")), "{loader_js}");
        assert_eq!(fs::read(dir.join(chunk)).unwrap(), b"call");

        // Another chunk, same main module: every name that leads to it changes.
        let again = std::env::temp_dir().join(format!("duet-split-test-{}-b", std::process::id()));
        let _ = fs::remove_dir_all(&again);
        fs::create_dir_all(&again).unwrap();
        fs::write(again.join(format!("{old}_bg.wasm")), b"trunk's").unwrap();
        fs::write(again.join(format!("{old}.js")), b"trunk's").unwrap();
        fs::write(
            again.join("index.html"),
            format!("<head><script type=module>import init from '/{old}.js';</script></head>"),
        )
        .unwrap();
        let mut other = pieces();
        other.chunks[0].1 = b"call, changed".to_vec();
        place(&again, old, "app", other).unwrap();
        let names_b: Vec<String> =
            fs::read_dir(&again).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        for n in names.iter().filter(|n| n.as_str() != "index.html") {
            assert!(!names_b.contains(n), "{n} kept its name with new contents behind it: {names_b:?}");
        }
        fs::remove_dir_all(&dir).unwrap();
        fs::remove_dir_all(&again).unwrap();
    }

    #[test]
    fn an_app_built_in_release_mode_but_not_split_fails_the_build() {
        let dir = std::env::temp_dir().join(format!("duet-split-check-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("duet-0123456789abcdef.js"), "import * as a from \"./duet-split-1.js\"\n").unwrap();
        check_unsplit(&dir).unwrap();
        fs::write(dir.join("duet-0123456789abcdef.js"), "import * as a from \"__wasm_split_placeholder__\"\n").unwrap();
        let err = check_unsplit(&dir).unwrap_err();
        assert!(err.contains("not split"), "{err}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_piece_that_does_not_name_another_fails_the_build() {
        let two = replace_named("a \"./x.js\" b \"./x.js\"", "\"./x.js\"", "y", "glue").unwrap();
        assert_eq!(two, "a y b y");
        let err = replace_named("a", "\"./x.js\"", "y", "the glue").unwrap_err();
        assert!(err.contains("the glue does not name"), "{err}");
    }
}
