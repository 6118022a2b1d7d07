//! The staff API: a bearer token from the configuration, a staff id scoping every call to its areas.

use serde_json::{json, Value};

use crate::common::{self, TestApp};

const TOKEN: &str = "test-token-5";

async fn staff_id(t: &TestApp, msisdn: &str) -> i64 {
    loa::with_db!(&t.app.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM staff WHERE msisdn = $1"
    )
    .bind(msisdn)
    .fetch_one(pool)
    .await)
    .expect("staff")
}

async fn get(t: &TestApp, path: &str, token: Option<&str>, staff: Option<i64>) -> (u16, Value) {
    let mut req = t.client.get(t.url(path));
    if let Some(tok) = token {
        req = req.bearer_auth(tok);
    }
    if let Some(s) = staff {
        req = req.header("x-loa-staff", s.to_string());
    }
    let res = req.send().await.expect("get");
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

async fn post(t: &TestApp, path: &str, staff: i64, body: Value) -> (u16, Value) {
    let res = t
        .client
        .post(t.url(path))
        .bearer_auth(TOKEN)
        .header("x-loa-staff", staff.to_string())
        .json(&body)
        .send()
        .await
        .expect("post");
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

async fn record(t: &TestApp, key_prefix: &str) -> i64 {
    loa::with_db!(&t.app.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM support_records WHERE record_key LIKE $1"
    )
    .bind(format!("{key_prefix}%"))
    .fetch_one(pool)
    .await)
    .expect("record")
}

#[tokio::test]
async fn without_a_configured_token_the_api_refuses_everything() {
    let t = common::spawn().await;
    let officer = staff_id(&t, "+84912009003").await;
    let (status, body) = get(&t, "/api/v1/households/CG-0001", Some(TOKEN), Some(officer)).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "api_disabled");
    t.stop().await;
}

#[tokio::test]
async fn staff_see_and_change_households_of_their_areas_only() {
    let t = common::spawn_with(|c| c.api_token = Some(TOKEN.into())).await;
    let officer = staff_id(&t, "+84912009003").await; // Cẩm Giàng (02008)

    let (s, b) = get(&t, "/api/v1/households/CG-0001", None, Some(officer)).await;
    assert_eq!(
        (s, b["error"]["code"].clone()),
        (401, json!("unauthorized"))
    );
    let (s, _) = get(
        &t,
        "/api/v1/households/CG-0001",
        Some("wrong"),
        Some(officer),
    )
    .await;
    assert_eq!(s, 401);
    let (s, b) = get(&t, "/api/v1/households/CG-0001", Some(TOKEN), None).await;
    assert_eq!(
        (s, b["error"]["code"].clone()),
        (403, json!("unknown_staff"))
    );

    let (s, b) = get(&t, "/api/v1/households/cg-0002", Some(TOKEN), Some(officer)).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["household"]["code"], "CG-0002");
    assert_eq!(b["phones"], json!(["+84388001002", "+84912001002"]));
    assert_eq!(b["records"][0]["content_code"], "DA3.TDA1");
    let (s, _) = get(&t, "/api/v1/households/VT-0001", Some(TOKEN), Some(officer)).await;
    assert_eq!(s, 404, "another commune's household is not found");

    let (s, b) = get(&t, "/api/v1/areas", Some(TOKEN), Some(officer)).await;
    assert_eq!(s, 200);
    let codes: Vec<&str> = b["areas"]
        .as_array()
        .expect("areas")
        .iter()
        .filter_map(|a| a["code"].as_str())
        .collect();
    assert_eq!(codes, vec!["02008", "B010201", "B010202", "B010203"]);

    // A status change through the API: history, and one SMS per phone of the household.
    let id = record(&t, "CG0002|DA3.TDA1|").await;
    let (s, b) = post(
        &t,
        &format!("/api/v1/support/{id}/status"),
        officer,
        json!({"status": "đã giải ngân"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (b["changed"].clone(), b["messages_queued"].clone()),
        (json!(true), json!(2))
    );
    let (s, b) = post(
        &t,
        &format!("/api/v1/support/{id}/status"),
        officer,
        json!({"status": "disbursed"}),
    )
    .await;
    assert_eq!(
        (s, b["changed"].clone(), b["messages_queued"].clone()),
        (200, json!(false), json!(0))
    );
    let (s, b) = post(
        &t,
        &format!("/api/v1/support/{id}/status"),
        officer,
        json!({"status": "approved"}),
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].clone()),
        (400, json!("bad_transition"))
    );
    let (s, b) = get(
        &t,
        &format!("/api/v1/support/{id}/history"),
        Some(TOKEN),
        Some(officer),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(b["history"][1]["changed_by"], format!("staff:{officer}"));

    let other = record(&t, "VT0001|").await;
    let (s, _) = post(
        &t,
        &format!("/api/v1/support/{other}/status"),
        officer,
        json!({"status": "approved"}),
    )
    .await;
    assert_eq!(s, 404);
    t.stop().await;
}
