//! The keys a site's sign-in tokens are checked with: one HS256 secret, one
//! PEM public key, or a JSON Web Key Set (RFC 7517) whose keys carry ids, so
//! a site can rotate its signing key: publish the new key beside the old
//! one, SIGHUP duet-server, then sign with the new one (its `kid` in each
//! token's header picks it), and drop the old one later.

use std::path::Path;

use jsonwebtoken::{
    jwk::{AlgorithmParameters, JwkSet, KeyAlgorithm},
    Algorithm, DecodingKey,
};

/// One key and the one algorithm tokens signed with it may use (a token
/// cannot choose another: no algorithm confusion).
pub struct Key {
    pub kid: Option<String>,
    pub key: DecodingKey,
    pub alg: Algorithm,
}

/// Which key (of those with these ids) checks a token whose header names
/// `kid`: the key with that id; a lone key without an id serves any token (a
/// site with one key may or may not name it).
pub fn pick(ids: &[Option<&str>], kid: Option<&str>) -> Option<usize> {
    match ids {
        [None] => Some(0),
        _ => ids.iter().position(|id| id.is_some() && *id == kid),
    }
}

/// Every key of the set in `path`. Each needs a `kid` (or the set one key),
/// and must be HS256 (≥ 32 bytes), RS256, ES256 or EdDSA.
pub fn from_jwks(path: &Path) -> Result<Vec<Key>, String> {
    let what = || format!("--jwt-jwks-file {}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", what()))?;
    let set: JwkSet = serde_json::from_str(&text).map_err(|e| format!("{} is not a JSON Web Key Set: {e}", what()))?;
    if set.keys.is_empty() {
        return Err(format!("{} holds no key", what()));
    }
    let mut keys = Vec::new();
    for (i, jwk) in set.keys.iter().enumerate() {
        let kid = jwk.common.key_id.clone();
        if kid.is_none() && set.keys.len() > 1 {
            return Err(format!("key {} in {} has no \"kid\": with several keys, each needs one", i + 1, what()));
        }
        let alg = match (&jwk.algorithm, jwk.common.key_algorithm) {
            (AlgorithmParameters::OctetKey(p), None | Some(KeyAlgorithm::HS256)) => {
                let bytes = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &p.value)
                    .map_err(|e| format!("key {} in {}: {e}", i + 1, what()))?;
                if bytes.len() < 32 {
                    return Err(format!("key {} in {} is an HS256 secret shorter than 32 bytes", i + 1, what()));
                }
                Algorithm::HS256
            }
            (AlgorithmParameters::RSA(_), None | Some(KeyAlgorithm::RS256)) => Algorithm::RS256,
            (AlgorithmParameters::EllipticCurve(_), None | Some(KeyAlgorithm::ES256)) => Algorithm::ES256,
            (AlgorithmParameters::OctetKeyPair(_), None | Some(KeyAlgorithm::EdDSA)) => Algorithm::EdDSA,
            _ => {
                return Err(format!(
                    "key {} in {}: only HS256, RS256, ES256 and EdDSA keys are accepted",
                    i + 1,
                    what()
                ))
            }
        };
        let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("key {} in {}: {e}", i + 1, what()))?;
        keys.push(Key { kid, key, alg });
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_file(name: &str, text: &str) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!("duet-jwks-{name}-{}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn a_token_is_checked_only_with_the_key_its_kid_names() {
        assert_eq!(pick(&[None], Some("any")), Some(0), "a lone unnamed key serves every token");
        assert_eq!(pick(&[Some("a"), Some("b")], Some("b")), Some(1));
        assert_eq!(pick(&[Some("a"), Some("b")], Some("c")), None);
        assert_eq!(pick(&[Some("a"), Some("b")], None), None, "several keys: the token must name one");
        assert_eq!(pick(&[Some("a")], None), None, "a named key needs a token naming it");
    }

    #[test]
    fn a_key_set_that_could_be_misread_is_refused_at_start() {
        let k = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC0xMjM0NQ"; // 38 bytes
        let unnamed = format!(r#"{{"keys":[{{"kty":"oct","k":"{k}","kid":"a"}},{{"kty":"oct","k":"{k}"}}]}}"#);
        let short = r#"{"keys":[{"kty":"oct","k":"c2hvcnQ","kid":"a"}]}"#;
        let mismatch = format!(r#"{{"keys":[{{"kty":"oct","k":"{k}","kid":"a","alg":"RS256"}}]}}"#);
        for (name, text, says) in [
            ("unnamed", unnamed.as_str(), "has no \"kid\""),
            ("short", short, "shorter than 32 bytes"),
            ("mismatch", mismatch.as_str(), "only HS256, RS256, ES256 and EdDSA"),
            ("empty", r#"{"keys":[]}"#, "holds no key"),
            ("garbage", "not json", "is not a JSON Web Key Set"),
        ] {
            let path = set_file(name, text);
            let err = from_jwks(&path).err().unwrap_or_else(|| panic!("{name} accepted"));
            assert!(err.contains(says), "{name}: {err}");
            std::fs::remove_file(&path).unwrap();
        }
        let good = set_file("good", &format!(r#"{{"keys":[{{"kty":"oct","k":"{k}","kid":"a"}}]}}"#));
        assert_eq!(from_jwks(&good).unwrap()[0].kid.as_deref(), Some("a"));
        std::fs::remove_file(&good).unwrap();
    }
}
