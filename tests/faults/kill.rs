//! SIGKILL half-way through a 10,000-message notice: every household's phone gets it exactly once.
//!
//! The households come in through `loa import`, the notice through the staff API with an
//! account's token, and the messages go out through the SMS Gateway for Android adapter to the
//! fake gateway, which counts per recipient and per message id. A killed sender leaves rows in
//! `sending`; whoever sends next claims them again once their lease runs out and sends them with
//! the same id, so the phone app (and the fake) take each message once: the repeats are counted
//! and printed, and every recipient must have exactly one distinct message.

use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use rand::Rng;

use crate::child::{self, Loa};
use crate::common::{done_if, postgres_url, try_eventually, TestDb};
use crate::fake::FakeGateway;
use crate::{bounded, count, skipped};

const HOUSEHOLDS: usize = 10_000;
/// Parts per second the gateway file allows: 10,000 one-part messages in about 5 s.
const RATE: u32 = 2_000;
/// GSM-7, one part.
const TEXT: &str = "Hop thon luc 8h sang thu Hai tai nha van hoa. UBND xa.";
/// Longest wait for the rest of the messages after the kill.
const DRAIN: Duration = Duration::from_secs(60);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Two instances on one PostgreSQL; the one sending is killed and the other takes over.
    TwoInstances,
    /// One instance, killed and started again on the same database.
    Restart,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_one_killed_half_way_every_recipient_once() -> Result<()> {
    if postgres_url().is_none() {
        skipped(
            "two_instances_one_killed_half_way_every_recipient_once",
            "two instances need PostgreSQL (set LOA_TEST_DATABASE_URL; .ci/run does)",
        );
        return Ok(());
    }
    bounded("kill: two instances", |db| run(db, Shape::TwoInstances)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_half_way_and_restarted_every_recipient_once() -> Result<()> {
    bounded("kill: restart", |db| run(db, Shape::Restart)).await
}

async fn run(test_db: TestDb, shape: Shape) -> Result<TestDb> {
    let url = test_db.url.clone();
    let dir = tempfile::tempdir()?;
    let dir = dir.path();
    let fake = FakeGateway::start(false).await?;
    child::android_file(dir, &fake.url(), RATE, 10)?;
    let phones = child::import_households(dir, &url, HOUSEHOLDS)?;
    let token = child::admin_token(dir, &url).await?;
    let db = loa::db::connect(&url).await?;
    ensure!(
        count(&db, "SELECT COUNT(*) FROM outbox").await? == 0,
        "the import queued messages of its own"
    );

    let env = [
        ("LOA_DISPATCHER__BATCH_SIZE", "500".to_string()),
        ("LOA_DISPATCHER__CONCURRENCY", "32".to_string()),
    ];
    let mut live = vec![Loa::start("a", dir, &url, &env).await?];
    if shape == Shape::TwoInstances {
        live.push(Loa::start("b", dir, &url, &env).await?);
    }
    let client = reqwest::Client::new();
    let started = Instant::now();
    let notice = child::send_notice(&client, &live[0].base, &token, TEXT).await?;
    // Queued in full before the kill: a notice left half-queued by a dead instance is finished
    // by the `broadcasts` job once its queuing lease lapses (minutes), another fault than this.
    try_eventually(
        DRAIN,
        "the notice to be queued",
        async || match child::notice_state(&client, &live[0].base, &token, notice).await {
            Ok((state, figures)) => done_if(state == "queued", format!("{state} {figures}")),
            Err(err) => Err(format!("{err:#}")),
        },
    )
    .await?;
    // Half-way, give or take a tenth: a different point each run lands in a different state of
    // a claimed batch (waiting for the rate, being sent, being settled).
    let target = rand::rng().random_range(HOUSEHOLDS * 2 / 5..=HOUSEHOLDS * 3 / 5);
    try_eventually(
        DRAIN,
        format!("{target} messages at the gateway"),
        async || {
            let taken = fake.tally(|t| t.taken());
            done_if(taken >= target, taken)
        },
    )
    .await
    .with_context(|| format!("log:\n{}", live[0].log_tail()))?;

    // The instance that sends is the one to kill: it holds the dispatch lease.
    let holder = loa::outbox::lease::holder(&db, loa::db::time::now()).await?;
    let at = live
        .iter()
        .position(|l| Some(&l.instance) == holder.as_ref())
        .with_context(|| format!("the dispatch lease is held by {holder:?}, none of ours"))?;
    let mut victim = live.remove(at);
    victim.kill_hard()?;
    let killed_at = Instant::now();
    let taken_at_kill = fake.tally(|t| t.taken());
    let in_flight = count(&db, "SELECT COUNT(*) FROM outbox WHERE status = 'sending'").await?;
    ensure!(
        taken_at_kill <= HOUSEHOLDS * 4 / 5,
        "the kill came late: {taken_at_kill} of {HOUSEHOLDS} already at the gateway"
    );
    if shape == Shape::Restart {
        live.push(Loa::start("restarted", dir, &url, &env).await?);
    }

    let open = "SELECT COUNT(*) FROM outbox WHERE status IN ('queued', 'sending')";
    try_eventually(
        DRAIN,
        "every message at the gateway, every row settled",
        async || match count(&db, open).await {
            Ok(open) => {
                let taken = fake.tally(|t| t.taken());
                done_if(
                    taken >= HOUSEHOLDS && open == 0,
                    format!("{taken} taken, {open} rows queued or sending"),
                )
            }
            Err(err) => Err(format!("{err:#}")),
        },
    )
    .await
    .with_context(|| format!("log:\n{}", live[0].log_tail()))?;
    let took = started.elapsed();

    let sent = count(&db, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'").await?;
    let rows = count(&db, "SELECT COUNT(*) FROM outbox").await?;
    let (repeats, resumed, wrong, strangers, taken) = fake.tally(|t| {
        let wrong: Vec<(String, usize)> = phones
            .iter()
            .map(|p| {
                (
                    p.clone(),
                    t.ids_by_recipient.get(p).map_or(0, |ids| ids.len()),
                )
            })
            .filter(|(_, n)| *n != 1)
            .collect();
        let strangers = t
            .ids_by_recipient
            .keys()
            .filter(|p| !p.starts_with("+84913"))
            .count();
        let resumed = t.first_taken_after(killed_at).map(|at| at - killed_at);
        (t.repeats(), resumed, wrong, strangers, t.taken())
    });
    let what = match shape {
        Shape::TwoInstances => "two instances, the sender killed",
        Shape::Restart => "one instance killed and restarted",
    };
    println!(
        "faults/kill ({}, {what}): {HOUSEHOLDS} recipients in {:.1} s; killed after {taken_at_kill} \
         had reached the gateway, {in_flight} rows in flight ('sending'); sending resumed {:.2} s \
         after the kill; {repeats} sends repeated (same id, answered 409), {} distinct messages \
         taken, recipients with other than one: {}",
        crate::backend(&url),
        took.as_secs_f64(),
        resumed.map_or(f64::NAN, |d| d.as_secs_f64()),
        taken,
        wrong.len(),
    );
    ensure!(
        rows == HOUSEHOLDS as i64,
        "{rows} outbox rows for {HOUSEHOLDS} households"
    );
    ensure!(sent == rows, "{sent} of {rows} rows sent");
    ensure!(
        wrong.is_empty(),
        "{} recipients did not get exactly one message, e.g. {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(5)]
    );
    ensure!(
        strangers == 0,
        "{strangers} numbers outside the households got messages"
    );
    // Only a row a dead sender had claimed can go twice; nothing it had settled.
    ensure!(
        repeats <= in_flight as u64,
        "{repeats} repeated sends, more than the {in_flight} rows in flight at the kill"
    );
    db.close().await;
    drop(live);
    Ok(test_db)
}
