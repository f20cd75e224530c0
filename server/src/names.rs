//! The rules a name must pass on this server, beyond the shared length and
//! control-character rules in `duet_protocol::limits`.
//!
//! Names are what people recognise each other by, so the server refuses
//! what could impersonate or hide: it stores the NFKC form (fullwidth
//! `ａｌｉｃｅ` is `alice`), refuses invisible and direction-changing
//! characters, refuses HTML-significant characters (MDN's client puts names
//! into HTML), and treats a name as taken when it *looks* like an online
//! one (Cyrillic `аlice`, `ALICE`) by comparing UTS #39 skeletons.

use duet_protocol::limits::{normalize_username, UsernameError};
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Why a name is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("{0}")]
    Shape(UsernameError),
    #[error("the username contains an invisible or formatting character (U+{0:04X})")]
    Invisible(u32),
    #[error("the username contains {0:?}, which names may not use")]
    Markup(char),
}

/// The name as it will be registered, or why not.
pub fn check(raw: &str) -> Result<String, NameError> {
    let nfkc: String = raw.nfkc().collect();
    let name = normalize_username(&nfkc).map_err(NameError::Shape)?;
    for c in name.chars() {
        if invisible(c) {
            return Err(NameError::Invisible(c as u32));
        }
        if "<>&\"'`".contains(c) {
            return Err(NameError::Markup(c));
        }
    }
    Ok(name)
}

/// The form two names share when people would take one for the other.
pub fn skeleton(name: &str) -> String {
    let folded: String = name.chars().flat_map(char::to_lowercase).collect();
    unicode_security::skeleton(&folded).collect()
}

/// Control, format (zero-width, bidi controls, soft hyphen), separator,
/// private-use and unassigned characters, and the blank Hangul fillers and
/// Braille pattern that render as nothing.
fn invisible(c: char) -> bool {
    use GeneralCategory::*;
    matches!(
        c.general_category(),
        Control | Format | LineSeparator | ParagraphSeparator | PrivateUse | Surrogate | Unassigned
    ) || matches!(c, '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' | '\u{2800}' | '\u{034F}')
        || (c.is_whitespace() && c != ' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_names_in_many_scripts_are_kept() {
        for name in ["alice", "김민지", "山田 太郎", "José Núñez", "Zoë", "Ἀθηνᾶ", "محمد", "O.Brien-2"]
        {
            assert_eq!(check(name).as_deref(), Ok(name), "{name}");
        }
    }

    #[test]
    fn compatibility_forms_are_normalised() {
        assert_eq!(check("ａｌｉｃｅ").as_deref(), Ok("alice"));
        assert_eq!(check("ﬁona").as_deref(), Ok("fiona"));
        // Decomposed é becomes the single code point.
        assert_eq!(check("Jose\u{301}").as_deref(), Ok("José"));
    }

    #[test]
    fn invisible_and_markup_characters_are_refused() {
        for bad in
            ["al\u{200B}ice", "alice\u{202E}", "\u{2066}bob", "ali\u{00AD}ce", "a\u{3164}", "x\u{E000}", "a\u{2028}b"]
        {
            assert!(matches!(check(bad), Err(NameError::Invisible(_))), "{bad:?}: {:?}", check(bad));
        }
        for bad in ["<img src=x onerror=alert(1)>", "a&b", "o'brien", "say\"hi\""] {
            assert!(matches!(check(bad), Err(NameError::Markup(_))), "{bad}");
        }
        assert!(matches!(check("   "), Err(NameError::Shape(UsernameError::Empty))));
    }

    #[test]
    fn look_alikes_share_a_skeleton() {
        assert_eq!(skeleton("аlice"), skeleton("alice"), "Cyrillic а");
        assert_eq!(skeleton("ALICE"), skeleton("alice"));
        assert_eq!(skeleton("a1ice"), skeleton("alice"), "digit one for l");
        assert_ne!(skeleton("alice"), skeleton("alicia"));
        assert_ne!(skeleton("김민지"), skeleton("김민준"));
    }
}
