//! Counting and splitting a message into the concatenated-SMS parts a phone receives.

use serde::Serialize;

use super::encoding::Encoding;
use super::gsm7::gsm7_septets;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SmsInfo {
    pub encoding: Encoding,
    /// Units counted against the limit: septets for GSM-7 (an extension-table
    /// char costs 2), UTF-16 code units for UCS-2 (a non-BMP emoji costs 2).
    pub chars: usize,
    pub parts: usize,
}

/// A lone message may use the whole payload; once concatenated, each part
/// loses room to the 6-byte UDH (7 septets, or 3 UTF-16 units).
const fn limits(encoding: Encoding) -> (usize, usize) {
    match encoding {
        Encoding::Gsm7 => (160, 153),
        Encoding::Ucs2 => (70, 67),
    }
}

fn cost(encoding: Encoding, c: char) -> usize {
    match encoding {
        // Only reached for text already known to be GSM-7; the fallback keeps
        // this total rather than trusting that.
        Encoding::Gsm7 => gsm7_septets(c).unwrap_or(2),
        Encoding::Ucs2 => c.len_utf16(),
    }
}

/// Greedy packing, shared by `analyze` and `split` so that the part count
/// and the actual parts can never disagree. A char that would straddle a
/// boundary (escape pair, surrogate pair) moves whole to the next part.
struct Packer {
    per_part: usize,
    total: usize,
    used: usize,
    parts: usize,
}

impl Packer {
    fn new(per_part: usize) -> Self {
        Packer {
            per_part,
            total: 0,
            used: 0,
            parts: 1,
        }
    }

    /// Returns true when the char opens a new part.
    fn push(&mut self, units: usize) -> bool {
        self.total += units;
        if self.used + units > self.per_part {
            self.parts += 1;
            self.used = units;
            true
        } else {
            self.used += units;
            false
        }
    }
}

/// Encoding, units counted against the limit (see [`SmsInfo::chars`]) and
/// the number of parts the message will be sent as.
pub fn analyze(text: &str) -> SmsInfo {
    // One pass feeds both packers so non-GSM text isn't walked twice; the
    // GSM packer is abandoned at the first char outside the alphabet.
    let mut gsm = Some(Packer::new(limits(Encoding::Gsm7).1));
    let mut ucs = Packer::new(limits(Encoding::Ucs2).1);
    for c in text.chars() {
        if let Some(p) = gsm.as_mut() {
            match gsm7_septets(c) {
                Some(n) => {
                    p.push(n);
                }
                None => gsm = None,
            }
        }
        ucs.push(c.len_utf16());
    }
    let (encoding, packer) = match gsm {
        Some(p) => (Encoding::Gsm7, p),
        None => (Encoding::Ucs2, ucs),
    };
    let single = limits(encoding).0;
    SmsInfo {
        encoding,
        chars: packer.total,
        parts: if packer.total <= single {
            1
        } else {
            packer.parts
        },
    }
}

