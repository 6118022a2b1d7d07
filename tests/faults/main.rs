//! Fault tests (issue 11): the real `loa` binary, as child processes, against a fake gateway that
//! counts what reaches it, killed with SIGKILL half-way through a 10,000-message notice
//! (`kill`), with its gateway down (`gateway_down`), and with its database cut off under load
//! (`database_away`).
//!
//! Each test is bounded ([`LIMIT`]), cleans up after itself (child processes are killed when
//! their handle drops, its database is dropped, temporary folders removed, the fake gateway and
//! the proxy stop with the test's runtime), waits for events rather than for time, and prints
//! the figures it measured. What they guarantee and what they measured: docs/deploy.md, "Faults".

#[path = "../common/mod.rs"]
mod common;

mod child;
mod database_away;
mod fake;
mod gateway_down;
mod kill;
mod proxy;

use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use common::TestDb;

/// Longest a fault test may take, its set-up included.
pub const LIMIT: Duration = Duration::from_secs(80);

/// Runs a test on a fresh database within [`LIMIT`], drops the database whatever happened, and
/// says how long it took.
pub async fn bounded<F, Fut>(name: &str, test: F) -> Result<()>
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = Result<TestDb>>,
{
    let db = TestDb::new().await;
    let url = db.url.clone();
    let started = Instant::now();
    let outcome = tokio::time::timeout(LIMIT, test(db)).await;
    eprintln!(
        "{name} ({}): {:.1} s",
        backend(&url),
        started.elapsed().as_secs_f64()
    );
    match outcome {
        Ok(Ok(db)) => {
            db.drop_db().await;
            Ok(())
        }
        Ok(Err(err)) => {
            drop_by_url(&url).await;
            Err(err)
        }
        Err(_) => {
            drop_by_url(&url).await;
            bail!("{name} took longer than {LIMIT:?}")
        }
    }
}

/// Drops a PostgreSQL test database whose `TestDb` went down with a failed test (a SQLite file
/// went with its temporary folder).
async fn drop_by_url(url: &str) {
    let Some(admin) = common::postgres_url() else {
        return;
    };
    let Some(name) = url.rsplit('/').next().and_then(|n| n.split('?').next()) else {
        return;
    };
    if !name.starts_with("loa_t_") {
        return;
    }
    if let Ok(pool) = sqlx::PgPool::connect(&admin).await {
        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let _ = sqlx::query(&sql).execute(&pool).await;
        pool.close().await;
    }
}

pub fn backend(url: &str) -> &'static str {
    if url.starts_with("sqlite:") {
        "SQLite"
    } else {
        "PostgreSQL"
    }
}

/// Says loudly that a test did not run here, and why.
pub fn skipped(name: &str, why: &str) {
    eprintln!("!!! SKIPPED {name}: {why} !!!");
}

/// One number from the database (`SELECT COUNT(*) …`).
pub async fn count(db: &loa::db::Db, sql: &str) -> Result<i64> {
    Ok(loa::with_db!(db, pool => sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(pool)
        .await)?)
}
