//! Benchmark: the daily maternal reminder job with N active pregnancies (time, peak memory, rows
//! read, messages queued), beside a baseline measured in the same run: one indexed `SELECT` of
//! the same due rows, streamed.
//!
//! `cargo bench --bench maternal`; size with `LOA_BENCH_PREGNANCIES` (default 1000000), database
//! with `LOA_BENCH_DATABASE_URL` (default a SQLite file in a temporary folder; a PostgreSQL URL
//! must name a scratch database: its tables are emptied first).

use std::time::Instant;

use chrono::{NaiveDate, TimeDelta, TimeZone, Utc};
use futures::TryStreamExt;
use loa::db::Db;
use loa::features::maternal::{reminders, schedule};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Peak resident memory of this process so far, in MiB (Linux `VmHWM`).
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Resets the peak so the next phase's peak is its own (Linux: `5` to `clear_refs`).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// EDDs spread evenly from 13 days ago to 280 days ahead: every row active, none overdue.
const SPREAD: i64 = 294;

/// Areas, `n` contacts and `n` pregnancies, generated inside the database in a few statements.
async fn seed(db: &Db, n: usize, today: NaiveDate) -> anyhow::Result<()> {
    let now = Utc::now();
    let n = n as i64;
    let areas = [
        ("B19", "Tỉnh", "province", None),
        ("B1900", "Xã", "commune", Some("B19")),
        ("B190001", "Thôn", "village", Some("B1900")),
    ];
    for (code, name, level, parent) in areas {
        loa::execute!(db, pool => sqlx::query(
            "INSERT INTO areas (code, name, level, parent_code, updated_at) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(code).bind(name).bind(level).bind(parent).bind(now)
        .execute(pool).await)?;
    }
    let first = today - TimeDelta::days(13);
    // The one place the two backends differ: how a series of numbers is generated.
    match db {
        Db::Sqlite(pool) => {
            sqlx::query(
                "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $1)
                 INSERT INTO contacts (msisdn, created_at, updated_at)
                 SELECT '+8491' || printf('%07d', i), $2, $2 FROM s",
            )
            .bind(n)
            .bind(now)
            .execute(pool)
            .await?;
            sqlx::query(
                "INSERT INTO pregnancies (contact_id, village_code, edd, schedule, status, created_at, updated_at)
                 SELECT id, 'B190001', date($1, '+' || (id % $2) || ' days'), 'moh', 'active', $3, $3
                   FROM contacts",
            )
            .bind(first).bind(SPREAD).bind(now).execute(pool).await?;
        }
        Db::Postgres(pool) => {
            sqlx::query(
                "INSERT INTO contacts (msisdn, created_at, updated_at)
                 SELECT '+8491' || lpad(i::text, 7, '0'), $2, $2 FROM generate_series(1, $1) AS i",
            )
            .bind(n)
            .bind(now)
            .execute(pool)
            .await?;
            sqlx::query(
                "INSERT INTO pregnancies (contact_id, village_code, edd, schedule, status, created_at, updated_at)
                 SELECT id, 'B190001', $1::date + (id % $2)::int, 'moh', 'active', $3, $3 FROM contacts",
            )
            .bind(first).bind(SPREAD).bind(now).execute(pool).await?;
            sqlx::query("ANALYZE").execute(pool).await?;
        }
    }
    Ok(())
}

/// Every EDD whose rows have something due today (what the job looks up, in one list).
fn due_edds(today: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let tomorrow = today + TimeDelta::days(1);
    for sched in [loa::config::AncSchedule::Moh, loa::config::AncSchedule::Who] {
        for w in schedule::schedules().weeks(sched) {
            out.push(schedule::edd_with_visit_on(today, *w));
            out.push(schedule::edd_with_visit_on(tomorrow, *w));
        }
    }
    for w in 4..=42 {
        out.push(schedule::edd_with_visit_on(today, w));
    }
    out.push(today - TimeDelta::days(reminders::OVERDUE_DAYS));
    out.sort();
    out.dedup();
    out
}

/// The baseline: one `SELECT` of every due row (the same index, the same join), streamed.
async fn baseline(db: &Db, edds: &[NaiveDate]) -> anyhow::Result<u64> {
    let marks: Vec<String> = (1..=edds.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT p.id, c.msisdn, c.language, c.script, p.edd, p.visits_done
           FROM pregnancies p JOIN contacts c ON c.id = p.contact_id
          WHERE p.status = 'active' AND p.edd IN ({})",
        marks.join(", ")
    );
    let mut n = 0u64;
    loa::with_db!(db, pool => {
        let mut q = sqlx::query(&sql);
        for d in edds {
            q = q.bind(*d);
        }
        let mut rows = q.fetch(pool);
        while rows.try_next().await?.is_some() {
            n += 1;
        }
    });
    Ok(n)
}

async fn empty(db: &Db) -> anyhow::Result<()> {
    for t in [
        "outbox",
        "pregnancies",
        "consent_events",
        "household_contacts",
        "contacts",
        "staff_areas",
        "households",
        "areas",
    ] {
        loa::execute!(db, pool => sqlx::query(&format!("DELETE FROM {t}")).execute(pool).await)?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n = env_usize("LOA_BENCH_PREGNANCIES", 1_000_000);
    let dir = tempfile::tempdir()?;
    let url = std::env::var("LOA_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}/bench.db", dir.path().display()));
    let backend = if url.starts_with("sqlite") {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    println!("maternal bench: {n} active pregnancies, {backend}");
    let config = loa::config::Config {
        database_url: url,
        ..Default::default()
    };
    let app = loa::server::open(config).await?;
    let db = &app.services.db;
    empty(db).await?;
    let tz = app.services.tz;
    let today = Utc::now().with_timezone(&tz).date_naive();
    let t = Instant::now();
    seed(db, n, today).await?;
    println!("  seeded in {:.1} s", t.elapsed().as_secs_f64());
    let now = tz
        .from_local_datetime(&today.and_hms_opt(6, 30, 0).unwrap_or_default())
        .earliest()
        .map_or_else(Utc::now, |d| d.with_timezone(&Utc));

    let edds = due_edds(today);
    reset_peak();
    let t = Instant::now();
    let rows = baseline(db, &edds).await?;
    println!(
        "  baseline: one indexed SELECT of the due rows ({} dates)  {rows:>8} rows  {:>8.2} s   peak {:>7.1} MiB",
        edds.len(),
        t.elapsed().as_secs_f64(),
        peak_mib()
    );

    let ctx = loa::dialog::maternal::ctx(&app.services);
    for label in [
        "reminder job, first run",
        "reminder job, again (all keys exist)",
    ] {
        reset_peak();
        let t = Instant::now();
        let c = reminders::run(&ctx, now).await?;
        println!(
            "  {label:<38} {:>8} rows  {:>8.2} s   peak {:>7.1} MiB   {} pages, {} queued",
            c.rows,
            t.elapsed().as_secs_f64(),
            peak_mib(),
            c.pages,
            c.queued
        );
    }
    Ok(())
}
