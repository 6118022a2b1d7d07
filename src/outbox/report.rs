//! Delivery reports: a gateway's word on a sent message, applied idempotently and never backwards.

use futures::future::BoxFuture;

use super::Outbox;
use crate::db::sql::Sql;
use crate::db::tx::{on_tx, Tx};
use crate::db::{time, Db};
use crate::gateway::{DeliveryStatus, ReportError, ReportSink};
use crate::{bind_all, execute, with_db, with_tx};

/// How the report names the message: by the provider's id, or by our own outbox id where the
/// provider echoes a reference we gave it.
#[derive(Clone, Debug)]
pub enum ReportKey<'a> {
    Provider {
        gateway_id: &'a str,
        provider_id: &'a str,
    },
    Outbox(i64),
}

/// Applies a report. Returns whether a row changed: false for a repeated or late report (a
/// "sent" after "delivered" changes nothing) or an unknown message, which are not errors.
pub async fn apply_report(
    db: &Db,
    key: ReportKey<'_>,
    status: DeliveryStatus,
    error: Option<&str>,
) -> Result<bool, sqlx::Error> {
    Ok(with_tx!(db, tx => apply_report_tx(&mut Tx::from(tx), key, status, error).await?))
}

/// [`apply_report`] inside a caller's transaction.
async fn apply_report_tx(
    tx: &mut Tx<'_>,
    key: ReportKey<'_>,
    status: DeliveryStatus,
    error: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let (new, from) = match status {
        DeliveryStatus::Sent => ("sent", "('sending')"),
        DeliveryStatus::Delivered => ("delivered", "('sending', 'sent')"),
        DeliveryStatus::Failed => ("failed", "('sending', 'sent')"),
    };
    let set = format!(
        "UPDATE outbox SET status = '{new}', updated_at = $1,
                delivered_at = CASE WHEN '{new}' = 'delivered' THEN $1 ELSE delivered_at END,
                last_error = COALESCE($2, last_error), lease_until = NULL"
    );
    let now = time::now();
    let done = match key {
        ReportKey::Provider {
            gateway_id,
            provider_id,
        } => {
            let sql =
                format!("{set} WHERE gateway_id = $3 AND provider_id = $4 AND status IN {from}");
            on_tx!(tx, conn => sqlx::query(&sql)
                .bind(now)
                .bind(error)
                .bind(gateway_id)
                .bind(provider_id)
                .execute(conn)
                .await
                .map(|r| r.rows_affected()))?
        }
        ReportKey::Outbox(id) => {
            let sql = format!("{set} WHERE id = $3 AND status IN {from}");
            on_tx!(tx, conn => sqlx::query(&sql)
                .bind(now)
                .bind(error)
                .bind(id)
                .execute(conn)
                .await
                .map(|r| r.rows_affected()))?
        }
    };
    Ok(done > 0)
}

/// A delivery report as a webhook brings it, owned, for the group-commit writer.
#[derive(Clone, Debug)]
pub struct ReportIn {
    pub gateway_id: String,
    pub provider_id: String,
    pub status: DeliveryStatus,
    pub error: Option<String>,
}

/// Applies, in the writer's transaction, the reports whose sends are recorded; the others answer `None`
/// and take [`receive_report`]'s way one by one, which commits a kept report before it looks
/// for its send again (inside a batch's transaction the dispatcher could not see it).
pub async fn apply_known_batch(
    tx: &mut Tx<'_>,
    reports: &[&ReportIn],
) -> Result<Vec<Option<Outcome>>, sqlx::Error> {
    let mut out = Vec::with_capacity(reports.len());
    for r in reports {
        if !is_known_tx(tx, &r.gateway_id, &r.provider_id).await? {
            out.push(None);
            continue;
        }
        let key = ReportKey::Provider {
            gateway_id: &r.gateway_id,
            provider_id: &r.provider_id,
        };
        out.push(Some(
            match apply_report_tx(tx, key, r.status, r.error.as_deref()).await? {
                true => Outcome::Applied,
                false => Outcome::Unchanged,
            },
        ));
    }
    Ok(out)
}

/// What became of a report handed to [`receive_report`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It changed the message's status.
    Applied,
    /// The message is known and the report changed nothing (a repeat, or late: never backwards).
    Unchanged,
    /// No recorded send carries this id yet: kept, and applied once the send is recorded (or
    /// deleted by housekeeping after a day, when it was for no message of ours).
    Kept,
}

/// A gateway's report on the message it knows as `provider_id`. A report may overtake the send
/// it reports on (the provider answers the send and reports at once, before the dispatcher has
/// written `sent` and the id): then it is kept in `early_reports`, and [`apply_early`] applies it
/// when the send is recorded. Keeping first and applying again after closes the race with the
/// dispatcher from both sides; applying twice changes nothing.
pub async fn receive_report(
    db: &Db,
    gateway_id: &str,
    provider_id: &str,
    status: DeliveryStatus,
    error: Option<&str>,
) -> Result<Outcome, sqlx::Error> {
    let key = || ReportKey::Provider {
        gateway_id,
        provider_id,
    };
    if is_known(db, gateway_id, provider_id).await? {
        return Ok(match apply_report(db, key(), status, error).await? {
            true => Outcome::Applied,
            false => Outcome::Unchanged,
        });
    }
    let id: i64 = with_db!(db, pool => sqlx::query_scalar(
        "INSERT INTO early_reports (gateway_id, provider_id, status, error, received_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id"
    )
    .bind(gateway_id)
    .bind(provider_id)
    .bind(status_text(status))
    .bind(error)
    .bind(time::now())
    .fetch_one(pool)
    .await)?;
    if apply_report(db, key(), status, error).await? {
        forget_early(db, &[id]).await?;
        return Ok(Outcome::Applied);
    }
    if is_known(db, gateway_id, provider_id).await? {
        // The send was recorded between the apply and this look, and the dispatcher may have
        // looked for kept reports before this one was kept: apply it here (never backwards, so
        // applying it twice is harmless). Forgetting it unapplied lost a report now and then.
        let applied = apply_report(db, key(), status, error).await?;
        forget_early(db, &[id]).await?;
        return Ok(match applied {
            true => Outcome::Applied,
            false => Outcome::Unchanged,
        });
    }
    Ok(Outcome::Kept)
}

