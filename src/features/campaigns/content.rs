//! Content shipped with loa: the campaign against child marriage and consanguineous marriage, and its quiz.
//!
//! Texts are fluent messages (`locales/*/campaigns.ftl`, `vi` and `en` complete). The facts are
//! those of the Law on Marriage and Family 2014 (No. 52/2014/QH13), checked against its text:
//! art. 8(1)(a) marriage age (men from full 20, women from full 18); art. 3(8) child marriage;
//! art. 5(2)(b) child and forced marriage prohibited; art. 5(2)(d) with art. 3(17) and 3(18):
//! marriage between people of the same direct blood line and between relatives within three
//! generations prohibited. Free legal aid for ethnic-minority people living in areas of
//! especially difficult socio-economic conditions: Law on Legal Aid 2017, art. 7. Every message,
//! unaccented, fits two GSM-7 parts in every language (a test below).

use super::Step;
use crate::i18n::msg_id;

/// One shipped step: day offset from joining, fluent id, right answer for a quiz question.
pub struct Shipped {
    pub day: i64,
    pub message: &'static str,
    pub answer: Option<&'static str>,
}

const fn step(day: i64, message: &'static str) -> Shipped {
    Shipped {
        day,
        message,
        answer: None,
    }
}

const fn question(day: i64, message: &'static str, answer: &'static str) -> Shipped {
    Shipped {
        day,
        message,
        answer: Some(answer),
    }
}

/// Six messages over four weeks: the ages, the harms, consanguineous marriage, where to get help.
pub const CHILD_MARRIAGE: &[Shipped] = &[
    step(0, msg_id("vd-cm-age")),
    step(3, msg_id("vd-cm-health")),
    step(7, msg_id("vd-cm-school")),
    step(14, msg_id("vd-cm-kin")),
    step(21, msg_id("vd-cm-kin-harm")),
    step(28, msg_id("vd-cm-help")),
];

/// Four questions, one a day, like the legal-knowledge contests communes hold.
pub const CHILD_MARRIAGE_QUIZ: &[Shipped] = &[
    question(0, msg_id("quiz-cm-1"), "B"),
    question(1, msg_id("quiz-cm-2"), "C"),
    question(2, msg_id("quiz-cm-3"), "A"),
    question(3, msg_id("quiz-cm-4"), "B"),
];

/// Shipped content by the name the API takes.
pub const CONTENT: &[(&str, &[Shipped])] = &[
    ("child-marriage", CHILD_MARRIAGE),
    ("child-marriage-quiz", CHILD_MARRIAGE_QUIZ),
];

/// The steps of shipped content `name`.
pub fn steps(name: &str) -> Option<Vec<Step>> {
    let (_, shipped) = CONTENT.iter().find(|(n, _)| *n == name)?;
    Some(
        shipped
            .iter()
            .enumerate()
            .map(|(i, s)| Step {
                no: i as i64 + 1,
                day_offset: s.day,
                message_id: Some(s.message.to_string()),
                texts: None,
                answer: s.answer.map(str::to_string),
            })
            .collect(),
    )
}

/// The fluent id of shipped message `id` (as stored), if loa ships it.
pub fn message(id: &str) -> Option<&'static str> {
    CONTENT
        .iter()
        .flat_map(|(_, s)| s.iter())
        .map(|s| s.message)
        .find(|m| *m == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Locales, Msg};
    use crate::text::{analyze, to_gsm7_lossy, Encoding};

    #[test]
    fn every_message_fits_two_unaccented_gsm7_parts_in_every_language() {
        let l = Locales::embedded().expect("locales");
        for lang in l.languages().collect::<Vec<_>>() {
            for (_, shipped) in CONTENT {
                for s in *shipped {
                    let text = l.try_render(lang, &Msg::new(s.message)).expect("renders");
                    let info = analyze(&to_gsm7_lossy(&text));
                    assert_eq!(info.encoding, Encoding::Gsm7, "{lang} {}", s.message);
                    assert!(
                        info.parts <= 2,
                        "{lang} {}: {} parts, {} chars",
                        s.message,
                        info.parts,
                        info.chars
                    );
                }
            }
        }
    }

    #[test]
    fn vi_and_en_are_complete() {
        let l = Locales::embedded().expect("locales");
        for (_, shipped) in CONTENT {
            for s in *shipped {
                assert!(
                    l.has_own("vi", s.message) && l.has_own("en", s.message),
                    "{}",
                    s.message
                );
            }
        }
    }

    #[test]
    fn the_texts_state_the_law_as_written() {
        let l = Locales::embedded().expect("locales");
        let vi = |id| l.try_render("vi", &Msg::new(id)).expect("renders");
        let age = vi("vd-cm-age");
        assert!(
            age.contains("nam từ đủ 20 tuổi") && age.contains("nữ từ đủ 18 tuổi"),
            "{age}"
        );
        assert!(age.contains("Điều 8") && age.contains("Điều 5"));
        let kin = vi("vd-cm-kin");
        assert!(
            kin.contains("trực hệ") && kin.contains("trong phạm vi ba đời"),
            "{kin}"
        );
        assert!(kin.contains("con chú, con bác, con cô, con cậu, con dì"));
        let help = vi("vd-cm-help");
        assert!(help.contains("UBND xã") && help.contains("Trung tâm trợ giúp pháp lý"));
        let en = l.try_render("en", &Msg::new("vd-cm-age")).expect("en");
        assert!(en.contains("full 20") && en.contains("full 18") && en.contains("Article 8"));
        // The quiz's right answers say what the law says.
        let q1 = vi("quiz-cm-1");
        assert!(q1.contains("B. Đủ 18 tuổi"), "{q1}");
        assert!(vi("quiz-cm-2").contains("C. Đủ 20 tuổi"));
        assert!(vi("quiz-cm-3").contains("A. Anh chị em con chú"));
    }

    #[test]
    fn message_ids_are_unique_and_found() {
        let all: Vec<&str> = CONTENT
            .iter()
            .flat_map(|(_, s)| s.iter())
            .map(|s| s.message)
            .collect();
        for (i, m) in all.iter().enumerate() {
            assert!(!all[..i].contains(m), "{m}");
            assert_eq!(message(m), Some(*m));
        }
        assert_eq!(steps("child-marriage").map(|s| s.len()), Some(6));
        assert!(steps("nothing").is_none());
    }
}
