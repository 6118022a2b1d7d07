//! The SMS grammar: keyword commands over the feature functions.

use super::keywords::Command;
use super::reply::{self, reply};
use super::{DialogError, Services};
use crate::db::tx::Tx;
use crate::features::consent::{self, Action, Source};
use crate::features::contacts::{self, Contact, Script};
use crate::i18n::{msg_id, Msg};
use crate::outbox::{Outbox, ReplyWrite};
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
            let replied = reply::send(svc, from, &contact, text, inbound_id).await?;
            return Ok(replied.note("status"));
        }
        Some(Command::Confirm) => super::confirm::handle(svc, from).await?,
        Some(Command::Pregnancy) => super::maternal::register(svc, from, text, inbound_id).await?,
        Some(Command::Checkup) => super::maternal::checkup(svc, from, text).await?,
        Some(Command::CheckupSelf) => super::maternal::checkup_self(svc, from).await?,
        Some(Command::Birth) => super::maternal::birth(svc, from, text).await?,
        Some(Command::Loss) => super::maternal::loss(svc, from, text).await?,
        Some(Command::HealthCampaign) => {
            super::maternal::campaign(svc, from, text, inbound_id).await?
        }
        Some(Command::Notice) => super::notices::propose(svc, from, text).await?,
        Some(Command::Ask) => super::campaigns::ask(svc, &contact, &parsed.args),
        Some(Command::LegalAid) => {
            return super::legal_aid::handle(svc, &said(&contact)).await;
        }
        None => match super::legal_aid::continue_exchange(svc, &said(&contact)).await? {
            Some(note) => return Ok(note),
            None => match super::campaigns::answer(svc, &contact, &parsed.args).await? {
                Some(answered) => answered,
                None => (Msg::new("unknown-command"), "unknown"),
            },
        },
    };
    let replied = reply(svc, from, &contact, &msg, inbound_id).await?;
    Ok(replied.note(note))
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

/// A command whose answer needs nothing but the sender's contact (`HD`, `NN` alone): decided
/// before the message is stored, so the inbox can store it, answer it and mark it handled in one
/// transaction (see [`answer_pure_tx`]). Everything else takes [`handle`] after the store.
#[derive(Clone, Debug)]
pub struct Pure {
    command: PureCommand,
    /// The inbox row's note when the reply goes as asked.
    pub note: &'static str,
}

#[derive(Clone, Copy, Debug)]
enum PureCommand {
    Help,
    LanguageList,
}

/// The pure command `text` is, if it is one.
pub fn pure(svc: &Services, text: &str) -> Option<Pure> {
    let parsed = svc.keywords.parse(text);
    let (command, note) = match parsed.command? {
        Command::Help => (PureCommand::Help, "help"),
        Command::Language if parsed.args.is_empty() => (PureCommand::LanguageList, "language list"),
        _ => return None,
    };
    Some(Pure { command, note })
}

impl Pure {
    /// The answer, as [`handle`] gives it for the same command.
    fn msg(&self, svc: &Services) -> Msg {
        match self.command {
            PureCommand::Help => Msg::new("help"),
            PureCommand::LanguageList => {
                let list = svc.locales.languages().collect::<Vec<_>>().join(", ");
                Msg::new("language-list").arg("list", list)
            }
        }
    }
}

/// A stored message with a pure command, to be answered in its store's transaction.
pub struct Asked<'a> {
    pub inbound_id: i64,
    pub from: &'a Msisdn,
    pub contact: &'a Contact,
    pub pure: &'a Pure,
}

/// Answers `asked` inside the open transaction `tx`: their replies rendered for each contact and
/// counted and queued together (the outbox's guards, exactly as [`reply`] applies them). Returns
/// each message's note, in order; the caller wakes the outbox once it has committed.
pub async fn answer_pure_tx(
    svc: &Services,
    tx: &mut Tx<'_>,
    asked: &[Asked<'_>],
) -> Result<Vec<&'static str>, DialogError> {
    let writes: Vec<ReplyWrite> = asked
        .iter()
        .map(|a| {
            let text = a.contact.render(&svc.locales, &a.pure.msg(svc));
            let (counted, windows, choose) = reply::prepare(
                svc,
                a.from,
                a.contact,
                text,
                reply::ReplyKey::inbound(a.inbound_id),
            );
            svc.outbox.reply_write(a.from, &counted, windows, choose)
        })
        .collect();
    let refs: Vec<&ReplyWrite> = writes.iter().collect();
    let done = Outbox::enqueue_replies_tx(tx, &refs).await?;
    Ok(asked
        .iter()
        .zip(&done)
        .map(|(a, d)| reply::outcome(svc, a.from, d).note(a.pure.note))
        .collect())
}
