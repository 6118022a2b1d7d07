//! Benchmark: `import households` of N generated rows into a fresh database (time, peak memory),
//! beside the same file loaded without loa in the same run: `sqlite3 .import` (on PostgreSQL
//! `COPY … FROM STDIN`, its equivalent) and plain multi-row `INSERT`s of the file's raw cells.
//! Then a re-import of the same file (nothing changes), 3N support records, and TT with all of
//! it loaded (p50/p99 of the feature function and of the SMS path, beside a primary-key SELECT).
//!
//! `cargo bench --bench households`; size with `LOA_BENCH_HOUSEHOLDS` (default 100000), number of
//! TT questions with `LOA_BENCH_QUERIES` (default 2000). The database is a SQLite file in a
//! temporary folder, or, when `LOA_BENCH_DATABASE_URL` names a PostgreSQL server, a fresh database
//! created on it for the run and dropped afterwards (the user needs `CREATEDB`).
//! `cargo bench --bench households -- --write DIR` only writes the generated files (areas,
//! households, support) into DIR, for `loa import` by hand.

use std::path::Path;
use std::time::{Duration, Instant};

use loa::db::Db;
use loa::features::import::{self, Kind, Options};
use loa::phone::Msisdn;

mod common;
use common::{env_usize, files, peak_mib, reset_peak};

/// Rows per statement of the INSERT baseline (the importer's own statements carry as many).
const BASELINE_ROWS: usize = 2_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn line(what: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "  {what:<48} p50 {:>9.3} ms   p99 {:>9.3} ms   (n={})",
        percentile(&samples, 0.5).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        samples.len()
    );
}

/// One result line: what, seconds, and what else there is to say.
fn figure(what: &str, t: Duration, rest: &str) {
    println!("  {what:<56} {:>8.2} s   {rest}", t.as_secs_f64());
}

/// `sqlite3 .import` of the households file into a fresh file: SQLite's own CSV loader, one
/// prepared INSERT per row in one transaction. None when the `sqlite3` shell is missing.
fn sqlite3_import(dir: &Path, csv: &Path) -> anyhow::Result<Option<Duration>> {
    let db = dir.join("sqlite3-import.db");
    let script = format!(".mode csv\n.import '{}' raw\n", csv.display());
    let t = Instant::now();
    let child = std::process::Command::new("sqlite3")
        .arg(&db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn();
    let Ok(mut child) = child else {
        return Ok(None);
    };
    if let Some(mut stdin) = child.stdin.take() {
        std::io::Write::write_all(&mut stdin, script.as_bytes())?;
    }
    let status = child.wait()?;
    let took = t.elapsed();
    anyhow::ensure!(status.success(), "sqlite3 .import failed: {status}");
    let rows = std::process::Command::new("sqlite3")
        .arg(&db)
        .arg("SELECT COUNT(*) FROM raw")
        .output()?;
    println!(
        "  (sqlite3 .import stored {} rows)",
        String::from_utf8_lossy(&rows.stdout).trim()
    );
    Ok(Some(took))
}

/// The file's raw cells, as the csv crate reads them (header left out).
fn raw_rows(csv: &Path) -> anyhow::Result<Vec<Vec<String>>> {
    let mut r = csv::Reader::from_path(csv)?;
    let mut rows = Vec::new();
    for rec in r.records() {
        rows.push(rec?.iter().map(str::to_string).collect());
    }
    Ok(rows)
}

/// `COPY … FROM STDIN` of the file into a scratch table: PostgreSQL's own loader.
async fn pg_copy(db: &Db, csv: &Path) -> anyhow::Result<Option<Duration>> {
    let Db::Postgres(pool) = db else {
        return Ok(None);
    };
    let create =
        "CREATE TABLE bench_copy (a TEXT, b TEXT, c TEXT, d TEXT, e TEXT, f TEXT, g TEXT, h TEXT)";
    sqlx::query(create).execute(pool).await?;
    let bytes = std::fs::read(csv)?;
    let t = Instant::now();
    let mut conn = pool.acquire().await?;
    let mut copy = conn
        .copy_in_raw("COPY bench_copy FROM STDIN (FORMAT csv, HEADER true)")
        .await?;
    copy.send(bytes).await?;
    let rows = copy.finish().await?;
    let took = t.elapsed();
    println!("  (COPY stored {rows} rows)");
    drop(conn);
    sqlx::query("DROP TABLE bench_copy").execute(pool).await?;
    Ok(Some(took))
}

/// The raw cells into a scratch table with multi-row INSERTs of [`BASELINE_ROWS`] rows, one
/// transaction: the same kind of statement the importer writes with, without loa's checks.
async fn multi_row_insert(db: &Db, rows: &[Vec<String>]) -> anyhow::Result<Duration> {
    let create =
        "CREATE TABLE bench_raw (a TEXT, b TEXT, c TEXT, d TEXT, e TEXT, f TEXT, g TEXT, h TEXT)";
    loa::execute!(db, pool => sqlx::query(create).execute(pool).await)?;
    let t = Instant::now();
    loa::with_tx!(db, tx => {
        for chunk in rows.chunks(BASELINE_ROWS) {
            let text = format!("INSERT INTO bench_raw VALUES {}", values(db, chunk.len(), 8));
            let mut q = sqlx::query(&text);
            for r in chunk {
                for i in 0..8 {
                    q = q.bind(r.get(i).map_or("", String::as_str));
                }
            }
            q.execute(&mut *tx).await?;
        }
    });
    let took = t.elapsed();
    loa::execute!(db, pool => sqlx::query("DROP TABLE bench_raw").execute(pool).await)?;
    Ok(took)
}

/// `(…), (…)` placeholders for `rows` rows of `per_row` values: `?` on SQLite, `$N` on PostgreSQL.
fn values(db: &Db, rows: usize, per_row: usize) -> String {
    let row = |r: usize| -> String {
        let p: Vec<String> = (1..=per_row)
            .map(|c| match db {
                Db::Sqlite(_) => "?".to_string(),
                Db::Postgres(_) => format!("${}", r * per_row + c),
            })
            .collect();
        format!("({})", p.join(", "))
    };
    (0..rows).map(row).collect::<Vec<_>>().join(", ")
}

/// A fresh database beside the one `admin_url` names, and the URL of it.
async fn fresh_postgres(admin_url: &str) -> anyhow::Result<(String, String)> {
    let name = format!("loa_bench_{}", uuid::Uuid::new_v4().simple());
    let admin = sqlx::PgPool::connect(admin_url).await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await?;
    admin.close().await;
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let root = base.rsplit_once('/').map_or(base, |(r, _)| r);
    let url = match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    };
    Ok((url, name))
}

