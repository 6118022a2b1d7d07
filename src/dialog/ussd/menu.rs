//! The USSD menu tree as data: screens, their numbered options, and the feature each option calls.

use futures::future::BoxFuture;

use crate::dialog::Services;
use crate::features::contacts;
use crate::features::marriage_law::{self, Topic};
use crate::i18n::{msg_id, Locales, Msg};
use crate::phone::Msisdn;

/// A screen of fixed options.
pub struct Menu {
    /// Names the screen in the session row and the tests.
    pub id: &'static str,
    /// Fluent id of the line above the options.
    pub title: &'static str,
    /// In the order shown; `key` is what the person presses.
    pub entries: &'static [Entry],
}

pub struct Entry {
    /// 1 to 8: 0 is back (exit on the main menu) and 9 is "more" on every screen.
    pub key: u8,
    /// Fluent id of the option's line.
    pub label: &'static str,
    pub target: Target,
}

/// What choosing an option opens.
pub enum Target {
    Menu(&'static Menu),
    /// A feature's topics: a screen of their titles, each opening its text (paged).
    Topics(&'static Topics),
    /// A list known only at run time; choosing one calls the feature and ends the session.
    Choice(&'static Choice),
    /// A text read from the database for the person asking (paged like a topic's text).
    Live(&'static Live),
    /// Fixed choices one after the other, a confirmation, then a feature call that ends the session.
    Form(&'static Form),
}

/// Reads a live text's lines for a phone, in a language.
pub type FetchFn = for<'a> fn(
    &'a Services,
    &'a Msisdn,
    &'a str,
) -> BoxFuture<'a, Result<Vec<String>, sqlx::Error>>;

/// The walk stays pure: it stops at a live target whose lines it was not given, the caller
/// fetches them and walks the same inputs again. So the same inputs and the same database
/// content give the same screen; a record changed between two presses of 9 may move pages.
pub struct Live {
    pub id: &'static str,
    pub fetch: FetchFn,
}

pub struct Topics {
    pub id: &'static str,
    pub title: &'static str,
    pub topics: &'static [Topic],
}

/// The side effect of a choice for a contact (by id), given the value chosen.
pub type ApplyFn = for<'a> fn(&'a Services, i64, &'a str) -> BoxFuture<'a, Result<(), sqlx::Error>>;

pub struct Choice {
    pub id: &'static str,
    pub title: &'static str,
    /// The values and their labels, numbered from 1 in this order.
    pub list: fn(&Locales) -> Vec<(String, String)>,
    /// What choosing calls.
    pub apply: ApplyFn,
    /// The closing screen for a value: the language to render it in, and the message.
    pub done: fn(&Locales, &str) -> (String, Msg),
}

/// A short form: each step a screen of fixed options, then a screen that asks to send; sending
/// calls `submit` with the values chosen (in step order) and ends the session with its screen.
pub struct Form {
    pub id: &'static str,
    pub steps: &'static [FormStep],
    /// Fluent id of the confirmation screen's text; its one option (1) sends.
    pub confirm: &'static str,
    pub send: &'static str,
    pub submit: SubmitFn,
}

pub struct FormStep {
    pub id: &'static str,
    pub title: &'static str,
    /// (value, fluent id of its label), numbered from 1 in this order.
    pub options: &'static [(&'static str, &'static str)],
}

/// What a form's submission knows: who sends it, from which session, and the values chosen.
pub struct Submission<'a> {
    pub step: &'a super::Step<'a>,
    pub lang: &'a str,
    pub values: &'a [&'static str],
}

/// Does what the form asks and gives the closing screen (its message, in `lang`).
pub type SubmitFn = for<'a> fn(
    &'a Services,
    &'a Submission<'a>,
) -> BoxFuture<'a, Result<Msg, crate::dialog::DialogError>>;

/// Key 0 on the main menu ends the session; in a sub-menu it goes back one level.
pub const BACK: u8 = 0;
/// Key 9 shows the next page of a screen too long for one.
pub const MORE: u8 = 9;

/// The main menu by its fixed numbers: 2 legal aid and 3 prenatal checkups come with their
/// features, each adding its entry here; the menu shows the entries present.
pub static MAIN: Menu = Menu {
    id: "main",
    title: msg_id("ussd-main-title"),
    entries: &[
        Entry {
            key: 1,
            label: msg_id("ussd-main-support"),
            target: Target::Live(&SUPPORT),
        },
        Entry {
            key: 2,
            label: msg_id("ussd-main-legal-aid"),
            target: Target::Form(&super::legal_aid::FORM),
        },
        Entry {
            key: 4,
            label: msg_id("ussd-main-marriage"),
            target: Target::Topics(&MARRIAGE),
        },
        Entry {
            key: 5,
            label: msg_id("ussd-main-language"),
            target: Target::Choice(&LANGUAGE),
        },
    ],
};

pub static SUPPORT: Live = Live {
    id: "support",
    fetch: super::support::fetch,
};

pub static MARRIAGE: Topics = Topics {
    id: "marriage",
    title: msg_id("ussd-marriage-title"),
    topics: marriage_law::TOPICS,
};

pub static LANGUAGE: Choice = Choice {
    id: "language",
    title: msg_id("ussd-language-title"),
    list: languages,
    apply: set_language,
    done: language_set,
};

/// Vietnamese first, then the others in a fixed order, so that `*123*5*1#` stays Vietnamese.
const LANGUAGE_ORDER: &[&str] = &["vi", "en", "tyz", "nut", "ium", "hmn"];

/// Each language loa has, named in itself (a minority language falls back to its Vietnamese name).
fn languages(locales: &Locales) -> Vec<(String, String)> {
    LANGUAGE_ORDER
        .iter()
        .filter(|code| locales.has_language(code))
        .filter_map(|code| {
            let id = crate::dialog::sms::language_name(code)?;
            Some((
                code.to_string(),
                capitalized(&locales.render(code, &Msg::new(id))),
            ))
        })
        .collect()
}

/// A name as a menu line starts it ("tiếng Việt" → "Tiếng Việt").
fn capitalized(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn set_language<'a>(
    svc: &'a Services,
    contact_id: i64,
    code: &'a str,
) -> BoxFuture<'a, Result<(), sqlx::Error>> {
    Box::pin(contacts::set_language(&svc.db, contact_id, code))
}

fn language_set(locales: &Locales, code: &str) -> (String, Msg) {
    let name = crate::dialog::sms::language_name(code)
        .map(|id| locales.render(code, &Msg::new(id)))
        .unwrap_or_else(|| code.to_string());
    use crate::dialog::sms::{translated, Translated};
    let msg = match translated(locales, code) {
        Translated::Fully => Msg::new("ussd-language-set"),
        Translated::Partly => Msg::new("ussd-language-set-partial"),
        Translated::Not => Msg::new("ussd-language-set-fallback"),
    };
    (code.to_string(), msg.arg("name", name))
}
