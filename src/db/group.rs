//! Group commit: the writes of concurrent requests go to the database together, in one
//! transaction for whatever is waiting (the inbox's stores, answers and marks, replies, delivery
//! reports, USSD session rows).
//!
//! One task per kind of write owns its queue. It takes every write that has arrived (up to
//! [`MAX_BATCH`]), opens one transaction, hands the writes to the owner's batch function, commits,
//! and only then answers each caller, so a webhook is still answered after its write is on disk.
//! There is no timer: while one batch commits, the next gathers, so a lone write waits for nobody
//! and a burst shares its commits. A batch that fails (one row the database refuses) is written
//! again one write at a time, so one bad row costs only its own caller; a batch that finds the
//! database out of reach fails all its callers at once (each then answers 503), rather than
//! waiting the pool's time-out once each. A batch that panics fails its own callers and the task
//! goes on with the next: a bug in one write never stops the writes after it.
//!
//! On SQLite every group of one [`Writer`] writes through one connection of its own, outside the
//! pool, taken in turns: the database has one writer at a time anyway, and a connection held for
//! writing pays neither the pool's checks nor SQLite's busy handler between the groups.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use futures::future::BoxFuture;
use futures::FutureExt;
use sqlx::{ConnectOptions, Connection, SqliteConnection};
use tokio::sync::{mpsc, oneshot, Mutex};

use super::tx::Tx;
use super::Db;

/// Writes in one transaction at most: at 14 binds a row, a batch's multi-row `INSERT` stays far
/// below either backend's bind limit.
pub const MAX_BATCH: usize = 256;

/// Callers waiting at once before `write` itself waits for room: back-pressure on a flood.
const QUEUE: usize = 4 * MAX_BATCH;

/// Writes `writes` inside the open transaction and answers each, in their order.
pub type Batch<W, D> = Arc<
    dyn for<'a, 'c> Fn(&'a mut Tx<'c>, &'a [&'a W]) -> BoxFuture<'a, Result<Vec<D>, sqlx::Error>>
        + Send
        + Sync,
>;

/// A batch function as a [`Batch`]: `batch(|tx, writes| Box::pin(write_all(tx, writes)))`.
pub fn batch<W, D, F>(f: F) -> Batch<W, D>
where
    F: for<'a, 'c> Fn(&'a mut Tx<'c>, &'a [&'a W]) -> BoxFuture<'a, Result<Vec<D>, sqlx::Error>>
        + Send
        + Sync
        + 'static,
{
    Arc::new(f)
}

struct Job<W, D> {
    write: W,
    done: oneshot::Sender<Result<D, GroupError>>,
}

#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// The writer task is gone (the process is shutting down).
    #[error("the group-commit writer has stopped")]
    Stopped,
    /// The batch this write was in panicked (a bug): nothing of it was committed.
    #[error("the batch this write was in failed unexpectedly; nothing of it was written")]
    Panicked,
}

/// Where the groups of one database write: the database, and on SQLite the connection they
/// share. Clones share the connection.
#[derive(Clone)]
pub struct Writer {
    db: Db,
    sqlite: Arc<Mutex<Option<SqliteConnection>>>,
}

