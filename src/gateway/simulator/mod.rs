//! The simulator gateway: a phone network inside the process, for the demo and the tests.

pub mod routes;

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use serde::Serialize;

use super::{Gateway, Outbound, Receipt, SendError};
use crate::db::{time, Db};
use crate::outbox::{apply_report, DeliveryStatus, ReportKey};
use crate::{execute, with_db};

pub const ID: &str = "simulator";

/// Sends by writing what the phone received to `simulator_received` (so it survives a restart),
/// then reports it delivered, as a network would a moment later.
pub struct Simulator {
    db: Db,
    id: String,
}

impl Simulator {
    /// The built-in simulator, the one `/simulator/api/…` talks to.
    pub fn new(db: Db) -> Simulator {
        Simulator::with_id(db, ID)
    }

    /// Another simulated network, declared by a gateway file (to try routing and rates).
    pub fn with_id(db: Db, id: &str) -> Simulator {
        Simulator {
            db,
            id: id.to_string(),
        }
    }
}

impl Gateway for Simulator {
    fn id(&self) -> &str {
        &self.id
    }

    fn kind(&self) -> &'static str {
        "simulator"
    }

    fn send<'a>(&'a self, msg: &'a Outbound<'a>) -> BoxFuture<'a, Result<Receipt, SendError>> {
        Box::pin(async move {
            let provider_id = format!("sim-{}", uuid::Uuid::new_v4().simple());
            execute!(&self.db, |pool| sqlx::query(
                "INSERT INTO simulator_received
                        (outbox_id, recipient, text, encoding, parts, provider_id, received_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)"
            )
            .bind(msg.id)
            .bind(msg.to)
            .bind(msg.text)
            .bind(msg.encoding.as_str())
            .bind(i64::from(msg.parts))
            .bind(&provider_id)
            .bind(time::now())
            .execute(pool)
            .await)
            .map_err(|e| SendError::Transient(format!("simulator store: {e}")))?;
            tokio::spawn(report_delivered(
                self.db.clone(),
                self.id.clone(),
                provider_id.clone(),
            ));
            Ok(Receipt { provider_id })
        })
    }
}

/// The report arrives after the dispatcher has recorded the send; until then it finds no row
/// with this provider id, so it waits a little and tries again, as a real report would be late.
async fn report_delivered(db: Db, gateway_id: String, provider_id: String) {
    let key = ReportKey::Provider {
        gateway_id: &gateway_id,
        provider_id: &provider_id,
    };
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        match apply_report(&db, key.clone(), DeliveryStatus::Delivered, None).await {
            Ok(true) => return,
            Ok(false) => continue,
            // Shutting down: the simulated network's report is lost, as a real one would be late;
            // the message stays `sent`.
            Err(sqlx::Error::PoolClosed) => return,
            Err(err) => {
                tracing::warn!(%err, "simulator delivery report");
                return;
            }
        }
    }
}

/// One SMS as the simulated phone received it, with the status loa holds for it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Received {
    pub id: i64,
    pub outbox_id: i64,
    pub to: String,
    pub text: Option<String>,
    pub status: String,
    pub encoding: String,
    pub parts: i64,
    pub created_at: DateTime<Utc>,
}

/// What the phone `to` received, oldest first.
pub async fn received_by(db: &Db, to: &str, limit: i64) -> Result<Vec<Received>, sqlx::Error> {
    with_db!(db, |pool| sqlx::query_as(
        "SELECT r.id, r.outbox_id, r.recipient AS \"to\", r.text, o.status, r.encoding, r.parts,
                r.received_at AS created_at
           FROM simulator_received r JOIN outbox o ON o.id = r.outbox_id
          WHERE r.recipient = $1
          ORDER BY r.id DESC LIMIT $2"
    )
    .bind(to)
    .bind(limit)
    .fetch_all(pool)
    .await)
    .map(|mut rows: Vec<Received>| {
        rows.reverse();
        rows
    })
}

/// Deletes bodies the simulator kept longer than the retention.
pub async fn forget_bodies(db: &Db, before: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let done = execute!(db, |pool| sqlx::query(
        "UPDATE simulator_received SET text = NULL WHERE received_at < $1 AND text IS NOT NULL"
    )
    .bind(before)
    .execute(pool)
    .await)?;
    Ok(done)
}
