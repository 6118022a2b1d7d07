//! The outbox table: inserting rows once per idempotency key, counting, expiring and forgetting.

use chrono::{DateTime, Utc};

use std::collections::HashMap;

use super::{Enqueued, NewMessage, Priority};
use crate::db::sql::{rows_per_statement, Bind, Sql};
use crate::db::tx::{on_tx, Tx};
use crate::db::Db;
use crate::hash::text_hash;
use crate::text::SmsInfo;
use crate::{bind_all, execute, with_db, with_tx};

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
    let id = id_of_key_tx(tx, &msg.idempotency_key).await?;
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
    let sql = format!(
        "INSERT INTO outbox ({COLUMNS}) VALUES {} ON CONFLICT (idempotency_key) DO NOTHING",
        placeholders(db, rows.len(), PER_ROW)
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

/// `(…), (…)` placeholders for `rows` rows of `per_row` values. SQLite gets anonymous `?`:
/// sqlx looks up each numbered `$N` by name, a linear scan in SQLite (`sqlite3VListNumToName`),
/// which made a 7,000-value statement spend most of its time naming its parameters. PostgreSQL
/// only knows `$N`. The values are bound in the same order either way.
pub fn placeholders(db: &Db, rows: usize, per_row: usize) -> String {
    let row = |r: usize| -> String {
        let n: Vec<String> = (1..=per_row)
            .map(|c| match db {
                Db::Sqlite(_) => "?".to_string(),
                Db::Postgres(_) => format!("${}", r * per_row + c),
            })
            .collect();
        format!("({})", n.join(", "))
    };
    (0..rows).map(row).collect::<Vec<_>>().join(", ")
}

/// The origins below `origin` (`notice:12:…`) as a half-open range, so the index on `origin`
/// serves the lookup on both backends (`:` and `;` are neighbours in every collation loa uses).
fn below(origin: &str) -> (String, String) {
    (format!("{origin}:"), format!("{origin};"))
}

/// Cancels the rows of `origin` (or of any origin below it, `origin:…`) that are still queued, and
/// marks those being sent, so that a send that fails transiently (or is released at shutdown)
/// settles as cancelled instead of going back to the queue; one that succeeds counts as sent.
/// One statement, so that no row moves between queued and sending unseen. Returns how many
/// queued rows it cancelled.
pub async fn cancel_origin(db: &Db, origin: &str, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let (from, to) = below(origin);
    let cancelled: Vec<bool> = with_db!(db, pool => sqlx::query_scalar(
        "UPDATE outbox
            SET status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
                last_error = CASE WHEN status = 'queued' THEN 'cancelled' ELSE last_error END,
                cancel_requested_at = $4, updated_at = $4
          WHERE status IN ('queued', 'sending') AND (origin = $1 OR (origin >= $2 AND origin < $3))
         RETURNING status = 'cancelled'"
    )
    .bind(origin)
    .bind(from)
    .bind(to)
    .bind(now)
    .fetch_all(pool)
    .await)?;
    Ok(cancelled.into_iter().filter(|c| *c).count() as u64)
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

/// The replies to `recipients` queued since `since`: `(recipient, text hash, created_at)`, read
/// inside the caller's transaction, for the guards to count (see `replies`). A number draws a
/// handful of replies in a window, so this is a few rows a recipient.
pub async fn recent_replies_many_tx(
    tx: &mut Tx<'_>,
    recipients: &[&str],
    since: DateTime<Utc>,
) -> Result<Vec<(String, String, DateTime<Utc>)>, sqlx::Error> {
    let mut out = Vec::new();
    for chunk in recipients.chunks(RECIPIENTS_AT_ONCE) {
        let mut sql = Sql::ordered(
            tx.backend(),
            "SELECT recipient, text_hash, created_at FROM outbox WHERE priority = ",
        );
        let p = sql.bind(Bind::Int(Priority::Reply.rank()));
        sql.push(&p);
        sql.push(" AND created_at >= ");
        let p = sql.bind(Bind::Time(since));
        sql.push(&p);
        sql.push(" AND recipient IN ");
        sql.push_list(chunk.iter().map(|r| Bind::Text(r.to_string())));
        let mut rows: Vec<(String, String, DateTime<Utc>)> = on_tx!(tx, conn => {
            // The text changes with the number of recipients: kept out of the statement cache.
            bind_all!(sqlx::query_as(&sql.text).persistent(false), sql)
                .fetch_all(conn)
                .await
        })?;
        out.append(&mut rows);
    }
    Ok(out)
}

/// Inserts `rows` inside the caller's transaction, in multi-row statements (rows whose
/// idempotency key exists are skipped); returns the ids of the new rows by key.
pub async fn insert_many_tx(
    tx: &mut Tx<'_>,
    rows: &[Row<'_>],
) -> Result<HashMap<String, i64>, sqlx::Error> {
    let mut created = HashMap::with_capacity(rows.len());
    for chunk in rows.chunks(rows_per_statement(PER_ROW, super::BATCH)) {
        let mut sql = Sql::ordered(
            tx.backend(),
            &format!("INSERT INTO outbox ({COLUMNS}) VALUES "),
        );
        sql.push_rows(chunk.iter().map(|row| {
            let m = row.msg;
            [
                Bind::Text(m.recipient.as_str().to_string()),
                Bind::Text(m.text.clone()),
                Bind::Text(text_hash(&m.text)),
                Bind::Text(row.info.encoding.as_str().to_string()),
                Bind::Int(row.info.parts as i64),
                Bind::Int(m.priority.rank()),
                Bind::OptText(m.topic.clone()),
                Bind::Text(m.origin.clone()),
                Bind::Text(m.idempotency_key.clone()),
                Bind::Time(row.not_before),
                Bind::Time(row.expires_at),
                Bind::Time(row.not_before),
                Bind::Time(row.now),
                Bind::Time(row.now),
            ]
        }));
        sql.push(" ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, idempotency_key");
        let ids: Vec<(i64, String)> = on_tx!(tx, conn => {
            bind_all!(sqlx::query_as(&sql.text).persistent(false), sql)
                .fetch_all(conn)
                .await
        })?;
        created.extend(ids.into_iter().map(|(id, key)| (key, id)));
    }
    Ok(created)
}

/// The id of the row with idempotency key `key`, inside the caller's transaction.
pub async fn id_of_key_tx(tx: &mut Tx<'_>, key: &str) -> Result<i64, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query_scalar("SELECT id FROM outbox WHERE idempotency_key = $1")
        .bind(key)
        .fetch_one(conn)
        .await)
}

pub async fn expire_due(db: &Db, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    execute!(db, pool => sqlx::query(
        "UPDATE outbox
            SET status = CASE WHEN cancel_requested_at IS NULL THEN 'expired' ELSE 'cancelled' END,
                lease_until = NULL, updated_at = $1
          WHERE (status = 'queued' AND expires_at <= $1)
             OR (status = 'sending' AND lease_until < $1
                 AND (expires_at <= $1 OR cancel_requested_at IS NOT NULL))"
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

/// `CASE` giving the window (0, 1, …) of `column` when the windows are `$1..$2`, `$2..$3`, …
/// (`windows` of them); a row before `$1` or after the last bound must be filtered out.
fn window_of(column: &str, windows: usize) -> String {
    let arms: String = (0..windows)
        .map(|i| format!(" WHEN {column} < ${} THEN {i}", i + 2))
        .collect();
    format!("CAST(CASE{arms} END AS BIGINT)")
}

/// Recipients bound in one statement at most (under both backends' bind limits).
const RECIPIENTS_AT_ONCE: usize = 1000;

/// Counts per window of the rows matching `filter` (a condition on `column` being in the
/// windows is added), with `extra` as a second count: `(rows, extra)` per window. Only the
/// messages to `recipients` when given (none at all for an empty list), a chunk at a time.
async fn by_window(
    db: &Db,
    column: &str,
    filter: &str,
    extra: &str,
    bounds: &[DateTime<Utc>],
    recipients: Option<&[String]>,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let windows = bounds.len().saturating_sub(1);
    let mut out = vec![(0, 0); windows];
    if windows == 0 {
        return Ok(out);
    }
    let chunks: Vec<&[String]> = match recipients {
        None => vec![&[]],
        Some(r) => r.chunks(RECIPIENTS_AT_ONCE).collect(),
    };
    for chunk in chunks {
        let only = (recipients.is_some()).then_some(chunk);
        for (w, n, extra) in window_counts(db, column, filter, extra, bounds, only).await? {
            if let Some(slot) = usize::try_from(w).ok().and_then(|w| out.get_mut(w)) {
                slot.0 += n;
                slot.1 += extra;
            }
        }
    }
    Ok(out)
}

/// One statement of [`by_window`]: `(window, rows, extra)`.
async fn window_counts(
    db: &Db,
    column: &str,
    filter: &str,
    extra: &str,
    bounds: &[DateTime<Utc>],
    only: Option<&[String]>,
) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    let windows = bounds.len() - 1;
    let to = only.map_or_else(String::new, |r| {
        let marks: Vec<String> = (0..r.len())
            .map(|i| format!("${}", bounds.len() + 1 + i))
            .collect();
        format!(" AND recipient IN ({})", marks.join(", "))
    });
    let sql = format!(
        "SELECT {w} AS w, COUNT(*), CAST(SUM(CASE WHEN {extra} THEN 1 ELSE 0 END) AS BIGINT)
           FROM outbox WHERE {filter} AND {column} >= $1 AND {column} < ${last}{to}
          GROUP BY 1",
        w = window_of(column, windows),
        last = windows + 1,
    );
    with_db!(db, pool => {
        let mut q = sqlx::query_as(&sql);
        for b in bounds {
            q = q.bind(*b);
        }
        for r in only.unwrap_or_default() {
            q = q.bind(r);
        }
        q.fetch_all(pool).await
    })
}

/// For each window `bounds[i]..bounds[i + 1]`: the messages a gateway took in it, and how many
/// of those were delivered since. One range scan of `outbox_sent_at` (of the messages to
/// `recipients` only, when given).
pub async fn sent_by_window(
    db: &Db,
    bounds: &[DateTime<Utc>],
    recipients: Option<&[String]>,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let (filter, extra) = ("sent_at IS NOT NULL", "status = 'delivered'");
    by_window(db, "sent_at", filter, extra, bounds, recipients).await
}

/// For each window: the messages that ended failed or expired in it (by their last change):
/// `(failed, expired)`; to `recipients` only, when given.
pub async fn failed_by_window(
    db: &Db,
    bounds: &[DateTime<Utc>],
    recipients: Option<&[String]>,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let (filter, extra) = ("status IN ('failed', 'expired')", "status = 'failed'");
    let ended = by_window(db, "updated_at", filter, extra, bounds, recipients).await?;
    Ok(ended
        .into_iter()
        .map(|(n, failed)| (failed, n - failed))
        .collect())
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