/// Splits into the parts a phone would receive: GSM-7 160 single / 153 per
/// part, UCS-2 70 / 67 per part. Never splits a char, so a part may end one
/// unit short. Empty text is one empty part; `split(t).concat() == t` always.
pub fn split(text: &str) -> Vec<String> {
    let info = analyze(text);
    if info.parts == 1 {
        return vec![text.to_owned()];
    }
    let mut packer = Packer::new(limits(info.encoding).1);
    let mut parts = Vec::with_capacity(info.parts);
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if packer.push(cost(info.encoding, c)) {
            parts.push(text[start..i].to_owned());
            start = i;
        }
    }
    parts.push(text[start..].to_owned());
    parts
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::text::testgen;

    fn units(encoding: Encoding, part: &str) -> usize {
        part.chars().map(|c| cost(encoding, c)).sum()
    }

    fn info(encoding: Encoding, chars: usize, parts: usize) -> SmsInfo {
        SmsInfo {
            encoding,
            chars,
            parts,
        }
    }

    #[test]
    fn short_ascii() {
        assert_eq!(analyze("HD"), info(Encoding::Gsm7, 2, 1));
        assert_eq!(split("HD"), vec!["HD"]);
    }

    #[test]
    fn empty_is_one_empty_part() {
        assert_eq!(analyze(""), info(Encoding::Gsm7, 0, 1));
        assert_eq!(split(""), vec![String::new()]);
    }

    #[test]
    fn gsm_single_and_concatenated_limits() {
        let cases = [(160, 1), (161, 2), (153 * 2, 2), (307, 3), (153 * 3, 3)];
        for (n, parts) in cases {
            let text = "a".repeat(n);
            assert_eq!(analyze(&text), info(Encoding::Gsm7, n, parts), "{n}");
            assert_eq!(split(&text).len(), parts, "{n}");
        }
    }

    #[test]
    fn euro_costs_two_septets() {
        assert_eq!(analyze("€"), info(Encoding::Gsm7, 2, 1));
        assert_eq!(analyze(&"€".repeat(80)), info(Encoding::Gsm7, 160, 1));
        assert_eq!(analyze(&"€".repeat(81)), info(Encoding::Gsm7, 162, 2));
    }

    #[test]
    fn escape_pair_is_never_cut() {
        // 152 + 2 would be 154: the € must move whole to part two.
        let text = format!("{}€{}", "a".repeat(152), "b".repeat(10));
        let parts = split(&text);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], "a".repeat(152));
        assert!(parts[1].starts_with('€'));
        for part in split(&"€".repeat(81)) {
            assert!(units(Encoding::Gsm7, &part) <= 153);
        }
    }

    #[test]
    fn vietnamese_encoding_choice() {
        assert_eq!(analyze("Xin chào").encoding, Encoding::Gsm7);
        assert_eq!(analyze("Hỗ trợ").encoding, Encoding::Ucs2);
    }

    #[test]
    fn ucs2_single_and_concatenated_limits() {
        assert_eq!(analyze(&"ạ".repeat(70)), info(Encoding::Ucs2, 70, 1));
        assert_eq!(analyze(&"ạ".repeat(71)), info(Encoding::Ucs2, 71, 2));
        assert_eq!(analyze(&"ạ".repeat(134)), info(Encoding::Ucs2, 134, 2));
        assert_eq!(analyze(&"ạ".repeat(135)), info(Encoding::Ucs2, 135, 3));
    }

    #[test]
    fn emoji_costs_two_units_and_is_never_cut() {
        assert_eq!(analyze("😀"), info(Encoding::Ucs2, 2, 1));
        assert_eq!(analyze(&"😀".repeat(35)), info(Encoding::Ucs2, 70, 1));
        // An even prefix leaves 1 unit free at 66: the next emoji moves whole.
        let text = format!("{}{}", "ạ".repeat(2), "😀".repeat(40));
        let parts = split(&text);
        assert_eq!(parts.len(), analyze(&text).parts);
        for part in &parts {
            assert!(units(Encoding::Ucs2, part) <= 67);
        }
        assert_eq!(units(Encoding::Ucs2, &parts[0]), 66);
        assert_eq!(parts.concat(), text);
    }

    fn check_split(text: &str) -> Result<(), TestCaseError> {
        let info = analyze(text);
        let parts = split(text);
        prop_assert_eq!(parts.concat(), text);
        prop_assert_eq!(parts.len(), info.parts);
        let (single, per_part) = limits(info.encoding);
        let limit = if parts.len() == 1 { single } else { per_part };
        for part in &parts {
            prop_assert!(units(info.encoding, part) <= limit);
            prop_assert!(parts.len() == 1 || !part.is_empty());
        }
        prop_assert_eq!(info.chars, units(info.encoding, text));
        Ok(())
    }

    proptest! {
        #[test]
        fn split_invariants_mixed(text in testgen::mixed_text()) {
            check_split(&text)?;
        }

        #[test]
        fn split_invariants_gsm(text in testgen::gsm_text()) {
            prop_assert_eq!(analyze(&text).encoding, Encoding::Gsm7);
            check_split(&text)?;
        }

        #[test]
        fn split_invariants_ucs2(text in testgen::ucs2_text()) {
            check_split(&text)?;
        }

        #[test]
        fn split_invariants_any(text in any::<String>()) {
            check_split(&text)?;
        }
    }
}
