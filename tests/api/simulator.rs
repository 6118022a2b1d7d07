//! The simulator's own surface: the phone page, the message list, and what survives a restart.

use crate::common::{self, DEMO_PHONE};

#[tokio::test]
async fn the_phone_page_is_served() {
    let t = common::spawn().await;
    let res = t.client.get(t.url("/simulator")).send().await.expect("get");
    assert_eq!(res.status(), 200);
    let body = res.text().await.expect("body");
    assert!(body.contains("<html") && body.contains("/simulator/static/simulator.js"));
    // Its script and style are files of their own, with their types.
    for (path, kind, holds) in [
        (
            "/simulator/static/simulator.js",
            "text/javascript",
            "/simulator/api/sms",
        ),
        ("/simulator/static/simulator.css", "text/css", "box-sizing"),
    ] {
        let res = t.client.get(t.url(path)).send().await.expect("get");
        assert_eq!(res.status(), 200, "{path}");
        let ct = res.headers()["content-type"]
            .to_str()
            .expect("type")
            .to_string();
        assert!(ct.starts_with(kind), "{path}: {ct}");
        assert!(res.text().await.expect("body").contains(holds), "{path}");
    }
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
