//! Secret files handed over by systemd (`LoadCredential=`). systemd copies
//! each into `$CREDENTIALS_DIRECTORY`, readable by the service's own user
//! only, so the originals can stay root's (`chmod 600`) while a
//! `DynamicUser=` service still reads them. A credential named after a file
//! setting fills that setting when it was not given: `access-keys`,
//! `jwt-secret`, `jwt-public-key`, `jwt-jwks`, `turn-secret`,
//! `ticket-secret`, and `tls-cert` with `tls-key`.

use std::path::{Path, PathBuf};

use crate::{access::AccessMode, config::Config};

/// Fills unset file settings from `dir`; returns the credentials used.
pub fn fill(config: &mut Config, dir: &Path) -> Vec<&'static str> {
    let present = |name: &str| Some(dir.join(name)).filter(|p| p.is_file());
    let mut used = Vec::new();
    let mut take = |slot: &mut Option<PathBuf>, name: &'static str, wanted: bool| {
        if slot.is_none() && wanted {
            if let Some(path) = present(name) {
                *slot = Some(path);
                used.push(name);
            }
        }
    };
    let (key, jwt) = (config.auth.access == Some(AccessMode::Key), config.auth.access == Some(AccessMode::Jwt));
    let jwt_unset = config.auth.jwt_secret_file.is_none()
        && config.auth.jwt_public_key_file.is_none()
        && config.auth.jwt_jwks_file.is_none();
    take(&mut config.auth.access_key_file, "access-keys", key);
    // One of the three, in this order, if several were handed over.
    take(&mut config.auth.jwt_secret_file, "jwt-secret", jwt && jwt_unset);
    let still_unset = jwt_unset && config.auth.jwt_secret_file.is_none();
    take(&mut config.auth.jwt_public_key_file, "jwt-public-key", jwt && still_unset);
    let still_unset = still_unset && config.auth.jwt_public_key_file.is_none();
    take(&mut config.auth.jwt_jwks_file, "jwt-jwks", jwt && still_unset);
    take(&mut config.turn.turn_secret_file, "turn-secret", config.turn.turn_secret.is_none());
    take(&mut config.auth.secret_file, "ticket-secret", true);
    let tls_unset = config.edge.tls_cert.is_none() && config.edge.tls_key.is_none() && !config.edge.tls_self_signed;
    let tls_both = present("tls-cert").is_some() && present("tls-key").is_some();
    take(&mut config.edge.tls_cert, "tls-cert", tls_unset && tls_both);
    take(&mut config.edge.tls_key, "tls-key", tls_unset && tls_both);
    used
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(names: &[&str]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("duet-credentials-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for n in names {
            std::fs::write(dir.join(n), "x").unwrap();
        }
        dir
    }

    #[test]
    fn a_credential_fills_only_an_unset_setting_of_the_chosen_mode() {
        let dir = dir_with(&["access-keys", "turn-secret", "jwt-secret", "tls-cert"]);
        let mut config = Config::defaults();
        config.auth.access = Some(AccessMode::Key);
        config.turn.turn_secret_file = Some("/given".into());
        let used = fill(&mut config, &dir);
        assert_eq!(used, ["access-keys"]);
        assert_eq!(config.auth.access_key_file, Some(dir.join("access-keys")));
        assert_eq!(config.turn.turn_secret_file, Some("/given".into()), "a flag beats a credential");
        assert!(
            config.auth.jwt_secret_file.is_none(),
            "jwt files only with --access jwt (validate refuses them otherwise)"
        );
        assert!(config.edge.tls_cert.is_none(), "a certificate without its key is not used");
    }

    #[test]
    fn without_the_directory_nothing_changes() {
        let mut config = Config::defaults();
        config.auth.access = Some(AccessMode::Jwt);
        assert!(fill(&mut config, Path::new("/nonexistent/credentials")).is_empty());
        assert!(config.auth.jwt_secret_file.is_none() && config.turn.turn_secret_file.is_none());
    }
}
