//! Group commit: the writes of concurrent requests go to the database together, in one
//! transaction for whatever is waiting (the inbox's stores and marks, delivery reports).
//!
//! One task owns the queue. It takes every write that has arrived (up to [`MAX_BATCH`]), hands
//! them to the owner's batch function (one transaction), and only then answers each caller, so a
//! webhook is still answered after its write is on disk. There is no timer: while one batch
//! commits, the next gathers, so a lone write waits for nobody and a burst shares its commits. A
//! batch that fails (one row the database refuses) is written again one write at a time, so one
//! bad row costs only its own caller; a batch that finds the database out of reach fails all its
//! callers at once (each then answers 503), rather than waiting the pool's time-out once each.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use futures::future::BoxFuture;
use tokio::sync::{mpsc, oneshot};

use super::Db;

/// Writes in one transaction at most: at 7 binds a row, a batch's multi-row `INSERT` stays far
/// below either backend's bind limit.
pub const MAX_BATCH: usize = 256;

/// Callers waiting at once before `write` itself waits for room: back-pressure on a flood.
const QUEUE: usize = 4 * MAX_BATCH;

/// Writes `writes` in one transaction and answers each, in their order.
pub type Batch<W, D> =
    for<'a> fn(&'a Db, &'a [&'a W]) -> BoxFuture<'a, Result<Vec<D>, sqlx::Error>>;

struct Job<W, D> {
    write: W,
    done: oneshot::Sender<Result<D, sqlx::Error>>,
}

#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// The writer task is gone (the process is shutting down).
    #[error("the group-commit writer has stopped")]
    Stopped,
}

/// The handle callers write through; clones share one queue, one task and the counts.
pub struct Group<W, D> {
    db: Db,
    batch: Batch<W, D>,
    queue: Arc<OnceLock<mpsc::Sender<Job<W, D>>>>,
    counts: Arc<Counts>,
}

impl<W, D> Clone for Group<W, D> {
    fn clone(&self) -> Self {
        Group {
            db: self.db.clone(),
            batch: self.batch,
            queue: self.queue.clone(),
            counts: self.counts.clone(),
        }
    }
}

/// Writes made and transactions committed for them, for `/metrics`: their ratio is the batching.
#[derive(Debug, Default)]
pub struct Counts {
    pub writes: AtomicU64,
    pub commits: AtomicU64,
}

impl<W: Send + Sync + 'static, D: Send + 'static> Group<W, D> {
    /// The task starts with the first write, on the runtime that makes it.
    pub fn new(db: Db, batch: Batch<W, D>) -> Self {
        Group {
            db,
            batch,
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

    /// Returns once `write` is committed (with whatever else was waiting).
    pub async fn write(&self, write: W) -> Result<D, GroupError> {
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            let task = Task {
                db: self.db.clone(),
                batch: self.batch,
                counts: self.counts.clone(),
            };
            tokio::spawn(task.run(rx));
            tx
        });
        let (done, answer) = oneshot::channel();
        queue
            .send(Job { write, done })
            .await
            .map_err(|_| GroupError::Stopped)?;
        Ok(answer.await.map_err(|_| GroupError::Stopped)??)
    }
}

struct Task<W, D> {
    db: Db,
    batch: Batch<W, D>,
    counts: Arc<Counts>,
}

impl<W, D> Task<W, D> {
    /// Until every handle is dropped: take what is waiting, write it, answer.
    async fn run(self, mut rx: mpsc::Receiver<Job<W, D>>) {
        let mut jobs = Vec::with_capacity(MAX_BATCH);
        while rx.recv_many(&mut jobs, MAX_BATCH).await > 0 {
            self.flush(std::mem::take(&mut jobs)).await;
        }
    }

    async fn flush(&self, jobs: Vec<Job<W, D>>) {
        let writes: Vec<&W> = jobs.iter().map(|j| &j.write).collect();
        let counts = &self.counts;
        counts
            .writes
            .fetch_add(jobs.len() as u64, Ordering::Relaxed);
        counts.commits.fetch_add(1, Ordering::Relaxed);
        let result = (self.batch)(&self.db, &writes).await;
        drop(writes);
        match result {
            Ok(done) => {
                for (job, d) in jobs.into_iter().zip(done) {
                    // A caller that went away finds its write done all the same.
                    let _ = job.done.send(Ok(d));
                }
            }
            // Out of reach: one by one would wait the pool's time-out once per write.
            Err(err) if super::unavailable(&err) => {
                for job in jobs {
                    let _ = job.done.send(Err(out_of_reach(&err)));
                }
            }
            Err(err) if jobs.len() > 1 => {
                tracing::warn!(%err, writes = jobs.len(), "batch refused: writing one by one");
                for job in jobs {
                    counts.commits.fetch_add(1, Ordering::Relaxed);
                    let one = (self.batch)(&self.db, &[&job.write]).await;
                    let _ = job.done.send(one.and_then(|d| {
                        d.into_iter()
                            .next()
                            .ok_or_else(|| sqlx::Error::Protocol("a write got no answer".into()))
                    }));
                }
            }
            Err(err) => {
                if let Some(job) = jobs.into_iter().next() {
                    let _ = job.done.send(Err(err));
                }
            }
        }
    }
}

/// The error each caller of a batch gets when the database was out of reach: still of the
/// "not now" kind (`db::unavailable`), since a `sqlx::Error` cannot be cloned.
fn out_of_reach(err: &sqlx::Error) -> sqlx::Error {
    let kind = match err {
        sqlx::Error::Io(e) => e.kind(),
        _ => std::io::ErrorKind::Other,
    };
    sqlx::Error::Io(std::io::Error::new(kind, err.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_caller_of_an_unreachable_batch_hears_not_now() {
        for err in [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::Io(std::io::ErrorKind::ConnectionRefused.into()),
        ] {
            assert!(crate::db::unavailable(&out_of_reach(&err)));
        }
    }
}
