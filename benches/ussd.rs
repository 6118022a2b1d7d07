//! Latency of one USSD step with 200 sessions at once, next to a constant-answer baseline.
//!
//! `cargo bench --bench ussd`. Two servers run in this process on loopback: loa itself (HTTP,
//! dispatcher, scheduler, a fresh SQLite file; PostgreSQL when `LOA_BENCH_DATABASE_URL` names
//! one) and a bare axum handler that answers every request with the same `CON …` text. The same
//! load generator drives both: 200 sessions at once, each a phone walking the menu step by step
//! (main menu, marriage law, a topic, its second page, back, back), each request carrying the
//! whole text so far, as an aggregator sends it. The run is bounded in requests and in time.
//!
//! Two loads: "flat out", where each phone sends its next step the moment it has the answer (the
//! server's saturation point: latency is then mostly queueing, about 200 / throughput), and
//! "paced", where each phone waits 0 to 1 s before its next step (mean 0.5 s; a person takes
//! several seconds), so 200 sessions offer about 400 steps a second.

use std::time::{Duration, Instant};

use axum::routing::post;
use axum::Router;

const SESSIONS: usize = 200;
/// Sessions each simulated phone walks one after the other.
const ROUNDS: usize = 5;
/// Inputs of one session after its first (empty) request.
const PATH: &[&str] = &["4", "1", "9", "0", "0"];
const TIME_LIMIT: Duration = Duration::from_secs(90);

