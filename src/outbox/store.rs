//! The outbox table: inserting rows once per idempotency key, counting, expiring and forgetting.

use chrono::{DateTime, Utc};

use super::{Enqueued, NewMessage, Priority, RecentReplies};
use crate::db::tx::{on_tx, Tx};
use crate::db::Db;
use crate::hash::text_hash;
use crate::text::SmsInfo;
use crate::{execute, with_db, with_tx};

/// A message with what the outbox worked out for it, ready to be a row.
pub struct Row<'a> {
    pub msg: &'a NewMessage,
    pub info: SmsInfo,
    pub not_before: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub now: DateTime<Utc>,
}

/// Inserts the row unless its idempotency key exists; either way, the row's id.
pub async fn insert(db: &Db, row: &Row<'_>) -> Result<Enqueued, sqlx::Error> {
    Ok(with_tx!(db, tx => insert_tx(&mut Tx::from(tx), row).await?))
}

/// [`insert`] inside a caller's transaction.
pub async fn insert_tx(tx: &mut Tx<'_>, row: &Row<'_>) -> Result<Enqueued, sqlx::Error> {
    let msg = row.msg;
    let inserted: Option<i64> = on_tx!(tx, conn => sqlx::query_scalar(
        "INSERT INTO outbox (recipient, text, text_hash, encoding, parts, priority, topic, origin,
                             idempotency_key, not_before, expires_at, next_attempt_at,
                             created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10, $12, $12)
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING id"
    )
    .bind(msg.recipient.as_str())
    .bind(&msg.text)
    .bind(text_hash(&msg.text))
    .bind(row.info.encoding.as_str())
    .bind(row.info.parts as i64)
    .bind(msg.priority.rank())
    .bind(&msg.topic)
    .bind(&msg.origin)
    .bind(&msg.idempotency_key)
    .bind(row.not_before)
    .bind(row.expires_at)
    .bind(row.now)
    .fetch_optional(conn)
    .await)?;
    if let Some(id) = inserted {
        return Ok(Enqueued { id, created: true });
    }
    let id: i64 = on_tx!(tx, conn => sqlx::query_scalar(
        "SELECT id FROM outbox WHERE idempotency_key = $1"
    )
    .bind(&msg.idempotency_key)
    .fetch_one(conn)
    .await)?;
    Ok(Enqueued { id, created: false })
}

/// Replies to `recipient`: those with this exact text since `same_since`, and all since
/// `all_since`, read inside the caller's transaction.
pub async fn recent_replies_tx(
    tx: &mut Tx<'_>,
    recipient: &str,
    text: &str,
    same_since: DateTime<Utc>,
    all_since: DateTime<Utc>,
) -> Result<RecentReplies, sqlx::Error> {
    let (same_text, total): (i64, i64) = on_tx!(tx, conn => sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN text_hash = $2 AND created_at >= $3 THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN created_at >= $4 THEN 1 ELSE 0 END), 0)
           FROM outbox
          WHERE recipient = $1 AND priority = $5 AND created_at >= $6"
    )
    .bind(recipient)
    .bind(text_hash(text))
    .bind(same_since)
    .bind(all_since)
    .bind(Priority::Reply.rank())
    .bind(same_since.min(all_since))
    .fetch_one(conn)
    .await)?;
    Ok(RecentReplies { same_text, total })
}

pub async fn expire_due(db: &Db, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    execute!(db, pool => sqlx::query(
        "UPDATE outbox SET status = 'expired', lease_until = NULL, updated_at = $1
          WHERE expires_at <= $1
            AND (status = 'queued' OR (status = 'sending' AND lease_until < $1))"
    )
    .bind(now)
    .execute(pool)
    .await)
}

pub async fn forget_bodies(db: &Db, before: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    execute!(db, pool => sqlx::query(
        "UPDATE outbox SET text = NULL WHERE created_at < $1 AND text IS NOT NULL
            AND status NOT IN ('queued', 'sending')"
    )
    .bind(before)
    .execute(pool)
    .await)
}

/// Rows per status, for `/metrics`.
pub async fn count_by_status(db: &Db) -> Result<Vec<(String, i64)>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_as(
        "SELECT status, COUNT(*) FROM outbox GROUP BY status ORDER BY status"
    )
    .fetch_all(pool)
    .await)
}

/// The current status of each row in `ids` (missing ids are left out).
pub async fn statuses(db: &Db, ids: &[i64]) -> Result<Vec<(i64, String)>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    // Integers only, formatted here: nothing from outside reaches the statement's text.
    let sql = format!("SELECT id, status FROM outbox WHERE id IN ({list})");
    with_db!(db, pool => sqlx::query_as(&sql).fetch_all(pool).await)
}
