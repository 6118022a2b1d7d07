//! The scheduler: cron jobs that find what is due and enqueue it; a lease row lets one instance run each slot.
//!
//! A job never sends: it calls a feature (or the inbox sweep), which enqueues with an
//! idempotency key, so a slot run twice sends nothing twice.

pub mod housekeeping;
mod lease;
pub mod maternal;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;

use futures::FutureExt;
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

use crate::dialog::Services;

pub use housekeeping::housekeeping;
pub use lease::claim_slot;

/// What the jobs work with.
pub struct Jobs {
    pub services: Services,
    /// Message bodies older than this many days are deleted.
    pub retention_days: u32,
    /// Names this process in job leases.
    pub instance: String,
    /// Public holidays: no legal aid reminder goes on them, and they are no working days.
    pub holidays: Vec<chrono::NaiveDate>,
}

pub type JobFn = fn(Arc<Jobs>) -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// A job: name, cron (seconds first, in the configured time zone), the length of its slot in
/// seconds (the lease key is the time rounded down to it), and what it does.
pub type JobDef = (&'static str, &'static str, i64, JobFn);

const JOBS: &[JobDef] = &[
    ("housekeeping", "0 17 * * * *", 60, |jobs| {
        Box::pin(async move { housekeeping(&jobs.services, jobs.retention_days).await })
    }),
    // Every 10 s (for rows stored 20 s ago): a message whose handling a crash or a database
    // outage cut off is answered within half a minute.
    ("inbox-sweep", "*/10 * * * * *", 10, |jobs| {
        Box::pin(async move { housekeeping::sweep_inbox(&jobs.services).await })
    }),
    ("announce-sweep", "15 * * * * *", 60, |jobs| {
        Box::pin(async move { housekeeping::sweep_announcements(&jobs.services).await })
    }),
    ("maternal-reminders", "0 30 6 * * *", 3600, |jobs| {
        Box::pin(async move { maternal::daily_reminders(&jobs.services).await })
    }),
    ("maternal-digest", "0 0 6 * * Mon", 3600, |jobs| {
        Box::pin(async move { maternal::monday_digest(&jobs.services).await })
    }),
    ("broadcasts", "25 * * * * *", 60, |jobs| {
        Box::pin(async move { broadcasts(&jobs.services).await })
    }),
    // 08:00 local, every day: the job itself skips weekends and holidays.
    ("legal-aid-remind", "0 0 8 * * *", 60, |jobs| {
        Box::pin(
            async move { housekeeping::remind_legal_aid(&jobs.services, &jobs.holidays).await },
        )
    }),
];

/// Notices due (or left half-queued) and campaign steps due (new members first): both idempotent through their
/// outbox keys, so a slot run twice queues nothing twice.
async fn broadcasts(svc: &Services) {
    let now = crate::db::time::now();
    if let Err(err) = crate::features::notices::run_due(&svc.db, &svc.outbox, now).await {
        tracing::error!(%err, "notices job");
    }
    let cx = crate::features::campaigns::run::Context {
        db: &svc.db,
        outbox: &svc.outbox,
        locales: &svc.locales,
        tz: svc.tz,
    };
    if let Err(err) = crate::features::campaigns::run_due(&cx, now).await {
        tracing::error!(%err, "campaigns job");
    }
}

/// Starts every job. The scheduler's own store stays in memory; only the lease is shared.
pub async fn start(jobs: Arc<Jobs>) -> Result<JobScheduler, JobSchedulerError> {
    start_jobs(jobs, JOBS).await
}

/// Starts `list` as [`start`] starts loa's jobs (tests give their own, one that panics).
pub async fn start_jobs(
    jobs: Arc<Jobs>,
    list: &'static [JobDef],
) -> Result<JobScheduler, JobSchedulerError> {
    let sched = JobScheduler::new().await?;
    for &(name, cron, slot_seconds, run) in list {
        let jobs = jobs.clone();
        let tz = jobs.services.tz;
        let job = Job::new_async_tz(cron, tz, move |_id, _lock| {
            let jobs = jobs.clone();
            Box::pin(async move {
                let db = &jobs.services.db;
                match claim_slot(db, &jobs.instance, name, slot_seconds).await {
                    Ok(true) => {
                        // A panic ends this run only, logged; the job runs again next slot.
                        let ran = AssertUnwindSafe(run(jobs.clone())).catch_unwind().await;
                        if ran.is_err() {
                            tracing::error!(job = name, "job panicked; it runs again next slot");
                        }
                    }
                    Ok(false) => tracing::debug!(job = name, "another instance runs this slot"),
                    // A slot that fires while loa stops finds the pool closed: not a fault.
                    Err(sqlx::Error::PoolClosed) => {
                        tracing::debug!(job = name, "stopping: slot not claimed")
                    }
                    Err(err) => tracing::error!(job = name, %err, "job lease"),
                }
            })
        })?;
        sched.add(job).await?;
    }
    sched.start().await?;
    Ok(sched)
}
