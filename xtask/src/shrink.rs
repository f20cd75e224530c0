//! Release builds only (a step of `split`): shorter names where the app's
//! wasm meets its JS glue.
//!
//! wasm-bindgen names each of the app's ~350 imports `__wbg_<method>_<hash>`,
//! and writes each name twice, in the wasm's import section and as a key of
//! the glue's import object; the 16 hex digits of the hash are noise to
//! gzip. Renaming them `a`, `b`, … in both files, and dropping the glue's
//! indentation and comment lines (Trunk 0.21's JS minifier gives up on the
//! glue), takes ~12 KB gzip off the first load. Every name is checked on
//! both sides: a glue that does not name an import, or names it other than
//! as a key of the import object, fails the build rather than shipping an
//! app that cannot start.

use std::collections::HashMap;

/// The app's wasm and glue with short import names, and the glue tidied.
pub fn shrink(wasm: &[u8], js: &str) -> Result<(Vec<u8>, String), String> {
    let (wasm, renames) = rename_imports(wasm)?;
    let js = tidy(&rename_in_glue(js, &renames)?);
    Ok((wasm, js))
}

/// What was renamed: import modules and import fields, old → new.
#[derive(Debug, Default, PartialEq)]
struct Renames {
    modules: Vec<(String, String)>,
    fields: HashMap<String, String>,
}

/// The wasm with every import's module and wasm-bindgen-named field
/// (`__wbg_…`, unique across modules) renamed to a short name.
fn rename_imports(wasm: &[u8]) -> Result<(Vec<u8>, Renames), String> {
    if wasm.get(..8) != Some(b"\0asm\x01\0\0\0") {
        return Err("not a wasm module (version 1)".into());
    }
    let mut out = wasm[..8].to_vec();
    let mut renames = Renames::default();
    let mut pos = 8;
    while pos < wasm.len() {
        let id = wasm[pos];
        pos += 1;
        let size = leb(wasm, &mut pos)? as usize;
        let body = wasm.get(pos..pos + size).ok_or("a section runs past the end")?;
        pos += size;
        let body = if id == 2 { imports(body, &mut renames)? } else { body.to_vec() };
        out.push(id);
        put_leb(&mut out, body.len() as u64);
        out.extend(body);
    }
    Ok((out, renames))
}

/// The import section, its names replaced.
fn imports(body: &[u8], renames: &mut Renames) -> Result<Vec<u8>, String> {
    let mut pos = 0;
    let count = leb(body, &mut pos)?;
    let mut out = Vec::with_capacity(body.len() / 4);
    put_leb(&mut out, count);
    for _ in 0..count {
        let module = name(body, &mut pos)?;
        let field = name(body, &mut pos)?;
        let start = pos;
        skip_import_desc(body, &mut pos)?;
        let module_short = match renames.modules.iter().find(|(old, _)| *old == module) {
            Some((_, new)) => new.clone(),
            None => {
                let new = short(renames.modules.len());
                renames.modules.push((module, new.clone()));
                new
            }
        };
        // Only wasm-bindgen's own names: others may be words the glue also
        // uses for something else.
        let field_short = if field.starts_with("__wbg_") {
            if renames.fields.contains_key(&field) {
                return Err(format!("import {field} is named twice"));
            }
            let new = short(renames.fields.len());
            renames.fields.insert(field, new.clone());
            new
        } else {
            field
        };
        for s in [&module_short, &field_short] {
            put_leb(&mut out, s.len() as u64);
            out.extend(s.as_bytes());
        }
        out.extend(&body[start..pos]);
    }
    if pos != body.len() {
        return Err("the import section has bytes after its imports".into());
    }
    Ok(out)
}

