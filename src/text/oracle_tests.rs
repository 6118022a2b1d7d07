//! Cross-checks `analyze`/`split` against the `sms_splitter` crate as an oracle.

// What the oracle computes (sms_splitter 0.1.9, default options): GSM if every
// UTF-16 unit is in its 03.38 default table (no national shift tables), else
// "Unicode"; greedy packing at 153 septets / 134 bytes (67 units) per part,
// moving an escape pair or a surrogate pair whole to the next part, and
// merging back to one part when the total fits 160 septets / 140 bytes. Its
// `bytes` are septets for GSM and 2 × UTF-16 units for Unicode; its `length`
// counts chars, which we don't compare. Its table matches 03.38 exactly
// (Ç, not ç, at 0x09; no backtick), so no input class needs excluding.

use proptest::prelude::*;
use sms_splitter::SplitSms;

use super::segment::{analyze, split};
use super::testgen;
use super::Encoding;

fn agree(text: &str) -> Result<(), TestCaseError> {
    let oracle = SplitSms::default().split(String::from(text));
    let ours = analyze(text);
    let (encoding, chars) = match oracle.character_set.as_str() {
        "GSM" => (Encoding::Gsm7, oracle.bytes),
        _ => (Encoding::Ucs2, oracle.bytes / 2),
    };
    prop_assert_eq!(ours.encoding, encoding, "encoding of {:?}", text);
    prop_assert_eq!(ours.chars, chars, "units of {:?}", text);
    prop_assert_eq!(ours.parts, oracle.parts.len(), "parts of {:?}", text);
    let theirs: Vec<&str> = oracle.parts.iter().map(|p| p.content.as_str()).collect();
    prop_assert_eq!(split(text), theirs, "parts of {:?}", text);
    Ok(())
}

#[test]
fn boundary_corpus() {
    let a = |n| "a".repeat(n);
    let corpus = [
        String::new(),
        "HD".to_owned(),
        "Xin chào".to_owned(),
        "Hỗ trợ".to_owned(),
        "a`b".to_owned(),
        a(160),
        a(161),
        a(306),
        a(307),
        "€".repeat(80),
        "€".repeat(81),
        format!("{}€", a(152)),
        format!("{}€{}", a(152), a(10)),
        format!("{}€{}", a(151), a(10)),
        format!("{}\u{0C}{}", a(300), "{}"),
        "ạ".repeat(70),
        "ạ".repeat(71),
        "ạ".repeat(135),
        "😀".repeat(35),
        "😀".repeat(36),
        format!("{}{}", "ạ".repeat(2), "😀".repeat(40)),
        format!("{}{}", "ạ".repeat(66), "😀"),
        format!("{}{}", a(100), "ç"),
    ];
    for text in corpus {
        if let Err(e) = agree(&text) {
            panic!("{e}");
        }
    }
}

proptest! {
    #[test]
    fn agrees_on_gsm(text in testgen::gsm_text()) {
        agree(&text)?;
    }

    #[test]
    fn agrees_on_ucs2(text in testgen::ucs2_text()) {
        agree(&text)?;
    }

    #[test]
    fn agrees_on_mixed(text in testgen::mixed_text()) {
        agree(&text)?;
    }
}
