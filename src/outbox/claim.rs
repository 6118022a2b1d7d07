//! Claiming due rows and settling them: the SQL that differs between SQLite and PostgreSQL is here.

use chrono::{DateTime, TimeDelta, Utc};

use crate::db::tx::{on_tx, Tx};
use crate::db::{time, Db};
use crate::{with_db, with_tx};

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

/// A row left in `sending` by a stopped dispatcher is claimed again once its lease lapses, unless
/// its origin was cancelled meanwhile: then the expiry sweep settles it as cancelled.
const DUE: &str = "((status = 'queued' AND next_attempt_at <= $3)
                    OR (status = 'sending' AND lease_until < $3 AND cancel_requested_at IS NULL))
                   AND expires_at > $3 AND priority >= $4";

/// The status a row goes back to when it is not sent now (a transient failure, a shutdown): the
/// queue, unless its origin was cancelled while it was being sent (`Outbox::cancel` marks it),
/// so that nothing goes out after a cancel.
const REQUEUED: &str =
    "status = CASE WHEN cancel_requested_at IS NULL THEN 'queued' ELSE 'cancelled' END";

const RETURNING: &str =
    "RETURNING id, recipient, text, encoding, parts, priority, topic, attempts, expires_at";

/// Takes due rows of at least `min_priority`, highest priority first, and leases them to
/// `holder`: at most `rows` of them, and no more than `parts` SMS parts in all (always at least
/// one row), since gateways' rates count parts and a claim should last about as long whatever
/// the messages' length. PostgreSQL skips rows another instance is claiming (locked in the
/// innermost query: it takes no window function); SQLite has one writer, so its claim is atomic
/// as it stands.
pub async fn claim(
    db: &Db,
    holder: &str,
    lease: TimeDelta,
    min_priority: i64,
    (rows, parts): (i64, i64),
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
          WHERE id IN (
                SELECT id FROM (
                    SELECT id, parts, SUM(parts) OVER (ORDER BY priority DESC, id) AS upto
                      FROM (SELECT id, parts, priority FROM outbox WHERE {DUE}
                             ORDER BY priority DESC, id LIMIT $5 {lock}) due
                ) counted
                 WHERE upto <= $6 OR upto = parts)
         {RETURNING}"
    );
    let mut rows: Vec<Claimed> = with_db!(db, pool => sqlx::query_as(&sql)
        .bind(now + lease)
        .bind(holder)
        .bind(now)
        .bind(min_priority)
        .bind(rows)
        .bind(parts.max(1))
        .fetch_all(pool)
        .await)?;
    // RETURNING gives no order; keep the one the claim chose.
    rows.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.id.cmp(&b.id)));
    Ok(rows)
}

/// The outcome of one send, written only while this holder still has the row in `sending`.
pub enum Settle {
    Sent {
        gateway_id: String,
        provider_id: String,
    },
    Retry {
        at: DateTime<Utc>,
        error: String,
    },
    Failed {
        error: String,
    },
    Expired {
        error: String,
    },
    Cancelled {
        reason: String,
    },
    /// Shutdown before the send started: back to the queue, the attempt not counted.
    Release,
}

/// Settles the outcomes of one claimed batch in one transaction: one commit for the batch
/// instead of one per message. Returns the (gateway, provider id) of each row recorded as sent.
pub async fn settle_many(
    db: &Db,
    holder: &str,
    outcomes: &[(i64, Settle)],
) -> Result<Vec<(String, String)>, sqlx::Error> {
    if outcomes.is_empty() {
        return Ok(Vec::new());
    }
    let now = time::now();
    let mut sent = Vec::new();
    with_tx!(db, tx => {
        let mut tx = Tx::from(tx);
        for (id, outcome) in outcomes {
            if settle_tx(&mut tx, *id, holder, outcome, now).await? == 0 {
                // The lease ran out and someone else holds the row now; their outcome stands.
                tracing::warn!(outbox_id = id, "row no longer leased to this dispatcher");
            } else if let Settle::Sent { gateway_id, provider_id } = outcome {
                sent.push((gateway_id.clone(), provider_id.clone()));
            }
        }
    });
    Ok(sent)
}

