//! The scheduler: cron jobs that find what is due and enqueue it; a lease row lets one instance run each slot.

pub mod housekeeping;
mod lease;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

use crate::app::App;

pub use housekeeping::housekeeping;
pub use lease::claim_slot;

type JobFn = fn(Arc<App>) -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// Each job: name, cron (seconds first, in the configured time zone), the length of its slot in
/// seconds (the lease key is the time rounded down to it), and what it does.
const JOBS: &[(&str, &str, i64, JobFn)] = &[
    ("housekeeping", "0 17 * * * *", 60, |app| {
        Box::pin(async move { housekeeping(&app).await })
    }),
    ("inbox-sweep", "*/30 * * * * *", 30, |app| {
        Box::pin(async move { housekeeping::sweep_inbox(&app).await })
    }),
    ("announce-sweep", "15 * * * * *", 60, |app| {
        Box::pin(async move { housekeeping::sweep_announcements(&app).await })
    }),
];

/// Starts every job. The scheduler's own store stays in memory; only the lease is shared.
pub async fn start(app: Arc<App>) -> Result<JobScheduler, JobSchedulerError> {
    let sched = JobScheduler::new().await?;
    for &(name, cron, slot_seconds, run) in JOBS {
        let app = app.clone();
        let job = Job::new_async_tz(cron, app.tz, move |_id, _lock| {
            let app = app.clone();
            Box::pin(async move {
                match claim_slot(&app, name, slot_seconds).await {
                    Ok(true) => run(app).await,
                    Ok(false) => tracing::debug!(job = name, "another instance runs this slot"),
                    Err(err) => tracing::error!(job = name, %err, "job lease"),
                }
            })
        })?;
        sched.add(job).await?;
    }
    sched.start().await?;
    Ok(sched)
}
