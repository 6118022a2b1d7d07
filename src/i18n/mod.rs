//! Localized texts: fluent bundles per language, walked along a contact's chain (own language, then `vi`).

mod load;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

pub use load::LoadError;

/// The language every chain ends in, and the one every message must exist in.
pub const FALLBACK: &str = "vi";

/// Marks a string literal as a fluent message id where it is not written as `Msg::new("…")`
/// (tables, match arms), so that the locale tests find every id the code uses.
pub const fn msg_id(id: &'static str) -> &'static str {
    id
}

/// A message to render: its fluent id and its arguments. Ids are string literals at the call
/// site, so that a test can find every id the code uses.
#[derive(Clone, Debug, PartialEq)]
pub struct Msg {
    pub id: &'static str,
    pub args: Vec<(&'static str, Arg)>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Text(String),
    Number(i64),
    /// Another message, rendered in the same language first (a status word inside a report line).
    Msg(&'static str),
}

impl Msg {
    pub fn new(id: &'static str) -> Msg {
        Msg {
            id,
            args: Vec::new(),
        }
    }

    pub fn arg(mut self, name: &'static str, value: impl Into<String>) -> Msg {
        self.args.push((name, Arg::Text(value.into())));
        self
    }

    pub fn num(mut self, name: &'static str, value: i64) -> Msg {
        self.args.push((name, Arg::Number(value)));
        self
    }

    /// An argument that is itself a message (its id), rendered in the language of the whole.
    pub fn arg_msg(mut self, name: &'static str, id: &'static str) -> Msg {
        self.args.push((name, Arg::Msg(id)));
        self
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RenderError {
    #[error("message `{0}` exists in no language of the chain")]
    Missing(String),
    #[error("message `{id}` in `{lang}` has errors: {errors}")]
    Format {
        id: String,
        lang: String,
        errors: String,
    },
}

struct Lang {
    bundle: FluentBundle<FluentResource>,
    ids: BTreeSet<String>,
}

/// All languages loaded at start-up; immutable afterwards, shared by every request.
pub struct Locales {
    langs: BTreeMap<String, Lang>,
}

/// How complete one language is, for `loa locales`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Coverage {
    pub lang: String,
    pub translated: usize,
    pub total: usize,
}

impl Locales {
    /// The locales compiled into the binary.
    pub fn embedded() -> Result<Locales, LoadError> {
        load::embedded()
    }

    /// The locales in `dir` (`<lang>/*.ftl`), replacing the embedded ones.
    pub fn from_dir(dir: &Path) -> Result<Locales, LoadError> {
        load::from_dir(dir)
    }

    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.langs.keys().map(String::as_str)
    }

    pub fn has_language(&self, lang: &str) -> bool {
        self.langs.contains_key(lang)
    }

    /// Whether `lang` itself (not its fallback) has the message.
    pub fn has_own(&self, lang: &str, id: &str) -> bool {
        self.langs.get(lang).is_some_and(|l| l.ids.contains(id))
    }

    /// Renders `msg` in the first language of `lang → vi` that has it.
    pub fn try_render(&self, lang: &str, msg: &Msg) -> Result<String, RenderError> {
        let mut args = FluentArgs::new();
        for (name, value) in &msg.args {
            match value {
                Arg::Text(s) => args.set(*name, FluentValue::from(s.as_str())),
                Arg::Number(n) => args.set(*name, FluentValue::from(*n)),
                Arg::Msg(id) => args.set(*name, FluentValue::from(self.format(lang, id, None)?)),
            }
        }
        self.format(lang, msg.id, Some(&args))
    }

    /// How much of the fallback's messages `lang` translates (None: no such language).
    pub fn coverage_of(&self, lang: &str) -> Option<Coverage> {
        self.coverage().into_iter().find(|c| c.lang == lang)
    }

    fn format(
        &self,
        lang: &str,
        id: &str,
        args: Option<&FluentArgs>,
    ) -> Result<String, RenderError> {
        for code in [lang, FALLBACK] {
            let Some(l) = self.langs.get(code) else {
                continue;
            };
            let Some(pattern) = l.bundle.get_message(id).and_then(|m| m.value()) else {
                continue;
            };
            let mut errors = Vec::new();
            let text = l.bundle.format_pattern(pattern, args, &mut errors);
            if !errors.is_empty() {
                return Err(RenderError::Format {
                    id: id.into(),
                    lang: code.into(),
                    errors: format!("{errors:?}"),
                });
            }
            return Ok(text.into_owned());
        }
        Err(RenderError::Missing(id.into()))
    }

    /// Like [`Locales::try_render`], for the running service: a missing or broken message is a bug
    /// that the tests catch, so here it is logged and the id is shown rather than failing a reply.
    pub fn render(&self, lang: &str, msg: &Msg) -> String {
        match self.try_render(lang, msg) {
            Ok(text) => text,
            Err(err) => {
                tracing::error!(%err, "localized text missing");
                msg.id.to_string()
            }
        }
    }

    /// Every value of message `id` in every language, split on commas: the keyword aliases.
    pub fn aliases(&self, id: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (code, l) in &self.langs {
            if !l.ids.contains(id) {
                continue;
            }
            let Ok(text) = self.format(code, id, None) else {
                continue;
            };
            for alias in text.split(',') {
                let alias = alias.trim();
                if !alias.is_empty() {
                    out.push((code.clone(), alias.to_string()));
                }
            }
        }
        out
    }

    /// The ids of the messages `lang` defines itself.
    pub fn message_ids(&self, lang: &str) -> Vec<String> {
        self.langs
            .get(lang)
            .map(|l| l.ids.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Per language, how many of the fallback's messages it translates.
    pub fn coverage(&self) -> Vec<Coverage> {
        let total = self.langs.get(FALLBACK).map(|l| &l.ids);
        self.langs
            .iter()
            .map(|(code, l)| Coverage {
                lang: code.clone(),
                translated: total.map_or(0, |t| l.ids.intersection(t).count()),
                total: total.map_or(0, BTreeSet::len),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
