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

/// A request for one of the app's own files: a hashed script, wasm or
/// stylesheet at the root. One that is missing gets a 404, not the app's
/// page; a client route (`/call/kim-821012345678`) is never one, whatever
/// the name in it looks like.
pub fn is_asset_request(path: &str) -> bool {
    let Some(file) = path.strip_prefix('/') else { return false };
    !file.contains('/') && [".js", ".wasm", ".css"].iter().any(|e| file.ends_with(e)) && is_hashed_asset(path)
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

    #[test]
    fn only_the_app_s_own_files_are_asset_requests() {
        assert!(super::is_asset_request("/duet-call-0123456789abcdef.wasm"));
        assert!(super::is_asset_request("/duet-0123456789abcdef.js"));
        for route in ["/call/kim-821012345678", "/kim-821012345678", "/call/x/duet-0123456789abcdef.js", "/lobby"] {
            assert!(!super::is_asset_request(route), "{route}");
        }
    }
}