impl Writer {
    pub fn new(db: Db) -> Writer {
        Writer {
            db,
            sqlite: Arc::default(),
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Runs `batch` over `writes` in one transaction and commits it: on SQLite on the writer's
    /// own connection (opened on first use, and again after it broke), on PostgreSQL on one from
    /// the pool, where the groups' transactions may run side by side.
    async fn run<W, D>(&self, batch: &Batch<W, D>, writes: &[&W]) -> Result<Vec<D>, GroupError> {
        match &self.db {
            Db::Sqlite(pool) => {
                if pool.is_closed() {
                    return Err(sqlx::Error::PoolClosed.into());
                }
                let mut slot = self.sqlite.lock().await;
                let conn = match &mut *slot {
                    Some(conn) => conn,
                    None => slot.insert(pool.connect_options().connect().await?),
                };
                let result = in_tx(conn.begin_with("BEGIN IMMEDIATE"), batch, writes).await;
                if result.as_ref().is_err_and(breaks_connection) {
                    *slot = None;
                }
                result
            }
            Db::Postgres(pool) => in_tx(pool.begin(), batch, writes).await,
        }
    }
}

/// Opens the transaction `begin` starts, runs the batch in it and commits; a failed or
/// panicking batch is rolled back (its transaction dropped).
async fn in_tx<'t, DB, W, D>(
    begin: impl std::future::Future<Output = Result<sqlx::Transaction<'t, DB>, sqlx::Error>>,
    batch: &Batch<W, D>,
    writes: &[&W],
) -> Result<Vec<D>, GroupError>
where
    DB: sqlx::Database,
    for<'x> Tx<'x>: From<&'x mut DB::Connection>,
{
    let mut tx = begin.await?;
    let run = AssertUnwindSafe(async {
        let mut conn = Tx::from(&mut *tx);
        batch(&mut conn, writes).await
    });
    match run.catch_unwind().await {
        Ok(Ok(done)) => {
            tx.commit().await?;
            Ok(done)
        }
        Ok(Err(err)) => Err(err.into()),
        Err(_) => Err(GroupError::Panicked),
    }
}

/// Whether the writer's own connection should be opened anew after `err`: after a panic its
/// state is unknown, after a lost connection it is gone.
fn breaks_connection(err: &GroupError) -> bool {
    match err {
        GroupError::Panicked => true,
        GroupError::Db(e) => matches!(e, sqlx::Error::Io(_) | sqlx::Error::WorkerCrashed),
        GroupError::Stopped => false,
    }
}

/// The handle callers write through; clones share one queue, one task and the counts.
pub struct Group<W, D> {
    writer: Writer,
    batch: Batch<W, D>,
    queue: Arc<OnceLock<mpsc::Sender<Job<W, D>>>>,
    counts: Arc<Counts>,
}

impl<W, D> Clone for Group<W, D> {
    fn clone(&self) -> Self {
        Group {
            writer: self.writer.clone(),
            batch: self.batch.clone(),
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
    /// Batches that panicked (each failed its callers; the task went on).
    pub panics: AtomicU64,
}

impl<W: Send + Sync + 'static, D: Send + 'static> Group<W, D> {
    /// The task starts with the first write, on the runtime that makes it.
    pub fn new(writer: &Writer, batch: Batch<W, D>) -> Self {
        Group {
            writer: writer.clone(),
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

    /// Batches that panicked so far.
    pub fn panics(&self) -> u64 {
        self.counts.panics.load(Ordering::Relaxed)
    }

    /// Returns once `write` is committed (with whatever else was waiting).
    pub async fn write(&self, write: W) -> Result<D, GroupError> {
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            let task = Task {
                writer: self.writer.clone(),
                batch: self.batch.clone(),
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
        answer.await.map_err(|_| GroupError::Stopped)?
    }
}

struct Task<W, D> {
    writer: Writer,
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

    /// One transaction for `writes`, counted; a panic in it is counted and logged.
    async fn commit(&self, writes: &[&W]) -> Result<Vec<D>, GroupError> {
        self.counts.commits.fetch_add(1, Ordering::Relaxed);
        let result = self.writer.run(&self.batch, writes).await;
        if let Err(GroupError::Panicked) = result {
            self.counts.panics.fetch_add(1, Ordering::Relaxed);
            tracing::error!(
                writes = writes.len(),
                "a group-commit batch panicked: its writes failed, the writer goes on"
            );
        }
        result
    }

    async fn flush(&self, jobs: Vec<Job<W, D>>) {
        let writes: Vec<&W> = jobs.iter().map(|j| &j.write).collect();
        self.counts
            .writes
            .fetch_add(jobs.len() as u64, Ordering::Relaxed);
        let result = self.commit(&writes).await;
        drop(writes);
        match result {
            Ok(done) => {
                for (job, d) in jobs.into_iter().zip(done) {
                    // A caller that went away finds its write done all the same.
                    let _ = job.done.send(Ok(d));
                }
            }
            // Out of reach: one by one would wait the pool's time-out once per write.
            Err(GroupError::Db(err)) if super::unavailable(&err) => {
                for job in jobs {
                    let _ = job.done.send(Err(out_of_reach(&err).into()));
                }
            }
            Err(err) if jobs.len() > 1 => {
                tracing::warn!(%err, writes = jobs.len(), "batch refused: writing one by one");
                for job in jobs {
                    let one = self.commit(&[&job.write]).await;
                    let _ = job.done.send(one.and_then(|d| {
                        d.into_iter().next().ok_or_else(|| {
                            sqlx::Error::Protocol("a write got no answer".into()).into()
                        })
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
    use crate::db::tx::on_tx;

    #[test]
    fn every_caller_of_an_unreachable_batch_hears_not_now() {
        for err in [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::Io(std::io::ErrorKind::ConnectionRefused.into()),
        ] {
            assert!(crate::db::unavailable(&out_of_reach(&err)));
        }
    }

    /// Inserts each value; a negative one is a bug that panics.
    async fn insert_or_panic(tx: &mut Tx<'_>, values: &[&i64]) -> Result<Vec<()>, sqlx::Error> {
        for v in values {
            assert!(**v >= 0, "a negative value");
            on_tx!(tx, conn => sqlx::query("INSERT INTO t (v) VALUES ($1)")
                .bind(**v)
                .execute(conn)
                .await
                .map(drop))?;
        }
        Ok(vec![(); values.len()])
    }

    #[tokio::test]
    async fn a_panicking_batch_fails_its_callers_and_the_writer_goes_on() {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}/g.db", dir.path().display());
        let db = crate::db::connect(&url).await.expect("connect");
        crate::execute!(&db, pool => sqlx::query("CREATE TABLE t (v BIGINT)").execute(pool).await)
            .expect("create");
        let group: Group<i64, ()> = Group::new(
            &Writer::new(db.clone()),
            batch(|tx, values| Box::pin(insert_or_panic(tx, values))),
        );
        let err = group.write(-1).await.expect_err("the batch panicked");
        assert!(matches!(err, GroupError::Panicked), "{err}");
        // Written together with a panicking one: the good ones are written one by one after.
        let (a, b, c) = tokio::join!(group.write(1), group.write(-2), group.write(3));
        assert!(a.is_ok() && c.is_ok(), "{a:?} {c:?}");
        assert!(matches!(b, Err(GroupError::Panicked)), "{b:?}");
        group.write(4).await.expect("the writer is still there");
        let n: i64 = crate::with_db!(&db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM t")
            .fetch_one(pool)
            .await)
        .expect("count");
        assert_eq!(n, 3);
        assert!(group.panics() >= 2);
    }
}
