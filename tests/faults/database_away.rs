//! PostgreSQL cut off under load: webhooks answer 503 with the JSON error body and `Retry-After`
//! while it is away (so the gateway retries), nothing is half-stored, and service resumes by
//! itself when it is back; each retried message is stored once and answered once.
//!
//! loa reaches PostgreSQL through a proxy in the test (`proxy.rs`; restarting the shared server
//! would break the other tests running beside this one). The cut has two halves: every open
//! connection reset and new ones reset as they open, then connections refused. The test plays
//! Kannel's smsbox: `mo` webhooks carrying Kannel's message id (so a repeat is recognized), each
//! from its own phone, repeated after a 503 as smsbox would; the replies go out through the SMS
//! Gateway for Android adapter (the gateway with priority), whose message id makes a repeated
//! send after a lost answer harmless, so "answered once" is what the phone sees.

use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use sqlx::postgres::PgConnectOptions;

use crate::child::{self, Loa, KANNEL_ID};
use crate::common::{done_if, postgres_url, try_eventually, TestDb, PATIENCE};
use crate::fake::FakeGateway;
use crate::proxy::DbProxy;
use crate::{bounded, count, skipped};

/// Phones sending at once, each its next message as soon as the last was taken (after a pause).
const SENDERS: usize = 16;
const PAUSE: Duration = Duration::from_millis(50);
/// smsbox retries later than this; the test keeps it short.
const RETRY_PAUSE: Duration = Duration::from_millis(200);
/// Each half of the cut lasts at least this long, and until loa has answered 503 at least
/// [`MIN_503`] times in it.
const HALF_CUT: Duration = Duration::from_secs(2);
const MIN_503: usize = 5;
/// Messages taken before the cut, and after it (service resumed) before the load stops.
const WARM: usize = 100;

/// What the senders saw.
#[derive(Default)]
struct Seen {
    /// Message index and when it was taken (200).
    taken: Vec<(usize, Instant)>,
    /// When each 503 came, and how long its request took.
    unavailable: Vec<(Instant, Duration)>,
    /// Anything else: another status, a 503 without its JSON body or `Retry-After`, a transport error.
    wrong: Vec<String>,
}

struct Load {
    base: String,
    client: reqwest::Client,
    next: AtomicUsize,
    stop: AtomicBool,
    seen: Mutex<Seen>,
}

