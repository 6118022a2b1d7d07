//! The outbox: every outgoing message is a row here, and this is the only way out of loa.
//!
//! Features enqueue through [`Outbox`]; the [`dispatcher`] claims due rows and hands each to a
//! gateway adapter. The SQL is in `store` (rows), `claim` (claiming and settling, the one place
//! the backends differ) and `report` (delivery reports).

mod claim;
pub mod dispatcher;
pub mod lease;
mod replies;
mod report;
mod retry;
pub mod store;

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use tokio::sync::Notify;

use crate::db::group::{batch, Group, GroupError, Writer};
use crate::db::tx::Tx;
use crate::db::{time, Db};
use crate::phone::Msisdn;
use crate::text;

pub use crate::gateway::DeliveryStatus;
pub use claim::Claimed;
pub use replies::{Choose, ReplyDone, ReplyWrite};
pub use report::{
    apply_early, apply_report, forget_early_before, is_known, receive_report, Outcome, ReportIn,
    ReportKey,
};

/// Rows in one `enqueue_many` statement: 14 binds a row stays far below either backend's limit.
pub const BATCH: usize = 500;

/// How long a message may wait to go, by kind.
#[derive(Clone, Copy, Debug)]
pub struct Ttl {
    pub reply: TimeDelta,
    pub bulk: TimeDelta,
}

impl Ttl {
    /// `msg` as a row: encoding and parts computed here, once, from the final text.
    fn row<'a>(&self, msg: &'a NewMessage, now: DateTime<Utc>) -> store::Row<'a> {
        let not_before = msg.not_before.unwrap_or(now);
        let ttl = if msg.priority == Priority::Reply {
            self.reply
        } else {
            self.bulk
        };
        store::Row {
            msg,
            info: text::analyze(&msg.text),
            not_before,
            expires_at: msg.expires_at.unwrap_or(not_before + ttl),
            now,
        }
    }
}

/// Replies to a person outrank reminders, which outrank bulk sends; only replies go out in quiet hours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Bulk,
    Reminder,
    Reply,
}

impl Priority {
    pub fn rank(self) -> i64 {
        match self {
            Priority::Bulk => 10,
            Priority::Reminder => 20,
            Priority::Reply => 30,
        }
    }
}

/// An outgoing message before it is a row.
#[derive(Clone, Debug)]
pub struct NewMessage {
    pub recipient: Msisdn,
    /// The text exactly as it will go out (already localized and, if asked, unaccented).
    pub text: String,
    pub priority: Priority,
    /// The consent topic a bulk or scheduled message belongs to.
    pub topic: Option<String>,
    /// What made it, e.g. `reply:42` or `simulator:broadcast`.
    pub origin: String,
    /// Unique over all time: enqueueing the same key twice stores one row.
    pub idempotency_key: String,
    pub not_before: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The replies one recipient got lately, as a reply's guards count them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecentReplies {
    /// With the same text, in the loop guard's window.
    pub same_text: i64,
    /// All of them, in the reply budget's window.
    pub total: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Enqueued {
    pub id: i64,
    /// False when a row with the same idempotency key already existed.
    pub created: bool,
}

/// Status of a row, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Queued,
    Sending,
    Sent,
    Delivered,
    Failed,
    Expired,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Sending => "sending",
            Status::Sent => "sent",
            Status::Delivered => "delivered",
            Status::Failed => "failed",
            Status::Expired => "expired",
            Status::Cancelled => "cancelled",
        }
    }
}

/// The handle features use to send: enqueue, and wake the dispatcher; and the one delivery
/// reports come in through.
#[derive(Clone)]
pub struct Outbox {
    db: Db,
    ttl: Ttl,
    wake: Arc<Notify>,
    /// Where every group commit of this database writes (on SQLite, one connection).
    writer: Writer,
    /// Replies from concurrent handlers, counted and queued with group commits.
    replies: Group<ReplyWrite, ReplyDone>,
    /// Reports from concurrent webhooks, applied with group commits.
    reports: Group<ReportIn, Option<Outcome>>,
}

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Group(#[from] GroupError),
}

impl Outbox {
    pub fn new(db: Db, reply_ttl_hours: u32, bulk_ttl_hours: u32) -> Outbox {
        let writer = Writer::new(db.clone());
        let reports = Group::new(
            &writer,
            batch(|tx, reports| Box::pin(report::apply_known_batch(tx, reports))),
        );
        let replies = Group::new(
            &writer,
            batch(|tx, replies| Box::pin(replies::write_batch(tx, replies))),
        );
        Outbox {
            db,
            ttl: Ttl {
                reply: TimeDelta::hours(reply_ttl_hours.into()),
                bulk: TimeDelta::hours(bulk_ttl_hours.into()),
            },
            wake: Arc::new(Notify::new()),
            writer,
            replies,
            reports,
        }
    }

    /// The writer the outbox's group commits go through, for the other groups of the process
    /// to share (on SQLite they take turns on its one connection).
    pub fn writer(&self) -> &Writer {
        &self.writer
    }