fn status_text(status: DeliveryStatus) -> &'static str {
    match status {
        DeliveryStatus::Sent => "sent",
        DeliveryStatus::Delivered => "delivered",
        DeliveryStatus::Failed => "failed",
    }
}

fn status_of(text: &str) -> Option<DeliveryStatus> {
    match text {
        "sent" => Some(DeliveryStatus::Sent),
        "delivered" => Some(DeliveryStatus::Delivered),
        "failed" => Some(DeliveryStatus::Failed),
        _ => None,
    }
}

/// Applies the reports kept for a send that has just been recorded, in the order they came.
pub async fn apply_early(
    db: &Db,
    gateway_id: &str,
    provider_id: &str,
) -> Result<usize, sqlx::Error> {
    let early: Vec<(i64, String, Option<String>)> = with_db!(db, pool => sqlx::query_as(
        "SELECT id, status, error FROM early_reports
          WHERE gateway_id = $1 AND provider_id = $2 ORDER BY id"
    )
    .bind(gateway_id)
    .bind(provider_id)
    .fetch_all(pool)
    .await)?;
    let mut applied = 0;
    for (_, status, error) in &early {
        let Some(status) = status_of(status) else {
            continue;
        };
        let key = ReportKey::Provider {
            gateway_id,
            provider_id,
        };
        if apply_report(db, key, status, error.as_deref()).await? {
            applied += 1;
        }
    }
    let ids: Vec<i64> = early.iter().map(|(id, _, _)| *id).collect();
    forget_early(db, &ids).await?;
    Ok(applied)
}

/// [`apply_early`] for the sends of one batch: one query finds whether any report overtook them
/// (almost always none), and only those found are applied.
pub async fn apply_early_many(db: &Db, sent: &[(String, String)]) -> Result<usize, sqlx::Error> {
    if sent.is_empty() {
        return Ok(0);
    }
    let mut sql = Sql::default();
    let ids: Vec<&str> = sent.iter().map(|(_, p)| p.as_str()).collect();
    let list = sql.list(&ids);
    sql.text = format!(
        "SELECT DISTINCT gateway_id, provider_id FROM early_reports WHERE provider_id IN {list}"
    );
    let found: Vec<(String, String)> =
        with_db!(db, pool => bind_all!(sqlx::query_as(&sql.text), sql).fetch_all(pool).await)?;
    let mut applied = 0;
    for (gateway_id, provider_id) in found {
        if sent.contains(&(gateway_id.clone(), provider_id.clone())) {
            applied += apply_early(db, &gateway_id, &provider_id).await?;
        }
    }
    Ok(applied)
}

async fn forget_early(db: &Db, ids: &[i64]) -> Result<(), sqlx::Error> {
    for id in ids {
        execute!(db, pool => sqlx::query("DELETE FROM early_reports WHERE id = $1")
            .bind(id)
            .execute(pool)
            .await)?;
    }
    Ok(())
}

/// Deletes kept reports older than `before`: they named no message of ours.
pub async fn forget_early_before(
    db: &Db,
    before: chrono::DateTime<chrono::Utc>,
) -> Result<u64, sqlx::Error> {
    execute!(db, pool => sqlx::query("DELETE FROM early_reports WHERE received_at < $1")
        .bind(before)
        .execute(pool)
        .await)
}

/// Whether a message sent through `gateway_id` carries `provider_id`: a report that finds no row
/// to change is then a repeat (or late), not one that overtook its send.
pub async fn is_known(db: &Db, gateway_id: &str, provider_id: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = with_db!(db, pool => sqlx::query_scalar(KNOWN)
        .bind(gateway_id)
        .bind(provider_id)
        .fetch_one(pool)
        .await)?;
    Ok(n > 0)
}

const KNOWN: &str = "SELECT COUNT(*) FROM outbox WHERE gateway_id = $1 AND provider_id = $2";

async fn is_known_tx(
    tx: &mut Tx<'_>,
    gateway_id: &str,
    provider_id: &str,
) -> Result<bool, sqlx::Error> {
    let n: i64 = on_tx!(tx, conn => sqlx::query_scalar(KNOWN)
        .bind(gateway_id)
        .bind(provider_id)
        .fetch_one(conn)
        .await)?;
    Ok(n > 0)
}

/// The simulated network reports through the outbox like any provider's webhook would.
impl ReportSink for Outbox {
    fn report<'a>(
        &'a self,
        gateway_id: &'a str,
        provider_id: &'a str,
        status: DeliveryStatus,
    ) -> BoxFuture<'a, Result<bool, ReportError>> {
        Box::pin(async move {
            receive_report(self.db(), gateway_id, provider_id, status, None)
                .await
                .map(|r| r != Outcome::Unchanged)
                .map_err(|e| match e {
                    sqlx::Error::PoolClosed => ReportError::Closed,
                    other => ReportError::Failed(other.to_string()),
                })
        })
    }
}
