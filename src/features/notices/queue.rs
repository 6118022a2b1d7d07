//! Queuing a due notice: the audience page by page, each message rendered for its contact, into the outbox in short batches.

use chrono::{DateTime, TimeDelta, Utc};

use super::{origin, store, Notice, NoticeError, Rendered, TOPIC};
use crate::db::{time, Db};
use crate::features::audiences::{self, Member};
use crate::features::contacts::Script;
use crate::outbox::{NewMessage, Outbox, Priority, BATCH};
use crate::phone::Msisdn;

/// Contacts read per query: few enough round trips for 100,000 recipients, small in memory.
const PAGE: i64 = 5_000;
/// An instance that stops while queuing leaves the rest to whoever claims the notice after this.
const LEASE_SECONDS: i64 = 120;

/// What queuing a notice did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Messages added to the outbox by this call (a repeat after a crash adds only the rest).
    Queued(u64),
    /// Cancelled meanwhile: what was queued is cancelled too.
    Cancelled,
    /// Not due, or another instance holds it.
    NotDue,
}

fn lease(now: DateTime<Utc>) -> DateTime<Utc> {
    now + TimeDelta::seconds(LEASE_SECONDS)
}

/// Queues notice `id` if it is due at `now` and nobody else is queuing it.
pub async fn queue(
    db: &Db,
    outbox: &Outbox,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Outcome, NoticeError> {
    let Some(notice) = store::claim(db, id, now, lease(now)).await? else {
        return Ok(Outcome::NotDue);
    };
    let origin = origin(id);
    let mut rendered = Rendered::default();
    let (mut after, mut total) = (0, 0);
    loop {
        let page = audiences::members(db, &notice.audience, TOPIC, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let msgs = messages(&notice, &origin, &page, &mut rendered);
        for chunk in msgs.chunks(BATCH) {
            let added = outbox.enqueue_many(chunk).await?;
            total += added;
            if !store::progress(db, id, added, lease(time::now())).await? {
                return cancelled(outbox, &origin).await;
            }
        }
    }
    if !store::finish(db, id, time::now()).await? {
        return cancelled(outbox, &origin).await;
    }
    tracing::info!(notice = id, queued = total, "notice queued");
    Ok(Outcome::Queued(total))
}

/// The notice was cancelled while this instance queued: rows it added after the cancel are
/// cancelled too, so nothing is left queued behind the cancel.
async fn cancelled(outbox: &Outbox, origin: &str) -> Result<Outcome, NoticeError> {
    outbox.cancel(origin).await?;
    Ok(Outcome::Cancelled)
}

fn messages(
    notice: &Notice,
    origin: &str,
    page: &[Member],
    rendered: &mut Rendered,
) -> Vec<NewMessage> {
    page.iter()
        .filter_map(|m| {
            let to = Msisdn::stored(&m.msisdn)?;
            let lang = m.language.as_deref().unwrap_or(crate::i18n::FALLBACK);
            let text = rendered.get(&notice.texts, lang, Script::from_db(&m.script));
            Some(NewMessage {
                recipient: to,
                text: text.to_string(),
                priority: Priority::Bulk,
                topic: Some(TOPIC.to_string()),
                origin: origin.to_string(),
                idempotency_key: format!("{origin}:{}", m.id),
                not_before: None,
                expires_at: None,
            })
        })
        .collect()
}

/// Queues every notice due at `now` (the `notices` job; also picks up a queuing an instance
/// left unfinished). Returns how many messages were added.
pub async fn run_due(db: &Db, outbox: &Outbox, now: DateTime<Utc>) -> Result<u64, NoticeError> {
    let mut added = 0;
    for id in store::due(db, now).await? {
        if let Outcome::Queued(n) = queue(db, outbox, id, now).await? {
            added += n;
        }
    }
    Ok(added)
}
