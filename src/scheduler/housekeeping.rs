//! Housekeeping: expire outbox rows, delete message bodies past the retention, retry stuck inbound messages.

use chrono::TimeDelta;

use crate::app::App;
use crate::db::time;
use crate::execute;

/// Expires rows whose time ran out and deletes bodies older than `retention_days`; metadata stays.
pub async fn housekeeping(app: &App) {
    let cutoff = time::now() - TimeDelta::days(i64::from(app.config.retention_days));
    let expired = app.outbox.expire_due().await;
    let outbox = app.outbox.forget_bodies(cutoff).await;
    let inbox = crate::inbox::forget_bodies(&app.db, cutoff).await;
    let simulator = crate::gateway::simulator::forget_bodies(&app.db, cutoff).await;
    let runs = execute!(&app.db, |pool| sqlx::query(
        "DELETE FROM job_runs WHERE started_at < $1"
    )
    .bind(time::now() - TimeDelta::days(7))
    .execute(pool)
    .await);
    match crate::dialog::ussd::forget_expired(&app.db, time::now()).await {
        Ok(n) => tracing::info!(ussd_sessions = n, "expired USSD sessions deleted"),
        Err(err) => tracing::error!(%err, "housekeeping: USSD sessions"),
    }
    match (expired, outbox, inbox, simulator, runs) {
        (Ok(e), Ok(o), Ok(i), Ok(s), Ok(_)) => tracing::info!(
            expired = e,
            outbox_bodies = o,
            inbound_bodies = i,
            simulator_bodies = s,
            "housekeeping done"
        ),
        (e, o, i, s, r) => tracing::error!(
            expire = ?e.err(),
            outbox = ?o.err(),
            inbox = ?i.err(),
            simulator = ?s.err(),
            job_runs = ?r.err(),
            "housekeeping failed in part"
        ),
    }
}

/// Handles inbound SMS that were stored but not answered (the process stopped in between).
pub async fn sweep_inbox(app: &App) {
    let ids = match crate::inbox::unhandled(&app.db, TimeDelta::seconds(20)).await {
        Ok(ids) => ids,
        Err(err) => {
            tracing::error!(%err, "inbox sweep");
            return;
        }
    };
    for id in ids {
        if let Err(err) = crate::inbox::handle(app, id).await {
            tracing::error!(%err, inbound_id = id, "inbox sweep: handling failed");
        }
    }
}

/// Queues the SMS of support status changes that were recorded but never announced (the process
/// stopped between the change and its messages). Keys make a repeat send nothing twice.
pub async fn sweep_announcements(app: &App) {
    let changes = match crate::features::support::pending_announcements(
        &app.db,
        TimeDelta::seconds(60),
    )
    .await
    {
        Ok(c) => c,
        Err(err) => {
            tracing::error!(%err, "announcement sweep");
            return;
        }
    };
    if changes.is_empty() {
        return;
    }
    match crate::dialog::status::announce(app, &changes).await {
        Ok(n) => tracing::info!(changes = changes.len(), queued = n, "announcement sweep"),
        Err(err) => tracing::error!(%err, "announcement sweep"),
    }
}
