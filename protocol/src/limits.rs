//! Shared bounds, so the app can refuse what the server would refuse.

/// Longest username, in characters, after trimming.
pub const MAX_USERNAME_CHARS: usize = 32;

/// Most rows one `view` may ask for: a screenful or two, never the list.
pub const MAX_VIEW_ROWS: u32 = 120;

/// The rows a directory client is sent at login, before it asks for others.
pub const FIRST_VIEW_ROWS: u32 = 50;

/// Most names one `watch` may follow (recent contacts and a call partner).
pub const MAX_WATCHED: usize = 100;

/// Longest search query, in characters (a name is no longer).
pub const MAX_QUERY_CHARS: usize = MAX_USERNAME_CHARS;

/// Longest chat message, in characters.
pub const MAX_CHAT_CHARS: usize = 2000;

/// Why a username is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsernameError {
    Empty,
    TooLong,
    ControlCharacter,
}

impl std::fmt::Display for UsernameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UsernameError::Empty => write!(f, "the username is empty"),
            UsernameError::TooLong => write!(f, "the username is longer than {MAX_USERNAME_CHARS} characters"),
            UsernameError::ControlCharacter => write!(f, "the username contains a control character"),
        }
    }
}

/// Trims a requested username and checks it: 1 to 32 characters, no control
/// characters. Returns the name as it will be registered.
pub fn normalize_username(raw: &str) -> Result<String, UsernameError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(UsernameError::Empty);
    }
    if name.chars().count() > MAX_USERNAME_CHARS {
        return Err(UsernameError::TooLong);
    }
    if name.chars().any(char::is_control) {
        return Err(UsernameError::ControlCharacter);
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_and_bounded() {
        assert_eq!(normalize_username("  alice \t"), Ok("alice".into()));
        assert_eq!(normalize_username("   "), Err(UsernameError::Empty));
        assert_eq!(normalize_username(&"é".repeat(32)), Ok("é".repeat(32)));
        assert_eq!(normalize_username(&"a".repeat(33)), Err(UsernameError::TooLong));
        assert_eq!(normalize_username("al\u{0}ice"), Err(UsernameError::ControlCharacter));
        assert_eq!(normalize_username("al\nice"), Err(UsernameError::ControlCharacter));
        assert_eq!(normalize_username("김민지"), Ok("김민지".into()));
    }
}
