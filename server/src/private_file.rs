//! Files only the server's user may read (keys, secrets), written whole or
//! not at all: written aside, then linked into place.

use std::{io::Write, path::Path};

/// Writes `bytes` to `path` (mode 0600, making its folder) unless it exists;
/// false if it already did (another process may have made it first).
pub fn create(path: &Path, bytes: &[u8]) -> Result<bool, String> {
    let fail = |what: &Path, e: std::io::Error| format!("writing {}: {e}", what.display());
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("making {}: {e}", dir.display()))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|e| format!("no random source: {e}"))?;
    let tmp = dir.join(format!(".{name}.{}.{:x}", std::process::id(), u64::from_le_bytes(nonce)));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(&tmp).map_err(|e| fail(&tmp, e))?;
    f.write_all(bytes).and_then(|_| f.sync_all()).map_err(|e| fail(&tmp, e))?;
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(fail(path, e)),
    }
}

/// Adds `bytes` at the end of `path`, made (mode 0600) if missing.
pub fn append(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut opts = std::fs::OpenOptions::new();
    opts.append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path).and_then(|mut f| f.write_all(bytes)).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// Writes `bytes` to `path` (mode 0600) in place of whatever was there.
pub fn replace(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let _ = std::fs::remove_file(path);
    create(path, bytes).map(|_| ())
}
