//! Keywords and their aliases from every language's fluent files, matched without case, spacing or diacritics.

use crate::i18n::{msg_id, Locales};

/// What a keyword asks for. Every language's aliases map onto these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    Help,
    Language,
    Script,
    Stop,
    Start,
    Status,
    /// `OK`: do what the last preview showed.
    Confirm,
    /// `TGPL`: ask for legal aid, or ask about a request.
    LegalAid,
}

/// Fluent ids whose values are comma-separated aliases, and the command each names.
pub const COMMAND_IDS: &[(&str, Command)] = &[
    (msg_id("kw-help"), Command::Help),
    (msg_id("kw-language"), Command::Language),
    (msg_id("kw-script"), Command::Script),
    (msg_id("kw-stop"), Command::Stop),
    (msg_id("kw-start"), Command::Start),
    (msg_id("kw-status"), Command::Status),
    (msg_id("kw-confirm"), Command::Confirm),
    (msg_id("kw-legal-aid"), Command::LegalAid),
];

/// Fluent ids of the aliases of each consent topic (`HUY TB` stops notices only).
pub const TOPIC_IDS: &[(&str, &str)] = &[
    (msg_id("topic-notice"), "notice"),
    (msg_id("topic-campaign"), "campaign"),
    (msg_id("topic-reminder"), "reminder"),
];

#[derive(Debug, thiserror::Error)]
pub enum KeywordError {
    #[error("keyword `{alias}` means two things: {first} in one language, {second} in another")]
    Ambiguous {
        alias: String,
        first: String,
        second: String,
    },
}

/// A typed message split into its command and the words after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    pub command: Option<Command>,
    /// The remaining words, normalized.
    pub args: Vec<String>,
}

pub struct Keywords {
    commands: Vec<(Vec<String>, Command)>,
    topics: Vec<(Vec<String>, &'static str)>,
}

/// Upper case, no diacritics (đ → D), punctuation as spaces, words split on any whitespace.
pub fn normalize(text: &str) -> Vec<String> {
    let plain = crate::text::unaccent(text).to_uppercase();
    plain
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn table<T: Copy + PartialEq + std::fmt::Debug>(
    locales: &Locales,
    ids: &[(&'static str, T)],
) -> Result<Vec<(Vec<String>, T)>, KeywordError> {
    let mut out: Vec<(Vec<String>, T)> = Vec::new();
    for (id, value) in ids {
        for (_lang, alias) in locales.aliases(id) {
            let words = normalize(&alias);
            if words.is_empty() {
                continue;
            }
            if let Some((_, other)) = out.iter().find(|(w, _)| *w == words) {
                if other != value {
                    return Err(KeywordError::Ambiguous {
                        alias: words.join(" "),
                        first: format!("{other:?}"),
                        second: format!("{value:?}"),
                    });
                }
                continue;
            }
            out.push((words, *value));
        }
    }
    // Longest alias first, so "TRO GIUP" is not read as an unknown "TRO".
    out.sort_by_key(|a| std::cmp::Reverse(a.0.len()));
    Ok(out)
}

fn longest_prefix<T: Copy>(table: &[(Vec<String>, T)], words: &[String]) -> Option<(usize, T)> {
    table
        .iter()
        .find(|(alias, _)| words.starts_with(alias))
        .map(|(alias, v)| (alias.len(), *v))
}

impl Keywords {
    /// Every alias of every language; an alias that means two things is a start-up error.
    pub fn from_locales(locales: &Locales) -> Result<Keywords, KeywordError> {
        Ok(Keywords {
            commands: table(locales, COMMAND_IDS)?,
            topics: table(locales, TOPIC_IDS)?,
        })
    }

    pub fn parse(&self, text: &str) -> Parsed {
        let words = normalize(text);
        match longest_prefix(&self.commands, &words) {
            Some((len, command)) => Parsed {
                command: Some(command),
                args: words[len..].to_vec(),
            },
            None => Parsed {
                command: None,
                args: words,
            },
        }
    }

    /// The topic the words name, if they name exactly one and nothing more.
    pub fn topic(&self, words: &[String]) -> Option<&'static str> {
        longest_prefix(&self.topics, words)
            .filter(|(len, _)| *len == words.len())
            .map(|(_, t)| t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kw() -> Keywords {
        Keywords::from_locales(&Locales::embedded().expect("locales")).expect("keywords")
    }

    #[test]
    fn case_spacing_and_diacritics_do_not_matter() {
        let kw = kw();
        for text in ["HUY", "Hủy", " huy ", "hUỶ", "HUY."] {
            assert_eq!(kw.parse(text).command, Some(Command::Stop), "{text:?}");
        }
        for text in ["HD", "hd", "HELP", "Trợ giúp", "TRO  GIUP", "tro giup"] {
            assert_eq!(kw.parse(text).command, Some(Command::Help), "{text:?}");
        }
        for text in ["DUNG", "Dừng", "STOP"] {
            assert_eq!(kw.parse(text).command, Some(Command::Stop), "{text:?}");
        }
    }

    #[test]
    fn arguments_follow_the_keyword() {
        let p = kw().parse("NN en");
        assert_eq!(p.command, Some(Command::Language));
        assert_eq!(p.args, vec!["EN".to_string()]);
    }

    #[test]
    fn unknown_text_has_no_command() {
        let p = kw().parse("xin chào cán bộ");
        assert_eq!(p.command, None);
        assert!(kw().parse("").command.is_none());
        assert!(
            kw().parse("HDX").command.is_none(),
            "a keyword is a whole word"
        );
    }

    #[test]
    fn topics_are_recognized_after_stop() {
        let kw = kw();
        let p = kw.parse("HUY TB");
        assert_eq!(p.command, Some(Command::Stop));
        assert_eq!(kw.topic(&p.args), Some("notice"));
        assert_eq!(kw.topic(&[]), None);
        assert_eq!(kw.topic(&["TB".into(), "X".into()]), None);
    }
}
