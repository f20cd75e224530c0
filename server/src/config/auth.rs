//! Who may log in (the access check) and how their sessions resume.

use std::path::PathBuf;

use clap::Args;

use crate::access::{AccessMode, JwtSource};

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Access")]
pub struct Auth {
    /// Who may log in: open (anyone who reaches the server), key (holders of
    /// a key from --access-key-file), jwt (holders of a signed token naming
    /// them). Default: open on a loopback address; any other address refuses
    /// to start until this is given.
    #[arg(long, env = "DUET_ACCESS", value_enum)]
    pub access: Option<AccessMode>,

    /// For --access key: a file of access keys, one per line (at least 16
    /// characters each; # starts a comment). Re-read on SIGHUP, so keys rotate live.
    #[arg(long, env = "DUET_ACCESS_KEY_FILE")]
    pub access_key_file: Option<PathBuf>,

    /// For --access jwt: a file holding the HS256 secret (at least 32 bytes).
    #[arg(long, env = "DUET_JWT_SECRET_FILE", conflicts_with = "jwt_public_key_file")]
    pub jwt_secret_file: Option<PathBuf>,

    /// For --access jwt: a PEM public key (RSA for RS256, Ed25519 for EdDSA).
    #[arg(long, env = "DUET_JWT_PUBLIC_KEY_FILE", conflicts_with = "jwt_jwks_file")]
    pub jwt_public_key_file: Option<PathBuf>,

    /// For --access jwt: a JSON Web Key Set (HS256, RS256, ES256 or EdDSA
    /// keys, each with a `kid` that tokens name): rotate by adding the new
    /// key, SIGHUP, signing with it, then removing the old one.
    #[arg(long, env = "DUET_JWT_JWKS_FILE", conflicts_with = "jwt_secret_file")]
    pub jwt_jwks_file: Option<PathBuf>,

    /// For --access jwt: the `aud` tokens must carry (not checked if unset).
    #[arg(long, env = "DUET_JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,

    /// For --access jwt: the `iss` tokens must carry (not checked if unset).
    #[arg(long, env = "DUET_JWT_ISSUER")]
    pub jwt_issuer: Option<String>,

    /// A file holding the key that signs resume tickets (at least 32 bytes);
    /// give every node of a cluster the same one. Overrides the state directory's.
    #[arg(long, env = "DUET_SECRET_FILE")]
    pub secret_file: Option<PathBuf>,

    /// Seconds a resume ticket stays valid; clients get a fresh one at half this time.
    #[arg(long, env = "DUET_TICKET_TTL_SECS", default_value_t = 3600)]
    pub ticket_ttl_secs: u64,
}

impl Auth {
    /// Where sign-in tokens' keys come from and which claims must match.
    pub fn jwt_source(&self) -> JwtSource {
        JwtSource {
            secret_file: self.jwt_secret_file.clone(),
            public_key_file: self.jwt_public_key_file.clone(),
            jwks_file: self.jwt_jwks_file.clone(),
            audience: self.jwt_audience.clone(),
            issuer: self.jwt_issuer.clone(),
        }
    }
}