impl Load {
    fn seen<R>(&self, f: impl FnOnce(&Seen) -> R) -> R {
        f(&self.seen.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn record(&self, f: impl FnOnce(&mut Seen)) {
        f(&mut self.seen.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// 503s that came after `t`.
    fn unavailable_after(&self, t: Instant) -> usize {
        self.seen(|s| s.unavailable.iter().filter(|(at, _)| *at > t).count())
    }

    fn taken_after(&self, t: Instant) -> usize {
        self.seen(|s| s.taken.iter().filter(|(_, at)| *at > t).count())
    }
}

/// The phone of message `i` (as Kannel writes it) and its E.164 form.
fn phone(i: usize) -> (String, String) {
    (format!("84916{i:06}"), format!("+84916{i:06}"))
}

/// One sender: messages until told to stop, each repeated until loa took it.
async fn sender(load: Arc<Load>) {
    while !load.stop.load(Ordering::SeqCst) {
        let i = load.next.fetch_add(1, Ordering::SeqCst);
        deliver(&load, i).await;
        tokio::time::sleep(PAUSE).await;
    }
}

async fn deliver(load: &Load, i: usize) {
    let (from, _) = phone(i);
    let url = format!(
        "{}/webhooks/{KANNEL_ID}/mo?from={from}&to=9029&text=HD&id=fault-{i}&coding=0&charset=UTF-8",
        load.base
    );
    loop {
        let asked = Instant::now();
        let res = load.client.get(&url).send().await;
        let took = asked.elapsed();
        match res {
            Ok(res) if res.status() == 200 => {
                load.record(|s| s.taken.push((i, Instant::now())));
                return;
            }
            Ok(res) if res.status() == 503 => {
                let retry_after = res
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u32>().ok());
                let body: serde_json::Value = res.json().await.unwrap_or_default();
                let code = body["error"]["code"].as_str().unwrap_or("").to_string();
                load.record(|s| {
                    s.unavailable.push((Instant::now(), took));
                    if retry_after.is_none() || code != "unavailable" {
                        s.wrong
                            .push(format!("503 with Retry-After {retry_after:?}, body {body}"));
                    }
                });
            }
            Ok(res) => {
                let status = res.status();
                let body = res.text().await.unwrap_or_default();
                load.record(|s| s.wrong.push(format!("{status} after {took:?}: {body}")));
            }
            Err(err) => load.record(|s| s.wrong.push(format!("transport: {err}"))),
        }
        tokio::time::sleep(RETRY_PAUSE).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_away_under_load_webhooks_503_then_resume() -> Result<()> {
    if postgres_url().is_none() {
        skipped(
            "database_away_under_load_webhooks_503_then_resume",
            "it cuts loa off from PostgreSQL (set LOA_TEST_DATABASE_URL; .ci/run does); SQLite is a file beside loa",
        );
        return Ok(());
    }
    bounded("database away", run).await
}

/// `url` with its host and port replaced by the proxy's.
fn through(url: &str, proxy: std::net::SocketAddr) -> Result<String> {
    let mut u = reqwest::Url::parse(url)?;
    u.set_host(Some(&proxy.ip().to_string()))?;
    u.set_port(Some(proxy.port()))
        .map_err(|()| anyhow::anyhow!("cannot set a port on {url}"))?;
    Ok(u.to_string())
}

/// Waits until `phase` has lasted [`HALF_CUT`] and loa answered 503 at least [`MIN_503`] times in it.
async fn hold_cut(load: &Load, phase: &str, since: Instant) -> Result<usize> {
    let n = try_eventually(
        Duration::from_secs(20),
        format!("{MIN_503} webhooks answered 503 while {phase}"),
        async || {
            let n = load.unavailable_after(since);
            done_if(n >= MIN_503 && since.elapsed() >= HALF_CUT, n)
        },
    )
    .await?;
    Ok(n)
}

async fn run(test_db: TestDb) -> Result<TestDb> {
    let url = test_db.url.clone();
    let opts = PgConnectOptions::from_str(&url)?;
    let upstream = tokio::net::lookup_host((opts.get_host(), opts.get_port()))
        .await?
        .next()
        .context("PostgreSQL's address")?;
    let proxy = DbProxy::start(upstream).await?;
    let dir = tempfile::tempdir()?;
    let dir = dir.path();
    let fake = FakeGateway::start(false).await?;
    child::android_file(dir, &fake.url(), 500, 10)?;
    child::kannel_file(dir, &fake.url(), 1, 0)?;
    let loa = Loa::start("a", dir, &through(&url, proxy.addr)?, &[]).await?;
    let db = loa::db::connect(&url).await?;

    let load = Arc::new(Load {
        base: loa.base.clone(),
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?,
        next: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
        seen: Mutex::new(Seen::default()),
    });
    let senders: Vec<_> = (0..SENDERS)
        .map(|_| tokio::spawn(sender(load.clone())))
        .collect();
    let start = Instant::now();
    try_eventually(PATIENCE, format!("{WARM} messages taken"), async || {
        let n = load.taken_after(start);
        done_if(n >= WARM, n)
    })
    .await
    .with_context(|| format!("log:\n{}", loa.log_tail()))?;

    proxy.reset_all();
    let cut = Instant::now();
    let in_reset = hold_cut(&load, "connections are reset", cut).await?;
    proxy.refuse();
    let refusing = Instant::now();
    let in_refused = hold_cut(&load, "connections are refused", refusing).await?;
    proxy.restore().await?;
    let back = Instant::now();
    let cut_for = cut.elapsed();

    try_eventually(
        Duration::from_secs(20),
        format!("{WARM} messages taken after the database came back"),
        async || {
            let n = load.taken_after(back);
            done_if(n >= WARM, n)
        },
    )
    .await
    .with_context(|| format!("log:\n{}", loa.log_tail()))?;
    let first_after = load.seen(|s| {
        s.taken
            .iter()
            .map(|(_, at)| *at)
            .filter(|at| *at > back)
            .min()
    });
    load.stop.store(true, Ordering::SeqCst);
    for s in senders {
        s.await?;
    }
    let messages = load.next.load(Ordering::SeqCst);
    let unhandled_at_end = count(
        &db,
        "SELECT COUNT(*) FROM inbound_messages WHERE status = 'new'",
    )
    .await?;

    // Messages stored but not handled when the cut came are the inbox sweep's (every 10 s, for
    // rows older than 20 s); then every reply goes out.
    let settled = Instant::now();
    let open = "SELECT
        (SELECT COUNT(*) FROM inbound_messages WHERE status = 'new')
      + (SELECT COUNT(*) FROM outbox WHERE status IN ('queued', 'sending'))";
    try_eventually(
        Duration::from_secs(45),
        "every message handled and every reply at the gateway",
        async || match count(&db, open).await {
            Ok(open) => {
                let answered = fake.tally(|t| t.ids_by_recipient.len());
                done_if(
                    open == 0 && answered >= messages,
                    format!("{open} open, {answered} phones answered"),
                )
            }
            Err(err) => Err(format!("{err:#}")),
        },
    )
    .await
    .with_context(|| format!("log:\n{}", loa.log_tail()))?;
    let settle_took = settled.elapsed();

    let stored = count(
        &db,
        &format!("SELECT COUNT(*) FROM inbound_messages WHERE gateway_id = '{KANNEL_ID}'"),
    )
    .await?;
    let distinct = count(
        &db,
        &format!(
            "SELECT COUNT(DISTINCT provider_id) FROM inbound_messages WHERE gateway_id = '{KANNEL_ID}'"
        ),
    )
    .await?;
    let handled = count(
        &db,
        "SELECT COUNT(*) FROM inbound_messages WHERE status = 'handled'",
    )
    .await?;
    let replies = count(
        &db,
        "SELECT COUNT(*) FROM outbox WHERE origin LIKE 'reply:%'",
    )
    .await?;
    let reply_origins = count(
        &db,
        "SELECT COUNT(DISTINCT origin) FROM outbox WHERE origin LIKE 'reply:%'",
    )
    .await?;
    let (wrong_answers, repeats, kannel_sends) = fake.tally(|t| {
        let wrong: Vec<(String, usize)> = (0..messages)
            .map(|i| {
                let e164 = phone(i).1;
                let n = t.ids_by_recipient.get(&e164).map_or(0, |s| s.len());
                (e164, n)
            })
            .filter(|(_, n)| *n != 1)
            .collect();
        let kannel: u32 = t.kannel_by_recipient.values().sum();
        (wrong, t.repeats(), kannel)
    });
    let (wrong, slowest_503, all_503) = load.seen(|s| {
        let slowest = s.unavailable.iter().map(|(_, d)| *d).max();
        (s.wrong.clone(), slowest, s.unavailable.len())
    });
    println!(
        "faults/database away (PostgreSQL): {messages} messages from {SENDERS} senders; cut for \
         {:.1} s ({in_reset} answers 503 while connections were reset, {in_refused} while \
         refused; {all_503} in all, the slowest after {:.2} s); first message taken {:.2} s \
         after it came back; {unhandled_at_end} stored but unhandled when the load stopped, all \
         answered {:.1} s later; {stored} stored ({distinct} distinct ids), {handled} handled, \
         {replies} replies queued, phones answered other than once: {}; {repeats} sends repeated; \
         {} other answers",
        cut_for.as_secs_f64(),
        slowest_503.map_or(0.0, |d| d.as_secs_f64()),
        first_after.map_or(f64::NAN, |at| (at - back).as_secs_f64()),
        settle_took.as_secs_f64(),
        wrong_answers.len(),
        wrong.len(),
    );
    ensure!(
        wrong.is_empty(),
        "answers other than 200 or a proper 503: {:?}",
        &wrong[..wrong.len().min(5)]
    );
    ensure!(in_reset >= MIN_503 && in_refused >= MIN_503);
    ensure!(
        stored == messages as i64 && distinct == stored,
        "{stored} rows ({distinct} distinct ids) for {messages} messages"
    );
    ensure!(handled == stored, "{handled} of {stored} handled");
    ensure!(
        replies == stored && reply_origins == stored,
        "{replies} replies ({reply_origins} distinct) for {stored} messages"
    );
    ensure!(
        wrong_answers.is_empty(),
        "{} phones not answered exactly once, e.g. {:?}",
        wrong_answers.len(),
        &wrong_answers[..wrong_answers.len().min(5)]
    );
    ensure!(
        kannel_sends == 0,
        "{kannel_sends} replies went through Kannel"
    );
    db.close().await;
    drop(loa);
    drop(proxy);
    Ok(test_db)
}
