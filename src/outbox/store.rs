//! The outbox table: inserting rows once per idempotency key, counting, expiring and forgetting.

use chrono::{DateTime, Utc};

use super::{Enqueued, NewMessage, Priority};
use crate::db::Db;
use crate::hash::text_hash;
use crate::text::SmsInfo;
use crate::{execute, with_db};

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
    let msg = row.msg;
    let inserted: Option<i64> = with_db!(db, pool => sqlx::query_scalar(
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
    .fetch_optional(pool)
    .await)?;
    if let Some(id) = inserted {
        return Ok(Enqueued { id, created: true });
    }
    let id: i64 = with_db!(db, pool => sqlx::query_scalar(
        "SELECT id FROM outbox WHERE idempotency_key = $1"
    )
    .bind(&msg.idempotency_key)
    .fetch_one(pool)
    .await)?;
    Ok(Enqueued { id, created: false })
}

/// Columns of an outbox row as `insert_many` writes them, in order.
const COLUMNS: &str = "recipient, text, text_hash, encoding, parts, priority, topic, origin,
     idempotency_key, not_before, expires_at, next_attempt_at, created_at, updated_at";
const PER_ROW: usize = 14;

/// Inserts `rows` in one statement (rows whose idempotency key exists are skipped); returns how
/// many were new. The caller keeps `rows` small enough for one statement's binds.
pub async fn insert_many(db: &Db, rows: &[Row<'_>]) -> Result<u64, sqlx::Error> {
    if rows.is_empty() {
        return Ok(0);
    }
    let values: Vec<String> = (0..rows.len())
        .map(|r| {
            let n: Vec<String> = (1..=PER_ROW)
                .map(|c| format!("${}", r * PER_ROW + c))
                .collect();
            format!("({})", n.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO outbox ({COLUMNS}) VALUES {} ON CONFLICT (idempotency_key) DO NOTHING",
        values.join(", ")
    );
    execute!(db, pool => {
        let mut q = sqlx::query(&sql);
        for row in rows {
            let m = row.msg;
            q = q
                .bind(m.recipient.as_str())
                .bind(&m.text)
                .bind(text_hash(&m.text))
                .bind(row.info.encoding.as_str())
                .bind(row.info.parts as i64)
                .bind(m.priority.rank())
                .bind(&m.topic)
                .bind(&m.origin)
                .bind(&m.idempotency_key)
                .bind(row.not_before)
                .bind(row.expires_at)
                .bind(row.not_before)
                .bind(row.now)
                .bind(row.now);
        }
        q.execute(pool).await
    })
}

/// The origins below `origin` (`notice:12:…`) as a half-open range, so the index on `origin`
/// serves the lookup on both backends (`:` and `;` are neighbours in every collation loa uses).
fn below(origin: &str) -> (String, String) {
    (format!("{origin}:"), format!("{origin};"))
}

/// Cancels the rows of `origin` (or of any origin below it, `origin:…`) that are still queued; a
/// row already being sent goes on.
pub async fn cancel_origin(db: &Db, origin: &str, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let (from, to) = below(origin);
    execute!(db, pool => sqlx::query(
        "UPDATE outbox SET status = 'cancelled', last_error = 'cancelled', updated_at = $4
          WHERE status = 'queued' AND (origin = $1 OR (origin >= $2 AND origin < $3))"
    )
    .bind(origin)
    .bind(from)
    .bind(to)
    .bind(now)
    .execute(pool)
    .await)
}

/// Rows of `origin` (and below it) by status, for delivery figures.
pub async fn count_origin(db: &Db, origin: &str) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let (from, to) = below(origin);
    with_db!(db, pool => sqlx::query_as(
        "SELECT status, COUNT(*) FROM outbox
          WHERE origin = $1 OR (origin >= $2 AND origin < $3)
          GROUP BY status ORDER BY status"
    )
    .bind(origin)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await)
}

/// Replies with this exact text to `recipient` since `since`.
pub async fn recent_replies(
    db: &Db,
    recipient: &str,
    text: &str,
    since: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    with_db!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox
          WHERE recipient = $1 AND text_hash = $2 AND priority = $3 AND created_at >= $4"
    )
    .bind(recipient)
    .bind(text_hash(text))
    .bind(Priority::Reply.rank())
    .bind(since)
    .fetch_one(pool)
    .await)
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

/// A message queued for a recipient and not sent yet, with what decides when it may go.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Waiting {
    pub id: i64,
    pub text: Option<String>,
    pub encoding: String,
    pub parts: i64,
    pub priority: i64,
    pub created_at: DateTime<Utc>,
    /// The later of its not-before time and its next attempt (after a retry).
    pub next_attempt_at: DateTime<Utc>,
}

/// What is still queued for `recipient` (not sent, not given up), oldest first.
pub async fn waiting_for(
    db: &Db,
    recipient: &str,
    limit: i64,
) -> Result<Vec<Waiting>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_as(
        "SELECT id, text, encoding, parts, priority, created_at, next_attempt_at FROM outbox
          WHERE recipient = $1 AND status IN ('queued', 'sending')
          ORDER BY id LIMIT $2"
    )
    .bind(recipient)
    .bind(limit)
    .fetch_all(pool)
    .await)
}
