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
