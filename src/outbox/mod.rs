//! The outbox: every outgoing message is a row here, and this is the only way out of loa.
//!
//! Features enqueue through [`Outbox`]; the [`dispatcher`] claims due rows and hands each to a
//! gateway adapter. The SQL is in `store` (rows), `claim` (claiming and settling, the one place
//! the backends differ) and `report` (delivery reports).

mod claim;
pub mod dispatcher;
pub mod lease;
mod report;
mod retry;
pub mod store;

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use tokio::sync::Notify;

use crate::db::{time, Db};
use crate::phone::Msisdn;
use crate::text;

pub use crate::gateway::DeliveryStatus;
pub use claim::Claimed;

/// Rows in one `enqueue_many` statement: 14 binds a row stays far below either backend's limit.
pub const BATCH: usize = 500;
pub use report::{apply_report, is_known, ReportKey};

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

/// The handle features use to send: enqueue, and wake the dispatcher.
#[derive(Clone)]
pub struct Outbox {
    db: Db,
    reply_ttl: TimeDelta,
    bulk_ttl: TimeDelta,
    wake: Arc<Notify>,
}

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

impl Outbox {
    pub fn new(db: Db, reply_ttl_hours: u32, bulk_ttl_hours: u32) -> Outbox {
        Outbox {
            db,
            reply_ttl: TimeDelta::hours(reply_ttl_hours.into()),
            bulk_ttl: TimeDelta::hours(bulk_ttl_hours.into()),
            wake: Arc::new(Notify::new()),
        }
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
        let row = self.row(&msg, time::now());
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
            let rows: Vec<store::Row> = chunk.iter().map(|m| self.row(m, now)).collect();
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

    fn row<'a>(&self, msg: &'a NewMessage, now: DateTime<Utc>) -> store::Row<'a> {
        let not_before = msg.not_before.unwrap_or(now);
        let ttl = if msg.priority == Priority::Reply {
            self.reply_ttl
        } else {
            self.bulk_ttl
        };
        store::Row {
            msg,
            info: text::analyze(&msg.text),
            not_before,
            expires_at: msg.expires_at.unwrap_or(not_before + ttl),
            now,
        }
    }

    /// How many replies with this exact text went to `recipient` since `since` (the loop guard).
    pub async fn recent_replies(
        &self,
        recipient: &Msisdn,
        text: &str,
        since: DateTime<Utc>,
    ) -> Result<i64, OutboxError> {
        Ok(store::recent_replies(&self.db, recipient.as_str(), text, since).await?)
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
