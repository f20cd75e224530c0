//! How long browsers may keep what the server sends: Trunk's hashed assets
//! forever, everything else (index.html above all) revalidated each time.

/// For files whose name changes with their content.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For everything else.
pub const REVALIDATE: &str = "no-cache";

/// Trunk names assets `name-<hash>.ext`, and the wasm `name-<hash>_bg.wasm`,
/// the hash a 64-bit number in hex without leading zeros: usually 16 digits,
/// one time in sixteen 15, rarely fewer.
pub fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or("");
    let stem = file.split('.').next().unwrap_or("");
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| hash.len() >= 12 && hash.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn trunk_hashed_names_are_recognized() {
        assert!(super::is_hashed_asset("/duet-5f1c0e9b2a7d4c31_bg.wasm"));
        assert!(super::is_hashed_asset("/duet-5f1c0e9b2a7d4c31.js"));
        // A hash whose leading digit was zero.
        assert!(super::is_hashed_asset("/duet-a264af70c87c44c_bg.wasm"));
        assert!(!super::is_hashed_asset("/photo-2024.png"));
        assert!(!super::is_hashed_asset("/index.html"));
        assert!(!super::is_hashed_asset("/call/bob"));
    }
}
