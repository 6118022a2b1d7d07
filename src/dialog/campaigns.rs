//! `HOI [topic]` (questions and answers, from the texts USSD option 4 shows) and quiz answers `A`/`B`/`C`.

use super::keywords::normalize;
use super::{DialogError, Services};
use crate::db::time;
use crate::features::campaigns::questions::{self, Question};
use crate::features::campaigns::quiz::{self, Scored};
use crate::features::contacts::Contact;
use crate::i18n::Msg;

/// `HOI` lists the topics by number; `HOI 2` or `HOI TAO HON` answers one.
pub fn ask(svc: &Services, contact: &Contact, args: &[String]) -> (Msg, &'static str) {
    let all = questions::all();
    if args.is_empty() {
        let list: Vec<String> = all
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let title = svc.locales.render(contact.lang(), &Msg::new(q.topic.title));
                format!("{} {title}", i + 1)
            })
            .collect();
        return (
            Msg::new("ask-list").arg("list", list.join(", ")),
            "ask: list",
        );
    }
    match find(svc, &all, args) {
        Some(q) => (Msg::new(q.topic.body), "ask: answer"),
        None => (Msg::new("ask-unknown"), "ask: unknown topic"),
    }
}

/// The topic `args` name: its number, or one of its aliases in any language.
fn find<'a>(svc: &Services, all: &'a [Question], args: &[String]) -> Option<&'a Question> {
    if let [n] = args {
        if let Ok(i) = n.parse::<usize>() {
            return i.checked_sub(1).and_then(|i| all.get(i));
        }
    }
    all.iter().find(|q| {
        svc.locales
            .aliases(q.aliases)
            .iter()
            .any(|(_, alias)| normalize(alias) == args)
    })
}

/// A reply that is only `A`, `B` or `C`: the answer to the contact's latest quiz question.
/// None when it is not one (no question was sent): the usual reply then.
pub async fn answer(
    svc: &Services,
    contact: &Contact,
    args: &[String],
) -> Result<Option<(Msg, &'static str)>, DialogError> {
    let [letter] = args else { return Ok(None) };
    if !matches!(letter.as_str(), "A" | "B" | "C") {
        return Ok(None);
    }
    Ok(
        match quiz::answer(&svc.db, contact.id, letter, time::now()).await? {
            Scored::Right => Some((Msg::new("quiz-right"), "quiz: right")),
            Scored::Wrong { answer } => {
                Some((Msg::new("quiz-wrong").arg("answer", answer), "quiz: wrong"))
            }
            Scored::Repeat => Some((Msg::new("quiz-repeat"), "quiz: repeat")),
            Scored::Closed => Some((Msg::new("quiz-closed"), "quiz: closed")),
            Scored::NoQuestion => None,
        },
    )
}