async fn settle_tx(
    tx: &mut Tx<'_>,
    id: i64,
    holder: &str,
    outcome: &Settle,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    const GUARD: &str = "WHERE id = $1 AND status = 'sending' AND claimed_by = $2";
    let set = match outcome {
        Settle::Sent { .. } => {
            "status = 'sent', gateway_id = $4, provider_id = $5, sent_at = $3,
             lease_until = NULL, last_error = NULL"
        }
        Settle::Retry { .. } => {
            &format!("{REQUEUED}, last_error = $4, next_attempt_at = $5, lease_until = NULL")
        }
        Settle::Failed { .. } => "status = 'failed', last_error = $4, lease_until = NULL",
        Settle::Expired { .. } => "status = 'expired', last_error = $4, lease_until = NULL",
        Settle::Cancelled { .. } => "status = 'cancelled', last_error = $4, lease_until = NULL",
        Settle::Release => &format!("{REQUEUED}, attempts = attempts - 1, lease_until = NULL"),
    };
    let sql = format!("UPDATE outbox SET {set}, updated_at = $3 {GUARD}");
    on_tx!(tx, conn => {
        let q = sqlx::query(&sql).bind(id).bind(holder).bind(now);
        let q = match outcome {
            Settle::Sent {
                gateway_id,
                provider_id,
            } => q.bind(gateway_id.as_str()).bind(provider_id.as_str()),
            Settle::Retry { at, error } => q.bind(error.as_str()).bind(*at),
            Settle::Failed { error } | Settle::Expired { error } => q.bind(error.as_str()),
            Settle::Cancelled { reason } => q.bind(reason.as_str()),
            Settle::Release => q,
        };
        q.execute(conn).await.map(|r| r.rows_affected())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::{NewMessage, Outbox, Priority};

    async fn queued(texts: &[String]) -> (Db, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("dir");
        let db = crate::db::connect(&format!("sqlite://{}/c.db", dir.path().display()))
            .await
            .expect("db");
        crate::db::migrate(&db).await.expect("migrate");
        let outbox = Outbox::new(db.clone(), 24, 24);
        for (n, text) in texts.iter().enumerate() {
            let msg = NewMessage {
                recipient: crate::phone::Msisdn::parse("0912345678").expect("phone"),
                text: text.clone(),
                priority: Priority::Bulk,
                topic: None,
                origin: "test".into(),
                idempotency_key: format!("k{n}"),
                not_before: None,
                expires_at: None,
            };
            outbox.enqueue(msg).await.expect("enqueue");
        }
        (db, dir)
    }

    async fn claimed(db: &Db, limits: (i64, i64)) -> Vec<i64> {
        let rows = claim(db, "me", TimeDelta::seconds(60), 0, limits).await;
        rows.expect("claim").iter().map(|r| r.parts).collect()
    }

    #[tokio::test]
    async fn a_claim_holds_no_more_parts_than_asked_and_always_one_row() {
        let long = "x".repeat(400); // three GSM-7 parts
        let (db, _dir) = queued(&[long.clone(), long.clone(), "short".into(), long]).await;
        assert_eq!(claimed(&db, (50, 6)).await, vec![3, 3]);
        assert_eq!(
            claimed(&db, (50, 2)).await,
            vec![1],
            "the first due row always goes"
        );
        assert_eq!(
            claimed(&db, (50, 2)).await,
            vec![3],
            "even when longer than the budget"
        );
        assert!(claimed(&db, (50, 100)).await.is_empty());
    }

    #[tokio::test]
    async fn a_claim_holds_no_more_rows_than_asked() {
        let (db, _dir) = queued(&["a".into(), "b".into(), "c".into()]).await;
        assert_eq!(claimed(&db, (2, 100)).await, vec![1, 1]);
        assert_eq!(claimed(&db, (2, 100)).await, vec![1]);
    }
}
