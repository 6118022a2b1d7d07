//! Benchmark: a notice to 100,000 recipients rendered (per-contact language and script) and queued
//! (time, peak memory) beside a raw batched insert of the same rows; then the p99 from a villager's
//! `HD` to its reply leaving the outbox while the notice drains through a fake gateway at a fixed
//! rate, and while a second notice is being queued.
//!
//! `cargo bench --bench notices`. Size with `LOA_BENCH_RECIPIENTS` (default 100000), the fake
//! gateway's rate with `LOA_BENCH_RATE` (parts per second, default 100), the number of `HD`
//! probes per phase with `LOA_BENCH_PROBES` (default 200, 10 a second). Database: a SQLite file in a
//! temporary folder, or `LOA_BENCH_DATABASE_URL` naming a scratch PostgreSQL database, which is
//! WIPED first (its `public` schema dropped and made again).

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use loa::config::Config;
use loa::features::audiences::Audience;
use loa::features::notices::{self, Outcome, Texts};
use loa::features::staff::{Role, Scope, Staff};

mod common;
use common::{env_usize, peak_mib, reset_peak};

fn phone(i: usize) -> String {
    format!("+84912{:06}", i)
}

/// Runs `sql` once per chunk of `rows` value tuples, `$1` bound to `now` (every time column).
async fn insert_rows(db: &loa::db::Db, head: &str, rows: &[String], now: DateTime<Utc>) {
    for chunk in rows.chunks(500) {
        let sql = format!("{head} VALUES {}", chunk.join(", "));
        loa::execute!(db, pool => sqlx::query(&sql).bind(now).execute(pool).await).expect("seed");
    }
}

/// 1 province, 10 communes, 100 villages; one household and one phone per recipient, languages
/// and scripts mixed (vi 70 %, en, Tày, H'Mông 10 % each; 40 % unaccented); 1 % opted out of notices.
async fn seed(db: &loa::db::Db, n: usize) {
    let now = loa::db::time::now();
    let mut areas = vec!["('P', 'Tỉnh', 'province', NULL, $1)".to_string()];
    for c in 0..10 {
        areas.push(format!("('C{c}', 'Xã {c}', 'commune', 'P', $1)"));
        for v in 0..10 {
            areas.push(format!(
                "('V{c}{v}', 'Thôn {c}-{v}', 'village', 'C{c}', $1)"
            ));
        }
    }
    insert_rows(
        db,
        "INSERT INTO areas (code, name, level, parent_code, updated_at)",
        &areas,
        now,
    )
    .await;
    let langs = [
        "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "'en'", "'tyz'", "'hmn'",
    ];
    let contacts: Vec<String> = (0..n)
        .map(|i| {
            let script = if i % 5 < 2 { "unaccented" } else { "full" };
            format!("('{}', {}, '{script}', $1, $1)", phone(i), langs[i % 10])
        })
        .collect();
    insert_rows(
        db,
        "INSERT INTO contacts (msisdn, language, script, created_at, updated_at)",
        &contacts,
        now,
    )
    .await;
    let households: Vec<String> = (0..n)
        .map(|i| {
            let v = format!("V{}{}", i % 10, (i / 10) % 10);
            format!("('H{i:07}', 'H{i:07}', 'Chủ hộ {i}', '{v}', 'Tày', 'poor', $1)")
        })
        .collect();
    insert_rows(
        db,
        "INSERT INTO households (code, code_key, head_name, village_code, ethnic_group, poverty_class, updated_at)",
        &households,
        now,
    )
    .await;
    loa::execute!(db, pool => sqlx::query(
        "INSERT INTO household_contacts (household_id, contact_id)
         SELECT h.id, c.id FROM households h JOIN contacts c ON c.id = h.id"
    ).execute(pool).await)
    .expect("links");
    loa::execute!(db, pool => sqlx::query(
        "INSERT INTO consent_events (contact_id, action, scope, channel, created_at)
         SELECT id, 'opt_out', 'notice', 'sms', $1 FROM contacts WHERE id % 100 = 0"
    ).bind(now).execute(pool).await)
    .expect("opt-outs");
    // PostgreSQL plans from statistics that autovacuum gathers some time after a bulk load; a
    // fresh seed without them gets whole-table joins per page. SQLite keeps none unless asked.
    if let loa::db::Db::Postgres(pool) = db {
        sqlx::query("ANALYZE").execute(pool).await.expect("analyze");
    }
}

fn admin() -> Staff {
    Staff {
        id: 1,
        name: "bench".into(),
        role: Role::Admin,
        areas: Vec::new(),
    }
}

fn texts() -> Texts {
    Texts {
        text: "Thông báo của UBND xã: ngày 15 tháng này tiêm chủng mở rộng cho trẻ dưới 5 tuổi tại trạm y tế xã, từ 7 giờ đến 11 giờ. Mang theo sổ tiêm chủng.".into(),
        versions: [(
            "en".to_string(),
            "Commune notice: on the 15th, vaccination for children under 5 at the commune health station, 7 to 11 am. Bring the vaccination book.".to_string(),
        )]
        .into(),
    }
}

