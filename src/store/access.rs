//! Getting past a server's access control (`duet-server --access key|jwt`):
//! the credential the app offers, and what the server said when it refused one.

/// What the app offers when it opens the signaling socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A shared access key, from an invite link (`#key=…`) or typed in.
    Key(String),
    /// A signed token from the site Duet is embedded in (`#token=…`); it names the user.
    Token(String),
}

/// Why the server closed the socket before anything else happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessRefusal {
    KeyRequired,
    WrongKey,
    TokenRequired,
    BadToken,
    TokenExpired,
}

impl AccessRefusal {
    /// The server's close codes (docs/protocol.md, "Access control").
    pub fn from_close_code(code: u16) -> Option<Self> {
        Some(match code {
            4401 => AccessRefusal::KeyRequired,
            4403 => AccessRefusal::WrongKey,
            4411 => AccessRefusal::TokenRequired,
            4413 => AccessRefusal::BadToken,
            4410 => AccessRefusal::TokenExpired,
            _ => return None,
        })
    }

    /// The person can fix it by typing a key.
    pub fn wants_key(self) -> bool {
        matches!(self, AccessRefusal::KeyRequired | AccessRefusal::WrongKey)
    }

    /// The credential we offered is no good: forget it.
    pub fn spoils_credential(self) -> bool {
        matches!(self, AccessRefusal::WrongKey | AccessRefusal::BadToken | AccessRefusal::TokenExpired)
    }
}
