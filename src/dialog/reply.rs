//! Sending a reply to a person: rendered in their language and script, guarded against loops
//! and held to a budget per number.

use chrono::{DateTime, TimeDelta, Utc};

use super::Services;
use crate::features::contacts::Contact;
use crate::i18n::Msg;
use crate::outbox::{Choose, NewMessage, OutboxError, Priority, RecentReplies, ReplyDone};
use crate::phone::Msisdn;

/// Never the same text to the same number more than this many times in the window: a loop with
/// another automated sender would otherwise cost money without end.
const LOOP_LIMIT: i64 = 3;
const LOOP_WINDOW_MINUTES: i64 = 10;

/// How many replies one number may draw in a window (`replies` in the configuration): replies
/// that echo what was typed (`TT ZZ0001`, `NN x1`) differ each time and pass the loop guard.
#[derive(Clone, Copy, Debug)]
pub struct ReplyBudget {
    pub replies: i64,
    pub window_minutes: i64,
}

/// What became of a reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replied {
    Queued,
    /// The budget was spent: the "try later" line went instead.
    TryLater,
    /// The same text went out too often lately.
    LoopGuard,
    /// The budget was spent and the "try later" line already went: nothing until the window passes.
    Silent,
}

impl Replied {
    /// For the inbox row's note, when the reply did not go as asked.
    pub fn note(self, sent: &'static str) -> &'static str {
        match self {
            Replied::Queued => sent,
            Replied::TryLater => "reply budget spent: try-later line sent",
            Replied::LoopGuard => "loop guard held the reply",
            Replied::Silent => "reply budget spent: no reply",
        }
    }
}

/// The budget and the loop guard, over the replies the number got lately.
fn decide(budget: ReplyBudget, recent: RecentReplies) -> Replied {
    if recent.total > budget.replies {
        Replied::Silent
    } else if recent.total == budget.replies {
        Replied::TryLater
    } else if recent.same_text >= LOOP_LIMIT {
        Replied::LoopGuard
    } else {
        Replied::Queued
    }
}

/// Queues the reply to inbound message `inbound_id`.
pub async fn reply(
    svc: &Services,
    to: &Msisdn,
    contact: &Contact,
    msg: &Msg,
    inbound_id: i64,
) -> Result<Replied, OutboxError> {
    send(
        svc,
        to,
        contact,
        contact.render(&svc.locales, msg),
        inbound_id,
    )
    .await
}

/// What a reply answers (its outbox origin) and its idempotency key: the same key queues
/// nothing twice.
#[derive(Clone, Debug)]
pub struct ReplyKey {
    pub origin: String,
    pub key: String,
}

impl ReplyKey {
    /// The reply to inbound message `id`.
    pub fn inbound(id: i64) -> ReplyKey {
        let key = format!("reply:{id}");
        ReplyKey {
            origin: key.clone(),
            key,
        }
    }
}

/// Queues an already rendered reply (several messages joined, as a `TT` page is).
pub async fn send(
    svc: &Services,
    to: &Msisdn,
    contact: &Contact,
    text: String,
    inbound_id: i64,
) -> Result<Replied, OutboxError> {
    send_as(svc, to, contact, text, ReplyKey::inbound(inbound_id)).await
}

/// Queues a rendered reply under `key`, within the same per-number budget and loop guard as
/// every reply: a reply that answers no SMS (the SMS a USSD session sends) spends it too.
pub async fn send_as(
    svc: &Services,
    to: &Msisdn,
    contact: &Contact,
    text: String,
    key: ReplyKey,
) -> Result<Replied, OutboxError> {
    let (counted, windows, choose) = prepare(svc, to, contact, text, key);
    let done = svc
        .outbox
        .enqueue_reply(to, &counted, windows, choose)
        .await?;
    Ok(outcome(svc, to, &done))
}

/// A reply under `key` as the outbox counts and queues it: the text the loop guard counts, the
/// guards' windows (same text since, all replies since), and the choice between the reply, the
/// "try later" line and nothing, made from the recipient's recent replies.
pub(super) fn prepare(
    svc: &Services,
    to: &Msisdn,
    contact: &Contact,
    text: String,
    key: ReplyKey,
) -> (String, (DateTime<Utc>, DateTime<Utc>), Choose) {
    let budget = svc.replies;
    let now = crate::db::time::now();
    let windows = (
        now - TimeDelta::minutes(LOOP_WINDOW_MINUTES),
        now - TimeDelta::minutes(budget.window_minutes),
    );
    let try_later = Msg::new("reply-budget-try-later").num("minutes", budget.window_minutes);
    let try_later = contact.render(&svc.locales, &try_later);
    let counted = text.clone();
    let to = to.clone();
    let choose = move |recent| {
        let text = match decide(budget, recent) {
            Replied::Queued => text.clone(),
            Replied::TryLater => try_later.clone(),
            Replied::LoopGuard | Replied::Silent => return None,
        };
        Some(NewMessage {
            recipient: to.clone(),
            text,
            priority: Priority::Reply,
            topic: None,
            origin: key.origin.clone(),
            idempotency_key: key.key.clone(),
            not_before: None,
            expires_at: None,
        })
    };
    (counted, windows, Box::new(choose))
}

/// What became of a reply, from what its count found and the row queued (if any).
pub(super) fn outcome(svc: &Services, to: &Msisdn, (recent, queued): &ReplyDone) -> Replied {
    let outcome = decide(svc.replies, *recent);
    if queued.is_none() {
        tracing::info!(to = %to, outcome = ?outcome, "reply held back");
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_then_one_try_later_line_then_silence() {
        let budget = ReplyBudget {
            replies: 10,
            window_minutes: 10,
        };
        let at = |total, same_text| decide(budget, RecentReplies { same_text, total });
        assert_eq!(at(0, 0), Replied::Queued);
        assert_eq!(at(9, 0), Replied::Queued);
        assert_eq!(at(9, 3), Replied::LoopGuard);
        assert_eq!(at(10, 0), Replied::TryLater);
        assert_eq!(at(10, 3), Replied::TryLater);
        assert_eq!(at(11, 0), Replied::Silent);
    }
}