async fn drop_postgres(admin_url: &str, name: &str) {
    if let Ok(admin) = sqlx::PgPool::connect(admin_url).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&admin)
            .await;
        admin.close().await;
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n = env_usize("LOA_BENCH_HOUSEHOLDS", 100_000);
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--write") {
        let dir = std::path::PathBuf::from(args.get(i + 1).map_or(".", String::as_str));
        let f = files::write(&dir, n)?;
        for p in [f.areas, f.households, f.support] {
            println!("{}", p.display());
        }
        return Ok(());
    }
    let queries = env_usize("LOA_BENCH_QUERIES", 2_000).max(1);
    let dir = tempfile::tempdir()?;
    let admin = std::env::var("LOA_BENCH_DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty());
    let (url, created) = match &admin {
        Some(admin) => {
            let (url, name) = fresh_postgres(admin).await?;
            (url, Some(name))
        }
        None => (format!("sqlite://{}/bench.db", dir.path().display()), None),
    };
    let result = run(n, queries, dir.path(), url).await;
    if let (Some(admin), Some(name)) = (&admin, &created) {
        drop_postgres(admin, name).await;
    }
    result
}

async fn run(n: usize, queries: usize, dir: &Path, url: String) -> anyhow::Result<()> {
    let t = Instant::now();
    let f = files::write(dir, n)?;
    let size = std::fs::metadata(&f.households)?.len() as f64 / 1_048_576.0;
    let backend = if url.starts_with("sqlite") {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    println!(
        "households bench: {n} households ({size:.1} MiB of CSV), {} support records, {backend}",
        3 * n
    );
    println!(
        "  generated the files in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let config = loa::config::Config {
        database_url: url,
        ..Default::default()
    };
    let app = loa::server::open(config).await?;
    let db = &app.services.db;

    if backend == "SQLite" {
        if let Some(t) = sqlite3_import(dir, &f.households)? {
            figure("baseline: sqlite3 .import of the same file", t, "");
        }
    }
    if let Some(t) = pg_copy(db, &f.households).await? {
        figure("baseline: COPY FROM STDIN of the same file", t, "");
    }
    reset_peak();
    let rows = raw_rows(&f.households)?;
    let t = multi_row_insert(db, &rows).await?;
    let peak = peak_mib();
    drop(rows);
    figure(
        &format!("baseline: raw cells, INSERTs of {BASELINE_ROWS} rows"),
        t,
        &format!("peak {peak:>7.1} MiB"),
    );

    let opts = Options::default();
    let r = import::run(db, Kind::Areas, &f.areas, &opts).await?;
    anyhow::ensure!(r.applied, "areas not imported");
    reset_peak();
    let t = Instant::now();
    let r = import::run(db, Kind::Households, &f.households, &opts).await?;
    let took = t.elapsed();
    anyhow::ensure!(
        r.applied,
        "households: {}",
        r.render(&app.services.locales, "en")
    );
    let links: i64 = loa::with_db!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM household_contacts"
    ).fetch_one(pool).await)?;
    figure(
        &format!("loa import households, {} rows, fresh database", r.rows),
        took,
        &format!(
            "peak {:>7.1} MiB   {} created, {links} phone links",
            peak_mib(),
            r.created
        ),
    );
    let t = Instant::now();
    let r = import::run(db, Kind::Households, &f.households, &opts).await?;
    figure(
        "loa import households, the same file again",
        t.elapsed(),
        &format!("{} unchanged of {}", r.unchanged, r.rows),
    );
    anyhow::ensure!(r.unchanged == r.rows, "a re-import changed rows");

    reset_peak();
    let t = Instant::now();
    let r = import::run(db, Kind::Support, &f.support, &opts).await?;
    anyhow::ensure!(
        r.applied,
        "support: {}",
        r.render(&app.services.locales, "en")
    );
    figure(
        &format!("loa import support, {} records", r.rows),
        t.elapsed(),
        &format!("peak {:>7.1} MiB", peak_mib()),
    );
    let t = Instant::now();
    let r = import::run(db, Kind::Support, &f.support, &opts).await?;
    figure(
        "loa import support, the same file again",
        t.elapsed(),
        &format!("{} unchanged of {}", r.unchanged, r.rows),
    );

    tt(&app, n, queries).await?;
    app.services.db.close().await;
    Ok(())
}

