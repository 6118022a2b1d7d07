//! Membership and septet cost of characters in the GSM 03.38 default alphabet.

/// `Some(1)` for the basic table, `Some(2)` for the extension table (sent as
/// ESC + char), `None` when the char forces UCS-2.
pub fn gsm7_septets(c: char) -> Option<usize> {
    match c {
        // '@' and '$' sit in ' '..='Z'; the ASCII gaps are [ \ ] ^ ` { | } ~,
        // which are either extension chars or (backtick) absent from 03.38.
        '\n' | '\r' | ' '..='Z' | '_' | 'a'..='z' => Some(1),
        '\u{0C}' | '^' | '{' | '}' | '\\' | '[' | '~' | ']' | '|' | '€' => Some(2),
        '£' | '¥' | 'è' | 'é' | 'ù' | 'ì' | 'ò' | 'Ç' | 'Ø' | 'ø' | 'Å' | 'å' | 'Δ' | 'Φ' | 'Γ'
        | 'Λ' | 'Ω' | 'Π' | 'Ψ' | 'Σ' | 'Θ' | 'Ξ' | 'Æ' | 'æ' | 'ß' | 'É' | '¤' | '¡' | 'Ä'
        | 'Ö' | 'Ñ' | 'Ü' | '§' | '¿' | 'ä' | 'ö' | 'ñ' | 'ü' | 'à' => Some(1),
        _ => None,
    }
}

/// True when the whole text can be sent in the GSM 03.38 default alphabet
/// (with its extension table), i.e. without falling back to UCS-2.
pub fn is_gsm7(text: &str) -> bool {
    text.chars().all(|c| gsm7_septets(c).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_chars() -> impl Iterator<Item = char> {
        (0..=0x10FFFFu32).filter_map(char::from_u32)
    }

    #[test]
    fn table_sizes_match_03_38() {
        // 128 basic positions minus ESC; 10 extension chars (FF ^ { } \ [ ~ ] | €).
        let basic = all_chars().filter(|&c| gsm7_septets(c) == Some(1)).count();
        let ext = all_chars().filter(|&c| gsm7_septets(c) == Some(2)).count();
        assert_eq!(basic, 127);
        assert_eq!(ext, 10);
    }

    #[test]
    fn known_members() {
        assert_eq!(gsm7_septets('@'), Some(1));
        assert_eq!(gsm7_septets('à'), Some(1));
        assert_eq!(gsm7_septets('€'), Some(2));
        assert_eq!(gsm7_septets('\u{0C}'), Some(2));
        assert_eq!(gsm7_septets('`'), None);
        assert_eq!(gsm7_septets('\u{1B}'), None);
        assert_eq!(gsm7_septets('\t'), None);
        assert_eq!(gsm7_septets('ç'), None);
        assert_eq!(gsm7_septets('á'), None);
        assert_eq!(gsm7_septets('đ'), None);
    }

    #[test]
    fn is_gsm7_cases() {
        assert!(is_gsm7(""));
        assert!(is_gsm7("Xin chào {ban}"));
        assert!(!is_gsm7("Hỗ trợ"));
        assert!(!is_gsm7("a`b"));
        assert!(!is_gsm7("ok 😀"));
    }
}
