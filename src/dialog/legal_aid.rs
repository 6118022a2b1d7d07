//! `TGPL`: asking for legal aid by SMS, in one message or a short exchange; status and withdrawal by reference.
//!
//! `TGPL` alone asks for a category, the number (and, if the person wants, a few words) asks for
//! a contact mode, and the mode's number opens the request. `TGPL <number> [words]` opens it in
//! one message with the call-only mode (the safe default on a shared phone: one neutral line).
//! `TGPL <reference>` and `TGPL HUY <reference>` answer only the phone that made the request;
//! any other phone gets the answer an unknown reference gets. Words after `TGPL` that are no
//! well-formed reference get how to ask, never an echo. What the person wrote is stored for the
//! officer and never repeated in a reply or a log.

use super::reply::reply;
use super::{DialogError, Services};
use crate::features::contacts::Contact;
use crate::features::legal_aid::{self, store, Category, Intake, Mode, Request, Withdrawal};
use crate::gateway::Channel;
use crate::i18n::{msg_id, Msg};
use crate::phone::Msisdn;

/// The words after `TGPL` that withdraw, in every language (`TGPL HUY TG-4K7P2Q`).
const WITHDRAW_WORDS: &str = msg_id("kw-legal-aid-withdraw");

/// One SMS as the SMS grammar read it.
pub struct Said<'a> {
    pub from: &'a Msisdn,
    pub contact: &'a Contact,
    /// The text as typed (the description is taken from it).
    pub text: &'a str,
    /// The normalized words after the keyword (all of them when there is none).
    pub args: &'a [String],
    pub inbound_id: i64,
}

/// Answers `TGPL …`; returns the inbox note.
pub async fn handle(svc: &Services, said: &Said<'_>) -> Result<&'static str, DialogError> {
    let (from, text, args) = (said.from, said.text, said.args);
    let Some(first) = args.first() else {
        store::draft_start(&svc.db, from).await?;
        return answer(svc, said, Some(ask_category()), "legal aid: asked category").await;
    };
    if let Some(n) = small_number(first) {
        // Inside an exchange, a category continues it; otherwise it is the one-message form.
        let words_before = super::keywords::normalize(text)
            .len()
            .saturating_sub(args.len());
        let description = after_words(text, words_before + 1);
        return match store::draft(&svc.db, from).await? {
            Some(_) => category_chosen(svc, said, n, description).await,
            None => one_message(svc, said, n, description).await,
        };
    }
    if is_withdraw_word(svc, first) {
        return withdraw(svc, said, &args[1..]).await;
    }
    status(svc, said, args).await
}

/// An SMS without a keyword, from a phone whose exchange is under way: its next answer. None
/// when the phone has no exchange or the text is no number (the usual help answers it).
pub async fn continue_exchange(
    svc: &Services,
    said: &Said<'_>,
) -> Result<Option<&'static str>, DialogError> {
    let Some(n) = said.args.first().and_then(|a| small_number(a)) else {
        return Ok(None);
    };
    let Some(draft) = store::draft(&svc.db, said.from).await? else {
        return Ok(None);
    };
    let note = match draft {
        store::Draft::Category => category_chosen(svc, said, n, after_words(said.text, 1)).await?,
        store::Draft::Mode(_) => mode_chosen(svc, said, n).await?,
    };
    Ok(Some(note))
}

/// A number of at most two digits: a category or a mode (a reference has six characters).
fn small_number(word: &str) -> Option<u32> {
    (word.len() <= 2 && word.bytes().all(|b| b.is_ascii_digit()))
        .then(|| word.parse().ok())
        .flatten()
}

fn is_withdraw_word(svc: &Services, word: &str) -> bool {
    svc.locales
        .aliases(WITHDRAW_WORDS)
        .iter()
        .any(|(_, alias)| super::keywords::normalize(alias) == [word.to_string()])
}

/// The text after its first `n` words (as the keyword parser counts words), trimmed; None when
/// nothing is left. Combining marks belong to their word, as `normalize` drops them.
fn after_words(text: &str, n: usize) -> Option<String> {
    let is_word = |c: char| c.is_alphanumeric() || ('\u{300}'..='\u{36f}').contains(&c);
    let mut seen = 0;
    let mut in_word = false;
    for (i, c) in text.char_indices() {
        match (is_word(c), in_word) {
            (true, false) => {
                if seen == n {
                    return Some(text[i..].trim().to_string()).filter(|s| !s.is_empty());
                }
                in_word = true;
            }
            (false, true) => {
                in_word = false;
                seen += 1;
            }
            _ => {}
        }
    }
    None
}

fn ask_category() -> Msg {
    Msg::new("legal-aid-ask-category")
}

async fn category_chosen(
    svc: &Services,
    said: &Said<'_>,
    n: u32,
    description: Option<String>,
) -> Result<&'static str, DialogError> {
    let Some(category) = Category::numbered(n) else {
        let msg = Msg::new("legal-aid-no-category").num("n", i64::from(n));
        return answer(svc, said, Some(msg), "legal aid: no such category").await;
    };
    store::draft_category(&svc.db, said.from, category, description.as_deref()).await?;
    let msg = Msg::new("legal-aid-ask-mode");
    answer(svc, said, Some(msg), "legal aid: asked mode").await
}

