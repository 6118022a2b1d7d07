//! Vietnamese "không dấu": stripping tone marks and letter diacritics.

/// What one char becomes without its Vietnamese diacritics: `None` drops it
/// (a combining mark), otherwise the base letter or the char unchanged.
/// Char-local on purpose, so callers can fold while streaming.
pub(super) fn fold(c: char) -> Option<char> {
    if c.is_ascii() {
        return Some(c);
    }
    // Decomposed (NFD) input carries tones and ă/â/ê/ô/ơ/ư as separate marks
    // after an ASCII base; dropping the marks leaves exactly the base letter.
    if ('\u{0300}'..='\u{036F}').contains(&c) {
        return None;
    }
    Some(vietnamese_base(c).unwrap_or(c))
}

fn vietnamese_base(c: char) -> Option<char> {
    Some(match c {
        'à' | 'á' | 'ả' | 'ã' | 'ạ' | 'ă' | 'ằ' | 'ắ' | 'ẳ' | 'ẵ' | 'ặ' | 'â' | 'ầ' | 'ấ' | 'ẩ'
        | 'ẫ' | 'ậ' => 'a',
        'À' | 'Á' | 'Ả' | 'Ã' | 'Ạ' | 'Ă' | 'Ằ' | 'Ắ' | 'Ẳ' | 'Ẵ' | 'Ặ' | 'Â' | 'Ầ' | 'Ấ' | 'Ẩ'
        | 'Ẫ' | 'Ậ' => 'A',
        'è' | 'é' | 'ẻ' | 'ẽ' | 'ẹ' | 'ê' | 'ề' | 'ế' | 'ể' | 'ễ' | 'ệ' => 'e',
        'È' | 'É' | 'Ẻ' | 'Ẽ' | 'Ẹ' | 'Ê' | 'Ề' | 'Ế' | 'Ể' | 'Ễ' | 'Ệ' => 'E',
        'ì' | 'í' | 'ỉ' | 'ĩ' | 'ị' => 'i',
        'Ì' | 'Í' | 'Ỉ' | 'Ĩ' | 'Ị' => 'I',
        'ò' | 'ó' | 'ỏ' | 'õ' | 'ọ' | 'ô' | 'ồ' | 'ố' | 'ổ' | 'ỗ' | 'ộ' | 'ơ' | 'ờ' | 'ớ' | 'ở'
        | 'ỡ' | 'ợ' => 'o',
        'Ò' | 'Ó' | 'Ỏ' | 'Õ' | 'Ọ' | 'Ô' | 'Ồ' | 'Ố' | 'Ổ' | 'Ỗ' | 'Ộ' | 'Ơ' | 'Ờ' | 'Ớ' | 'Ở'
        | 'Ỡ' | 'Ợ' => 'O',
        'ù' | 'ú' | 'ủ' | 'ũ' | 'ụ' | 'ư' | 'ừ' | 'ứ' | 'ử' | 'ữ' | 'ự' => 'u',
        'Ù' | 'Ú' | 'Ủ' | 'Ũ' | 'Ụ' | 'Ư' | 'Ừ' | 'Ứ' | 'Ử' | 'Ữ' | 'Ự' => 'U',
        'ỳ' | 'ý' | 'ỷ' | 'ỹ' | 'ỵ' => 'y',
        'Ỳ' | 'Ý' | 'Ỷ' | 'Ỹ' | 'Ỵ' => 'Y',
        'đ' => 'd',
        'Đ' => 'D',
        _ => return None,
    })
}

/// Handles precomposed (NFC) and decomposed (NFD) input alike. Every
/// Vietnamese letter loses its marks, including é/è/à that GSM-7 could
/// carry, so the result reads uniformly không dấu. Other chars are kept,
/// except combining marks U+0300..U+036F, which are always dropped.
pub fn unaccent(text: &str) -> String {
    if text.is_ascii() {
        return text.to_owned();
    }
    text.chars().filter_map(fold).collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::text::testgen;

    #[test]
    fn sentence() {
        assert_eq!(
            unaccent("Đường Hồ Chí Minh, ăn ở, người Mông"),
            "Duong Ho Chi Minh, an o, nguoi Mong"
        );
    }

    #[test]
    fn decomposed_input() {
        assert_eq!(unaccent("e\u{0302}\u{0301}"), "e");
        assert_eq!(unaccent("Vie\u{0302}\u{0323}t Nam"), "Viet Nam");
        assert_eq!(
            unaccent("o\u{031B}\u{0300} a\u{0306}\u{0323} u\u{031B}\u{0303}"),
            "o a u"
        );
        assert_eq!(
            unaccent("Đu\u{031B}o\u{031B}\u{0300}ng Ho\u{0302}\u{0300} Chi\u{0301} Minh"),
            "Duong Ho Chi Minh"
        );
    }

    #[test]
    fn gsm_vietnamese_letters_are_unaccented_too() {
        assert_eq!(unaccent("Xin chào, é è ì ò ù É"), "Xin chao, e e i o u E");
    }

    #[test]
    fn whole_vietnamese_block_folds_to_ascii() {
        // U+1EA0..U+1EF9 is exactly the Vietnamese-only precomposed letters.
        for c in ('\u{1EA0}'..='\u{1EF9}').filter(|c| c.is_alphabetic()) {
            let folded = fold(c);
            assert!(folded.is_some_and(|b| b.is_ascii_alphabetic()), "{c}");
            assert_eq!(
                folded.map(|b| b.is_ascii_uppercase()),
                Some(c.is_uppercase()),
                "{c}"
            );
        }
    }

    #[test]
    fn other_chars_are_left_alone() {
        let text = "ç ñ ü ß € 中文 😀 Ð";
        assert_eq!(unaccent(text), text);
    }

    proptest! {
        #[test]
        fn vietnamese_text_becomes_ascii(text in testgen::vietnamese_text()) {
            let out = unaccent(&text);
            prop_assert!(out.is_ascii(), "{:?} -> {:?}", text, out);
        }

        #[test]
        fn idempotent(text in testgen::mixed_text()) {
            let once = unaccent(&text);
            prop_assert_eq!(unaccent(&once), once.clone());
            prop_assert!(once.chars().count() <= text.chars().count());
        }
    }
}
