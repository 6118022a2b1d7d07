//! Benchmark: an inbound SMS through `POST /simulator/api/sms` until its reply is enqueued (SQLite), next to an axum handler that does nothing, under the same load.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

/// Concurrent clients, each on its own keep-alive connection.
const WORKERS: usize = 32;
const WARM_UP: Duration = Duration::from_secs(1);
const DEFAULT_SECONDS: u64 = 5;

/// Builds the JSON body of request number `n`; `n` is unique over the whole process.
type BodyFn = Arc<dyn Fn(u64) -> Value + Send + Sync>;

/// What one timed run measured.
struct Run {
    ok: u64,
    errors: u64,
    first_error: Option<String>,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Run {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }

    /// Nearest-rank percentile, in milliseconds.
    fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        let i = rank.clamp(1, self.latencies.len()) - 1;
        self.latencies[i].as_secs_f64() * 1000.0
    }
}

/// `WORKERS` tasks post to `url` until `duration` has passed, each waiting for its answer before
/// the next request (closed loop), so the rate measured is what the server sustains.
async fn drive(
    client: &reqwest::Client,
    url: &str,
    body: &BodyFn,
    next: &Arc<AtomicU64>,
    duration: Duration,
) -> Run {
    let start = Instant::now();
    let end = start + duration;
    let mut tasks = Vec::with_capacity(WORKERS);
    for _ in 0..WORKERS {
        let (client, url, body, next) =
            (client.clone(), url.to_string(), body.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            let mut first_error = None;
            while Instant::now() < end {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let t0 = Instant::now();
                let res = client.post(&url).json(&body(n)).send().await;
                // The answer is read whole: a request counts once the client has all of it.
                let outcome = match res {
                    Ok(res) => {
                        let status = res.status();
                        match res.bytes().await {
                            Ok(_) if status == 200 => Ok(()),
                            Ok(_) => Err(format!("status {status}")),
                            Err(e) => Err(format!("reading the answer: {e}")),
                        }
                    }
                    Err(e) => Err(format!("request: {e}")),
                };
                match outcome {
                    Ok(()) => latencies.push(t0.elapsed()),
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert(e);
                    }
                }
            }
            (latencies, errors, first_error)
        }));
    }
    let mut run = Run {
        ok: 0,
        errors: 0,
        first_error: None,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    for task in tasks {
        let (latencies, errors, first_error) = task.await.expect("load worker panicked");
        run.latencies.extend(latencies);
        run.errors += errors;
        if run.first_error.is_none() {
            run.first_error = first_error;
        }
    }
    run.elapsed = start.elapsed();
    run.ok = run.latencies.len() as u64;
    run.latencies.sort_unstable();
    run
}

/// A warm-up (not counted, but checked), then the timed run.
async fn scenario(
    client: &reqwest::Client,
    url: &str,
    body: BodyFn,
    next: &Arc<AtomicU64>,
    duration: Duration,
) -> (Run, Run) {
    let warm = drive(client, url, &body, next, WARM_UP).await;
    let timed = drive(client, url, &body, next, duration).await;
    (warm, timed)
}

