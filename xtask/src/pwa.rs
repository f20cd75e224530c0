//! `cargo xtask pwa`: Trunk's post-build hook (Trunk.toml). Adds what makes
//! Duet an installable app to the build in `TRUNK_STAGING_DIR`: the web app
//! manifest, its icons (drawn here, so nothing is fetched), and the service
//! worker, whose list of files to keep is this build's hashed ones, so each
//! build is a new worker and a running app learns of the new version. A
//! release build's wasm is split, shrunk and renamed first (`split`).

use std::{fs, io::Write, path::Path};

const SERVICE_WORKER: &str = include_str!("sw.js");

pub fn pwa() -> Result<(), String> {
    let dir = std::env::var("TRUNK_STAGING_DIR").map_err(|_| "run by Trunk's post_build hook (TRUNK_STAGING_DIR)")?;
    let dir = Path::new(&dir);
    if std::env::var("TRUNK_PROFILE").as_deref() == Ok("release") {
        crate::split::split(dir)?;
    }
    crate::split::check_unsplit(dir)?;
    for size in [192, 512] {
        write(&dir.join(format!("icon-{size}.png")), &icon_png(size))?;
    }
    write(&dir.join("manifest.webmanifest"), MANIFEST.as_bytes())?;
    let mut shell: Vec<String> = fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().filter(|e| e.path().is_file())?.file_name().into_string().ok())
        // Not the worker itself, the page (kept as "/") or precompressed
        // copies. Its loader is kept: an app opened offline still learns of
        // a new version once back (it talks to the app by events only, so one
        // of another build still fits).
        .filter(|name| !["sw.js", "index.html"].contains(&name.as_str()))
        .filter(|name| !name.ends_with(".gz") && !name.ends_with(".br"))
        .map(|name| format!("/{name}"))
        .collect();
    shell.sort();
    // The page itself, under the URL it is asked for.
    shell.insert(0, "/".into());
    let version = fnv(shell.join("\n").as_bytes());
    let list = serde_json::to_string(&shell).map_err(|e| e.to_string())?;
    let sw = SERVICE_WORKER.replace("__VERSION__", &format!("{version:016x}")).replace("__SHELL__", &list);
    write(&dir.join("sw.js"), sw.as_bytes())
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

const MANIFEST: &str = r##"{
  "name": "Duet",
  "short_name": "Duet",
  "description": "1:1 video calls in the browser, peer to peer.",
  "start_url": "/",
  "scope": "/",
  "display": "standalone",
  "background_color": "#0d1117",
  "theme_color": "#1f6feb",
  "icons": [
    { "src": "/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any maskable" },
    { "src": "/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any maskable" }
  ]
}
"##;

/// 64-bit FNV-1a: enough to tell one build's file list from another's.
pub fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// Two white rings, overlapping, on the accent blue: the whole square is
/// colour (a maskable icon may be cut to any shape) and the rings stay
/// inside its central safe circle.
fn icon_png(size: u32) -> Vec<u8> {
    const BLUE: [f64; 3] = [31.0, 111.0, 235.0];
    const SAMPLES: u32 = 4;
    let s = f64::from(size);
    let (radius, stroke) = (0.17 * s, 0.05 * s);
    let centres = [(0.41 * s, 0.5 * s), (0.59 * s, 0.5 * s)];
    let mut raw = Vec::with_capacity((size * (size * 3 + 1)) as usize);
    for y in 0..size {
        raw.push(0); // no filter
        for x in 0..size {
            let mut hits = 0;
            for sy in 0..SAMPLES {
                for sx in 0..SAMPLES {
                    let px = f64::from(x) + (f64::from(sx) + 0.5) / f64::from(SAMPLES);
                    let py = f64::from(y) + (f64::from(sy) + 0.5) / f64::from(SAMPLES);
                    let on_ring =
                        centres.iter().any(|(cx, cy)| ((px - cx).hypot(py - cy) - radius).abs() <= stroke / 2.0);
                    hits += u32::from(on_ring);
                }
            }
            let white = f64::from(hits) / f64::from(SAMPLES * SAMPLES);
            raw.extend(BLUE.map(|c| (c + (255.0 - c) * white).round() as u8));
        }
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&raw).expect("compress in memory");
    let idat = z.finish().expect("compress in memory");
    let mut ihdr = Vec::new();
    ihdr.extend(size.to_be_bytes());
    ihdr.extend(size.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]); // 8-bit RGB, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(*b"IHDR", ihdr), (*b"IDAT", idat), (*b"IEND", vec![])] {
        png.extend((data.len() as u32).to_be_bytes());
        let start = png.len();
        png.extend(kind);
        png.extend(&data);
        let crc = crc32(&png[start..]);
        png.extend(crc.to_be_bytes());
    }
    png
}

fn crc32(bytes: &[u8]) -> u32 {
    !bytes.iter().fold(!0u32, |mut c, b| {
        c ^= u32::from(*b);
        for _ in 0..8 {
            c = if c & 1 != 0 { 0xedb8_8320 ^ (c >> 1) } else { c >> 1 };
        }
        c
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn icons_are_pngs_of_their_size() {
        let png = super::icon_png(192);
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[16..24], [0, 0, 0, 192, 0, 0, 0, 192]);
        // The IHDR's CRC, as any PNG reader checks it.
        assert_eq!(u32::from_be_bytes(png[29..33].try_into().unwrap()), super::crc32(&png[12..29]));
    }
}
