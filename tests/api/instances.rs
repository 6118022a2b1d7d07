//! Several instances on one database: one sends at a time (the dispatch lease), so each gateway's
//! rate holds across instances, and a standby takes over when the holder stops renewing.

use loa::outbox::{NewMessage, Priority};
use loa::phone::Msisdn;

use crate::common::{self, done_if, eventually, PATIENCE};

fn bulk(i: usize) -> NewMessage {
    let to = format!("09140{i:05}");
    NewMessage {
        recipient: Msisdn::parse(&to).expect("phone"),
        text: "Hop thon".into(),
        priority: Priority::Bulk,
        topic: None,
        origin: "test:instances".into(),
        idempotency_key: format!("instances:{i}"),
        not_before: None,
        expires_at: None,
    }
}

/// Seconds between the first and the last message the simulated phones received.
async fn spread(t: &common::TestApp, n: usize) -> f64 {
    let db = &t.app.services.db;
    let got = eventually(PATIENCE, format!("{n} messages received"), async || {
        let got = common::count(&t.app, "SELECT COUNT(*) FROM simulator_received").await;
        done_if(got >= n as i64, got)
    })
    .await;
    assert_eq!(got, n as i64);
    let (first, last): (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) =
        loa::with_db!(db, pool => sqlx::query_as(
            "SELECT MIN(received_at), MAX(received_at) FROM simulator_received"
        )
        .fetch_one(pool)
        .await)
        .expect("times");
    (last - first).as_seconds_f64()
}

#[tokio::test]
async fn two_instances_together_keep_a_gateways_rate() {
    const RATE: u32 = 20;
    let n = 41;
    let a = common::spawn_with(|c| c.simulator.rate = RATE).await;
    let b = a.twin().await;
    let msgs: Vec<NewMessage> = (0..n).map(bulk).collect();
    a.app
        .services
        .outbox
        .enqueue_many(&msgs)
        .await
        .expect("queue");
    b.app.services.outbox.wake_signal().notify_one();
    let took = spread(&a, n).await;
    // Each instance paces itself at RATE; were both sending, 41 parts would take about 1 s.
    let floor = (n - 1) as f64 / f64::from(RATE);
    println!("{n} parts at {RATE}/s through two instances: {took:.2} s (expected {floor:.2} s)");
    assert!(
        took >= floor - 0.3,
        "sent faster than the rate: {took:.2} s"
    );
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn a_standby_takes_over_when_the_holder_dies() {
    let a = common::spawn().await;
    let b = a.twin().await;
    let db = a.app.services.db.clone();
    let holder = || {
        let db = db.clone();
        async move {
            loa::outbox::lease::holder(&db, loa::db::time::now())
                .await
                .expect("holder")
        }
    };
    // One of the two holds the lease (whichever started sending first); the other stands by.
    let first = eventually(PATIENCE, "an instance to hold the lease", async || {
        holder().await
    })
    .await;
    let (dead, standby) = if first == a.app.instance {
        (&a, &b)
    } else {
        (&b, &a)
    };
    dead.crash_dispatcher();
    let died = std::time::Instant::now();
    let outbox = &standby.app.services.outbox;
    outbox.enqueue(bulk(1)).await.expect("queue");
    let next = standby.app.instance.clone();
    eventually(PATIENCE, "the standby to hold the lease", async || {
        let h = holder().await;
        done_if(h.as_deref() == Some(next.as_str()), h)
    })
    .await;
    standby.wait_for_messages("0914000001", 1).await;
    let took = died.elapsed().as_secs_f64();
    println!("the standby took over and sent {took:.2} s after the holder died (hold 3 s)");
    // What a clean stop does, so a standby need not wait for the lease to lapse; another
    // instance's release leaves it alone.
    let gone = &dead.app.instance;
    loa::outbox::lease::release(&db, gone)
        .await
        .expect("release");
    assert_eq!(holder().await.as_deref(), Some(next.as_str()));
    b.stop().await;
    a.stop().await;
}
