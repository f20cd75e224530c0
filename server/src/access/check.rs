//! The access check itself (`--access`), decided from the WebSocket upgrade
//! request before any message is read.
//!
//! Browsers cannot set headers on a WebSocket, so the app offers its
//! credential as a second subprotocol next to `json`: `duet-key.<base64url
//! key>` or `duet-jwt.<token>`. The server never echoes it (it answers with
//! `json`), and unlike a query string it stays out of access logs.

use std::{
    path::{Path, PathBuf},
    sync::RwLock,
};

use axum::http::{header, HeaderMap};
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use crate::access::jwt_keys::Key;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Subprotocol prefixes that carry a credential.
pub const KEY_PROTOCOL: &str = "duet-key.";
pub const JWT_PROTOCOL: &str = "duet-jwt.";

/// Shortest access key accepted in `--access-key-file`.
pub const MIN_KEY_CHARS: usize = 16;

/// WebSocket close codes for a refused credential, one per reason, so the
/// app can say what to do (docs/protocol.md, "Access control").
pub mod close_code {
    /// The server needs an access key and none was offered.
    pub const KEY_REQUIRED: u16 = 4401;
    /// The access key offered is not one of the server's.
    pub const WRONG_KEY: u16 = 4403;
    /// The token was valid once and has expired.
    pub const TOKEN_EXPIRED: u16 = 4410;
    /// The server needs a signed token and none was offered.
    pub const TOKEN_REQUIRED: u16 = 4411;
    /// The token offered is not valid (signature, claims).
    pub const BAD_TOKEN: u16 = 4413;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AccessMode {
    /// Anyone who reaches the server may log in.
    Open,
    /// Only holders of a shared access key (--access-key-file).
    Key,
    /// Only holders of a signed JSON Web Token naming them (--jwt-secret-file or --jwt-public-key-file).
    Jwt,
}

/// Who passed the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admitted {
    /// May pick a name.
    Anyone,
    /// Is this name (from a token), no other.
    Named(String),
}

/// Why the check failed; becomes the close frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("this server needs an access key")]
    KeyRequired,
    #[error("wrong access key")]
    WrongKey,
    #[error("this server needs a sign-in token")]
    TokenRequired,
    #[error("sign-in token refused")]
    BadToken,
    #[error("sign-in token expired")]
    Expired,
    #[error("the sign-in token's name is not in the form names are registered in")]
    BadName,
}

impl Denied {
    pub fn close_code(&self) -> u16 {
        match self {
            Denied::KeyRequired => close_code::KEY_REQUIRED,
            Denied::WrongKey => close_code::WRONG_KEY,
            Denied::TokenRequired => close_code::TOKEN_REQUIRED,
            Denied::BadToken | Denied::BadName => close_code::BAD_TOKEN,
            Denied::Expired => close_code::TOKEN_EXPIRED,
        }
    }
}

pub enum Access {
    Open,
    Key(KeyRing),
    Jwt(Box<JwtCheck>),
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Access::Open => "Access::Open",
            Access::Key(_) => "Access::Key(<keys>)",
            Access::Jwt(_) => "Access::Jwt(<key>)",
        })
    }
}

impl Access {
    pub fn mode(&self) -> AccessMode {
        match self {
            Access::Open => AccessMode::Open,
            Access::Key(_) => AccessMode::Key,
            Access::Jwt(_) => AccessMode::Jwt,
        }
    }

    /// Checks the credential the upgrade request offers.
    pub fn check(&self, headers: &HeaderMap) -> Result<Admitted, Denied> {
        match self {
            Access::Open => Ok(Admitted::Anyone),
            Access::Key(ring) => {
                let offered = offered(headers, KEY_PROTOCOL).ok_or(Denied::KeyRequired)?;
                let key =
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(offered).map_err(|_| Denied::WrongKey)?;
                ring.matches(&key).then_some(Admitted::Anyone).ok_or(Denied::WrongKey)
            }
            Access::Jwt(jwt) => {
                let token = offered(headers, JWT_PROTOCOL).ok_or(Denied::TokenRequired)?;
                jwt.name_in(token).map(Admitted::Named)
            }
        }
    }

