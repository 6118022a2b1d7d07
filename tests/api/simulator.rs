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

#[tokio::test]
async fn the_page_offers_the_demo_phones_and_who_they_are() {
    let t = common::spawn().await;
    let get = |lang: &'static str| {
        let url = t.url(&format!("/simulator/api/phones?lang={lang}"));
        let client = t.client.clone();
        async move {
            let res = client.get(url).send().await.expect("get");
            assert_eq!(res.status(), 200);
            res.json::<serde_json::Value>().await.expect("json")["phones"]
                .as_array()
                .cloned()
                .expect("a list")
        }
    };
    let vi = get("vi").await;
    let numbers: Vec<&str> = vi.iter().filter_map(|p| p["number"].as_str()).collect();
    assert_eq!(
        numbers,
        loa::demo::banner::PHONES,
        "the banner's phones, in its order"
    );
    let who = |list: &[serde_json::Value], number: &str| {
        list.iter()
            .find(|p| p["number"] == number)
            .and_then(|p| p["who"].as_str())
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(
        who(&vi, DEMO_PHONE),
        "người dân, hộ CG-0001 (Hoàng Văn Thụ)"
    );
    assert_eq!(
        who(&vi, "0912001005"),
        "số dùng chung của các hộ CG-0004, CG-0005"
    );
    assert_eq!(who(&vi, "0912009003"), "cán bộ xã Hoàng Văn Quyết (02008)");
    assert!(who(&vi, "0912999999").starts_with("người lạ"));
    let officer = vi.iter().find(|p| p["number"] == "0912009003");
    assert!(officer.is_some_and(|p| p["staff_id"].is_i64()), "{vi:?}");
    let en = get("en").await;
    assert_eq!(
        who(&en, DEMO_PHONE),
        "villager, household CG-0001 (Hoàng Văn Thụ)"
    );
    // The page has the list to pick from, filled from that call.
    let page = t.client.get(t.url("/simulator")).send().await.expect("get");
    let html = page.text().await.expect("page");
    assert!(html.contains("<select id=\"pick\">"), "{html}");
    let script = t
        .client
        .get(t.url("/simulator/static/simulator.js"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("script");
    assert!(script.contains("/simulator/api/phones?lang="), "{script}");
    t.stop().await;
}
