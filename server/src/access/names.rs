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

/// The forms under which two names count as one: people would take one
/// for the other when any form of one equals any form of the other.
///
/// Case and confusables must be folded in both orders. Lowercasing first
/// keeps `ALICE` = `alice` but loses the confusables that only capitals
/// have (`I`→`l`, `0`→`O`), so the skeleton taken first and then
/// lowercased is the second form: `aIice` = `alice`, `b0b` = `bob`.
pub fn skeletons(name: &str) -> [String; 2] {
    let lower = |s: &str| s.chars().flat_map(char::to_lowercase).collect::<String>();
    let skeleton = |s: &str| unicode_security::skeleton(s).collect::<String>();
    [skeleton(&lower(name)), skeleton(&lower(&skeleton(name)))]
}

/// Whether people would take `a` for `b`.
pub fn look_alike(a: &str, b: &str) -> bool {
    let (a, b) = (skeletons(a), skeletons(b));
    a.iter().any(|x| b.contains(x))
}

/// Control, format (zero-width, bidi controls, soft hyphen), separator,
/// private-use and unassigned characters, every Default_Ignorable code point
/// (variation selectors, tag characters, fillers: they render as nothing),
/// and the blank Braille pattern.
fn invisible(c: char) -> bool {
    use GeneralCategory::*;
    matches!(
        c.general_category(),
        Control | Format | LineSeparator | ParagraphSeparator | PrivateUse | Surrogate | Unassigned
    ) || default_ignorable(c)
        || c == '\u{2800}'
        || (c.is_whitespace() && c != ' ')
}

/// Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt, 16.0).
fn default_ignorable(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF)
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
    fn variation_selectors_and_tags_are_refused() {
        for bad in ["alice\u{FE0F}", "bob\u{FE00}", "eve\u{E0100}", "eve\u{E0041}", "x\u{180B}", "y\u{17B4}"] {
            assert!(matches!(check(bad), Err(NameError::Invisible(_))), "{bad:?}: {:?}", check(bad));
        }
    }

    #[test]
    fn look_alikes_are_caught() {
        for (a, b) in [
            ("аlice", "alice"),
            ("ALICE", "alice"),
            ("a1ice", "alice"),
            // Capital I and digit 0 look like l and O; lowercasing first would hide that.
            ("aIice", "alice"),
            ("b0b", "bob"),
            ("0lga", "olga"),
            ("B0B", "bob"),
        ] {
            assert!(look_alike(a, b) && look_alike(b, a), "{a} / {b}");
        }
        assert!(!look_alike("alice", "alicia"));
        assert!(!look_alike("김민지", "김민준"));
        assert!(!look_alike("bob", "rob"));
    }
}