/// The raw baseline: the notice's rows, read back and deleted (so the table is as empty as it was
/// when the notice was queued into it), then written again as plain multi-row INSERTs of 500 with
/// everything computed beforehand (the placeholders the outbox uses). They are the notice's rows
/// again afterwards, same keys, still queued: the drain below sends them.
async fn raw_insert(db: &loa::db::Db, notice: i64) -> (Duration, u64) {
    let origin = notices::origin(notice);
    let rows: Vec<(String, String, String, String, i64, String)> =
        loa::with_db!(db, pool => sqlx::query_as(
        "SELECT recipient, text, text_hash, encoding, parts, idempotency_key FROM outbox
          WHERE origin = $1 ORDER BY id"
    ).bind(&origin).fetch_all(pool).await)
        .expect("rows");
    loa::execute!(db, pool => sqlx::query("DELETE FROM outbox WHERE origin = $1")
        .bind(&origin)
        .execute(pool)
        .await)
    .expect("empty the outbox of the notice");
    let now = loa::db::time::now();
    let expires = now + chrono::TimeDelta::hours(24);
    let start = Instant::now();
    for chunk in rows.chunks(500) {
        let sql = format!(
            "INSERT INTO outbox (recipient, text, text_hash, encoding, parts, priority, topic, origin,
                                 idempotency_key, not_before, expires_at, next_attempt_at,
                                 created_at, updated_at) VALUES {}",
            loa::outbox::store::placeholders(db, chunk.len(), 14)
        );
        loa::execute!(db, pool => {
            let mut q = sqlx::query(&sql);
            for (to, text, hash, enc, parts, key) in chunk {
                q = q.bind(to).bind(text).bind(hash).bind(enc).bind(parts).bind(10_i64)
                    .bind(notices::TOPIC).bind(&origin).bind(key)
                    .bind(now).bind(expires).bind(now).bind(now).bind(now);
            }
            q.execute(pool).await
        })
        .expect("raw insert");
    }
    (start.elapsed(), rows.len() as u64)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[(((sorted.len() - 1) as f64) * p).round() as usize]
}

