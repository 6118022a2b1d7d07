//! The không-dấu form of a message that is guaranteed to go out as GSM-7.

use super::gsm7::gsm7_septets;
use super::unaccent::fold;

/// Typographic punctuation that word processors and phones substitute for
/// ASCII. Mapped here rather than left to deunicode so the common cases
/// don't depend on its tables. The backtick is not in GSM-7 at all; an
/// apostrophe is what a reader would expect in its place.
fn typographic(c: char) -> Option<&'static str> {
    Some(match c {
        '“' | '”' | '„' => "\"",
        '‘' | '’' | '‚' | '`' | '´' => "'",
        '–' | '—' | '−' => "-",
        '…' => "...",
        // deunicode would drop a tab entirely and glue the words together.
        '\t' | '\u{A0}' => " ",
        _ => return None,
    })
}

fn is_gsm7_or_backtick(c: char) -> bool {
    c == '`' || gsm7_septets(c).is_some()
}

/// Unaccents (see [`super::unaccent`]), then replaces whatever is still
/// outside GSM-7 with its deunicode transliteration, or `?` when there is
/// none. deunicode renders emoji as English words (`😀` → `"grinning "`),
/// which can lengthen the message. The result always satisfies `is_gsm7`.
pub fn to_gsm7_lossy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().filter_map(fold) {
        if gsm7_septets(c).is_some() {
            out.push(c);
        } else if let Some(s) = typographic(c) {
            out.push_str(s);
        } else {
            match deunicode::deunicode_char(c) {
                // Some transliterations use a backtick for an apostrophe-like
                // letter (ʻ, Armenian aspirates); keep them, as an apostrophe.
                Some(s) if s.chars().all(is_gsm7_or_backtick) => {
                    out.extend(s.chars().map(|t| if t == '`' { '\'' } else { t }));
                }
                _ => out.push('?'),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::text::gsm7::is_gsm7;
    use crate::text::testgen;
    use crate::text::unaccent::unaccent;

    #[test]
    fn vietnamese_goes_khong_dau() {
        assert_eq!(to_gsm7_lossy("Hỗ trợ người dân"), "Ho tro nguoi dan");
        assert_eq!(to_gsm7_lossy("Xin chào"), "Xin chao");
    }

    #[test]
    fn backticks_become_apostrophes() {
        let out = to_gsm7_lossy("say `hi` ʻokina");
        assert!(!out.contains('`'));
        assert_eq!(out, "say 'hi' 'okina");
        assert!(is_gsm7(&out));
    }

    #[test]
    fn emoji_become_gsm7() {
        let out = to_gsm7_lossy("Chúc mừng 😀👍🇻🇳❤️");
        assert!(is_gsm7(&out), "{out:?}");
        assert!(out.starts_with("Chuc mung "));
        assert!(!out.contains('?'), "{out:?}");
    }

    #[test]
    fn typographic_punctuation() {
        assert_eq!(
            to_gsm7_lossy("“Họp” ‘dân’ 8–9 giờ — xong…"),
            "\"Hop\" 'dan' 8-9 gio - xong..."
        );
    }

    #[test]
    fn gsm_extension_and_latin_survive() {
        let text = "{[€]} ~|^\\ Ñ Ø ß @ £";
        assert_eq!(to_gsm7_lossy(text), text);
    }

    #[test]
    fn untransliterable_becomes_question_mark() {
        // Private-use chars have no transliteration.
        assert_eq!(to_gsm7_lossy("a\u{E000}b"), "a?b");
    }

    proptest! {
        #[test]
        fn always_gsm7(text in testgen::mixed_text()) {
            let out = to_gsm7_lossy(&text);
            prop_assert!(is_gsm7(&out), "{:?} -> {:?}", text, out);
        }

        #[test]
        fn always_gsm7_any(text in any::<String>()) {
            prop_assert!(is_gsm7(&to_gsm7_lossy(&text)));
        }

        #[test]
        fn unaccent_first_is_equivalent(text in testgen::mixed_text()) {
            prop_assert_eq!(to_gsm7_lossy(&unaccent(&text)), to_gsm7_lossy(&text));
        }

        #[test]
        fn gsm7_without_vietnamese_is_unchanged(text in testgen::gsm_text()) {
            let plain = unaccent(&text);
            prop_assert_eq!(to_gsm7_lossy(&plain), plain);
        }
    }
}
