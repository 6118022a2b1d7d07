//! Crash test: SIGKILL `loa serve` in the middle of a notice to 1,000 households, start it again, and check that nothing is lost (and count what arrived twice).

mod common;
// The households come in with `loa import` and the notices through the staff API, with the
// fault tests' helpers for both (their fake gateway only because those helpers name it).
#[allow(dead_code)]
#[path = "faults/child.rs"]
mod child;
#[allow(dead_code)]
#[path = "faults/fake.rs"]
mod fake;

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use common::{done_if, try_eventually, TestDb};
use loa::db::Db;
use rand::Rng;

/// Households, each with one phone: every notice below is 1,000 messages.
const MESSAGES: usize = 1000;
/// Set explicitly on the child so that the bound on duplicates below matches what it claims.
const BATCH_SIZE: i64 = 50;
/// 1,000 messages at 200 a second take about 5 s, so a kill lands while the dispatcher is busy.
const RATE: u32 = 200;
/// GSM-7, one part.
const TEXT: &str = "Hop thon luc 8h sang thu Hai";

/// A running `loa serve`. Killed on drop, so a failing assertion leaves no process behind.
struct Loa {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Loa {
    /// Starts the real binary on `db_url`, with its log in `dir`, and waits until it answers.
    async fn start(label: &str, db_url: &str, dir: &Path, client: &reqwest::Client) -> Result<Loa> {
        let port = free_port()?;
        let log = dir.join(format!("{label}.log"));
        let log_file = std::fs::File::create(&log).context("create log file")?;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_loa"));
        // Whatever LOA_* the test runner has must not leak into the child's configuration.
        for (name, _) in std::env::vars().filter(|(k, _)| k.starts_with("LOA_")) {
            cmd.env_remove(name);
        }
        cmd.arg("serve")
            .current_dir(dir)
            .env("LOA_DATABASE_URL", db_url)
            .env("LOA_LISTEN", format!("127.0.0.1:{port}"))
            // Simulator mode, and a folder with no gateway files: only the built-in simulator sends.
            .env("LOA_SIMULATOR__ENABLED", "true")
            .env("LOA_GATEWAY_DIR", dir.join("no-gateways"))
            .env("LOA_QUIET_HOURS__START", "00:00")
            .env("LOA_QUIET_HOURS__END", "00:00")
            .env("LOA_DISPATCHER__LEASE_SECONDS", "2")
            // A restarted process is another instance: it waits for the killed one's hold to lapse.
            .env("LOA_DISPATCHER__HOLD_SECONDS", "3")
            .env("LOA_DISPATCHER__POLL_MILLIS", "50")
            .env("LOA_DISPATCHER__BATCH_SIZE", BATCH_SIZE.to_string())
            .env("LOA_SIMULATOR__RATE", RATE.to_string())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().context("clone log file")?)
            .stderr(log_file);
        let child = cmd.spawn().context("spawn loa serve")?;
        let mut loa = Loa {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        loa.wait_healthy(client).await?;
        Ok(loa)
    }

    async fn wait_healthy(&mut self, client: &reqwest::Client) -> Result<()> {
        let url = format!("{}/healthz", self.base);
        let child = &mut self.child;
        // Some(status): the child exited instead of answering.
        let state = try_eventually(
            Duration::from_secs(30),
            "loa to answer /healthz",
            async || {
                if let Ok(Some(status)) = child.try_wait() {
                    return Ok(Some(status));
                }
                let up = matches!(client.get(&url).send().await, Ok(r) if r.status() == 200);
                done_if(up, None)
            },
        )
        .await;
        match state {
            Ok(None) => Ok(()),
            Ok(Some(status)) => bail!(
                "loa exited before answering ({status}); log:\n{}",
                self.log_tail()
            ),
            Err(waited) => bail!("{waited}; log:\n{}", self.log_tail()),
        }
    }

    fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).expect("pid fits in i32")
    }

    /// SIGKILL: no handler runs, nothing is flushed or released; the crash this test is about.
    fn kill_hard(&mut self) -> Result<()> {
        self.child.kill().context("SIGKILL")?;
        self.child.wait().context("reap killed child")?;
        Ok(())
    }

    /// SIGTERM, then waits up to `limit` for the process to exit by itself.
    async fn terminate(&mut self, limit: Duration) -> Result<ExitStatus> {
        // SAFETY: plain kill(2) on our own child's pid, which has not been reaped yet.
        let rc = unsafe { libc::kill(self.pid(), libc::SIGTERM) };
        ensure!(
            rc == 0,
            "kill(SIGTERM) failed: {}",
            std::io::Error::last_os_error()
        );
        let child = &mut self.child;
        let exited = try_eventually(limit, "loa to exit after SIGTERM", async || {
            match child.try_wait() {
                Ok(Some(status)) => Ok(status),
                Ok(None) => Err("running".to_string()),
                Err(err) => Err(err.to_string()),
            }
        })
        .await;
        exited.map_err(|waited| anyhow::anyhow!("{waited}; log:\n{}", self.log_tail()))
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for Loa {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A port nothing listens on right now (the child binds it a moment later).
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("bind port 0")?;
    Ok(listener.local_addr()?.port())
}

async fn count(db: &Db, sql: &str) -> Result<i64> {
    Ok(loa::with_db!(db, pool => sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(pool)
        .await)?)
}

/// How many times each outbox id reached the simulated phone.
async fn arrivals(db: &Db) -> Result<HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = loa::with_db!(db, pool => sqlx::query_as(
        "SELECT outbox_id, COUNT(*) FROM simulator_received GROUP BY outbox_id"
    )
    .fetch_all(pool)
    .await)?;
    Ok(rows.into_iter().collect())
}

async fn statuses(db: &Db) -> Result<HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = loa::with_db!(db, pool => sqlx::query_as("SELECT id, status FROM outbox")
            .fetch_all(pool)
            .await)?;
    Ok(rows.into_iter().collect())
}

/// Sends a notice to every household through the staff API, waits until it is queued in full
/// (so no kill lands in the queuing, another fault), and returns its outbox ids.
async fn notice(client: &reqwest::Client, base: &str, token: &str, db: &Db) -> Result<Vec<i64>> {
    let id = child::send_notice(client, base, token, TEXT).await?;
    try_eventually(
        Duration::from_secs(30),
        "the notice to be queued",
        async || match child::notice_state(client, base, token, id).await {
            Ok((state, figures)) => done_if(state == "queued", format!("{state} {figures}")),
            Err(err) => Err(format!("{err:#}")),
        },
    )
    .await?;
    let ids: Vec<i64> = loa::with_db!(db, pool => sqlx::query_scalar(
        "SELECT id FROM outbox WHERE origin = $1 ORDER BY id"
    )
    .bind(format!("notice:{id}"))
    .fetch_all(pool)
    .await)?;
    ensure!(
        ids.len() == MESSAGES,
        "{} messages for {MESSAGES} households",
        ids.len()
    );
    Ok(ids)
}

/// Polls `sql` (a count) until `done` holds for it, or fails after `limit`. A database error
/// counts as "not yet" and is what the time-out shows.
async fn wait_count(
    db: &Db,
    sql: &str,
    what: &str,
    done: impl Fn(i64) -> bool,
    limit: Duration,
) -> Result<i64> {
    let n = try_eventually(limit, format!("`{sql}` {what}"), async || {
        match count(db, sql).await {
            Ok(n) => done_if(done(n), n).map_err(|n| format!("{n}")),
            Err(err) => Err(format!("{err:#}")),
        }
    })
    .await?;
    Ok(n)
}

#[tokio::test]
async fn sigkill_mid_notice_loses_nothing() -> Result<()> {
    let test_db = TestDb::new().await;
    let outcome = run(&test_db).await;
    test_db.drop_db().await;
    outcome
}

