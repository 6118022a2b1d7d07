//! The simulator's own surface: the phone page, the message list, and what survives a restart.

use crate::common::{self, DEMO_PHONE};

#[tokio::test]
async fn the_phone_page_is_served() {
    let t = common::spawn().await;
    let res = t.client.get(t.url("/simulator")).send().await.expect("get");
    assert_eq!(res.status(), 200);
    let body = res.text().await.expect("body");
    assert!(body.contains("/simulator/api/sms") && body.contains("<html"));
    t.stop().await;
}

#[tokio::test]
async fn what_the_phone_received_survives_a_restart() {
    let t = common::spawn().await;
    t.ask(DEMO_PHONE, "HD").await;
    let t = t.restart().await;
    let got = t.messages(DEMO_PHONE).await;
    assert_eq!(got.len(), 1);
    assert!(matches!(
        got[0]["status"].as_str(),
        Some("sent" | "delivered")
    ));
    t.stop().await;
}

#[tokio::test]
async fn the_simulator_can_be_switched_off() {
    let t = common::spawn_with(|c| c.simulator.enabled = false).await;
    let res = t.client.get(t.url("/simulator")).send().await.expect("get");
    assert_eq!(res.status(), 404);
    let res = t.client.get(t.url("/healthz")).send().await.expect("get");
    assert_eq!(res.status(), 200);
    t.stop().await;
}