    /// Re-reads key files (on SIGHUP), keeping the old keys if a file is unreadable.
    pub fn reload(&self) {
        match self {
            Access::Open => {}
            Access::Key(ring) => match ring.reload() {
                Ok(n) => tracing::info!(keys = n, "access keys reloaded"),
                Err(e) => tracing::error!("access keys not reloaded, the old ones stay: {e}"),
            },
            Access::Jwt(jwt) => match jwt.reload() {
                Ok(()) => tracing::info!("token key reloaded"),
                Err(e) => tracing::error!("token key not reloaded, the old one stays: {e}"),
            },
        }
    }
}

/// The credential among the offered subprotocols, if any.
fn offered<'a>(headers: &'a HeaderMap, prefix: &str) -> Option<&'a str> {
    headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| p.trim().strip_prefix(prefix))
}

/// The shared access keys, kept only as SHA-256 digests.
pub struct KeyRing {
    path: PathBuf,
    digests: RwLock<Vec<[u8; 32]>>,
}

impl KeyRing {
    pub fn load(path: &Path) -> Result<Self, String> {
        let digests = read_keys(path)?;
        Ok(KeyRing { path: path.to_owned(), digests: RwLock::new(digests) })
    }

    fn reload(&self) -> Result<usize, String> {
        let fresh = read_keys(&self.path)?;
        let n = fresh.len();
        *self.digests.write().unwrap_or_else(|p| p.into_inner()) = fresh;
        Ok(n)
    }

    /// Compares against every key in constant time, so neither the position
    /// of a match nor the length of a common prefix shows in the timing.
    fn matches(&self, key: &[u8]) -> bool {
        let d: [u8; 32] = Sha256::digest(key).into();
        let keys = self.digests.read().unwrap_or_else(|p| p.into_inner());
        keys.iter().fold(subtle::Choice::from(0), |acc, k| acc | k.ct_eq(&d)).into()
    }
}

/// The key file the LAN quick start uses when no --access-key-file is given:
/// `access-keys` in the state directory, made with one random key the first
/// time. Returns its path and first key (for the invite link).
pub fn generated_key_file(state_dir: &Path) -> Result<(PathBuf, String), String> {
    let path = state_dir.join("access-keys");
    if !path.is_file() {
        let mut bytes = [0u8; 24];
        getrandom::fill(&mut bytes).map_err(|e| format!("no random source: {e}"))?;
        let key = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let text = format!("# made by duet-server for --tls-self-signed; one key per line\n{key}\n");
        // Another process making it first is fine: its key is read below.
        crate::private_file::create(&path, text.as_bytes())?;
    }
    let text = std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let first = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#'));
    let first = first.ok_or(format!("{} holds no key", path.display()))?.to_owned();
    Ok((path, first))
}

/// One key per line; blank lines and `#` comments are skipped.
fn read_keys(path: &Path) -> Result<Vec<[u8; 32]>, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("reading --access-key-file {}: {e}", path.display()))?;
    let keys: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
    if keys.is_empty() {
        return Err(format!("--access-key-file {} holds no key", path.display()));
    }
    if let Some(short) = keys.iter().position(|k| k.chars().count() < MIN_KEY_CHARS) {
        return Err(format!(
            "key {} in {} is shorter than {MIN_KEY_CHARS} characters; use e.g. `openssl rand -base64 24`",
            short + 1,
            path.display()
        ));
    }
    Ok(keys.iter().map(|k| Sha256::digest(k.as_bytes()).into()).collect())
}

/// Verifies tokens from the site Duet is embedded in. The key files are
/// re-read on SIGHUP, so a signing key rotates without a restart.
pub struct JwtCheck {
    source: JwtSource,
    loaded: RwLock<Vec<(Key, Validation)>>,
}

/// Where the key comes from and which claims must match.
pub struct JwtSource {
    pub secret_file: Option<PathBuf>,
    pub public_key_file: Option<PathBuf>,
    pub jwks_file: Option<PathBuf>,
    pub audience: Option<String>,
    pub issuer: Option<String>,
}

#[derive(serde::Deserialize)]
struct Claims {
    sub: Option<String>,
    name: Option<String>,
}

impl JwtCheck {
    /// HS256 with a shared secret, RS256 / EdDSA with a PEM public key, or
    /// the keys of a JSON Web Key Set (picked by each token's `kid`).
    pub fn load(source: JwtSource) -> Result<Self, String> {
        if source.audience.is_none() {
            tracing::warn!(
                "--access jwt without --jwt-audience: a token your site signed for any other purpose (any `aud`) \
                 admits its holder; set --jwt-audience"
            );
        }
        let loaded = RwLock::new(source.read()?);
        Ok(JwtCheck { source, loaded })
    }