struct Run {
    name: String,
    latencies: Vec<Duration>,
    errors: usize,
    wall: Duration,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// 200 phones at once, each walking `ROUNDS` sessions through `PATH`; every step timed.
/// `think_ms`: the most a phone waits before its next step (0: none).
async fn load(name: &str, url: String, tag: &str, think_ms: u64) -> Run {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(SESSIONS)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let deadline = Instant::now() + TIME_LIMIT;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for phone_no in 0..SESSIONS {
        let client = client.clone();
        let url = url.clone();
        let tag = tag.to_string();
        tasks.push(tokio::spawn(async move {
            let phone = format!("0912{phone_no:06}");
            let mut latencies = Vec::new();
            let mut errors = 0;
            for round in 0..ROUNDS {
                let session = format!("bench-{tag}-{phone_no}-{round}");
                let mut text: Vec<&str> = Vec::new();
                for step in 0..=PATH.len() {
                    if Instant::now() > deadline {
                        return (latencies, errors);
                    }
                    if step > 0 {
                        text.push(PATH[step - 1]);
                    }
                    if think_ms > 0 {
                        let wait = rand::random_range(0..think_ms);
                        tokio::time::sleep(Duration::from_millis(wait)).await;
                    }
                    let body = serde_urlencoded::to_string([
                        ("sessionId", session.as_str()),
                        ("serviceCode", "*123#"),
                        ("phoneNumber", phone.as_str()),
                        ("networkCode", "45204"),
                        ("text", &text.join("*")),
                    ])
                    .expect("form");
                    let t = Instant::now();
                    let res = client
                        .post(&url)
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(body)
                        .send()
                        .await;
                    let ok = match res {
                        Ok(r) if r.status().is_success() => r
                            .text()
                            .await
                            .is_ok_and(|b| b.starts_with("CON ") || b.starts_with("END ")),
                        _ => false,
                    };
                    latencies.push(t.elapsed());
                    if !ok {
                        errors += 1;
                    }
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.expect("task");
        latencies.extend(l);
        errors += e;
    }
    latencies.sort();
    Run {
        name: name.to_string(),
        latencies,
        errors,
        wall: start.elapsed(),
    }
}

async fn baseline() -> String {
    let router = Router::new().route(
        "/ussd",
        post(|_body: axum::body::Bytes| async {
            "CON Loa xa. Bam so:\n1. Tinh trang ho tro\n4. Hoi ve luat hon nhan\n5. Ngon ngu/Language\n0. Thoat"
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}/ussd")
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("dir");
        let (db_url, backend) = match std::env::var("LOA_BENCH_DATABASE_URL") {
            Ok(u) if !u.trim().is_empty() => (u, "PostgreSQL"),
            _ => (
                format!("sqlite://{}/bench.db", dir.path().display()),
                "SQLite",
            ),
        };
        let mut config = loa::config::Config {
            database_url: db_url,
            listen: ([127, 0, 0, 1], 0).into(),
            ..Default::default()
        };
        // `/simulator/api/ussd` exists only in simulator mode.
        config.simulator.enabled = true;
        let app = loa::server::open(config).await.expect("open loa");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let running = loa::server::start(app, listener).await.expect("start loa");
        let loa_url = format!("http://{}/simulator/api/ussd", running.addr);
        let base_url = baseline().await;
        let tag = uuid::Uuid::new_v4().simple().to_string();

        // Warm up both (connections, contacts, the SQLite file), then measure each in turn.
        load("warm-up", base_url.clone(), &format!("w{tag}"), 0).await;
        load("warm-up", loa_url.clone(), &format!("w{tag}"), 0).await;
        let loa_name = format!("loa USSD step ({backend})");
        let runs = [
            (
                "flat out",
                load(
                    "baseline: constant CON (axum)",
                    base_url.clone(),
                    &format!("a{tag}"),
                    0,
                )
                .await,
            ),
            (
                "flat out",
                load(&loa_name, loa_url.clone(), &format!("b{tag}"), 0).await,
            ),
            (
                "paced 0-1 s",
                load(
                    "baseline: constant CON (axum)",
                    base_url,
                    &format!("c{tag}"),
                    1000,
                )
                .await,
            ),
            (
                "paced 0-1 s",
                load(&loa_name, loa_url, &format!("d{tag}"), 1000).await,
            ),
        ];
        println!(
            "\nUSSD step latency: {SESSIONS} concurrent sessions, {} steps each, {} CPUs\n",
            ROUNDS * (PATH.len() + 1),
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        println!(
            "| {:<11} | {:<30} | {:>8} | {:>6} | {:>6} | {:>7} | {:>7} | {:>7} | {:>7} |",
            "load", "server", "requests", "errors", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms"
        );
        println!(
            "|{:-<13}|{:-<32}|{:->10}|{:->8}|{:->8}|{:->9}|{:->9}|{:->9}|{:->9}|",
            "", "", "", "", "", "", "", "", ""
        );
        for (load, r) in &runs {
            let l = &r.latencies;
            println!(
                "| {:<11} | {:<30} | {:>8} | {:>6} | {:>6.0} | {:>7} | {:>7} | {:>7} | {:>7} |",
                load,
                r.name,
                l.len(),
                r.errors,
                l.len() as f64 / r.wall.as_secs_f64(),
                ms(percentile(l, 0.50)),
                ms(percentile(l, 0.90)),
                ms(percentile(l, 0.99)),
                ms(l.last().copied().unwrap_or_default()),
            );
        }
        for (load, r) in runs.iter().filter(|(_, r)| r.name == loa_name) {
            let p99 = percentile(&r.latencies, 0.99);
            println!(
                "loa, {load}: p99 {} ms, {} the 50 ms aim{}",
                ms(p99),
                if p99 < Duration::from_millis(50) {
                    "under"
                } else {
                    "OVER"
                },
                if r.errors > 0 {
                    "; SOME STEPS FAILED"
                } else {
                    ""
                }
            );
        }
        // The share of a step that is the menu walk itself (rendering, paging), without HTTP or SQL.
        let locales = loa::i18n::Locales::embedded().expect("locales");
        let n = 2000;
        let t = Instant::now();
        for _ in 0..n {
            let w = loa::dialog::ussd::walk::walk(
                &locales,
                "vi",
                &["4", "1", "9", "0", "0"],
                &Default::default(),
            );
            std::hint::black_box(w.clean);
        }
        println!(
            "menu walk alone (5 inputs, no HTTP, no database): {:.0} us",
            t.elapsed().as_secs_f64() * 1e6 / f64::from(n)
        );
        running.stop().await;
    });
}
