//! The SMS grammar: keyword commands over the feature functions.

use super::keywords::Command;
use super::reply::{self, reply};
use super::{DialogError, Services};
use crate::features::consent::{self, Action, Source};
use crate::features::contacts::{self, Contact, Script};
use crate::i18n::{msg_id, Msg};
use crate::phone::Msisdn;

/// Answers one SMS from `from`. Returns a short note for the inbox row (never the text itself).
pub async fn handle(
    svc: &Services,
    from: &Msisdn,
    text: &str,
    inbound_id: i64,
) -> Result<&'static str, DialogError> {
    let mut contact = contacts::find_or_create(&svc.db, from).await?;
    let parsed = svc.keywords.parse(text);
    let said = |contact| super::legal_aid::Said {
        from,
        contact,
        text,
        args: &parsed.args,
        inbound_id,
    };
    let (msg, note) = match parsed.command {
        Some(Command::Help) => (Msg::new("help"), "help"),
        Some(Command::Language) => language(svc, &mut contact, &parsed.args).await?,
        Some(Command::Script) => {
            contact.script = contacts::toggle_script(&svc.db, contact.id, inbound_id).await?;
            let msg = match contact.script {
                Script::Full => Msg::new("script-full"),
                Script::Unaccented => Msg::new("script-unaccented"),
            };
            (msg, "script")
        }
        Some(Command::Stop) => {
            consent_change(svc, &contact, Action::OptOut, &parsed.args, inbound_id).await?
        }
        Some(Command::Start) => {
            consent_change(svc, &contact, Action::OptIn, &parsed.args, inbound_id).await?
        }
        Some(Command::Status) => {
            let text = super::tt::sms(svc, &contact, from, text, &parsed.args).await?;
            let sent = reply::send(svc, from, text, inbound_id).await?;
            return Ok(if sent {
                "status"
            } else {
                "loop guard held the reply"
            });
        }
        Some(Command::Confirm) => super::confirm::handle(svc, from).await?,
        Some(Command::LegalAid) => {
            return super::legal_aid::handle(svc, &said(&contact)).await;
        }
        None => match super::legal_aid::continue_exchange(svc, &said(&contact)).await? {
            Some(note) => return Ok(note),
            None => (Msg::new("unknown-command"), "unknown"),
        },
    };
    let sent = reply(svc, from, &contact, &msg, inbound_id).await?;
    Ok(if sent {
        note
    } else {
        "loop guard held the reply"
    })
}

/// The fluent id of a language's name, for the languages loa ships folders for.
pub(crate) fn language_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "vi" => msg_id("language-name-vi"),
        "en" => msg_id("language-name-en"),
        "tyz" => msg_id("language-name-tyz"),
        "nut" => msg_id("language-name-nut"),
        "ium" => msg_id("language-name-ium"),
        "hmn" => msg_id("language-name-hmn"),
        _ => return None,
    })
}

/// How far a language is translated, for the confirmation of a choice: a language not (fully)
/// translated says the messages come in Vietnamese until it is (`loa locales` shows how far).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Translated {
    Fully,
    Partly,
    Not,
}

pub(crate) fn translated(locales: &crate::i18n::Locales, code: &str) -> Translated {
    match locales.coverage_of(code) {
        Some(c) if c.translated >= c.total => Translated::Fully,
        Some(c) if c.translated > 0 => Translated::Partly,
        _ => Translated::Not,
    }
}

async fn language(
    svc: &Services,
    contact: &mut Contact,
    args: &[String],
) -> Result<(Msg, &'static str), DialogError> {
    let list = svc.locales.languages().collect::<Vec<_>>().join(", ");
    let Some(code) = args.first().map(|a| a.to_lowercase()) else {
        return Ok((Msg::new("language-list").arg("list", list), "language list"));
    };
    match language_name(&code).filter(|_| svc.locales.has_language(&code)) {
        Some(name_id) => {
            contacts::set_language(&svc.db, contact.id, &code).await?;
            contact.language = Some(code.clone());
            let name = svc.locales.render(&code, &Msg::new(name_id));
            let msg = match translated(&svc.locales, &code) {
                Translated::Fully => Msg::new("language-set"),
                Translated::Partly => Msg::new("language-set-partial"),
                Translated::Not => Msg::new("language-set-fallback"),
            };
            let msg = msg.arg("name", name);
            Ok((msg, "language set"))
        }
        None => Ok((
            Msg::new("language-unknown")
                .arg("code", code)
                .arg("list", list),
            "language unknown",
        )),
    }
}

fn topic_name(topic: &str) -> &'static str {
    match topic {
        "notice" => msg_id("topic-name-notice"),
        "campaign" => msg_id("topic-name-campaign"),
        _ => msg_id("topic-name-reminder"),
    }
}

async fn consent_change(
    svc: &Services,
    contact: &Contact,
    action: Action,
    args: &[String],
    inbound_id: i64,
) -> Result<(Msg, &'static str), DialogError> {
    // Anything after the keyword that is not a topic still means "all": a villager who writes
    // "HUY tin nhan" wants the messages to stop.
    let topic = svc.keywords.topic(args);
    let scope = topic.unwrap_or(consent::ALL);
    consent::record(
        &svc.db,
        contact.id,
        action,
        scope,
        Source::Sms,
        Some(inbound_id),
    )
    .await?;
    let msg = match (action, topic) {
        (Action::OptOut, None) => Msg::new("stopped-all"),
        (Action::OptIn, None) => Msg::new("started-all"),
        (Action::OptOut, Some(t)) => Msg::new("stopped-topic").arg(
            "topic",
            svc.locales.render(contact.lang(), &Msg::new(topic_name(t))),
        ),
        (Action::OptIn, Some(t)) => Msg::new("started-topic").arg(
            "topic",
            svc.locales.render(contact.lang(), &Msg::new(topic_name(t))),
        ),
    };
    let note = match action {
        Action::OptOut => "opt_out",
        Action::OptIn => "opt_in",
    };
    Ok((msg, note))
}
