//! With `DUET_EMBED_DIST=<Trunk's dist/>` set (as `cargo xtask dist` does),
//! the app bundle is compiled into the binary, each file with brotli and gzip
//! copies made here, so the server needs no file beside it. Without it the
//! table is empty and the app is served from `--static-dir`.

use std::{
    fmt::Write as _,
    io::Write as _,
    path::{Path, PathBuf},
};

fn main() {
    println!("cargo:rerun-if-env-changed=DUET_EMBED_DIST");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut table = String::from("&[\n");
    if let Some(dist) = std::env::var_os("DUET_EMBED_DIST").map(PathBuf::from) {
        assert!(dist.join("index.html").is_file(), "DUET_EMBED_DIST={} holds no index.html", dist.display());
        println!("cargo:rerun-if-changed={}", dist.display());
        let mut files = Vec::new();
        walk(&dist, &mut files);
        files.sort();
        for (i, file) in files.iter().enumerate() {
            println!("cargo:rerun-if-changed={}", file.display());
            let rel = file.strip_prefix(&dist).expect("under dist").to_string_lossy().replace('\\', "/");
            // Trunk's own precompressed copies are made again below.
            if rel.ends_with(".gz") || rel.ends_with(".br") {
                continue;
            }
            let raw = std::fs::read(file).expect("readable bundle file");
            let br = out.join(format!("{i}.br"));
            let gz = out.join(format!("{i}.gz"));
            std::fs::write(&br, brotli_of(&raw)).expect("write brotli copy");
            std::fs::write(&gz, gzip_of(&raw)).expect("write gzip copy");
            writeln!(
                table,
                "    Embedded {{ path: {:?}, raw: include_bytes!({:?}), br: include_bytes!({:?}), gz: include_bytes!({:?}) }},",
                format!("/{rel}"),
                file.canonicalize().expect("a real path"),
                br,
                gz
            )
            .expect("write to a string");
        }
    }
    table.push(']');
    std::fs::write(out.join("embedded.rs"), table).expect("write the table");
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable dist") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            walk(&path, files);
        } else {
            files.push(path);
        }
    }
}

fn brotli_of(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    brotli::BrotliCompress(&mut &raw[..], &mut out, &params).expect("brotli");
    out
}

fn gzip_of(raw: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(raw).expect("gzip");
    enc.finish().expect("gzip")
}
