//! Finding people by name as they are typed: a part of the name anywhere,
//! regardless of case (ASCII) and of full-width forms (ＡＢＣ, which Korean
//! and Japanese keyboards type), and Korean initials: "ㅁㅈ" finds "민지",
//! as Korean contact lists do. No Unicode tables: they would cost the first
//! load more than the scripts without case gain from them.

/// Whether `name` contains `query` in the ways above.
pub fn name_matches(name: &str, query: &str) -> bool {
    let query: Vec<char> = query.trim().chars().map(fold).collect();
    if query.is_empty() {
        return true;
    }
    let name: Vec<char> = name.chars().map(fold).collect();
    name.windows(query.len()).any(|w| w.iter().zip(&query).all(|(&n, &q)| n == q || initial(n) == Some(q)))
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
