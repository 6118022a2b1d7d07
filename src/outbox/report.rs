//! Delivery reports: a gateway's word on a sent message, applied idempotently and never backwards.

use serde::Serialize;

use crate::db::{time, Db};
use crate::execute;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Accepted by the network but not yet on the phone (Kannel "buffered", "submitted").
    Sent,
    Delivered,
    Failed,
}

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
            execute!(db, |pool| sqlx::query(&sql)
                .bind(now)
                .bind(error)
                .bind(gateway_id)
                .bind(provider_id)
                .execute(pool)
                .await)?
        }
        ReportKey::Outbox(id) => {
            let sql = format!("{set} WHERE id = $3 AND status IN {from}");
            execute!(db, |pool| sqlx::query(&sql)
                .bind(now)
                .bind(error)
                .bind(id)
                .execute(pool)
                .await)?
        }
    };
    Ok(done > 0)
}