/// Steps over an import's kind and type.
fn skip_import_desc(body: &[u8], pos: &mut usize) -> Result<(), String> {
    let kind = *body.get(*pos).ok_or("an import ends early")?;
    *pos += 1;
    let limits = |pos: &mut usize| -> Result<(), String> {
        let flags = *body.get(*pos).ok_or("limits end early")?;
        *pos += 1;
        leb(body, pos)?;
        if flags & 1 != 0 {
            leb(body, pos)?;
        }
        Ok(())
    };
    match kind {
        0 => leb(body, pos).map(drop), // function: its type
        1 => {
            *pos += 1; // table: its element type
            limits(pos)
        }
        2 => limits(pos), // memory
        3 => {
            *pos += 2; // global: value type, mutability
            Ok(())
        }
        4 => {
            *pos += 1; // tag: attribute, then its type
            leb(body, pos).map(drop)
        }
        k => Err(format!("unknown import kind {k}")),
    }
}

/// The glue with the same names: the import object's keys and its module
/// key. An identifier-by-identifier pass, so a name never matches inside
/// another.
fn rename_in_glue(js: &str, renames: &Renames) -> Result<String, String> {
    let mut js = js.to_owned();
    for (old, new) in &renames.modules {
        // A module the wasm imports several functions from (the split
        // build's loader) is a key once per import.
        let key = format!("\"{old}\":");
        if !js.contains(&key) {
            return Err(format!("the glue does not name the import module {old}"));
        }
        js = js.replace(&key, &format!("{new}:"));
    }
    let mut out = String::with_capacity(js.len());
    let mut found = std::collections::HashSet::new();
    let mut rest = js.as_str();
    while let Some(start) = rest.find(is_ident) {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
        let word = &rest[..end];
        match renames.fields.get(word) {
            // The import object's keys are the only place the glue names
            // an import; anywhere else the short name could mean a local.
            Some(_) if !rest[end..].trim_start().starts_with(':') => {
                return Err(format!("the glue names the import {word} other than as a key"));
            }
            Some(new) => {
                found.insert(word);
                out.push_str(new);
            }
            None => out.push_str(word),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    if let Some(missing) = renames.fields.keys().find(|k| !found.contains(k.as_str())) {
        return Err(format!("the glue does not name the import {missing}"));
    }
    Ok(out)
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// Without indentation, blank lines and whole-line `//` comments; lines
/// stay lines, so no statement changes. Left as it is if any line holds an
/// odd number of backticks (a template literal across lines).
fn tidy(js: &str) -> String {
    if js.lines().any(|l| l.matches('`').count() % 2 == 1) {
        return js.to_owned();
    }
    let mut out = String::with_capacity(js.len());
    for line in js.lines().map(str::trim_start).filter(|l| !l.is_empty() && !l.starts_with("//")) {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// `a`…`z`, `A`…`Z`, then `aa`, `ab`, …: identifiers for JS, any name for wasm.
fn short(mut i: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut s = Vec::new();
    loop {
        s.push(CHARS[i % CHARS.len()]);
        i /= CHARS.len();
        if i == 0 {
            break;
        }
        i -= 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ASCII")
}

fn leb(bytes: &[u8], pos: &mut usize) -> Result<u64, String> {
    let (mut value, mut shift) = (0u64, 0);
    loop {
        let b = *bytes.get(*pos).ok_or("a number runs past the end")?;
        *pos += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(value);
        }
        shift += 7;
        if shift > 63 {
            return Err("a number too long".into());
        }
    }
}

fn put_leb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn name(bytes: &[u8], pos: &mut usize) -> Result<String, String> {
    let len = leb(bytes, pos)? as usize;
    let raw = bytes.get(*pos..*pos + len).ok_or("a name runs past the end")?;
    *pos += len;
    String::from_utf8(raw.to_vec()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module importing two functions from "./app_bg.js" and a memory,
    /// with a type section before and a custom section after.
    fn module() -> Vec<u8> {
        let mut imports = Vec::new();
        put_leb(&mut imports, 3);
        for (field, desc) in [
            ("__wbg_log_0123456789abcdef", &[0u8, 0][..]),
            ("__wbg_now_fedcba9876543210", &[0, 1]),
            ("mem", &[2, 1, 1, 2]),
        ] {
            for s in ["./app_bg.js", field] {
                put_leb(&mut imports, s.len() as u64);
                imports.extend(s.as_bytes());
            }
            imports.extend(desc);
        }
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend([1, 7, 2, 0x60, 0, 0, 0x60, 0, 0]); // two types: () -> ()
        wasm.push(2);
        put_leb(&mut wasm, imports.len() as u64);
        wasm.extend(imports);
        wasm.extend([0, 4, 3, b'a', b'b', b'c']);
        wasm
    }

    #[test]
    fn imports_get_short_names_and_the_rest_of_the_module_stays() {
        let (wasm, renames) = rename_imports(&module()).unwrap();
        assert_eq!(renames.modules, [("./app_bg.js".to_owned(), "a".to_owned())]);
        assert_eq!(renames.fields["__wbg_now_fedcba9876543210"], "b");
        // Read back: the same kinds and types under the new names.
        let (again, renamed) = rename_imports(&wasm).unwrap();
        assert_eq!(again, wasm, "renaming short names again changes nothing");
        assert!(renamed.fields.is_empty(), "{renamed:?}");
        assert_eq!(&wasm[..17], &module()[..17], "the type section is untouched");
        assert!(wasm.ends_with(&[0, 4, 3, b'a', b'b', b'c']), "the custom section is untouched");
        let mut section = vec![];
        put_leb(&mut section, 3);
        for (f, desc) in [("a", &[0u8, 0][..]), ("b", &[0, 1]), ("mem", &[2, 1, 1, 2])] {
            section.extend([1, b'a', f.len() as u8]);
            section.extend(f.as_bytes());
            section.extend(desc);
        }
        assert!(wasm.windows(section.len()).any(|w| w == section), "{wasm:?}");
    }

    #[test]
    fn the_glue_names_them_the_same_and_a_name_inside_another_is_left() {
        let (_, renames) = rename_imports(&module()).unwrap();
        let glue = "const i = {\n    __wbg_log_0123456789abcdef: function(a) { console.log(a); },\n    \
                    __wbg_now_fedcba9876543210: () => Date.now(),\n    mem: m,\n    x__wbg_log_0123456789abcdef: 1,\n};\n\
                    // imports\nconst imports = { \"./app_bg.js\": i };\n";
        let js = tidy(&rename_in_glue(glue, &renames).unwrap());
        assert_eq!(
            js,
            "const i = {\na: function(a) { console.log(a); },\nb: () => Date.now(),\nmem: m,\n\
             x__wbg_log_0123456789abcdef: 1,\n};\nconst imports = { a: i };\n"
        );
    }

    #[test]
    fn a_glue_missing_an_import_fails_instead_of_shipping_a_broken_app() {
        let (_, renames) = rename_imports(&module()).unwrap();
        let glue = "const imports = { \"./app_bg.js\": { __wbg_log_0123456789abcdef: 1, mem } };";
        let err = rename_in_glue(glue, &renames).unwrap_err();
        assert!(err.contains("__wbg_now_fedcba9876543210"), "{err}");
        // Named as a declaration, not a key: its short name could shadow a local.
        let glue = "function __wbg_log_0123456789abcdef() {}\nconst imports = { \"./app_bg.js\": { __wbg_log_0123456789abcdef, __wbg_now_fedcba9876543210: 1 } };";
        let err = rename_in_glue(glue, &renames).unwrap_err();
        assert!(err.contains("other than as a key"), "{err}");
        assert!(rename_imports(b"\0asm\x02\0\0\0").is_err());
    }

    #[test]
    fn a_template_literal_across_lines_keeps_its_indentation() {
        let js = "const s = `a\n    b`;\n    f();\n";
        assert_eq!(tidy(js), js);
    }

    #[test]
    fn short_names_are_distinct_identifiers() {
        let names: Vec<String> = (0..3000).map(short).collect();
        assert_eq!(&names[..3], ["a", "b", "c"]);
        assert_eq!(names[52], "aa");
        let distinct: std::collections::HashSet<_> = names.iter().collect();
        assert_eq!(distinct.len(), names.len());
        assert!(names.iter().all(|n| n.chars().next().unwrap().is_ascii_alphabetic()));
    }
}