/// `probes` villagers send `HD`, 10 a second; each one's time from just before its request to
/// its reply's `sent_at` (the gateway took it).
async fn probe(base: &str, db: &loa::db::Db, probes: usize, offset: usize) -> Vec<Duration> {
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for i in 0..probes {
        let client = client.clone();
        let url = format!("{base}/simulator/api/sms");
        let from = phone(1 + (offset + i * 37) % 90_000);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100 * i as u64)).await;
            let asked = Utc::now();
            let res = client
                .post(url)
                .json(&serde_json::json!({ "from": from, "text": "HD", "id": uuid::Uuid::new_v4().to_string() }))
                .send()
                .await
                .expect("sms");
            let status = res.status();
            let v: serde_json::Value = res.json().await.unwrap_or_default();
            let id = v["inbound_id"].as_i64();
            assert!(id.is_some(), "HD from {from} answered {status}: {v}");
            (asked, id.unwrap_or(0))
        }));
    }
    let mut asked = Vec::new();
    for t in tasks {
        asked.push(t.await.expect("probe"));
    }
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    for (at, inbound) in asked {
        loop {
            let sent: Option<Option<DateTime<Utc>>> = loa::with_db!(db, pool => sqlx::query_scalar(
                "SELECT sent_at FROM outbox WHERE idempotency_key = $1"
            ).bind(format!("reply:{inbound}")).fetch_optional(pool).await)
            .expect("reply");
            if let Some(Some(s)) = sent {
                out.push((s - at).to_std().unwrap_or_default());
                break;
            }
            assert!(Instant::now() < deadline, "reply to {inbound} not sent");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    out.sort();
    out
}

fn line(what: &str, d: &[Duration]) {
    let ms = |x: Duration| x.as_secs_f64() * 1e3;
    println!(
        "  {what:<52} p50 {:>7.1} ms   p99 {:>7.1} ms   max {:>7.1} ms   (n={})",
        ms(percentile(d, 0.5)),
        ms(percentile(d, 0.99)),
        ms(d.last().copied().unwrap_or_default()),
        d.len()
    );
}

async fn wipe_postgres(url: &str) {
    let pool = sqlx::PgPool::connect(url).await.expect("scratch database");
    for s in ["DROP SCHEMA public CASCADE", "CREATE SCHEMA public"] {
        sqlx::query(s).execute(&pool).await.expect("wipe");
    }
    pool.close().await;
}

#[tokio::main]
async fn main() {
    let n = env_usize("LOA_BENCH_RECIPIENTS", 100_000).max(100);
    let rate = env_usize("LOA_BENCH_RATE", 100).max(1) as u32;
    let probes = env_usize("LOA_BENCH_PROBES", 200).max(1);
    let dir = tempfile::tempdir().expect("dir");
    let (url, backend) = match std::env::var("LOA_BENCH_DATABASE_URL") {
        Ok(u) if !u.trim().is_empty() => {
            wipe_postgres(&u).await;
            (u, "PostgreSQL")
        }
        _ => (
            format!("sqlite://{}/bench.db", dir.path().display()),
            "SQLite",
        ),
    };
    let mut config = Config {
        database_url: url,
        listen: ([127, 0, 0, 1], 0).into(),
        ..Default::default()
    };
    config.quiet_hours.start = chrono::NaiveTime::MIN;
    config.quiet_hours.end = chrono::NaiveTime::MIN;
    config.simulator.enabled = true;
    config.simulator.rate = rate;
    let app = loa::server::open(config.clone()).await.expect("open loa");
    let svc = app.services.clone();
    println!("notices bench: {n} recipients, fake gateway at {rate} parts/s, {backend}");
    let t = Instant::now();
    seed(&svc.db, n).await;
    println!("  seeded in {:.1} s", t.elapsed().as_secs_f64());

    // Baseline for the HD probes: the same villagers with nothing else queued.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let running = loa::server::start(app, listener).await.expect("start");
    let idle = probe(&format!("http://{}", running.addr), &svc.db, probes, 70_000).await;
    running.stop().await;
    // Stopping closed the pool: queue on a fresh instance that has no dispatcher running.
    let app = loa::server::open(config).await.expect("reopen loa");
    let svc = app.services.clone();

    let audience = Audience::default();
    let t = Instant::now();
    let (notice, p) = notices::create(
        &svc.db,
        svc.prices.as_ref(),
        &admin(),
        &Scope::default(),
        audience.clone(),
        texts(),
    )
    .await
    .expect("draft");
    println!(
        "  preview: {} recipients ({} full, {} unaccented), {} parts, in {:.0} ms",
        p.recipients,
        p.full_recipients,
        p.unaccented_recipients,
        p.total_parts,
        t.elapsed().as_secs_f64() * 1e3
    );
    notices::send(&svc.db, notice.id, None).await.expect("send");
    reset_peak();
    let t = Instant::now();
    let out = notices::queue(&svc.db, &svc.outbox, notice.id, loa::db::time::now())
        .await
        .expect("queue");
    let queued_in = t.elapsed();
    let peak = peak_mib();
    let Outcome::Queued(queued) = out else {
        panic!("not queued: {out:?}")
    };
    let (raw, raw_rows) = raw_insert(&svc.db, notice.id).await;
    println!(
        "  notice rendered and queued: {queued} messages     {:>7.2} s   peak {:>6.1} MiB",
        queued_in.as_secs_f64(),
        peak
    );
    println!(
        "  baseline: raw batched insert of the same {raw_rows} rows  {:>7.2} s   (notice / raw = {:.2})",
        raw.as_secs_f64(),
        queued_in.as_secs_f64() / raw.as_secs_f64()
    );

    // Drain through the built-in simulator at `rate` parts/s while villagers send HD (the
    // queuing above ran without a dispatcher).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let running = loa::server::start(app, listener).await.expect("start");
    let base = format!("http://{}", running.addr);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let draining = probe(&base, &svc.db, probes, 0).await;
    println!("HD -> reply sent, {probes} villagers at 10/s:");
    line("baseline: nothing else queued", &idle);
    line("while the notice drains", &draining);

    // And while a second notice of the same size is being queued beside the draining one.
    let (second, _) = notices::create(
        &svc.db,
        svc.prices.as_ref(),
        &admin(),
        &Scope::default(),
        audience,
        texts(),
    )
    .await
    .expect("draft");
    notices::send(&svc.db, second.id, None).await.expect("send");
    let (db, outbox) = (svc.db.clone(), svc.outbox.clone());
    let queuing = tokio::spawn(async move {
        let t = Instant::now();
        let out = notices::queue(&db, &outbox, second.id, loa::db::time::now()).await;
        (t.elapsed(), out)
    });
    let during = probe(&base, &svc.db, probes, 50_000).await;
    let (took, out) = queuing.await.expect("queuing");
    line("while a second notice is being queued", &during);
    println!(
        "  (second notice: {:?} in {:.2} s with the dispatcher and the probes running)",
        out.expect("queue"),
        took.as_secs_f64()
    );
    let f = notices::figures(&svc.outbox, &notices::origin(notice.id))
        .await
        .expect("figures");
    println!(
        "  first notice so far: {} sent or delivered, {} queued",
        f.sent + f.delivered,
        f.queued
    );
    // Leave the rest queued: cancel both, so a stop does not wait on them.
    notices::cancel(&svc.db, &svc.outbox, notice.id)
        .await
        .expect("cancel");
    notices::cancel(&svc.db, &svc.outbox, second.id)
        .await
        .expect("cancel");
    running.stop().await;
}