async fn mode_chosen(svc: &Services, said: &Said<'_>, n: u32) -> Result<&'static str, DialogError> {
    let Some(mode) = Mode::numbered(n) else {
        let msg = Msg::new("legal-aid-ask-mode");
        return answer(svc, said, Some(msg), "legal aid: no such mode").await;
    };
    let Some((category, description)) = store::draft_take(&svc.db, said.from).await? else {
        // Taken meanwhile by the same person's other answer, or expired this very moment.
        return answer(svc, said, Some(ask_category()), "legal aid: exchange gone").await;
    };
    open(svc, said, category, description.as_deref(), mode).await
}

async fn one_message(
    svc: &Services,
    said: &Said<'_>,
    n: u32,
    description: Option<String>,
) -> Result<&'static str, DialogError> {
    match Category::numbered(n) {
        Some(category) => open(svc, said, category, description.as_deref(), Mode::CallOnly).await,
        None => {
            let msg = Msg::new("legal-aid-no-category").num("n", i64::from(n));
            answer(svc, said, Some(msg), "legal aid: no such category").await
        }
    }
}

async fn open(
    svc: &Services,
    said: &Said<'_>,
    category: Category,
    description: Option<&str>,
    mode: Mode,
) -> Result<&'static str, DialogError> {
    let source = format!("sms:{}", said.inbound_id);
    let intake = Intake {
        phone: said.from,
        category,
        description,
        mode,
        channel: Channel::Sms,
        source_key: &source,
    };
    let req = legal_aid::submit(&svc.db, &svc.legal_aid, &intake).await?;
    let msg = legal_aid::intake_msg(&req, &svc.locales, said.contact.lang());
    answer(svc, said, msg, "legal aid: request opened").await
}

/// The answer for a reference this phone may not hear about: the same words for an unknown
/// reference, another phone's request and a request that asked for no messages.
fn nothing_to_say(reference: &str) -> Msg {
    Msg::new("legal-aid-unknown").arg("ref", reference.to_string())
}

/// What a requester hears about `req` when asking, by its mode.
fn status_msg(req: &Request, svc: &Services, contact: &Contact) -> Msg {
    match req.contact_mode {
        Mode::Sms => Msg::new("legal-aid-update")
            .arg("ref", req.reference.clone())
            .arg(
                "status",
                contact.render(&svc.locales, &Msg::new(req.status.words())),
            ),
        Mode::CallOnly => Msg::new("legal-aid-noted").arg("ref", req.reference.clone()),
        Mode::None => nothing_to_say(&req.reference),
    }
}

/// The answer to words that are no reference: how to ask, and nothing of what was typed (the
/// words may be the very description the person must never see repeated).
fn how_to_ask() -> Msg {
    Msg::new("legal-aid-how")
}

async fn status(
    svc: &Services,
    said: &Said<'_>,
    words: &[String],
) -> Result<&'static str, DialogError> {
    let Some(reference) = legal_aid::reference_from_words(words) else {
        return answer(svc, said, Some(how_to_ask()), "legal aid: no reference").await;
    };
    let msg = match legal_aid::of_requester(&svc.db, &reference, said.from).await? {
        Some(req) => status_msg(&req, svc, said.contact),
        None => nothing_to_say(&reference),
    };
    answer(svc, said, Some(msg), "legal aid: status").await
}

async fn withdraw(
    svc: &Services,
    said: &Said<'_>,
    words: &[String],
) -> Result<&'static str, DialogError> {
    let Some(reference) = legal_aid::reference_from_words(words) else {
        return answer(svc, said, Some(how_to_ask()), "legal aid: no reference").await;
    };
    let outcome = legal_aid::withdraw(&svc.db, &reference, said.from).await?;
    let msg = match outcome {
        Withdrawal::Done(req) | Withdrawal::Closed(req) if req.contact_mode != Mode::Sms => {
            status_msg(&req, svc, said.contact)
        }
        Withdrawal::Done(req) => Msg::new("legal-aid-withdrawn").arg("ref", req.reference),
        Withdrawal::Closed(req) => status_msg(&req, svc, said.contact),
        Withdrawal::NotFound => nothing_to_say(&reference),
    };
    answer(svc, said, Some(msg), "legal aid: withdrawal").await
}

/// Queues `msg` as the reply (none for a request that asked for no messages).
async fn answer(
    svc: &Services,
    said: &Said<'_>,
    msg: Option<Msg>,
    note: &'static str,
) -> Result<&'static str, DialogError> {
    let Some(msg) = msg else {
        return Ok("legal aid: no message by the requester's choice");
    };
    let replied = reply(svc, said.from, said.contact, &msg, said.inbound_id).await?;
    Ok(replied.note(note))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_description_is_what_follows_the_words() {
        assert_eq!(
            after_words("TGPL 3 chồng tôi đánh tôi", 2).as_deref(),
            Some("chồng tôi đánh tôi")
        );
        assert_eq!(
            after_words("tro giup phap ly  2, tranh chấp đất", 5).as_deref(),
            Some("tranh chấp đất")
        );
        assert_eq!(after_words("TGPL 3", 2), None);
        assert_eq!(after_words("TGPL 3   ", 2), None);
        // Decomposed diacritics stay inside their word.
        assert_eq!(
            after_words("TGPL 1 Đa\u{300}t", 2).as_deref(),
            Some("Đa\u{300}t")
        );
    }

    #[test]
    fn small_numbers_are_choices() {
        assert_eq!(small_number("3"), Some(3));
        assert_eq!(small_number("12"), Some(12));
        assert_eq!(small_number("123"), None);
        assert_eq!(small_number("4K7P2Q"), None);
    }

    proptest! {
        #[test]
        fn after_words_never_panics_and_never_grows(text in "\\PC{0,80}", n in 0usize..6) {
            if let Some(rest) = after_words(&text, n) {
                prop_assert!(rest.len() <= text.len());
                prop_assert!(text.contains(rest.as_str()));
            }
        }
    }
}