    /// A gateway's report on a sent message (see [`receive_report`]): applied together with the
    /// reports of other webhooks waiting at the same moment, or kept when it overtook its send.
    pub async fn report(&self, r: ReportIn) -> Result<Outcome, OutboxError> {
        if let Some(received) = self.reports.write(r.clone()).await? {
            return Ok(received);
        }
        let error = r.error.as_deref();
        Ok(receive_report(&self.db, &r.gateway_id, &r.provider_id, r.status, error).await?)
    }

    /// (reports, commits) of the delivery reports' group-commit writer so far.
    pub fn report_counts(&self) -> (u64, u64) {
        self.reports.counts()
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Woken on every enqueue, so a reply leaves at once instead of at the next poll.
    pub fn wake_signal(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Stores `msg` unless its idempotency key is already there. Encoding and parts are computed
    /// here, once, from the final text.
    pub async fn enqueue(&self, msg: NewMessage) -> Result<Enqueued, OutboxError> {
        let row = self.ttl.row(&msg, time::now());
        let enqueued = store::insert(&self.db, &row).await?;
        if enqueued.created {
            self.wake.notify_one();
        }
        Ok(enqueued)
    }

    /// Stores many messages (a notice, a campaign step) in statements of at most [`BATCH`] rows,
    /// each its own short transaction, so a large send never holds the SQLite writer long enough
    /// to delay a villager's reply. Returns how many were new (repeated keys are skipped).
    pub async fn enqueue_many(&self, msgs: &[NewMessage]) -> Result<u64, OutboxError> {
        let now = time::now();
        let mut created = 0;
        for chunk in msgs.chunks(BATCH) {
            let rows: Vec<store::Row> = chunk.iter().map(|m| self.ttl.row(m, now)).collect();
            created += store::insert_many(&self.db, &rows).await?;
            // Let replies in between two chunks.
            tokio::task::yield_now().await;
        }
        if created > 0 {
            self.wake.notify_one();
        }
        Ok(created)
    }

    /// Cancels what is still queued of `origin` and below it (`notice:12` cancels `notice:12:…`).
    pub async fn cancel(&self, origin: &str) -> Result<u64, OutboxError> {
        Ok(store::cancel_origin(&self.db, origin, time::now()).await?)
    }

    /// Rows of `origin` and below it by status (`queued`, `sent`, `delivered`, …).
    pub async fn figures(&self, origin: &str) -> Result<Vec<(String, i64)>, OutboxError> {
        Ok(store::count_origin(&self.db, origin).await?)
    }

    /// A reply to `recipient`, decided by `choose` from the replies it got lately (those with
    /// the text `text` since `same_since`, all since `all_since`), counted and queued together
    /// with the other replies waiting at the same moment: the count and the insert hold one lock
    /// per recipient (see `db::lock`), so instances sharing a database count each other's replies
    /// exactly. Returns what the count found and the row queued, if `choose` gave one.
    pub async fn enqueue_reply(
        &self,
        recipient: &Msisdn,
        text: &str,
        windows: (DateTime<Utc>, DateTime<Utc>),
        choose: replies::Choose,
    ) -> Result<ReplyDone, OutboxError> {
        let write = self.reply_write(recipient, text, windows, choose);
        let (recent, queued) = self.replies.write(write).await?;
        if queued.is_some_and(|e| e.created) {
            self.wake.notify_one();
        }
        Ok((recent, queued))
    }

    /// A reply as [`enqueue_reply`](Outbox::enqueue_reply) takes it, for a caller that queues
    /// replies inside its own transaction ([`enqueue_replies_tx`](Outbox::enqueue_replies_tx)).
    pub fn reply_write(
        &self,
        recipient: &Msisdn,
        text: &str,
        windows: (DateTime<Utc>, DateTime<Utc>),
        choose: replies::Choose,
    ) -> ReplyWrite {
        ReplyWrite {
            recipient: recipient.clone(),
            text: text.to_string(),
            windows,
            choose,
            ttl: self.ttl,
        }
    }

    /// Counts and queues `writes` inside the caller's open transaction, exactly as the replies'
    /// own writer would (same locks, same counts). The caller wakes the dispatcher
    /// ([`wake`](Outbox::wake)) once it has committed.
    pub async fn enqueue_replies_tx(
        tx: &mut Tx<'_>,
        writes: &[&ReplyWrite],
    ) -> Result<Vec<ReplyDone>, OutboxError> {
        Ok(replies::write_batch(tx, writes).await?)
    }

    /// Tells the dispatcher that replies were committed.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Marks rows whose time ran out; the dispatcher never claims them.
    pub async fn expire_due(&self) -> Result<u64, OutboxError> {
        Ok(store::expire_due(&self.db, time::now()).await?)
    }

    /// Deletes the bodies of messages older than `before`; status, times and hashes stay.
    pub async fn forget_bodies(&self, before: DateTime<Utc>) -> Result<u64, OutboxError> {
        Ok(store::forget_bodies(&self.db, before).await?)
    }
}
