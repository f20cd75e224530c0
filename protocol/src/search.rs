//! Finding people by name as they are typed: a part of the name anywhere,
//! regardless of case (ASCII) and of full-width forms (ＡＢＣ, which Korean
//! and Japanese keyboards type), and Korean initials: "ㅁㅈ" finds "민지",
//! as Korean contact lists do. No Unicode tables: they would cost the first
//! load more than the scripts without case gain from them.

/// Whether `name` contains `query` in the ways above.
pub fn name_matches(name: &str, query: &str) -> bool {
    Query::new(query).matches(name)
}

/// A query folded once, to test many names against it without allocating
/// (the server tests every name online against a search).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query(Vec<char>);

impl Query {
    pub fn new(query: &str) -> Self {
        Query(query.trim().chars().map(fold).collect())
    }

    /// Nothing typed (or only spaces): every name matches.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn matches(&self, name: &str) -> bool {
        let mut rest = name;
        loop {
            let mut here = rest.chars().map(fold);
            if self.0.iter().all(|&q| here.next().is_some_and(|n| n == q || initial(n) == Some(q))) {
                return true;
            }
            let mut next = rest.chars();
            if next.next().is_none() {
                return false;
            }
            rest = next.as_str();
        }
    }
}

/// One form per letter: ASCII lower case, full-width ASCII as ASCII.
fn fold(c: char) -> char {
    let c = match u32::from(c) {
        full @ 0xFF01..=0xFF5E => char::from_u32(full - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    c.to_ascii_lowercase()
}

/// A Hangul syllable's initial consonant, as the jamo a keyboard types (민 → ㅁ).
fn initial(c: char) -> Option<char> {
    const INITIALS: [char; 19] = [
        'ㄱ', 'ㄲ', 'ㄴ', 'ㄷ', 'ㄸ', 'ㄹ', 'ㅁ', 'ㅂ', 'ㅃ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅉ', 'ㅊ', 'ㅋ', 'ㅌ', 'ㅍ',
        'ㅎ',
    ];
    let index = u32::from(c).checked_sub(0xAC00).filter(|i| *i < 11_172)? / 588;
    INITIALS.get(index as usize).copied()
}

#[cfg(test)]
mod tests {
    use super::name_matches;

    #[test]
    fn any_part_of_a_name_in_any_case_or_width() {
        assert!(name_matches("Alice", "lic"));
        assert!(name_matches("Alice", "ALI"));
        assert!(name_matches("alice", "ＡＬＩ"), "full-width letters, as an IME types them");
        assert!(name_matches("ｂｏｂ", "bob"));
        assert!(name_matches("bob", "  "), "nothing typed finds everyone");
        assert!(!name_matches("bob", "alice"));
        assert!(!name_matches("bo", "bob"));
    }

    #[test]
    fn korean_names_by_syllables_or_by_initials() {
        assert!(name_matches("김민지", "민지"));
        assert!(name_matches("김민지", "ㅁㅈ"), "initials");
        assert!(name_matches("김민지", "ㄱㅁㅈ"));
        assert!(name_matches("김민지", "민ㅈ"), "a syllable, then an initial being typed");
        assert!(!name_matches("김민지", "ㅈㅁ"), "in order");
        assert!(!name_matches("김민지", "ㅂ"));
        // A jamo in a name is itself, not an initial of something else.
        assert!(name_matches("ㅎㅎ", "ㅎ"));
        assert!(!name_matches("ㅎㅎ", "하"));
    }
}
