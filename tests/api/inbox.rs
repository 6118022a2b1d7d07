//! The inbox: stored once before the webhook is answered, whatever the provider repeats.

use serde_json::json;

use crate::common::{self, DEMO_PHONE};

#[tokio::test]
async fn the_same_provider_id_three_times_is_one_message_and_one_reply() {
    let t = common::spawn().await;
    let first = t.sms_with_id(DEMO_PHONE, "HD", Some("prov-1")).await;
    let second = t.sms_with_id(DEMO_PHONE, "HD", Some("prov-1")).await;
    let third = t.sms_with_id(DEMO_PHONE, "HD", Some("prov-1")).await;
    assert_eq!(first["duplicate"], false);
    assert_eq!(second["duplicate"], true);
    assert_eq!(third["duplicate"], true);
    assert_eq!(first["inbound_id"], third["inbound_id"]);
    t.wait_for_messages(DEMO_PHONE, 1).await;
    t.settle().await;
    assert_eq!(t.messages(DEMO_PHONE).await.len(), 1);
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM inbound_messages").await,
        1
    );
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM outbox").await,
        1
    );
    t.stop().await;
}

#[tokio::test]
async fn without_an_id_a_quick_repeat_of_the_same_text_is_one_message() {
    let t = common::spawn().await;
    let a = t.sms_with_id(DEMO_PHONE, "HD", None).await;
    let b = t.sms_with_id(DEMO_PHONE, "HD", None).await;
    let c = t.sms_with_id(DEMO_PHONE, "NN en", None).await;
    assert_eq!(b["duplicate"], true);
    assert_eq!(a["inbound_id"], b["inbound_id"]);
    assert_eq!(c["duplicate"], false);
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM inbound_messages").await,
        2
    );
    t.stop().await;
}

#[tokio::test]
async fn bad_input_is_a_json_400_and_stores_nothing() {
    let t = common::spawn().await;
    let cases = [
        json!({ "from": "12", "text": "HD" }),
        json!({ "from": "abc!def", "text": "HD" }),
        json!({ "from": DEMO_PHONE }),
        json!({ "from": DEMO_PHONE, "text": "x".repeat(2000) }),
        json!({ "from": DEMO_PHONE, "text": "HD", "id": "" }),
        json!({ "from": DEMO_PHONE, "text": "HD", "extra": 1 }),
    ];
    for body in cases {
        let res = t
            .client
            .post(t.url("/simulator/api/sms"))
            .json(&body)
            .send()
            .await
            .expect("post");
        // 400 for what is not JSON of the right shape, 422 for a missing field (axum's convention).
        assert!(
            matches!(res.status().as_u16(), 400 | 422),
            "{body}: {}",
            res.status()
        );
        let v: serde_json::Value = res.json().await.expect("json error body");
        assert!(
            v["error"]["code"].is_string() && v["error"]["message"].is_string(),
            "{v}"
        );
    }
    let res = t
        .client
        .post(t.url("/simulator/api/sms"))
        .body("not json")
        .send()
        .await
        .expect("post");
    assert!(res.status().is_client_error());
    let v: serde_json::Value = res.json().await.expect("json error body");
    assert!(v["error"]["message"].is_string());
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM inbound_messages").await,
        0
    );
    t.stop().await;
}

#[tokio::test]
async fn a_message_stored_but_not_handled_is_answered_by_the_sweep() {
    let t = common::spawn().await;
    // As if the process died after storing: the row is there, nobody answered it.
    let inbound = loa::gateway::Inbound {
        gateway_id: "simulator".into(),
        provider_id: Some("lost-1".into()),
        sender: loa::phone::Sender::classify(DEMO_PHONE).expect("sender"),
        text: "HD".into(),
        channel: loa::gateway::Channel::Sms,
    };
    let r = loa::inbox::receive(&t.app.services.db, &inbound)
        .await
        .expect("receive");
    loa::execute!(&t.app.services.db, pool => sqlx::query(
        "UPDATE inbound_messages SET received_at = $1 WHERE id = $2"
    )
    .bind(chrono::Utc::now() - chrono::TimeDelta::minutes(5))
    .bind(r.id)
    .execute(pool)
    .await)
    .expect("age the row");
    loa::scheduler::housekeeping::sweep_inbox(&t.app.services).await;
    loa::scheduler::housekeeping::sweep_inbox(&t.app.services).await;
    let got = t.wait_for_messages(DEMO_PHONE, 1).await;
    assert_eq!(got.len(), 1);
    t.stop().await;
}

