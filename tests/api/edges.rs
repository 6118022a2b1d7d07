//! The smaller edges: keywords however they are typed, every error in the JSON shape, limits
//! counted in characters, sender ids as networks carry them.

use serde_json::{json, Value};

use crate::common::{self, TestApp, DEMO_E164, DEMO_PHONE};

const EDGE_TOKEN: &str = "test-token-edges";

async fn opted_out(t: &TestApp) -> bool {
    loa::features::consent::blocks(&t.app.services.db, DEMO_E164, Some("notice"))
        .await
        .expect("consent")
}

#[tokio::test]
async fn an_opt_out_typed_spread_hidden_or_wide_is_an_opt_out() {
    for text in ["H U Y", "h.u.y", "TUCHOI", "H\u{200B}UY", "ＨＵＹ"] {
        let t = common::spawn().await;
        t.ask(DEMO_PHONE, text).await;
        assert!(opted_out(&t).await, "{text:?} did not opt out");
        t.stop().await;
    }
}

async fn error_of(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let body = res.text().await.expect("body");
    let v: Value = serde_json::from_str(&body)
        .unwrap_or_else(|_| panic!("{status}: not the JSON error shape: {body:?}"));
    assert!(
        v["error"]["code"].is_string() && v["error"]["message"].is_string(),
        "{v}"
    );
    (status, v)
}

#[tokio::test]
async fn every_error_is_the_json_shape() {
    let t = common::spawn_with(|c| c.api_token = Some("tok".into())).await;
    let officer = common::staff_id(&t, "+84912009003").await;
    let get = |path: &str| {
        t.client
            .get(t.url(path))
            .bearer_auth("tok")
            .header("x-loa-staff", officer.to_string())
            .send()
    };
    for (path, want) in [
        ("/no/such/route", 404),
        ("/api/v1/households?limit=many", 400),
        ("/api/v1/support/abc/history", 400),
        ("/simulator/api/messages?to=0912001001&limit=x", 400),
        ("/simulator/api/messages", 400),
    ] {
        let (status, v) = error_of(get(path).await.expect("get")).await;
        assert_eq!(status, want, "{path}: {v}");
    }
    let res = t
        .client
        .delete(t.url("/healthz"))
        .send()
        .await
        .expect("delete");
    let (status, v) = error_of(res).await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (405, json!("method_not_allowed"))
    );
    t.stop().await;
}

#[tokio::test]
async fn empty_notices_character_limits_and_sender_ids() {
    let t = common::spawn_with(|c| c.api_token = Some(EDGE_TOKEN.into())).await;
    let officer = common::staff_id(&t, "+84912009003").await;
    let res = t
        .client
        .post(t.url("/api/v1/notices"))
        .bearer_auth(EDGE_TOKEN)
        .header("x-loa-staff", officer.to_string())
        .json(&json!({ "text": "  " }))
        .send()
        .await
        .expect("post");
    let (s, v) = error_of(res).await;
    assert_eq!((s, v["error"]["code"].clone()), (400, json!("bad_text")));
    let post = |path: &'static str, body: Value| t.client.post(t.url(path)).json(&body).send();
    // 100 characters of Vietnamese are 100 characters (not the 300 bytes they take).
    let id = "ư".repeat(100);
    let res = post(
        "/simulator/api/sms",
        json!({ "from": DEMO_PHONE, "text": "HD", "id": id }),
    )
    .await
    .expect("post");
    assert_eq!(res.status(), 200);
    let text = "ơ".repeat(loa::inbox::MAX_TEXT_CHARS);
    let res = post(
        "/simulator/api/sms",
        json!({ "from": DEMO_PHONE, "text": text }),
    )
    .await
    .expect("post");
    assert_eq!(res.status(), 200);
    // A sender id (a name) has at most 11 characters, as networks carry them.
    let (s, v) = error_of(
        post(
            "/simulator/api/sms",
            json!({ "from": "ABCDEFGHIJKL", "text": "HD" }),
        )
        .await
        .expect("post"),
    )
    .await;
    assert_eq!((s, v["error"]["code"].clone()), (400, json!("bad_sender")));
    let res = post(
        "/simulator/api/sms",
        json!({ "from": "VIETTEL", "text": "HD" }),
    )
    .await
    .expect("post");
    assert_eq!(res.status(), 200);
    t.stop().await;
}
