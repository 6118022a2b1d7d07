//! The simulator gateway: a phone network inside the process, for the demo and the tests.

pub mod store;

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use super::{DeliveryStatus, Gateway, Outbound, Receipt, ReportError, ReportSink, SendError};
use crate::db::Db;

pub use store::PhoneMessage;

pub const ID: &str = "simulator";

/// Sends by writing what the phone received to `simulator_received` (so it survives a restart),
/// then reports it delivered, as a network would a moment later.
pub struct Simulator {
    db: Db,
    id: String,
    reports: Arc<dyn ReportSink>,
}

impl Simulator {
    /// The built-in simulator, the one `/simulator/api/…` talks to.
    pub fn new(db: Db, reports: Arc<dyn ReportSink>) -> Simulator {
        Simulator::with_id(db, ID, reports)
    }

    /// Another simulated network, declared by a gateway file (to try routing and rates).
    pub fn with_id(db: Db, id: &str, reports: Arc<dyn ReportSink>) -> Simulator {
        Simulator {
            db,
            id: id.to_string(),
            reports,
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
            store::receive(&self.db, msg, &provider_id)
                .await
                .map_err(|e| SendError::Transient(format!("simulator store: {e}")))?;
            tokio::spawn(report_delivered(
                self.reports.clone(),
                self.id.clone(),
                provider_id.clone(),
            ));
            Ok(Receipt { provider_id })
        })
    }
}

/// The report arrives after the dispatcher has recorded the send; until then it finds no row
/// with this provider id, so it waits a little and tries again, as a real report would be late.
async fn report_delivered(sink: Arc<dyn ReportSink>, gateway_id: String, provider_id: String) {
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        match sink
            .report(&gateway_id, &provider_id, DeliveryStatus::Delivered)
            .await
        {
            Ok(true) => return,
            Ok(false) => continue,
            // Shutting down: the simulated network's report is lost, as a real one would be late;
            // the message stays `sent`.
            Err(ReportError::Closed) => return,
            Err(err) => {
                tracing::warn!(%err, "simulator delivery report");
                return;
            }
        }
    }
}
