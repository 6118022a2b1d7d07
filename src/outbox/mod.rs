//! The outbox: every outgoing message is a row here, and this is the only way out of loa.

mod claim;
pub mod dispatcher;
mod report;
mod retry;

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use tokio::sync::Notify;

use crate::db::{time, Db};
use crate::phone::Msisdn;
use crate::text;
use crate::{execute, with_db};

pub use claim::Claimed;
pub use report::{apply_report, DeliveryStatus, ReportKey};

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
        let info = text::analyze(&msg.text);
        let now = time::now();
        let not_before = msg.not_before.unwrap_or(now);
        let ttl = if msg.priority == Priority::Reply {
            self.reply_ttl
        } else {
            self.bulk_ttl
        };
        let expires_at = msg.expires_at.unwrap_or(not_before + ttl);
        let inserted: Option<i64> = with_db!(&self.db, |pool| {
            sqlx::query_scalar(
            "INSERT INTO outbox (recipient, text, text_hash, encoding, parts, priority, topic, origin,
                                 idempotency_key, not_before, expires_at, next_attempt_at,
                                 created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10, $12, $12)
             ON CONFLICT (idempotency_key) DO NOTHING
             RETURNING id"
        )
        .bind(msg.recipient.as_str())
        .bind(&msg.text)
        .bind(crate::hash::text_hash(&msg.text))
        .bind(info.encoding.as_str())
        .bind(info.parts as i64)
        .bind(msg.priority.rank())
        .bind(&msg.topic)
        .bind(&msg.origin)
        .bind(&msg.idempotency_key)
        .bind(not_before)
        .bind(expires_at)
        .bind(now)
        .fetch_optional(pool)
        .await
        })?;
        let enqueued = match inserted {
            Some(id) => Enqueued { id, created: true },
            None => {
                let id: i64 = with_db!(&self.db, |pool| sqlx::query_scalar(
                    "SELECT id FROM outbox WHERE idempotency_key = $1"
                )
                .bind(&msg.idempotency_key)
                .fetch_one(pool)
                .await)?;
                Enqueued { id, created: false }
            }
        };
        if enqueued.created {
            self.wake.notify_one();
        }
        Ok(enqueued)
    }

    /// How many replies with this exact text went to `recipient` since `since` (the loop guard).
    pub async fn recent_replies(
        &self,
        recipient: &Msisdn,
        text: &str,
        since: DateTime<Utc>,
    ) -> Result<i64, OutboxError> {
        let n: i64 = with_db!(&self.db, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox
              WHERE recipient = $1 AND text_hash = $2 AND priority = $3 AND created_at >= $4"
        )
        .bind(recipient.as_str())
        .bind(crate::hash::text_hash(text))
        .bind(Priority::Reply.rank())
        .bind(since)
        .fetch_one(pool)
        .await)?;
        Ok(n)
    }

    /// Marks rows whose time ran out; the dispatcher never claims them.
    pub async fn expire_due(&self) -> Result<u64, OutboxError> {
        let now = time::now();
        let done = execute!(&self.db, |pool| sqlx::query(
            "UPDATE outbox SET status = 'expired', lease_until = NULL, updated_at = $1
              WHERE expires_at <= $1
                AND (status = 'queued' OR (status = 'sending' AND lease_until < $1))"
        )
        .bind(now)
        .execute(pool)
        .await)?;
        Ok(done)
    }

    /// Deletes the bodies of messages older than `before`; status, times and hashes stay.
    pub async fn forget_bodies(&self, before: DateTime<Utc>) -> Result<u64, OutboxError> {
        let done = execute!(&self.db, |pool| sqlx::query(
            "UPDATE outbox SET text = NULL WHERE created_at < $1 AND text IS NOT NULL
                AND status NOT IN ('queued', 'sending')"
        )
        .bind(before)
        .execute(pool)
        .await)?;
        Ok(done)
    }
}
