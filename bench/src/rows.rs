//! The rows of the table. Each starts its own loa instance(s) on a fresh database, measures loa,
//! measures its baseline in the same run, checks that loa did the work it was timed for, and
//! cleans up after itself.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, ensure, Context, Result};

use crate::db::{Backend, Db};
use crate::loa::{Loa, Sendsms, Spec};
use crate::load::{self, Load};
use crate::report::Report;
use crate::sys::{self, mib, RssSampler};
use crate::{kannel, Ctx};

/// loa's default `dispatcher.batch_size`: rows claimed at once.
const DISPATCH_BATCH: usize = 50;
/// Closed-loop clients for the inbound rows; USSD sessions in flight.
const CLIENTS: u32 = 32;
const USSD_SESSIONS: u32 = 200;
/// Connections oha may open to hold its offered rate.
const OPEN_CONNECTIONS: u32 = 100;
/// The null gateway's rate in the inbound rows: high enough that replies never wait on it.
const NULL_GATEWAY_RATE: u32 = 10_000;

/// Resident memory figures gathered by the inbound rows, for the memory rows.
#[derive(Default)]
struct Memory {
    baseline_idle_kib: i64,
    baseline_load_kib: i64,
    loa_idle: Vec<(Backend, i64)>,
    loa_load: Vec<(Backend, i64)>,
}

pub fn run_all(ctx: &mut Ctx, report: &mut Report, only: &[String]) {
    let want = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    let mut memory = Memory {
        baseline_idle_kib: sys::memory_kib(ctx.baseline.pid(), "VmRSS").unwrap_or(0),
        ..Memory::default()
    };
    if want("inbound") {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let path = format!("inbound SMS → reply queued, {}", backend.name());
            match with_db(ctx, backend, |db| inbound(ctx, report, db, &mut memory)) {
                Ok(()) => {}
                Err(e) if e.to_string() == NO_POSTGRES => report.skipped(&path, NO_POSTGRES),
                Err(e) => report.failed(&path, &e),
            }
        }
        memory_rows(report, &memory);
    }
    if want("kannel") {
        let path = format!(
            "fakesmsc → Kannel → loa → Kannel → fakesmsc, {} MO with DLRs",
            thousands(ctx.sizes.kannel_messages as u64)
        );
        if let Err(e) = with_db(ctx, Backend::Sqlite, |db| {
            kannel::pipeline(ctx, report, db, &path)
        }) {
            report.failed(&path, &e);
        }
    }
    if want("import") {
        let path = format!(
            "`loa import households`, {} rows, SQLite",
            thousands(ctx.sizes.households as u64)
        );
        if let Err(e) = with_db(ctx, Backend::Sqlite, |db| import(ctx, report, db, &path)) {
            report.failed(&path, &e);
        }
    }
    if want("ussd") {
        let path = format!("USSD step, {USSD_SESSIONS} sessions flat out, SQLite");
        if let Err(e) = with_db(ctx, Backend::Sqlite, |db| ussd(ctx, report, db, &path)) {
            report.failed(&path, &e);
        }
    }
    if want("dispatch") {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let path = format!(
                "dispatch to a null gateway, {} queued, {}",
                thousands(ctx.sizes.dispatch_messages as u64),
                backend.name()
            );
            match with_db(ctx, backend, |db| dispatch(ctx, report, db, &path)) {
                Ok(()) => {}
                Err(e) if e.to_string() == NO_POSTGRES => report.skipped(&path, NO_POSTGRES),
                Err(e) => report.failed(&path, &e),
            }
        }
    }
}

const NO_POSTGRES: &str = "PostgreSQL not reachable";

/// Runs `f` on a fresh database of `backend`, dropped afterwards whatever happened.
fn with_db(ctx: &Ctx, backend: Backend, f: impl FnOnce(&Db) -> Result<()>) -> Result<()> {
    let server = match (backend, &ctx.postgres) {
        (Backend::Postgres, None) => bail!(NO_POSTGRES),
        (_, server) => server.clone().unwrap_or_default(),
    };
    let db = Db::fresh(backend, &ctx.work, &server)?;
    let outcome = f(&db);
    // A failed row's SQLite file stays beside its logs, for a look.
    if (outcome.is_ok() && !ctx.keep) || backend == Backend::Postgres {
        db.drop_db();
    }
    outcome
}

pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A rate or a count, rounded to what the machine's noise allows, with thousands separators.
pub fn rate(r: f64) -> String {
    if r >= 100.0 {
        thousands(r.round() as u64)
    } else {
        format!("{r:.1}")
    }
}

pub fn ms(v: f64) -> String {
    if v >= 100.0 {
        thousands(v.round() as u64)
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

pub fn ratio(loa: f64, baseline: f64) -> String {
    if baseline <= 0.0 {
        return "-".into();
    }
    let r = loa / baseline;
    if r >= 0.1 {
        format!("{r:.2}")
    } else {
        format!("{r:.3}")
    }
}

/// "N× slower" for times and memory, where more is worse.
pub fn times(loa: f64, baseline: f64) -> String {
    if baseline <= 0.0 {
        return "-".into();
    }
    let r = loa / baseline;
    if r >= 10.0 {
        format!("×{}", thousands(r.round() as u64))
    } else {
        format!("×{r:.1}")
    }
}

fn closed_text(l: &Load) -> String {
    let mut s = format!(
        "{} req/s, p50 {} ms, p99 {} ms",
        rate(l.rate()),
        ms(l.p50_ms),
        ms(l.p99_ms)
    );
    if l.errors > 0 {
        let _ = write!(s, ", {} errors", thousands(l.errors));
    }
    s
}

fn open_text(l: &Load) -> String {
    let mut s = format!(
        "p99 {} ms (p50 {} ms; {} of {} req/s answered)",
        ms(l.p99_ms),
        ms(l.p50_ms),
        rate(l.rate()),
        thousands(u64::from(l.offered.unwrap_or(0)))
    );
    if l.errors > 0 {
        let _ = write!(s, ", {} errors", thousands(l.errors));
    }
    s
}

pub fn now_epoch() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn inbound(ctx: &Ctx, report: &mut Report, db: &Db, memory: &mut Memory) -> Result<()> {
    let s = &ctx.sizes;
    let backend = db.backend();
    let name = backend.name();
    let label = format!("inbound-{}", name.to_lowercase());
    let spec = Spec {
        label: &label,
        db,
        sendsms: Sendsms {
            port: ctx.baseline_port,
            rate: NULL_GATEWAY_RATE,
        },
        quiet: None,
    };
    let loa = Loa::start(&ctx.loa, &ctx.work, &spec)?;
    std::thread::sleep(Duration::from_secs(2));
    let idle = sys::memory_kib(loa.pid(), "VmRSS").unwrap_or(0);
    memory.loa_idle.push((backend, idle));

    let script = ctx.root.join("bench/wrk/kannel-mo.lua");
    let path = Loa::mo_path();
    let loa_url = format!("http://127.0.0.1:{}/", loa.port);
    let base_url = format!("http://127.0.0.1:{}/", ctx.baseline_port);
    let args = |base: u32| vec![path.clone(), base.to_string()];

    // Closed loop: baseline, then loa, each after a warm-up, one right after the other.
    load::wrk(&script, &base_url, CLIENTS, s.warm_up, &args(0))?;
    let sampler = RssSampler::start(ctx.baseline.pid());
    let base_closed = load::wrk(&script, &base_url, CLIENTS, s.closed, &args(0))?;
    memory.baseline_load_kib = memory.baseline_load_kib.max(sampler.finish());
    let warm = load::wrk(&script, &loa_url, CLIENTS, s.warm_up, &args(0))?;
    let sampler = RssSampler::start(loa.pid());
    let closed = load::wrk(&script, &loa_url, CLIENTS, s.closed, &args(2_000_000))?;
    memory.loa_load.push((backend, sampler.finish()));

    // Open loop at a fixed offered rate.
    let base_open = load::oha_open(
        &load::mo_regex(ctx.baseline_port, &path, "b"),
        s.open_rate,
        OPEN_CONNECTIONS,
        s.open,
    )?;
    let open = load::oha_open(
        &load::mo_regex(loa.port, &path, "o"),
        s.open_rate,
        OPEN_CONNECTIONS,
        s.open,
    )?;

    let problem = check_inbound(report, db, name, warm.ok + closed.ok + open.ok)?;
    let flag = problem
        .as_ref()
        .map(|p| format!("; CHECK FAILED: {p}"))
        .unwrap_or_default();
    report.row(
        &format!("inbound SMS → reply queued, {name}, closed loop, {CLIENTS} clients"),
        closed_text(&closed) + &flag,
        format!(
            "plain axum handler parsing the same request: {}",
            closed_text(&base_closed)
        ),
        ratio(closed.rate(), base_closed.rate()),
    );
    report.row(
        &format!(
            "inbound SMS → reply queued, {name}, open loop, {} req/s offered",
            thousands(u64::from(s.open_rate))
        ),
        open_text(&open) + &flag,
        open_text(&base_open),
        format!("p99 {}", times(open.p99_ms, base_open.p99_ms)),
    );
    loa.stop(report, &format!("inbound, {name}"));
    if problem.is_some() {
        report.check_failed();
    }
    Ok(())
}

/// Every request answered 200 left a stored message, handled, with a queued reply (loa answers
/// after all three; requests oha cut off at its deadline may have been stored too, so the counts
/// may be higher, never lower). Returns what did not hold, if anything; a message the webhook
/// stored but left to the inbox sweep (`new`) is counted, not a failure.
fn check_inbound(
    report: &mut Report,
    db: &Db,
    name: &str,
    answered: u64,
) -> Result<Option<String>> {
    let waiting = || db.count("SELECT COUNT(*) FROM inbound_messages WHERE status = 'new'");
    let _ = sys::wait_until(Duration::from_secs(30), "inbound messages handled", || {
        Ok(waiting()? == 0)
    });
    let stored = db.count("SELECT COUNT(*) FROM inbound_messages")? as u64;
    let handled =
        db.count("SELECT COUNT(*) FROM inbound_messages WHERE status = 'handled'")? as u64;
    let new = waiting()? as u64;
    let replies = db.count("SELECT COUNT(*) FROM outbox")? as u64;
    let sent =
        db.count("SELECT COUNT(*) FROM outbox WHERE status IN ('sent', 'delivered')")? as u64;
    report.note(format!(
        "inbound, {name}: {} requests answered 200 by loa (warm-up included); {} inbound rows \
         stored, {} handled, {} still `new` 30 s after the load (left to the inbox sweep), {} \
         replies queued, {} of them sent to the null gateway by the end",
        thousands(answered),
        thousands(stored),
        thousands(handled),
        thousands(new),
        thousands(replies),
        thousands(sent)
    ));
    if stored < answered {
        return Ok(Some(format!(
            "{} requests answered 200 but only {} messages stored",
            thousands(answered),
            thousands(stored)
        )));
    }
    if replies != handled {
        return Ok(Some(format!(
            "{} messages handled but {} replies queued",
            thousands(handled),
            thousands(replies)
        )));
    }
    Ok(None)
}

fn memory_rows(report: &mut Report, m: &Memory) {
    let list = |v: &[(Backend, i64)]| {
        v.iter()
            .map(|(b, kib)| format!("{} {:.0} MiB", b.name(), mib(*kib)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let worst = |v: &[(Backend, i64)]| v.iter().map(|(_, k)| *k).max().unwrap_or(0) as f64;
    if m.loa_idle.is_empty() {
        return;
    }
    report.row(
        "memory: idle RSS (2 s after start)",
        list(&m.loa_idle),
        format!("the baseline server: {:.1} MiB", mib(m.baseline_idle_kib)),
        times(worst(&m.loa_idle), m.baseline_idle_kib as f64),
    );
    report.row(
        &format!("memory: peak RSS under the closed-loop inbound load ({CLIENTS} clients)"),
        list(&m.loa_load),
        format!("the baseline server: {:.1} MiB", mib(m.baseline_load_kib)),
        times(worst(&m.loa_load), m.baseline_load_kib as f64),
    );
}

/// `loa import` (or any loa command that reads only the database URL) against `db`.
fn loa_cmd(ctx: &Ctx, db: &Db, args: &[&str]) -> Command {
    let mut cmd = Command::new(&ctx.loa);
    for (name, _) in std::env::vars().filter(|(k, _)| k.starts_with("LOA_")) {
        cmd.env_remove(name);
    }
    cmd.args(args)
        .env("LOA_DATABASE_URL", db.url())
        .env("RUST_LOG", "warn")
        .current_dir(&ctx.work);
    cmd
}

fn import_file(ctx: &Ctx, db: &Db, kind: &str, file: &Path) -> Result<()> {
    let log = ctx.work.join(format!("import-{kind}.log"));
    let file = file.to_str().context("utf-8 path")?;
    let usage = sys::run_measured(loa_cmd(ctx, db, &["import", kind, file]), &log)?;
    if !usage.ok {
        bail!(
            "loa import {kind} failed: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }
    Ok(())
}

/// Areas (a province, `communes` communes of 10 villages) and `n` households with one phone
/// each, as the importers read them (the headers of demo/).
fn write_households(
    dir: &Path,
    n: usize,
    communes: usize,
) -> Result<(Vec<String>, std::path::PathBuf, std::path::PathBuf)> {
    std::fs::create_dir_all(dir)?;
    let mut areas =
        String::from("Mã,Tên,Cấp,Mã cấp trên,Đặc biệt khó khăn,Khu vực\n19,Tỉnh,tỉnh,,,\n");
    let mut codes = Vec::new();
    for c in 0..communes {
        let code = format!("{:05}", 10_000 + c);
        let _ = writeln!(areas, "{code},Xã {c},xã,19,có,III");
        for v in 0..10 {
            let _ = writeln!(areas, "V{c:02}{v:02},Thôn {c}-{v},thôn,{code},có,");
        }
        codes.push(code);
    }
    let mut hh = String::from(
        "Mã hộ,Họ tên chủ hộ,Thôn/bản,Dân tộc,Phân loại hộ,Năm phân loại,Số nhân khẩu,Số điện thoại\n",
    );
    for i in 0..n {
        let (c, v) = (i % communes, (i / communes) % 10);
        let _ = writeln!(
            hh,
            "H{i:07},Chủ hộ {i},V{c:02}{v:02},Tày,nghèo,2025,{},09{:08}",
            1 + i % 9,
            12_000_000 + i
        );
    }
    let (a, h) = (dir.join("areas.csv"), dir.join("households.csv"));
    std::fs::write(&a, areas)?;
    std::fs::write(&h, hh)?;
    Ok((codes, a, h))
}

fn import(ctx: &Ctx, report: &mut Report, db: &Db, path: &str) -> Result<()> {
    let n = ctx.sizes.households;
    let dir = ctx.work.join("import");
    let (_, areas, households) = write_households(&dir, n, 10)?;
    import_file(ctx, db, "areas", &areas)?;
    let hh = households.to_str().context("utf-8 path")?;
    let log = ctx.work.join("import-households.log");
    let usage = sys::run_measured(loa_cmd(ctx, db, &["import", "households", hh]), &log)?;
    ensure!(
        usage.ok,
        "loa import households failed: {}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    let imported = db.count("SELECT COUNT(*) FROM households")?;
    ensure!(
        imported as usize == n,
        "{imported} households imported of {n}"
    );

    let plain = dir.join("plain.db");
    let _ = std::fs::remove_file(&plain);
    let mut cmd = Command::new("sqlite3");
    cmd.arg(&plain)
        .arg(format!(".import --csv {hh} households"));
    let base = sys::run_measured(cmd, &ctx.work.join("sqlite3-import.log"))?;
    ensure!(base.ok, "sqlite3 .import failed");
    let plain_db = Db::Sqlite(plain.clone());
    let rows = plain_db.count("SELECT COUNT(*) FROM households")?;
    ensure!(rows as usize == n, "sqlite3 imported {rows} rows of {n}");
    plain_db.drop_db();

    report.row(
        path,
        format!(
            "{:.2} s, peak RSS {:.0} MiB, {} context switches",
            usage.wall.as_secs_f64(),
            mib(usage.max_rss_kib),
            thousands(usage.context_switches as u64)
        ),
        format!(
            "`sqlite3 .import` of the same file into a plain table: {:.2} s, peak RSS {:.0} MiB",
            base.wall.as_secs_f64(),
            mib(base.max_rss_kib)
        ),
        format!(
            "{} slower",
            times(usage.wall.as_secs_f64(), base.wall.as_secs_f64())
        ),
    );
    Ok(())
}

fn ussd(ctx: &Ctx, report: &mut Report, db: &Db, path: &str) -> Result<()> {
    let s = &ctx.sizes;
    let spec = Spec {
        label: "ussd",
        db,
        sendsms: Sendsms {
            port: ctx.baseline_port,
            rate: NULL_GATEWAY_RATE,
        },
        quiet: None,
    };
    let loa = Loa::start(&ctx.loa, &ctx.work, &spec)?;
    let script = ctx.root.join("bench/wrk/ussd.lua");
    let loa_url = format!("http://127.0.0.1:{}{}", loa.port, Loa::ussd_path());
    let base_url = format!("http://127.0.0.1:{}/ussd", ctx.baseline_port);
    let per_thread = (USSD_SESSIONS / 2).to_string();
    let args = |tag: &str| vec![tag.to_string(), per_thread.clone()];
    load::wrk(&script, &base_url, USSD_SESSIONS, s.warm_up, &args("w"))?;
    let base = load::wrk(&script, &base_url, USSD_SESSIONS, s.ussd, &args("b"))?;
    load::wrk(&script, &loa_url, USSD_SESSIONS, s.warm_up, &args("w"))?;
    let l = load::wrk(&script, &loa_url, USSD_SESSIONS, s.ussd, &args("l"))?;
    let sessions = db.count("SELECT COUNT(*) FROM ussd_sessions")?;
    report.note(format!(
        "USSD: {} steps answered `CON`/`END` by loa, {} failed; {} sessions stored",
        thousands(l.ok),
        thousands(l.errors),
        thousands(sessions as u64)
    ));
    loa.stop(report, "USSD");
    ensure!(sessions > 0, "loa stored no USSD session");
    report.row(
        path,
        closed_text(&l),
        format!(
            "constant `CON` handler parsing the same form: {}",
            closed_text(&base)
        ),
        ratio(l.rate(), base.rate()),
    );
    Ok(())
}

/// Quiet hours (local time, Asia/Ho_Chi_Minh, UTC+7 all year) that hold bulk now and for the
/// next 22 hours.
fn quiet_now() -> (String, String) {
    let hour = ((now_epoch() as u64 / 3600) + 7) % 24;
    (
        format!("{:02}:00", hour),
        format!("{:02}:00", (hour + 23) % 24),
    )
}

fn dispatch(ctx: &Ctx, report: &mut Report, db: &Db, path: &str) -> Result<()> {
    let n = ctx.sizes.dispatch_messages;
    let name = db.backend().name();
    let dir = ctx.work.join(format!("dispatch-{}", name.to_lowercase()));
    let (communes, areas, households) = write_households(&dir, n, 10)?;
    let staff = dir.join("staff.csv");
    std::fs::write(
        &staff,
        format!(
            "Số điện thoại,Họ tên,Vai trò,Địa bàn\n0912999999,Cán bộ bench,cán bộ xã,{}\n",
            communes.join("; ")
        ),
    )?;
    for (kind, file) in [
        ("areas", &areas),
        ("households", &households),
        ("staff", &staff),
    ] {
        import_file(ctx, db, kind, file)?;
    }
    let label = format!("dispatch-{}", name.to_lowercase());
    let mut spec = Spec {
        label: &label,
        db,
        sendsms: Sendsms {
            port: ctx.baseline_port,
            rate: 100_000,
        },
        quiet: Some(quiet_now()),
    };
    // First instance: in quiet hours, so the notice is queued whole and nothing is sent.
    let loa = Loa::start(&ctx.loa, &ctx.work, &spec)?;
    let staff_id = db.count("SELECT id FROM staff")?;
    let body = format!(
        r#"{{"audience": {{"areas": [{}]}}, "text": "Hop thon luc 8h sang thu Hai"}}"#,
        communes
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let (status, answer) = loa.api("POST", "/api/v1/notices", staff_id, &body)?;
    ensure!(status == 201, "creating the notice: {status} {answer}");
    let notice: serde_json::Value = serde_json::from_str(&answer)?;
    let id = notice["notice"]["id"].as_i64().context("notice id")?;
    let (status, answer) = loa.api("POST", &format!("/api/v1/notices/{id}/send"), staff_id, "")?;
    ensure!(status == 202, "sending the notice: {status} {answer}");
    sys::wait_until(Duration::from_secs(300), "the notice queued", || {
        Ok(db.count("SELECT COUNT(*) FROM outbox")? as usize >= n)
    })?;
    let queued = db.count("SELECT COUNT(*) FROM outbox WHERE status = 'queued'")?;
    ensure!(queued as usize == n, "{queued} rows queued of {n}");
    loa.stop(report, &format!("dispatch, {name}, queuing"));

    // Second instance, same database, no quiet hours: the dispatcher sends the whole queue.
    spec.quiet = None;
    let calls_before = baseline_stat(ctx, "sendsms")?;
    let loa = Loa::start(&ctx.loa, &ctx.work, &spec)?;
    let limit = Duration::from_secs(120 + n as u64 / 10);
    sys::wait_until(limit, "the queue sent", || {
        Ok(db.count("SELECT COUNT(*) FROM outbox WHERE status IN ('queued', 'sending')")? == 0)
    })?;
    loa.stop(report, &format!("dispatch, {name}, sending"));
    let sent = db.count("SELECT COUNT(*) FROM outbox WHERE status = 'sent'")?;
    let span = db.span_seconds("sent_at", "FROM outbox WHERE status = 'sent'")?;
    let calls = baseline_stat(ctx, "sendsms")? - calls_before;
    report.note(format!(
        "dispatch, {name}: {} queued by a notice to {} households, {} sent, {} sendsms calls at \
         the null gateway, first to last send {:.2} s",
        thousands(n as u64),
        thousands(n as u64),
        thousands(sent as u64),
        thousands(calls),
        span
    ));
    ensure!(sent as usize == n, "{sent} sent of {n}");
    let loa_rate = sent as f64 / span.max(1e-3);

    let (single, batched) = plain_writes(ctx, db.backend(), n, DISPATCH_BATCH)?;
    report.row(
        path,
        format!(
            "{} msg/s ({} sent in {:.1} s, first to last send)",
            rate(loa_rate),
            thousands(sent as u64),
            span
        ),
        format!(
            "settling {} rows of a plain table, one UPDATE a row: {} rows/s at {DISPATCH_BATCH} \
             to a transaction (one commit a claimed batch), {} rows/s at one to a transaction",
            thousands(n as u64),
            rate(batched),
            rate(single)
        ),
        format!("{} (of the batched)", ratio(loa_rate, batched)),
    );
    Ok(())
}

fn baseline_stat(ctx: &Ctx, key: &str) -> Result<u64> {
    let (status, body) = sys::http(ctx.baseline_port, "GET", "/stats", &[], "")?;
    ensure!(status == 200, "baseline /stats: {status}");
    let v: serde_json::Value = serde_json::from_str(&body)?;
    v[key]
        .as_u64()
        .with_context(|| format!("baseline /stats has no {key}"))
}

/// The dispatch baseline: settling `n` queued rows with one single-row UPDATE each, on a plain
/// table of the same backend with loa's durability settings, from one connection: first each
/// UPDATE its own transaction (one durable commit a message), then `batch` UPDATEs to a
/// transaction (one commit a claimed batch, the dispatcher's `batch_size`). Returns both rates.
fn plain_writes(ctx: &Ctx, backend: Backend, n: usize, batch: usize) -> Result<(f64, f64)> {
    let server = ctx.postgres.clone().unwrap_or_default();
    let db = Db::fresh(backend, &ctx.work, &server)?;
    let result = plain_writes_on(ctx, &db, n, batch);
    db.drop_db();
    result
}

fn plain_writes_on(ctx: &Ctx, db: &Db, n: usize, batch: usize) -> Result<(f64, f64)> {
    let pragma = if db.backend() == Backend::Sqlite {
        "PRAGMA synchronous=NORMAL;\n"
    } else {
        ""
    };
    let mut setup = String::new();
    if db.backend() == Backend::Sqlite {
        setup.push_str("PRAGMA journal_mode=WAL;\n");
    }
    setup.push_str(
        "CREATE TABLE plain_outbox (id INTEGER PRIMARY KEY, recipient TEXT NOT NULL, \
         text TEXT NOT NULL, status TEXT NOT NULL, sent_at TEXT);\nBEGIN;\n",
    );
    let (mut single, mut batched) = (pragma.to_string(), pragma.to_string());
    for i in 1..=n {
        let _ = writeln!(
            setup,
            "INSERT INTO plain_outbox VALUES ({i}, '+8491{i:07}', 'Hop thon luc 8h sang thu Hai', 'queued', NULL);"
        );
        let _ = writeln!(
            single,
            "UPDATE plain_outbox SET status = 'sent', sent_at = '2026-01-01T00:00:00Z' WHERE id = {i};"
        );
        if (i - 1) % batch == 0 {
            batched.push_str("BEGIN;\n");
        }
        let _ = writeln!(
            batched,
            "UPDATE plain_outbox SET status = 'delivered', sent_at = '2026-01-01T00:00:01Z' WHERE id = {i};"
        );
        if i % batch == 0 || i == n {
            batched.push_str("COMMIT;\n");
        }
    }
    setup.push_str("COMMIT;\n");
    // The client's own start (a process, a connection) is timed alone and taken off.
    let start = run_sql(ctx, db, "start", pragma)?;
    let mut rates = Vec::new();
    for (phase, sql) in [("setup", setup), ("single", single), ("batched", batched)] {
        let took = run_sql(ctx, db, phase, &sql)?;
        rates.push(n as f64 / (took - start).max(1e-3));
    }
    let done = db.count("SELECT COUNT(*) FROM plain_outbox WHERE status = 'delivered'")?;
    ensure!(done as usize == n, "plain UPDATEs: {done} of {n}");
    Ok((rates[1], rates[2]))
}

/// Runs `sql` with the backend's command-line client; its wall time in seconds.
fn run_sql(ctx: &Ctx, db: &Db, phase: &str, sql: &str) -> Result<f64> {
    let file = ctx.work.join(format!("plain-{phase}.sql"));
    std::fs::write(&file, sql)?;
    let cmd = match db {
        Db::Sqlite(path) => {
            let mut c = Command::new("sqlite3");
            c.arg(path).arg(format!(".read {}", file.display()));
            c
        }
        Db::Postgres { .. } => {
            let mut c = Command::new("psql");
            c.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f"])
                .arg(&file)
                .arg(db.url());
            c
        }
    };
    let usage = sys::run_measured(cmd, &ctx.work.join(format!("plain-{phase}.log")))?;
    ensure!(usage.ok, "plain {phase} failed");
    Ok(usage.wall.as_secs_f64())
}
