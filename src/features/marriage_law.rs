//! Questions about marriage law (Law on Marriage and Family 2014, art. 3, 5 and 8): topics and their texts.
//!
//! The texts are fluent messages (`locales/*/marriage-law.ftl`); a topic names its title and its
//! body, and any grammar (USSD menus now, SMS keywords later) shows them. The facts, checked
//! against the law's text (No. 52/2014/QH13):
//! - art. 8(1)(a): a man may marry from full 20 years of age, a woman from full 18;
//! - art. 5(2)(b): child marriage (tảo hôn) and forced marriage are prohibited; art. 3(8) defines
//!   child marriage as marrying when one or both are under the age of art. 8(1)(a);
//! - art. 5(2)(d): marriage between people of the same direct blood line and between relatives
//!   within three generations is prohibited; art. 3(17) and 3(18) define both.

use crate::i18n::msg_id;

/// One question a villager can read about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Topic {
    /// Stable name, for logs and tests.
    pub key: &'static str,
    /// Fluent id of its short title (a menu line).
    pub title: &'static str,
    /// Fluent id of its text (several screens of a basic phone).
    pub body: &'static str,
}

/// The topics, in the order people are offered them.
pub const TOPICS: &[Topic] = &[
    Topic {
        key: "age",
        title: msg_id("marriage-age-title"),
        body: msg_id("marriage-age-body"),
    },
    Topic {
        key: "child",
        title: msg_id("marriage-child-title"),
        body: msg_id("marriage-child-body"),
    },
    Topic {
        key: "kin",
        title: msg_id("marriage-kin-title"),
        body: msg_id("marriage-kin-body"),
    },
];

/// The topic called `key`.
pub fn topic(key: &str) -> Option<&'static Topic> {
    TOPICS.iter().find(|t| t.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Locales, Msg};

    #[test]
    fn the_texts_state_the_law_as_written() {
        let l = Locales::embedded().expect("locales");
        let vi = |id| l.try_render("vi", &Msg::new(id)).expect("renders");
        let age = vi(topic("age").expect("age").body);
        assert!(age.contains("từ đủ 20 tuổi trở lên") && age.contains("từ đủ 18 tuổi trở lên"));
        assert!(age.contains("Điều 8"));
        let child = vi(topic("child").expect("child").body);
        assert!(child.contains("Điều 5") && child.contains("cưỡng ép kết hôn"));
        let kin = vi(topic("kin").expect("kin").body);
        assert!(kin.contains("trực hệ") && kin.contains("trong phạm vi ba đời"));
        let en = l
            .try_render("en", &Msg::new(topic("age").expect("age").body))
            .expect("en");
        assert!(en.contains("20") && en.contains("18") && en.contains("Article 8"));
    }

    #[test]
    fn keys_are_unique() {
        for (i, t) in TOPICS.iter().enumerate() {
            assert!(TOPICS[..i].iter().all(|o| o.key != t.key), "{}", t.key);
        }
    }
}