#[tokio::test]
async fn an_oversized_body_is_a_json_413_and_stores_nothing() {
    let t = common::spawn().await;
    let body = json!({ "from": DEMO_PHONE, "text": "x".repeat(100 * 1024) });
    let res = t
        .client
        .post(t.url("/simulator/api/sms"))
        .json(&body)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 413);
    let v: serde_json::Value = res.json().await.expect("json error body");
    assert_eq!(v["error"]["code"], "too_large", "{v}");
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM inbound_messages").await,
        0
    );
    t.stop().await;
}

#[tokio::test]
async fn two_copies_arriving_at_once_without_an_id_are_one_message() {
    let t = common::spawn().await;
    for round in 0..5 {
        let text = format!("HD {round}");
        let sends = (0..4).map(|_| t.sms_with_id(crate::common::DEMO_PHONE, &text, None));
        let answers = futures::future::join_all(sends).await;
        let fresh = answers.iter().filter(|a| a["duplicate"] == false).count();
        assert_eq!(fresh, 1, "round {round}: {answers:?}");
    }
    t.stop().await;
}

fn inbound(provider_id: Option<String>, text: &str) -> loa::gateway::Inbound {
    loa::gateway::Inbound {
        gateway_id: "simulator".into(),
        provider_id,
        sender: loa::phone::Sender::classify(DEMO_PHONE).expect("sender"),
        text: text.into(),
        channel: loa::gateway::Channel::Sms,
    }
}

/// Messages arriving together share commits (group commit), and a repeat inside one batch is
/// told apart exactly as a repeat of a stored message is: one row, the same id, `duplicate`.
#[tokio::test]
async fn concurrent_messages_share_commits_and_repeats_in_one_batch_are_stored_once() {
    let t = common::spawn().await;
    let (writes_before, commits_before) = t.app.inbox.write_counts();
    let mut calls = Vec::new();
    for n in 0..32 {
        for _ in 0..2 {
            calls.push(inbound(Some(format!("batch-{n}")), "HD"));
        }
    }
    for n in 0..8 {
        for _ in 0..2 {
            calls.push(inbound(None, &format!("no id {n}")));
        }
    }
    let tasks: Vec<_> = calls
        .into_iter()
        .map(|m| {
            let inbox = t.app.inbox.clone();
            tokio::spawn(async move { (m.provider_id.clone(), inbox.receive(&m).await) })
        })
        .collect();
    let mut by_key: std::collections::HashMap<String, Vec<loa::inbox::Stored>> = Default::default();
    for (n, task) in tasks.into_iter().enumerate() {
        let (provider, stored) = task.await.expect("task");
        let key = provider.unwrap_or_else(|| format!("no-id-{}", (n - 64) / 2));
        by_key.entry(key).or_default().push(stored.expect("stored"));
    }
    assert_eq!(by_key.len(), 40);
    for (key, stored) in &by_key {
        let fresh = stored.iter().filter(|s| !s.duplicate).count();
        assert_eq!(fresh, 1, "{key}: {stored:?}");
        assert_eq!(stored[0].id, stored[1].id, "{key}: {stored:?}");
    }
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM inbound_messages").await,
        40
    );
    let (writes, commits) = t.app.inbox.write_counts();
    assert_eq!(writes - writes_before, 80);
    assert!(
        commits - commits_before < 80,
        "80 concurrent stores took {} commits: no batching",
        commits - commits_before
    );
    t.stop().await;
}

