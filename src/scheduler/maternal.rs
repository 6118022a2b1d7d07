//! The maternal feature's jobs: the daily reminders (06:30) and the Monday digest (06:00), both enqueueing with keys so a slot run twice sends nothing twice.

use crate::db::time;
use crate::dialog::maternal::ctx;
use crate::dialog::Services;
use crate::features::maternal::{digest, reminders};

/// Today's visit reminders, weekly messages, postnatal and vaccination reminders.
pub async fn daily_reminders(svc: &Services) {
    match reminders::run(&ctx(svc), time::now()).await {
        Ok(c) => tracing::info!(
            rows = c.rows,
            pages = c.pages,
            queued = c.queued,
            "maternal reminders"
        ),
        Err(err) => tracing::error!(%err, "maternal reminders"),
    }
}

/// The workers' list of women due this week.
pub async fn monday_digest(svc: &Services) {
    match digest::run(&ctx(svc), time::now()).await {
        Ok(n) => tracing::info!(queued = n, "maternal digest"),
        Err(err) => tracing::error!(%err, "maternal digest"),
    }
}