/// TT with everything loaded, from linked phones spread over the whole table.
async fn tt(app: &loa::app::App, n: usize, queries: usize) -> anyhow::Result<()> {
    let db = &app.services.db;
    let linked: Vec<String> = loa::with_db!(db, pool => sqlx::query_scalar(
        "SELECT DISTINCT c.msisdn FROM contacts c JOIN household_contacts hc ON hc.contact_id = c.id
          ORDER BY c.msisdn"
    ).fetch_all(pool).await)?;
    anyhow::ensure!(!linked.is_empty(), "no linked phone");
    let phones: Vec<Msisdn> = (0..queries)
        .map(|q| Msisdn::parse(&linked[(q * 7919) % linked.len()]))
        .collect::<Result<_, _>>()?;
    let mut base = Vec::new();
    for q in 0..queries {
        let id = ((q * 7919) % n + 1) as i64;
        let t = Instant::now();
        let _: Option<(i64, String)> = loa::with_db!(db, pool => sqlx::query_as(
            "SELECT id, code FROM households WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(pool)
        .await)?;
        base.push(t.elapsed());
    }
    let mut feature = Vec::new();
    for p in &phones {
        let t = Instant::now();
        let l = loa::features::support::status_for(db, p, None).await?;
        feature.push(t.elapsed());
        anyhow::ensure!(
            matches!(l, loa::features::support::Lookup::Households(_)),
            "no answer"
        );
    }
    let mut sms = Vec::new();
    for (i, p) in phones.iter().enumerate() {
        let t = Instant::now();
        loa::dialog::sms::handle(&app.services, p, "TT", 1_000_000 + i as i64).await?;
        sms.push(t.elapsed());
    }
    println!("TT with {n} households loaded:");
    line("baseline: one-row primary-key SELECT", base);
    line("support::status_for (feature function)", feature);
    line("dialog::sms::handle(\"TT\") (render + outbox)", sms);
    Ok(())
}