    /// Re-reads the key file; on failure the old key stays.
    fn reload(&self) -> Result<(), String> {
        let fresh = self.source.read()?;
        *self.loaded.write().unwrap_or_else(|p| p.into_inner()) = fresh;
        Ok(())
    }

    /// The user's name: the `name` claim, else `sub`. It must already be in
    /// the form the server registers (a token naming `ａｌｉｃｅ` is not
    /// quietly let in as `alice`): the site that signed it meant that name.
    pub fn name_in(&self, token: &str) -> Result<String, Denied> {
        use jsonwebtoken::errors::ErrorKind;
        let kid = jsonwebtoken::decode_header(token).map_err(|_| Denied::BadToken)?.kid;
        let loaded = self.loaded.read().unwrap_or_else(|p| p.into_inner());
        let ids: Vec<Option<&str>> = loaded.iter().map(|(k, _)| k.kid.as_deref()).collect();
        let at = crate::access::jwt_keys::pick(&ids, kid.as_deref()).ok_or(Denied::BadToken)?;
        let (key, validation) = &loaded[at];
        let data = jsonwebtoken::decode::<Claims>(token, &key.key, validation).map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => Denied::Expired,
            _ => Denied::BadToken,
        })?;
        let name = data.claims.name.or(data.claims.sub).filter(|n| !n.trim().is_empty()).ok_or(Denied::BadToken)?;
        match crate::access::names::check(&name) {
            Ok(normal) if normal == name => Ok(name),
            _ => Err(Denied::BadName),
        }
    }
}

impl JwtSource {
    fn read(&self) -> Result<Vec<(Key, Validation)>, String> {
        let keys = match (&self.secret_file, &self.public_key_file, &self.jwks_file) {
            (None, None, Some(p)) => crate::access::jwt_keys::from_jwks(p)?,
            (Some(p), None, None) => {
                let secret = std::fs::read(p).map_err(|e| format!("reading --jwt-secret-file {}: {e}", p.display()))?;
                let secret = secret.trim_ascii();
                if secret.len() < 32 {
                    return Err(format!("--jwt-secret-file {} must hold at least 32 bytes", p.display()));
                }
                vec![Key { kid: None, key: DecodingKey::from_secret(secret), alg: Algorithm::HS256 }]
            }
            (None, Some(p), None) => {
                let pem =
                    std::fs::read(p).map_err(|e| format!("reading --jwt-public-key-file {}: {e}", p.display()))?;
                let (key, alg) = if let Ok(k) = DecodingKey::from_rsa_pem(&pem) {
                    (k, Algorithm::RS256)
                } else if let Ok(k) = DecodingKey::from_ed_pem(&pem) {
                    (k, Algorithm::EdDSA)
                } else {
                    return Err(format!(
                        "--jwt-public-key-file {} is not an RSA or Ed25519 public key in PEM",
                        p.display()
                    ));
                };
                vec![Key { kid: None, key, alg }]
            }
            _ => {
                return Err(
                    "--access jwt needs exactly one of --jwt-secret-file, --jwt-public-key-file or --jwt-jwks-file"
                        .into(),
                )
            }
        };
        Ok(keys
            .into_iter()
            .map(|k| {
                let validation = self.validation(k.alg);
                (k, validation)
            })
            .collect())
    }