/// The baseline: the same transport and JSON body, a handler that touches nothing.
async fn start_baseline() -> Result<(String, tokio::task::JoinHandle<()>)> {
    let router = Router::new().route(
        "/ok",
        post(|Json(_): Json<Value>| async { Json(json!({ "ok": true })) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok((format!("http://{addr}/ok"), server))
}

fn config(dir: &std::path::Path) -> loa::config::Config {
    use loa::config::{Config, DispatcherConfig, QuietHours, SimulatorConfig};
    // As tests/common/mod.rs `test_config`: no quiet hours, fast polling, short leases; and a
    // gateway folder with no files, so only the built-in simulator sends.
    let defaults = Config::default();
    Config {
        database_url: format!("sqlite://{}/loa.db", dir.display()),
        listen: ([127, 0, 0, 1], 0).into(),
        gateway_dir: dir.join("no-gateways"),
        instance_id: Some("bench".into()),
        quiet_hours: QuietHours {
            start: chrono::NaiveTime::MIN,
            end: chrono::NaiveTime::MIN,
        },
        simulator: SimulatorConfig {
            rate: 1000,
            ..defaults.simulator
        },
        dispatcher: DispatcherConfig {
            poll_millis: 50,
            lease_seconds: 2,
            ..defaults.dispatcher
        },
        ..defaults
    }
}

async fn count(db: &loa::db::Db, sql: &str) -> Result<i64> {
    Ok(loa::with_db!(db, pool => sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(pool)
        .await)?)
}

fn row(name: &str, r: &Run) {
    println!(
        "{name:<36} {:>9} {:>10.1} {:>8.2} {:>8.2} {:>7}",
        r.ok,
        r.rate(),
        r.percentile_ms(50.0),
        r.percentile_ms(99.0),
        r.errors
    );
}

async fn bench() -> Result<()> {
    let seconds = match std::env::var("LOA_BENCH_SECONDS") {
        Ok(s) => s
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|s| *s > 0)
            .context("LOA_BENCH_SECONDS must be a whole number of seconds, at least 1")?,
        Err(_) => DEFAULT_SECONDS,
    };
    let duration = Duration::from_secs(seconds);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(WORKERS)
        .timeout(Duration::from_secs(30))
        .build()?;
    // Shared by both scenarios, so no provider id and no sender position is ever reused.
    let next = Arc::new(AtomicU64::new(0));

    let (base_url, base_server) = start_baseline().await?;
    let base_body: BodyFn =
        Arc::new(|n| json!({ "from": "0913000000", "text": "HD", "id": n.to_string() }));
    let (base_warm, base) = scenario(&client, &base_url, base_body, &next, duration).await;
    base_server.abort();

    let dir = tempfile::tempdir()?;
    let app = loa::server::open(config(dir.path())).await?;
    loa::demo::load(&app.services.db).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let running = loa::server::start(app.clone(), listener).await?;
    let sms_url = format!("http://{}/simulator/api/sms", running.addr);
    // Each number sends HD three times, what the loop guard (3 identical replies per number per
    // 10 minutes) lets through, then the next number takes over: every request gets a reply.
    // Fresh provider ids keep the inbox from taking any request for a provider's retry.
    let sms_body: BodyFn = Arc::new(
        |n| json!({ "from": format!("0913{:06}", (n / 3) % 1_000_000), "text": "HD", "id": format!("bench-{n}") }),
    );
    let (loa_warm, loa) = scenario(&client, &sms_url, sms_body, &next, duration).await;

    // The handler answers after the reply is enqueued: check that every 200 left a handled inbound
    // row and a queued reply, or the figures above measured less work than they claim.
    let accepted = (loa_warm.ok + loa.ok) as i64;
    let reply = loa::outbox::Priority::Reply.rank();
    let handled = count(
        &app.services.db,
        "SELECT COUNT(*) FROM inbound_messages WHERE status = 'handled' AND note = 'help'",
    )
    .await?;
    let replies = count(
        &app.services.db,
        &format!("SELECT COUNT(*) FROM outbox WHERE priority = {reply}"),
    )
    .await?;
    let replies_sent = count(
        &app.services.db,
        &format!(
            "SELECT COUNT(*) FROM outbox WHERE priority = {reply} AND status IN ('sent', 'delivered')"
        ),
    )
    .await?;
    // Stopped before the table is printed: stopping closes the pool under the simulator's pending
    // delivery reports, which log a warning each, and the table should be the last thing shown.
    running.stop().await;

    println!();
    println!(
        "inbound benchmark: {WORKERS} concurrent keep-alive clients, {} s warm-up, {seconds} s timed, SQLite file",
        WARM_UP.as_secs()
    );
    println!(
        "{:<36} {:>9} {:>10} {:>8} {:>8} {:>7}",
        "scenario", "requests", "req/s", "p50 ms", "p99 ms", "errors"
    );
    row("axum handler, 200, no database", &base);
    row("loa SMS webhook -> reply enqueued", &loa);
    println!(
        "ratio baseline/loa: {:.1}x req/s, {:.1}x p50, {:.1}x p99 (loa is that much slower)",
        base.rate() / loa.rate(),
        loa.percentile_ms(50.0) / base.percentile_ms(50.0),
        loa.percentile_ms(99.0) / base.percentile_ms(99.0),
    );
    println!(
        "loa: {accepted} SMS accepted (warm-up included), {handled} handled, {replies} replies \
         enqueued, {replies_sent} of them already sent by the dispatcher running alongside"
    );

    let errors = base_warm.errors + base.errors + loa_warm.errors + loa.errors;
    let first_error = [&base_warm, &base, &loa_warm, &loa]
        .iter()
        .find_map(|r| r.first_error.clone());
    ensure!(
        errors == 0,
        "{errors} requests did not get a 200 (first: {})",
        first_error.unwrap_or_default()
    );
    ensure!(
        handled == accepted && replies == accepted,
        "{accepted} SMS accepted but {handled} handled and {replies} replies enqueued"
    );
    Ok(())
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    // One runtime for both servers and the load generator: the two scenarios share the 2 cores
    // the same way, so their ratio is the cost of loa's work.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(bench());
    // Delivery reports still sleeping in spawned tasks are dropped, not woken to a closed pool.
    runtime.shutdown_background();
    outcome
}
