//! Delivery reports: a gateway's word on a sent message, applied idempotently and never backwards.

use futures::future::BoxFuture;

use super::Outbox;
use crate::db::{time, Db};
use crate::gateway::{DeliveryStatus, ReportError, ReportSink};
use crate::{execute, with_db};

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
            execute!(db, pool => sqlx::query(&sql)
                .bind(now)
                .bind(error)
                .bind(gateway_id)
                .bind(provider_id)
                .execute(pool)
                .await)?
        }
        ReportKey::Outbox(id) => {
            let sql = format!("{set} WHERE id = $3 AND status IN {from}");
            execute!(db, pool => sqlx::query(&sql)
                .bind(now)
                .bind(error)
                .bind(id)
                .execute(pool)
                .await)?
        }
    };
    Ok(done > 0)
}

/// Whether a message sent through `gateway_id` carries `provider_id`: a report that finds no row
/// to change is then a repeat (or late), not one that overtook its send.
pub async fn is_known(db: &Db, gateway_id: &str, provider_id: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = with_db!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE gateway_id = $1 AND provider_id = $2"
    )
    .bind(gateway_id)
    .bind(provider_id)
    .fetch_one(pool)
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
            let key = ReportKey::Provider {
                gateway_id,
                provider_id,
            };
            apply_report(self.db(), key, status, None)
                .await
                .map_err(|e| match e {
                    sqlx::Error::PoolClosed => ReportError::Closed,
                    other => ReportError::Failed(other.to_string()),
                })
        })
    }
}
