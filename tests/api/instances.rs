//! Several instances on one database: one sends at a time (the dispatch lease), so each gateway's
//! rate holds across instances, and a standby takes over when the holder stops renewing.

use std::time::Duration;

use chrono::TimeDelta;
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
async fn a_standby_takes_over_when_the_holder_stops_renewing() {
    let t = common::spawn_with(|c| c.simulator.rate = 1000).await;
    let db = t.app.services.db.clone();
    let now = loa::db::time::now();
    // Another instance holds the lease and dies: nobody renews it.
    let gone = "dead-instance";
    loa::execute!(&db, pool => sqlx::query(
        "UPDATE dispatch_lease SET holder = $1, expires_at = $2"
    )
    .bind(gone)
    .bind(now + TimeDelta::seconds(2))
    .execute(pool)
    .await)
    .expect("hand the lease away");
    let held_by = |at| {
        let db = db.clone();
        async move { loa::outbox::lease::holder(&db, at).await.expect("holder") }
    };
    assert_eq!(held_by(now).await.as_deref(), Some(gone));
    t.app.services.outbox.enqueue(bulk(1)).await.expect("queue");
    let started = std::time::Instant::now();
    let mine = t.app.instance.clone();
    eventually(
        Duration::from_secs(10),
        "the standby to hold the lease",
        async || {
            let h = held_by(loa::db::time::now()).await;
            done_if(h.as_deref() == Some(mine.as_str()), h)
        },
    )
    .await;
    t.wait_for_messages("0914000001", 1).await;
    println!(
        "taken over and sent {:.2} s after the holder stopped",
        started.elapsed().as_secs_f64()
    );
    // What a clean stop does (`release`), so a standby need not wait for the lease to lapse:
    // another instance's release leaves the lease alone, the holder's frees it (and this
    // instance, still running, may take it again at once).
    loa::outbox::lease::release(&db, gone)
        .await
        .expect("release");
    assert_eq!(
        held_by(loa::db::time::now()).await.as_deref(),
        Some(mine.as_str())
    );
    loa::outbox::lease::release(&db, &mine)
        .await
        .expect("release");
    let after = held_by(loa::db::time::now()).await;
    assert!(
        after.is_none() || after.as_deref() == Some(mine.as_str()),
        "{after:?}"
    );
    t.stop().await;
}
