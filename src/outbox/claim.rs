//! Claiming due rows and settling them: the SQL that differs between SQLite and PostgreSQL is here.

use chrono::{DateTime, TimeDelta, Utc};

use crate::db::{time, Db};
use crate::{execute, with_db};

/// A row the dispatcher holds a lease on.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub recipient: String,
    pub text: Option<String>,
    pub encoding: String,
    pub parts: i64,
    pub priority: i64,
    pub topic: Option<String>,
    pub attempts: i64,
    pub expires_at: DateTime<Utc>,
}

const DUE: &str = "((status = 'queued' AND next_attempt_at <= $3)
                    OR (status = 'sending' AND lease_until < $3))
                   AND expires_at > $3 AND priority >= $4";

const RETURNING: &str =
    "RETURNING id, recipient, text, encoding, parts, priority, topic, attempts, expires_at";

/// Takes up to `limit` due rows of at least `min_priority`, highest priority first, and leases
/// them to `holder`. PostgreSQL skips rows another instance is claiming; SQLite has one writer,
/// so its claim is atomic as it stands.
pub async fn claim(
    db: &Db,
    holder: &str,
    lease: TimeDelta,
    min_priority: i64,
    limit: i64,
) -> Result<Vec<Claimed>, sqlx::Error> {
    let now = time::now();
    let lock = match db {
        Db::Postgres(_) => "FOR UPDATE SKIP LOCKED",
        Db::Sqlite(_) => "",
    };
    let sql = format!(
        "UPDATE outbox
            SET status = 'sending', lease_until = $1, claimed_by = $2, attempts = attempts + 1,
                updated_at = $3
          WHERE id IN (SELECT id FROM outbox WHERE {DUE}
                        ORDER BY priority DESC, id LIMIT $5 {lock})
         {RETURNING}"
    );
    let mut rows: Vec<Claimed> = with_db!(db, pool => sqlx::query_as(&sql)
        .bind(now + lease)
        .bind(holder)
        .bind(now)
        .bind(min_priority)
        .bind(limit)
        .fetch_all(pool)
        .await)?;
    // RETURNING gives no order; keep the one the claim chose.
    rows.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.id.cmp(&b.id)));
    Ok(rows)
}

/// The outcome of one send, written only while this holder still has the row in `sending`.
pub enum Settle<'a> {
    Sent {
        gateway_id: &'a str,
        provider_id: &'a str,
    },
    Retry {
        at: DateTime<Utc>,
        error: &'a str,
    },
    Failed {
        error: &'a str,
    },
    Expired {
        error: &'a str,
    },
    Cancelled {
        reason: &'a str,
    },
    /// Shutdown before the send started: back to the queue, the attempt not counted.
    Release,
}

pub async fn settle(
    db: &Db,
    id: i64,
    holder: &str,
    outcome: Settle<'_>,
) -> Result<(), sqlx::Error> {
    let now = time::now();
    const GUARD: &str = "WHERE id = $1 AND status = 'sending' AND claimed_by = $2";
    let done = match outcome {
        Settle::Sent {
            gateway_id,
            provider_id,
        } => {
            let sql = format!(
                "UPDATE outbox SET status = 'sent', gateway_id = $3, provider_id = $4, sent_at = $5,
                        updated_at = $5, lease_until = NULL, last_error = NULL {GUARD}"
            );
            execute!(db, pool => sqlx::query(&sql)
                .bind(id)
                .bind(holder)
                .bind(gateway_id)
                .bind(provider_id)
                .bind(now)
                .execute(pool)
                .await)?
        }
        Settle::Retry { at, error } => {
            let sql = format!(
                "UPDATE outbox SET status = 'queued', next_attempt_at = $3, last_error = $4,
                        updated_at = $5, lease_until = NULL {GUARD}"
            );
            execute!(db, pool => sqlx::query(&sql)
                .bind(id)
                .bind(holder)
                .bind(at)
                .bind(error)
                .bind(now)
                .execute(pool)
                .await)?
        }
        Settle::Failed { error: reason }
        | Settle::Expired { error: reason }
        | Settle::Cancelled { reason } => {
            let status = match outcome {
                Settle::Failed { .. } => "failed",
                Settle::Expired { .. } => "expired",
                _ => "cancelled",
            };
            let sql = format!(
                "UPDATE outbox SET status = $3, last_error = $4, updated_at = $5,
                        lease_until = NULL {GUARD}"
            );
            execute!(db, pool => sqlx::query(&sql)
                .bind(id)
                .bind(holder)
                .bind(status)
                .bind(reason)
                .bind(now)
                .execute(pool)
                .await)?
        }
        Settle::Release => {
            let sql = format!(
                "UPDATE outbox SET status = 'queued', attempts = attempts - 1, updated_at = $3,
                        lease_until = NULL {GUARD}"
            );
            execute!(db, pool => sqlx::query(&sql)
                .bind(id)
                .bind(holder)
                .bind(now)
                .execute(pool)
                .await)?
        }
    };
    if done == 0 {
        // The lease ran out and someone else holds the row now; their outcome stands.
        tracing::warn!(outbox_id = id, "row no longer leased to this dispatcher");
    }
    Ok(())
}
