//! Group commit for the inbox: the stores and marks of concurrent requests go to the database
//! together, in one transaction for whatever is waiting.
//!
//! One task owns the queue. It takes every write that has arrived (up to [`MAX_BATCH`]), writes
//! them in one transaction, commits, and only then answers each caller, so a webhook is still
//! answered after its message is on disk. There is no timer: while one batch commits, the next
//! gathers, so a lone message waits for nobody and a burst shares its commits. A batch that fails
//! (one row the database refuses) is written again one write at a time, so one bad row costs
//! only its own caller.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use tokio::sync::{mpsc, oneshot};

use super::store::{self, Done, Write};
use crate::db::Db;

/// Writes in one transaction at most: 7 binds a stored row keeps a batch's multi-row `INSERT`
/// far below either backend's bind limit.
pub const MAX_BATCH: usize = 256;

/// Callers waiting at once before `write` itself waits for room: back-pressure on a flood.
const QUEUE: usize = 4 * MAX_BATCH;

struct Job {
    write: Write,
    done: oneshot::Sender<Result<Done, sqlx::Error>>,
}

#[derive(Debug, thiserror::Error)]
pub enum WriterError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// The writer task is gone (the process is shutting down).
    #[error("the inbox writer has stopped")]
    Stopped,
}

/// The handle callers write through; clones share one queue, one task and the counts.
#[derive(Clone)]
pub struct Writer {
    db: Db,
    queue: Arc<OnceLock<mpsc::Sender<Job>>>,
    counts: Arc<Counts>,
}

/// Writes made and transactions committed for them, for `/metrics`: their ratio is the batching.
#[derive(Debug, Default)]
pub struct Counts {
    pub writes: AtomicU64,
    pub commits: AtomicU64,
}

impl Writer {
    /// The task starts with the first write, on the runtime that makes it.
    pub fn new(db: Db) -> Writer {
        Writer {
            db,
            queue: Arc::new(OnceLock::new()),
            counts: Arc::default(),
        }
    }

    /// (writes, commits) so far.
    pub fn counts(&self) -> (u64, u64) {
        let c = &self.counts;
        (
            c.writes.load(Ordering::Relaxed),
            c.commits.load(Ordering::Relaxed),
        )
    }

    pub(super) async fn write(&self, write: Write) -> Result<Done, WriterError> {
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            tokio::spawn(run(self.db.clone(), rx, self.counts.clone()));
            tx
        });
        let (done, answer) = oneshot::channel();
        queue
            .send(Job { write, done })
            .await
            .map_err(|_| WriterError::Stopped)?;
        Ok(answer.await.map_err(|_| WriterError::Stopped)??)
    }
}

/// Until every handle is dropped: take what is waiting, write it, answer.
async fn run(db: Db, mut rx: mpsc::Receiver<Job>, counts: Arc<Counts>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        flush(&db, std::mem::take(&mut jobs), &counts).await;
    }
}

async fn flush(db: &Db, jobs: Vec<Job>, counts: &Counts) {
    let writes: Vec<&Write> = jobs.iter().map(|j| &j.write).collect();
    counts
        .writes
        .fetch_add(jobs.len() as u64, Ordering::Relaxed);
    counts.commits.fetch_add(1, Ordering::Relaxed);
    match store::write_batch(db, &writes).await {
        Ok(done) => {
            for (job, d) in jobs.into_iter().zip(done) {
                // A caller that went away finds its message stored (and the sweep handles it).
                let _ = job.done.send(Ok(d));
            }
        }
        Err(err) if jobs.len() > 1 => {
            tracing::warn!(%err, writes = jobs.len(), "inbox batch refused: writing one by one");
            for job in jobs {
                counts.commits.fetch_add(1, Ordering::Relaxed);
                let one = store::write_batch(db, &[&job.write]).await;
                let _ = job.done.send(one.map(|mut d| d.remove(0)));
            }
        }
        Err(err) => {
            if let Some(job) = jobs.into_iter().next() {
                let _ = job.done.send(Err(err));
            }
        }
    }
}
