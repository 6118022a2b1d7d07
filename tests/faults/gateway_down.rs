//! The gateway down for a while (503, then connection refused) and back: nothing is lost, each
//! message is taken once, and messages whose expiry passed meanwhile are never sent and are
//! marked `expired`.
//!
//! Messages are queued through the outbox's own API (`Outbox::enqueue_many`, what every feature
//! calls), since only it lets a message expire within seconds; loa sends them through the SMS
//! Gateway for Android adapter.

use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use loa::outbox::{NewMessage, Outbox, Priority};
use loa::phone::Msisdn;

use crate::child::{self, Loa};
use crate::common::{done_if, try_eventually, TestDb, PATIENCE};
use crate::fake::FakeGateway;
use crate::{bounded, count};

/// Messages that outlive the outage.
const LASTING: usize = 200;
/// Messages that expire during it.
const SHORT: usize = 40;
const SHORT_TTL: Duration = Duration::from_secs(4);
/// The gateway answers 503 at least this long, and until it has refused [`REFUSALS`] calls (the
/// circuit opens after 3 failures, then one probe a second).
const UNAVAILABLE_FOR: Duration = Duration::from_secs(2);
const REFUSALS: u64 = 5;

fn message(to: String, key: &str, expires_at: Option<chrono::DateTime<chrono::Utc>>) -> NewMessage {
    NewMessage {
        recipient: Msisdn::parse(&to).expect("test number"),
        text: "Lich tiem chung thang nay: thu Ba tai tram y te xa.".into(),
        priority: Priority::Bulk,
        topic: Some("notice".into()),
        origin: "test:gateway-down".into(),
        idempotency_key: key.into(),
        not_before: None,
        expires_at,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_down_and_back_nothing_lost_expired_not_sent() -> Result<()> {
    bounded("gateway down", run).await
}

async fn run(test_db: TestDb) -> Result<TestDb> {
    let url = test_db.url.clone();
    let dir = tempfile::tempdir()?;
    let dir = dir.path();
    // One request per connection, so that no kept-alive connection outlives `stop_listening`.
    let fake = FakeGateway::start(true).await?;
    fake.set_unavailable(true);
    child::android_file(dir, &fake.url(), 200, 10)?;
    let loa = Loa::start("a", dir, &url, &[]).await?;
    let db = loa::db::connect(&url).await?;

    let outbox = Outbox::new(db.clone(), 24, 72);
    let lasting: Vec<NewMessage> = (0..LASTING)
        .map(|i| message(format!("0913{i:06}"), &format!("down:l{i}"), None))
        .collect();
    let expiry = loa::db::time::now() + chrono::TimeDelta::from_std(SHORT_TTL)?;
    let short: Vec<NewMessage> = (0..SHORT)
        .map(|i| message(format!("0914{i:06}"), &format!("down:s{i}"), Some(expiry)))
        .collect();
    outbox.enqueue_many(&lasting).await?;
    outbox.enqueue_many(&short).await?;
    let down = Instant::now();

    try_eventually(
        PATIENCE,
        format!("{REFUSALS} calls answered 503"),
        async || {
            let refused = fake.tally(|t| t.refused);
            done_if(
                refused >= REFUSALS && down.elapsed() >= UNAVAILABLE_FOR,
                refused,
            )
        },
    )
    .await
    .with_context(|| format!("log:\n{}", loa.log_tail()))?;
    let answered_503 = fake.tally(|t| t.refused);
    fake.stop_listening();
    let refusing = Instant::now();

    // Down until loa has met a refused connection and every short-lived message has expired.
    let short_expired =
        "SELECT COUNT(*) FROM outbox WHERE recipient LIKE '+84914%' AND status = 'expired'";
    let met_refusal = "SELECT COUNT(*) FROM outbox WHERE last_error LIKE '%cannot connect%'";
    try_eventually(
        Duration::from_secs(30),
        "a refused connection recorded and every short-lived message marked expired",
        async || match (
            count(&db, short_expired).await,
            count(&db, met_refusal).await,
        ) {
            (Ok(expired), Ok(met)) => done_if(
                expired == SHORT as i64 && met > 0,
                format!("{expired} expired, {met} rows met a refused connection"),
            ),
            (Err(e), _) | (_, Err(e)) => Err(format!("{e:#}")),
        },
    )
    .await
    .with_context(|| format!("log:\n{}", loa.log_tail()))?;
    let refused_for = refusing.elapsed();
    fake.listen_again().await?;
    fake.set_unavailable(false);
    let back = Instant::now();
    let down_for = down.elapsed();

    let open = "SELECT COUNT(*) FROM outbox WHERE status IN ('queued', 'sending')";
    try_eventually(
        Duration::from_secs(30),
        "every lasting message taken and settled",
        async || match count(&db, open).await {
            Ok(open) => {
                let taken = fake.tally(|t| t.taken());
                done_if(
                    taken >= LASTING && open == 0,
                    format!("{taken} taken, {open} open"),
                )
            }
            Err(err) => Err(format!("{err:#}")),
        },
    )
    .await
    .with_context(|| format!("log:\n{}", loa.log_tail()))?;
    let drained = back.elapsed();

    let sent = count(
        &db,
        "SELECT COUNT(*) FROM outbox WHERE recipient LIKE '+84913%' AND status = 'sent'",
    )
    .await?;
    let expired = count(&db, short_expired).await?;
    let (repeats, once, short_taken, posts) = fake.tally(|t| {
        let once = (0..LASTING)
            .filter(|i| {
                let p = format!("+84913{i:06}");
                t.ids_by_recipient.get(&p).map(|s| s.len()) == Some(1)
                    && t.posts_by_recipient.get(&p) == Some(&1)
            })
            .count();
        let short_taken = t
            .ids_by_recipient
            .keys()
            .filter(|p| p.starts_with("+84914"))
            .count();
        let posts: u32 = t.posts.values().sum();
        (t.repeats(), once, short_taken, posts)
    });
    println!(
        "faults/gateway down ({}): down {:.1} s ({answered_503} calls answered 503, then \
         connections refused for {:.1} s); after it came back all {LASTING} lasting messages \
         went in {:.1} s; {sent} sent, {once} taken exactly once, {repeats} repeated; {expired} \
         of {SHORT} short-lived expired, {short_taken} of them sent; {posts} accepted calls",
        crate::backend(&url),
        down_for.as_secs_f64(),
        refused_for.as_secs_f64(),
        drained.as_secs_f64(),
    );
    ensure!(
        sent == LASTING as i64,
        "{sent} of {LASTING} lasting messages sent"
    );
    // A 503 or a refused connection means the gateway did not take the message: nothing is
    // sent twice.
    ensure!(
        once == LASTING,
        "{} lasting messages not taken exactly once",
        LASTING - once
    );
    ensure!(
        repeats == 0,
        "{repeats} messages sent again after the gateway took them"
    );
    ensure!(short_taken == 0, "{short_taken} expired messages were sent");
    ensure!(
        expired == SHORT as i64,
        "{expired} of {SHORT} short-lived messages marked expired"
    );
    db.close().await;
    drop(loa);
    Ok(test_db)
}