async fn run(test_db: &TestDb) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let backend = if test_db.url.starts_with("sqlite:") {
        "sqlite"
    } else {
        "postgres"
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;

    // Part 1: a notice, and a SIGKILL somewhere between 20% and 80% of it.
    child::gateway_dir(dir.path())?;
    child::import_households(dir.path(), &test_db.url, MESSAGES)?;
    let token = child::admin_token(dir.path(), &test_db.url).await?;
    let mut first = Loa::start("first", &test_db.url, dir.path(), &client).await?;
    let db = loa::db::connect(&test_db.url).await?;
    let ids = notice(&client, &first.base, &token, &db).await?;

    // A different crash point each run covers more of the dispatcher's states over time.
    let target = rand::rng().random_range(MESSAGES as i64 / 4..=MESSAGES as i64 * 3 / 5);
    wait_count(
        &db,
        "SELECT COUNT(*) FROM simulator_received",
        &format!("to reach the kill point, {target}"),
        |n| n >= target,
        Duration::from_secs(30),
    )
    .await
    .with_context(|| format!("waiting for the kill point; log:\n{}", first.log_tail()))?;
    first.kill_hard()?;
    let killed_after = count(&db, "SELECT COUNT(*) FROM simulator_received").await?;
    let total = MESSAGES as i64;
    ensure!(
        killed_after >= total / 5 && killed_after <= total * 4 / 5,
        "the kill landed after {killed_after} of {total} arrived, not mid-way"
    );
    let in_sending = count(&db, "SELECT COUNT(*) FROM outbox WHERE status = 'sending'").await?;

    // Part 2: start again on the same database; the leases run out and the rest goes.
    let mut second = Loa::start("second", &test_db.url, dir.path(), &client).await?;
    wait_count(
        &db,
        "SELECT COUNT(*) FROM outbox WHERE status IN ('queued', 'sending')",
        "to reach 0 after the restart",
        |open| open == 0,
        Duration::from_secs(60),
    )
    .await
    .with_context(|| format!("log:\n{}", second.log_tail()))?;

    let got = arrivals(&db).await?;
    let status = statuses(&db).await?;
    let lost: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|id| !got.contains_key(id))
        .collect();
    let arrived = ids.len() - lost.len();
    let received_rows: i64 = ids.iter().filter_map(|id| got.get(id)).sum();
    let twice = received_rows - arrived as i64;
    println!(
        "crash test ({backend}): {MESSAGES} messages, killed after {killed_after} arrived \
         ({in_sending} rows left in 'sending'), {arrived} arrived, {twice} arrived twice"
    );
    ensure!(
        lost.is_empty(),
        "{} messages never reached the simulator, e.g. outbox ids {:?}",
        lost.len(),
        &lost[..lost.len().min(10)]
    );
    let unsettled: Vec<(i64, &str)> = ids
        .iter()
        .map(|id| (*id, status.get(id).map_or("missing", String::as_str)))
        .filter(|(_, s)| *s != "sent" && *s != "delivered")
        .collect();
    ensure!(
        unsettled.is_empty(),
        "{} rows not sent or delivered, e.g. {:?}",
        unsettled.len(),
        &unsettled[..unsettled.len().min(10)]
    );
    // Only a row whose send finished but whose settling did not can go twice: at most one batch.
    ensure!(
        twice <= BATCH_SIZE,
        "{twice} messages arrived twice: more than one claimed batch, so something resends settled rows"
    );

    // Part 3: SIGTERM while a second notice is going out: a clean exit, nothing left leased, and
    // every row either sent (and received) or back in the queue (and not received).
    let first_max = *ids.last().context("ids")?;
    let term_ids = notice(&client, &second.base, &token, &db).await?;
    ensure!(
        term_ids.iter().all(|id| *id > first_max),
        "the second notice reused ids of the first"
    );
    let after_first =
        format!("SELECT COUNT(*) FROM simulator_received WHERE outbox_id > {first_max}");
    wait_count(
        &db,
        &after_first,
        "to reach 30",
        |n| n >= 30,
        Duration::from_secs(30),
    )
    .await?;
    let asked = Instant::now();
    let exit = second.terminate(Duration::from_secs(10)).await?;
    let took = asked.elapsed();
    ensure!(
        exit.success(),
        "loa exited with {exit} after SIGTERM; log:\n{}",
        second.log_tail()
    );
    let sending = count(&db, "SELECT COUNT(*) FROM outbox WHERE status = 'sending'").await?;
    ensure!(
        sending == 0,
        "{sending} rows left in 'sending' after a graceful stop"
    );
    let got = arrivals(&db).await?;
    let status = statuses(&db).await?;
    let mut sent = 0;
    for id in &term_ids {
        let s = status.get(id).map_or("missing", String::as_str);
        let n = got.get(id).copied().unwrap_or(0);
        match s {
            "sent" | "delivered" => {
                ensure!(n == 1, "outbox {id} is {s} but arrived {n} times");
                sent += 1;
            }
            "queued" => ensure!(
                n == 0,
                "outbox {id} went back to the queue but arrived {n} times"
            ),
            other => bail!("outbox {id} is {other} after a graceful stop"),
        }
    }
    println!(
        "crash test ({backend}): SIGTERM during a {MESSAGES}-message notice: exited in \
         {:.2} s with {exit}, {sent} sent, {} back in the queue",
        took.as_secs_f64(),
        MESSAGES - sent
    );
    db.close().await;
    Ok(())
}
