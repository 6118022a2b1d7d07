//! Housekeeping: expire outbox rows, delete message bodies past the retention, retry stuck inbound messages.

use chrono::TimeDelta;

use crate::db::time;
use crate::dialog::Services;
use crate::features::support;
use crate::gateway::simulator;

/// Expires rows whose time ran out and deletes bodies older than `retention_days`; metadata stays.
pub async fn housekeeping(svc: &Services, retention_days: u32) {
    let db = &svc.db;
    let cutoff = time::now() - TimeDelta::days(i64::from(retention_days));
    let expired = svc.outbox.expire_due().await;
    let outbox = svc.outbox.forget_bodies(cutoff).await;
    let inbox = crate::inbox::forget_bodies(db, cutoff).await;
    let simulator = simulator::store::forget_bodies(db, cutoff).await;
    let runs = super::lease::forget_runs(db, time::now() - TimeDelta::days(7)).await;
    match crate::outbox::forget_early_before(db, time::now() - TimeDelta::days(1)).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(reports = n, "delivery reports for no known message deleted"),
        Err(err) => tracing::error!(%err, "housekeeping: early delivery reports"),
    }
    match crate::dialog::ussd::forget_expired(db, time::now()).await {
        Ok(n) => tracing::info!(ussd_sessions = n, "expired USSD sessions deleted"),
        Err(err) => tracing::error!(%err, "housekeeping: USSD sessions"),
    }
    // An abandoned legal aid exchange may hold what the person wrote: not kept past its time.
    if let Err(err) = crate::features::legal_aid::forget_expired_drafts(db, time::now()).await {
        tracing::error!(%err, "housekeeping: legal aid exchanges");
    }
    // A checked spreadsheet holds phones: not kept past the hour it waits for confirmation.
    let uploads = crate::features::import::uploads::KEEP;
    if let Err(err) =
        crate::features::import::uploads::forget_before(db, time::now() - uploads).await
    {
        tracing::error!(%err, "housekeeping: console uploads");
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

/// The daily reminder of legal aid requests nobody was assigned (weekends and holidays skipped).
pub async fn remind_legal_aid(svc: &Services, holidays: &[chrono::NaiveDate]) {
    let r = crate::features::legal_aid::remind::remind_unassigned(
        &svc.db,
        &svc.locales,
        &svc.outbox,
        svc.tz,
        holidays,
        time::now(),
    )
    .await;
    match r {
        Ok(n) => tracing::info!(queued = n, "legal aid reminders"),
        Err(err) => tracing::error!(%err, "legal aid reminders"),
    }
}

/// Handles inbound SMS that were stored but not answered (the process stopped in between).
pub async fn sweep_inbox(svc: &Services) {
    let ids = match crate::inbox::unhandled(&svc.db, TimeDelta::seconds(20)).await {
        Ok(ids) => ids,
        Err(err) => {
            tracing::error!(%err, "inbox sweep");
            return;
        }
    };
    for id in ids {
        if let Err(err) = crate::inbox::handle(svc, id).await {
            tracing::error!(%err, inbound_id = id, "inbox sweep: handling failed");
        }
    }
}

/// Queues the SMS of support status changes that were recorded but never announced (the process
/// stopped between the change and its messages). Keys make a repeat send nothing twice.
pub async fn sweep_announcements(svc: &Services) {
    let changes = match support::pending_announcements(&svc.db, TimeDelta::seconds(60)).await {
        Ok(c) => c,
        Err(err) => {
            tracing::error!(%err, "announcement sweep");
            return;
        }
    };
    if changes.is_empty() {
        return;
    }
    match support::announce::announce(&svc.db, &svc.locales, &svc.outbox, &changes).await {
        Ok(n) => tracing::info!(changes = changes.len(), queued = n, "announcement sweep"),
        Err(err) => tracing::error!(%err, "announcement sweep"),
    }
}