/// A row the database refuses costs its own caller only: the batch is written again one by one.
/// PostgreSQL refuses a NUL in text; SQLite stores it.
#[tokio::test]
async fn a_refused_row_fails_alone_and_its_batch_mates_are_stored() {
    let t = common::spawn().await;
    let mut calls = vec![inbound(Some("bad".into()), "H\0D")];
    calls.extend((0..20).map(|n| inbound(Some(format!("good-{n}")), "HD")));
    let tasks: Vec<_> = calls
        .into_iter()
        .map(|m| {
            let inbox = t.app.inbox.clone();
            tokio::spawn(async move { inbox.receive(&m).await })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.expect("task"));
    }
    let postgres = t.app.services.db.backend() == loa::db::Backend::Postgres;
    assert_eq!(results[0].is_err(), postgres, "{:?}", results[0]);
    for r in &results[1..] {
        assert!(r.as_ref().is_ok_and(|s| !s.duplicate), "{r:?}");
    }
    assert_eq!(
        common::count(
            &t.app,
            "SELECT COUNT(*) FROM inbound_messages WHERE provider_id LIKE 'good-%'"
        )
        .await,
        20
    );
    t.stop().await;
}

fn inbound_from(phone: &str, provider_id: &str, text: &str) -> loa::gateway::Inbound {
    loa::gateway::Inbound {
        sender: loa::phone::Sender::classify(phone).expect("sender"),
        ..inbound(Some(provider_id.into()), text)
    }
}

/// A message whose answer needs nothing but its sender (`HD`) is stored, answered and marked in
/// one write: concurrent ones share those transactions, and no mark follows.
#[tokio::test]
async fn help_is_stored_answered_and_marked_in_one_write() {
    let t = common::spawn().await;
    let (writes_before, commits_before) = t.app.inbox.write_counts();
    let phones: Vec<String> = (0..24).map(|n| format!("09120020{n:02}")).collect();
    let tasks: Vec<_> = phones
        .iter()
        .enumerate()
        .map(|(n, phone)| {
            let inbox = t.app.inbox.clone();
            let m = inbound_from(phone, &format!("help-{n}"), "HD");
            tokio::spawn(async move { inbox.receive_and_handle(&m).await })
        })
        .collect();
    for task in tasks {
        let stored = task.await.expect("task").expect("stored");
        assert!(!stored.duplicate);
    }
    let (writes, commits) = t.app.inbox.write_counts();
    assert_eq!(writes - writes_before, 24, "a store and a mark each");
    assert!(commits - commits_before < 24, "no batching");
    let handled = "SELECT COUNT(*) FROM inbound_messages WHERE status = 'handled' AND note = 'help'
                     AND handled_at IS NOT NULL";
    assert_eq!(common::count(&t.app, handled).await, 24);
    let replies = "SELECT COUNT(DISTINCT recipient) FROM outbox WHERE origin LIKE 'reply:%'";
    assert_eq!(common::count(&t.app, replies).await, 24);
    t.stop().await;
}

/// Replies to one phone answered in the same transaction count each other: of eight `HD` at
/// once, three replies go and the loop guard holds the rest, each row saying which.
#[tokio::test]
async fn help_answered_together_counts_the_replies_of_its_own_batch() {
    let t = common::spawn().await;
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let inbox = t.app.inbox.clone();
            let m = inbound_from(DEMO_PHONE, &format!("loop-{n}"), "HD");
            tokio::spawn(async move { inbox.receive_and_handle(&m).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("stored");
    }
    let replies = "SELECT COUNT(*) FROM outbox WHERE origin LIKE 'reply:%'";
    assert_eq!(common::count(&t.app, replies).await, 3);
    let held = "SELECT COUNT(*) FROM inbound_messages WHERE note = 'loop guard held the reply'";
    assert_eq!(common::count(&t.app, held).await, 5);
    let sent = "SELECT COUNT(*) FROM inbound_messages WHERE note = 'help'";
    assert_eq!(common::count(&t.app, sent).await, 3);
    t.stop().await;
}
