//! The topics `HOI` answers: the marriage-law topics of USSD option 4 (one source), legal aid and the support programme.

use crate::features::marriage_law::{self, Topic};
use crate::i18n::msg_id;

/// A topic `HOI` offers: its texts, and the fluent id of the words that name it after `HOI`.
#[derive(Clone, Copy, Debug)]
pub struct Question {
    pub topic: Topic,
    pub aliases: &'static str,
}

const LEGAL_AID: Topic = Topic {
    key: "legal-aid",
    title: msg_id("ask-legal-aid-title"),
    body: msg_id("ask-legal-aid-body"),
};

const PROGRAMME: Topic = Topic {
    key: "programme",
    title: msg_id("ask-programme-title"),
    body: msg_id("ask-programme-body"),
};

/// The marriage-law topic called `key`, as USSD shows it; a missing one is a programming error
/// caught by the test below, so it falls back to the first.
fn law(key: &str) -> Topic {
    *marriage_law::topic(key).unwrap_or(&marriage_law::TOPICS[0])
}

/// The topics in the order `HOI` lists them (numbered from 1).
pub fn all() -> [Question; 5] {
    [
        Question {
            topic: law("age"),
            aliases: msg_id("ask-alias-age"),
        },
        Question {
            topic: law("child"),
            aliases: msg_id("ask-alias-child"),
        },
        Question {
            topic: law("kin"),
            aliases: msg_id("ask-alias-kin"),
        },
        Question {
            topic: LEGAL_AID,
            aliases: msg_id("ask-alias-legal-aid"),
        },
        Question {
            topic: PROGRAMME,
            aliases: msg_id("ask-alias-programme"),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marriage_topics_are_the_ussd_ones() {
        let q = all();
        for key in ["age", "child", "kin"] {
            let t = marriage_law::topic(key).expect("topic");
            assert!(q.iter().any(|x| x.topic == *t), "{key}");
        }
    }
}