    fn validation(&self, alg: Algorithm) -> Validation {
        let mut validation = Validation::new(alg);
        validation.leeway = 5;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp"]);
        match &self.audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        if let Some(iss) = &self.issuer {
            validation.set_issuer(&[iss]);
        }
        validation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offering(protocols: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::SEC_WEBSOCKET_PROTOCOL, protocols.parse().unwrap());
        h
    }

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn keys_are_checked_and_reread() {
        let path = std::env::temp_dir().join(format!("duet-keys-{}", std::process::id()));
        std::fs::write(&path, "# rotated monthly\nfirst-key-0123456789\n\nsecond-key-0123456789\n").unwrap();
        let access = Access::Key(KeyRing::load(&path).unwrap());
        let with = |k: &str| access.check(&offering(&format!("json, {KEY_PROTOCOL}{}", b64(k))));
        assert_eq!(with("first-key-0123456789"), Ok(Admitted::Anyone));
        assert_eq!(with("second-key-0123456789"), Ok(Admitted::Anyone));
        assert_eq!(with("first-key-012345678"), Err(Denied::WrongKey));
        assert_eq!(access.check(&offering("json")), Err(Denied::KeyRequired));
        assert_eq!(access.check(&offering("json, duet-key.%%%")), Err(Denied::WrongKey));
        std::fs::write(&path, "third-key-0123456789\n").unwrap();
        access.reload();
        assert_eq!(with("first-key-0123456789"), Err(Denied::WrongKey), "a removed key stops working");
        assert_eq!(with("third-key-0123456789"), Ok(Admitted::Anyone));
        std::fs::write(&path, "").unwrap();
        access.reload();
        assert_eq!(with("third-key-0123456789"), Ok(Admitted::Anyone), "an emptied file keeps the old keys");
        std::fs::write(&path, "short\n").unwrap();
        assert!(KeyRing::load(&path).err().unwrap().contains("shorter than 16"));
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn tokens_name_the_user_and_expire() {
        use jsonwebtoken::{encode, EncodingKey, Header};
        let path = std::env::temp_dir().join(format!("duet-jwt-{}", std::process::id()));
        let secret = "a-secret-of-at-least-thirty-two-bytes!";
        std::fs::write(&path, secret).unwrap();
        let source = JwtSource {
            secret_file: Some(path.clone()),
            public_key_file: None,
            jwks_file: None,
            audience: None,
            issuer: None,
        };
        let jwt = JwtCheck::load(source).unwrap();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let sign = |claims: serde_json::Value, key: &str| {
            encode(&Header::default(), &claims, &EncodingKey::from_secret(key.as_bytes())).unwrap()
        };
        assert_eq!(
            jwt.name_in(&sign(serde_json::json!({"sub": "alice", "exp": now + 60}), secret)),
            Ok("alice".into())
        );
        assert_eq!(
            jwt.name_in(&sign(serde_json::json!({"sub": "u1", "name": "김민지", "exp": now + 60}), secret)),
            Ok("김민지".into())
        );
        assert_eq!(
            jwt.name_in(&sign(serde_json::json!({"sub": "alice", "exp": now - 60}), secret)),
            Err(Denied::Expired)
        );
        assert_eq!(
            jwt.name_in(&sign(serde_json::json!({"sub": "alice"}), secret)),
            Err(Denied::BadToken),
            "exp is required"
        );
        assert_eq!(
            jwt.name_in(&sign(
                serde_json::json!({"sub": "alice", "exp": now + 60}),
                "another-secret-of-thirty-two-bytes!!"
            )),
            Err(Denied::BadToken)
        );
        assert_eq!(
            jwt.name_in(&sign(serde_json::json!({"sub": "alice", "nbf": now + 600, "exp": now + 900}), secret)),
            Err(Denied::BadToken),
            "not valid before its nbf"
        );
        for not_normal in ["ａｌｉｃｅ", "alice\u{FE0F}", "  alice"] {
            assert_eq!(
                jwt.name_in(&sign(serde_json::json!({"name": not_normal, "exp": now + 60}), secret)),
                Err(Denied::BadName),
                "{not_normal:?} would be registered as another name"
            );
        }
        let access = Access::Jwt(Box::new(jwt));
        assert_eq!(access.check(&offering("json")), Err(Denied::TokenRequired));
        // A rotated key: SIGHUP's reload makes the new one count and the old one not.
        let rotated = "a-rotated-secret-of-thirty-two-bytes!!";
        std::fs::write(&path, rotated).unwrap();
        let token = |key: &str| sign(serde_json::json!({"sub": "alice", "exp": now + 60}), key);
        let with = |t: String| access.check(&offering(&format!("json, {JWT_PROTOCOL}{t}")));
        assert_eq!(with(token(rotated)), Err(Denied::BadToken), "not before the reload");
        access.reload();
        assert_eq!(with(token(rotated)), Ok(Admitted::Named("alice".into())));
        assert_eq!(with(token(secret)), Err(Denied::BadToken), "the old key no longer counts");
        std::fs::write(&path, "short").unwrap();
        access.reload();
        assert_eq!(with(token(rotated)), Ok(Admitted::Named("alice".into())), "an unreadable key keeps the old one");
        std::fs::remove_file(&path).unwrap();
    }
}
