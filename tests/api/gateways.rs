//! The HTTP gateway adapters against fake providers (wiremock): sending, transient and permanent
//! errors, webhooks with good and bad signatures or secrets; failover between gateways; the rate.

use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use loa::outbox::{NewMessage, Priority};
use loa::phone::Msisdn;
use serde_json::{json, Value};
use wiremock::matchers::{body_partial_json, body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::common::{self, done_if, eventually, TestApp, TestDb, DEMO_E164};

const OTHER: &str = "+84912001002";

fn env() {
    static ONCE: Once = Once::new();
    // Every test sets the same values, once, before any app reads them.
    ONCE.call_once(|| {
        std::env::set_var("LOA_TEST_GW_PASSWORD", "pw");
        std::env::set_var("LOA_TEST_GW_KEY", "signing-key");
        std::env::set_var("LOA_TEST_GW_SECRET", "hook-secret");
    });
}

async fn spawn_files(files: &[String]) -> TestApp {
    spawn_files_with(files, |_| {}).await
}

async fn spawn_files_with(
    files: &[String],
    tweak: impl FnOnce(&mut loa::config::Config),
) -> TestApp {
    env();
    let db = TestDb::new().await;
    let mut config = common::test_config(&db);
    config.simulator.enabled = false;
    tweak(&mut config);
    let dir = tempfile::tempdir().expect("dir");
    for (i, body) in files.iter().enumerate() {
        std::fs::write(dir.path().join(format!("g{i}.toml")), body).expect("gateway file");
    }
    config.gateway_dir = dir.keep();
    let app = loa::server::open(config).await.expect("open");
    loa::demo::load(&app.services.db).await.expect("demo");
    common::start(app, db).await
}

async fn reply(t: &TestApp, to: &str, text: &str) -> i64 {
    t.app
        .services
        .outbox
        .enqueue(NewMessage {
            recipient: Msisdn::parse(to).expect("number"),
            text: text.into(),
            priority: Priority::Reply,
            topic: None,
            origin: "test".into(),
            idempotency_key: uuid::Uuid::new_v4().to_string(),
            not_before: None,
            expires_at: None,
        })
        .await
        .expect("enqueue")
        .id
}

#[derive(Debug, sqlx::FromRow)]
struct Row {
    status: String,
    gateway_id: Option<String>,
    provider_id: Option<String>,
    last_error: Option<String>,
    attempts: i64,
}

async fn row(t: &TestApp, id: i64) -> Row {
    loa::with_db!(&t.app.services.db, pool => sqlx::query_as(
        "SELECT status, gateway_id, provider_id, last_error, attempts FROM outbox WHERE id = $1"
    )
    .bind(id)
    .fetch_one(pool)
    .await)
    .expect("row")
}

/// Waits until the row has `want` (a retry waits 2.5–5 s).
async fn wait_status(t: &TestApp, id: i64, want: &str) -> Row {
    eventually(
        common::PATIENCE,
        format!("outbox {id} {want}"),
        async || {
            let r = row(t, id).await;
            done_if(r.status == want, r)
        },
    )
    .await
}

async fn inbound_count(t: &TestApp, gateway: &str) -> i64 {
    common::count(
        &t.app,
        &format!("SELECT COUNT(*) FROM inbound_messages WHERE gateway_id = '{gateway}'"),
    )
    .await
}

async fn post(
    t: &TestApp,
    path: &str,
    content_type: &str,
    body: &str,
    headers: &[(&str, String)],
) -> (u16, String) {
    let mut req = t
        .client
        .post(t.url(path))
        .header("content-type", content_type)
        .body(body.to_string());
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let res = req.send().await.expect("post");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

fn assert_json_error(status: u16, body: &str, want: u16) {
    assert_eq!(status, want, "{body}");
    let v: Value = serde_json::from_str(body).expect("JSON error body");
    assert!(
        v["error"]["code"].is_string() && v["error"]["message"].is_string(),
        "{v}"
    );
}

// ---------------------------------------------------------------- SMS Gateway for Android

fn android_file(uri: &str) -> String {
    format!(
        r#"id = "android-1"
kind = "android"
rate = 50
[android]
url = "{uri}"
username = "sms"
password_env = "LOA_TEST_GW_PASSWORD"
signing_key_env = "LOA_TEST_GW_KEY"
"#
    )
}

fn signed(body: &str, key: &str) -> Vec<(&'static str, String)> {
    let ts = chrono::Utc::now().timestamp().to_string();
    let sig = loa::gateway::android::sign(key, body.as_bytes(), &ts);
    vec![("x-timestamp", ts), ("x-signature", sig)]
}

#[tokio::test]
async fn android_sends_retries_transient_errors_and_fails_permanent_ones() {
    let phone = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/message"))
        .and(body_partial_json(json!({ "phoneNumbers": [DEMO_E164] })))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&phone)
        .await;
    Mock::given(method("POST"))
        .and(path("/message"))
        .and(header("authorization", "Basic c21zOnB3"))
        .and(body_partial_json(
            json!({ "phoneNumbers": [DEMO_E164], "withDeliveryReport": true }),
        ))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({ "state": "Pending" })))
        .mount(&phone)
        .await;
    Mock::given(method("POST"))
        .and(path("/message"))
        .and(body_partial_json(json!({ "phoneNumbers": [OTHER] })))
        .respond_with(ResponseTemplate::new(400).set_body_string("invalid phone number"))
        .mount(&phone)
        .await;
    let t = spawn_files(&[android_file(&phone.uri())]).await;

    let ok = reply(&t, DEMO_E164, "Lịch khám thai: thứ Hai").await;
    let bad = reply(&t, OTHER, "Lịch khám thai").await;
    let r = wait_status(&t, ok, "sent").await;
    assert_eq!(r.attempts, 2, "one 503, then accepted");
    assert_eq!(r.provider_id.as_deref(), Some(format!("loa-{ok}").as_str()));
    let r = wait_status(&t, bad, "failed").await;
    assert!(
        r.last_error.as_deref().is_some_and(|e| e.contains("400")),
        "{r:?}"
    );
    assert_eq!(r.attempts, 1, "a permanent error is not retried");
    let sent: Vec<Value> = phone
        .received_requests()
        .await
        .expect("requests")
        .iter()
        .filter_map(|r| serde_json::from_slice(&r.body).ok())
        .collect();
    assert!(sent
        .iter()
        .any(|b| b["textMessage"]["text"] == "Lịch khám thai: thứ Hai"
            && b["id"] == format!("loa-{ok}")));

    // Delivery reports: signed and good, then a bad signature (refused), then a late `sent`.
    let delivered = json!({ "event": "sms:delivered", "payload": { "messageId": format!("loa-{ok}"), "phoneNumber": DEMO_E164 } }).to_string();
    let (s, b) = post(
        &t,
        "/webhooks/android-1/events",
        "application/json",
        &delivered,
        &signed(&delivered, "signing-key"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(row(&t, ok).await.status, "delivered");
    let failed = json!({ "event": "sms:failed", "payload": { "messageId": format!("loa-{ok}"), "reason": "x" } }).to_string();
    let (s, b) = post(
        &t,
        "/webhooks/android-1/events",
        "application/json",
        &failed,
        &signed(&failed, "wrong-key"),
    )
    .await;
    assert_json_error(s, &b, 401);
    let late =
        json!({ "event": "sms:sent", "payload": { "messageId": format!("loa-{ok}") } }).to_string();
    let (s, _) = post(
        &t,
        "/webhooks/android-1/events",
        "application/json",
        &late,
        &signed(&late, "signing-key"),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(row(&t, ok).await.status, "delivered", "never backwards");
    t.stop().await;
}

#[tokio::test]
async fn android_inbound_needs_a_valid_signature() {
    let phone = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/message"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&phone)
        .await;
    let t = spawn_files(&[android_file(&phone.uri())]).await;
    let body = json!({
        "deviceId": "ffffffffceb0b1db", "event": "sms:received", "id": "Ey6ECgOkVVFjz3CL48B8C",
        "payload": { "messageId": "abc123", "message": "HD", "phoneNumber": "0912001001",
                     "simNumber": 1, "receivedAt": "2026-11-25T15:46:11.000+07:00" },
        "webhookId": "w1"
    })
    .to_string();
    let (s, b) = post(
        &t,
        "/webhooks/android-1/events",
        "application/json",
        &body,
        &signed(&body, "nope"),
    )
    .await;
    assert_json_error(s, &b, 401);
    let (s, b) = post(
        &t,
        "/webhooks/android-1/events",
        "application/json",
        &body,
        &[],
    )
    .await;
    assert_json_error(s, &b, 401);
    // A stale timestamp with a correct signature is a replay.
    let old = "1600000000".to_string();
    let sig = loa::gateway::android::sign("signing-key", body.as_bytes(), &old);
    let (s, b) = post(
        &t,
        "/webhooks/android-1/events",
        "application/json",
        &body,
        &[("x-timestamp", old), ("x-signature", sig)],
    )
    .await;
    assert_json_error(s, &b, 401);
    assert_eq!(inbound_count(&t, "android-1").await, 0, "nothing stored");
    let (s, b) = post(
        &t,
        "/webhooks/android-1/events",
        "application/json",
        "{not json",
        &signed("{not json", "signing-key"),
    )
    .await;
    assert_json_error(s, &b, 400);
    let (s, b) = post(
        &t,
        "/webhooks/android-1/events",
        "application/json",
        &body,
        &signed(&body, "signing-key"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(inbound_count(&t, "android-1").await, 1);
    // The dialog answered through the same phone.
    eventually(
        common::PATIENCE,
        "a reply sent through the phone",
        async || {
            !phone
                .received_requests()
                .await
                .unwrap_or_default()
                .is_empty()
        },
    )
    .await;
    t.stop().await;
}

// ---------------------------------------------------------------- Jasmin

fn jasmin_file(uri: &str, id: &str, priority: i32, rate: u32, circuit: &str) -> String {
    format!(
        r#"id = "{id}"
kind = "jasmin"
rate = {rate}
priority = {priority}
sender = "9029"
timeout_seconds = 5
[jasmin]
send_url = "{uri}/send"
username = "loa"
password_env = "LOA_TEST_GW_PASSWORD"
dlr_url = "http://loa.example/webhooks/{id}/dlr/hook-secret"
[webhook]
secret_env = "LOA_TEST_GW_SECRET"
{circuit}
"#
    )
}

#[tokio::test]
async fn jasmin_sends_ucs2_as_hex_and_acks_callbacks() {
    let jasmin = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/send"))
        .and(body_string_contains("to=84912001001"))
        .respond_with(ResponseTemplate::new(500).set_body_string("Error \"Cannot send submit_sm\""))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&jasmin)
        .await;
    Mock::given(method("POST"))
        .and(path("/send"))
        .and(body_string_contains("to=84912001001"))
        .respond_with(ResponseTemplate::new(200).set_body_string("Success \"07033084-5cfd-4812\""))
        .mount(&jasmin)
        .await;
    Mock::given(method("POST"))
        .and(path("/send"))
        .and(body_string_contains("to=84912001002"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_string("Error \"Argument to has an invalid value\""),
        )
        .mount(&jasmin)
        .await;
    let t = spawn_files(&[jasmin_file(&jasmin.uri(), "jasmin-1", 0, 50, "")]).await;
    let ok = reply(&t, DEMO_E164, "Đã nhận").await;
    let bad = reply(&t, OTHER, "Da nhan").await;
    let r = wait_status(&t, ok, "sent").await;
    assert_eq!(r.provider_id.as_deref(), Some("07033084-5cfd-4812"));
    assert_eq!(r.attempts, 2);
    let r = wait_status(&t, bad, "failed").await;
    assert!(
        r.last_error
            .as_deref()
            .is_some_and(|e| e.contains("invalid value")),
        "{r:?}"
    );
    let bodies: Vec<String> = jasmin
        .received_requests()
        .await
        .expect("requests")
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    let hex = hex::encode(loa::gateway::http::utf16be("Đã nhận"));
    assert!(
        bodies
            .iter()
            .any(|b| b.contains(&format!("coding=8&hex-content={hex}"))),
        "{bodies:?}"
    );
    assert!(
        bodies
            .iter()
            .any(|b| b.contains("coding=0&content=Da%20nhan")),
        "{bodies:?}"
    );

    // DLR: wrong secret, then right; answered ACK/Jasmin.
    let dlr = "id=07033084-5cfd-4812&message_status=DELIVRD&level=3&id_smsc=2567&sub=001&dlvrd=001&err=000";
    let (s, b) = post(
        &t,
        "/webhooks/jasmin-1/dlr/not-it",
        "application/x-www-form-urlencoded",
        dlr,
        &[],
    )
    .await;
    assert_json_error(s, &b, 401);
    assert_eq!(row(&t, ok).await.status, "sent");
    let (s, b) = post(
        &t,
        "/webhooks/jasmin-1/dlr/hook-secret",
        "application/x-www-form-urlencoded",
        dlr,
        &[],
    )
    .await;
    assert_eq!((s, b.as_str()), (200, "ACK/Jasmin"));
    assert_eq!(row(&t, ok).await.status, "delivered");

    // MO in UCS-2 (coding 8, `binary` in hex), with the secret in a header this time.
    let mo = format!(
        "id=16fd2706-8baf&from=%2B84912001001&to=9029&origin-connector=smppc&coding=8&content=x&binary={}",
        hex::encode(loa::gateway::http::utf16be("Hủy"))
    );
    let (s, b) = post(
        &t,
        "/webhooks/jasmin-1/mo",
        "application/x-www-form-urlencoded",
        &mo,
        &[("x-loa-secret", "wrong".into())],
    )
    .await;
    assert_json_error(s, &b, 401);
    assert_eq!(inbound_count(&t, "jasmin-1").await, 0);
    let (s, b) = post(
        &t,
        "/webhooks/jasmin-1/mo",
        "application/x-www-form-urlencoded",
        &mo,
        &[("x-loa-secret", "hook-secret".into())],
    )
    .await;
    assert_eq!((s, b.as_str()), (200, "ACK/Jasmin"));
    let text: String = loa::with_db!(&t.app.services.db, pool => sqlx::query_scalar(
        "SELECT text FROM inbound_messages WHERE gateway_id = 'jasmin-1'"
    )
    .fetch_one(pool)
    .await)
    .expect("inbound");
    assert_eq!(text, "Hủy");
    let (s, b) = post(
        &t,
        "/webhooks/jasmin-1/mo/hook-secret",
        "application/x-www-form-urlencoded",
        "id=1&to=9029",
        &[],
    )
    .await;
    assert_json_error(s, &b, 400);
    t.stop().await;
}

// ---------------------------------------------------------------- Africa's Talking style aggregator

fn aggregator_file(uri: &str) -> String {
    format!(
        r#"id = "agg-1"
kind = "aggregator"
rate = 50
sender = "LOAXA"
[aggregator]
send_url = "{uri}/version1/messaging"
username = "sandbox"
api_key_env = "LOA_TEST_GW_KEY"
[webhook]
secret_env = "LOA_TEST_GW_SECRET"
allowed_ips = ["127.0.0.1", "::1"]
"#
    )
}

/// A gateway whose webhooks come only from 203.0.113.5 (Kannel's address, say), behind a proxy.
fn behind_proxy_file() -> String {
    aggregator_file("http://127.0.0.1:9").replace(
        r#"allowed_ips = ["127.0.0.1", "::1"]"#,
        r#"allowed_ips = ["203.0.113.5"]"#,
    )
}

#[tokio::test]
async fn allowed_ips_read_the_forwarded_address_only_from_a_trusted_proxy() {
    let form = "application/x-www-form-urlencoded";
    let path = "/webhooks/agg-1/inbound?secret=hook-secret";
    let inbound = |id: &str| {
        format!("date=2026-11-25&from=%2B84912001001&id={id}&linkId=l1&text=HD&to=9029&networkCode=45204")
    };
    let xff = |v: &str| vec![("x-forwarded-for", v.to_string())];
    // No trusted proxy: the header is the caller's word, and the caller is 127.0.0.1.
    let t = spawn_files(&[behind_proxy_file()]).await;
    let (s, b) = post(&t, path, form, &inbound("p-1"), &xff("203.0.113.5")).await;
    assert_json_error(s, &b, 401);
    t.stop().await;

    let trusted =
        |c: &mut loa::config::Config| c.trusted_proxies = vec!["127.0.0.1".parse().expect("net")];
    let t = spawn_files_with(&[behind_proxy_file()], trusted).await;
    let (s, b) = post(&t, path, form, &inbound("p-2"), &xff("203.0.113.5")).await;
    assert_eq!(s, 200, "{b}");
    // The proxy saw 198.51.100.1; what stands left of it is the caller's own writing.
    let forged = xff("203.0.113.5, 198.51.100.1");
    let (s, b) = post(&t, path, form, &inbound("p-3"), &forged).await;
    assert_json_error(s, &b, 401);
    assert_eq!(inbound_count(&t, "agg-1").await, 1);
    t.stop().await;
}

#[tokio::test]
async fn aggregator_sends_and_takes_callbacks() {
    let agg = MockServer::start().await;
    let accepted = json!({ "SMSMessageData": { "Message": "Sent to 1/1 Total Cost: VND 250",
        "Recipients": [{ "statusCode": 101, "number": DEMO_E164, "status": "Success", "cost": "VND 250", "messageId": "ATXid_42" }] } });
    let refused = json!({ "SMSMessageData": { "Message": "Sent to 0/1",
        "Recipients": [{ "statusCode": 406, "number": OTHER, "status": "UserInBlacklist", "cost": "0", "messageId": "None" }] } });
    Mock::given(method("POST"))
        .and(path("/version1/messaging"))
        .and(body_string_contains("84912001001"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&agg)
        .await;
    Mock::given(method("POST"))
        .and(path("/version1/messaging"))
        .and(header("apikey", "signing-key"))
        .and(body_string_contains("84912001001"))
        .respond_with(ResponseTemplate::new(201).set_body_json(accepted))
        .mount(&agg)
        .await;
    Mock::given(method("POST"))
        .and(path("/version1/messaging"))
        .and(body_string_contains("84912001002"))
        .respond_with(ResponseTemplate::new(201).set_body_json(refused))
        .mount(&agg)
        .await;
    let t = spawn_files(&[aggregator_file(&agg.uri())]).await;
    let ok = reply(&t, DEMO_E164, "Thong bao").await;
    let bad = reply(&t, OTHER, "Thong bao").await;
    let r = wait_status(&t, ok, "sent").await;
    assert_eq!(
        (r.provider_id.as_deref(), r.attempts),
        (Some("ATXid_42"), 2)
    );
    let r = wait_status(&t, bad, "failed").await;
    assert!(
        r.last_error
            .as_deref()
            .is_some_and(|e| e.contains("UserInBlacklist")),
        "{r:?}"
    );

    let form = "application/x-www-form-urlencoded";
    let dlr =
        "id=ATXid_42&status=Success&phoneNumber=%2B84912001001&networkCode=45204&retryCount=0";
    let (s, b) = post(&t, "/webhooks/agg-1/dlr", form, dlr, &[]).await;
    assert_json_error(s, &b, 401);
    assert_eq!(row(&t, ok).await.status, "sent");
    let (s, _) = post(&t, "/webhooks/agg-1/dlr/hook-secret", form, dlr, &[]).await;
    assert_eq!(s, 200);
    assert_eq!(row(&t, ok).await.status, "delivered");
    // A report for a message loa never sent: logged, answered 200.
    let (s, _) = post(
        &t,
        "/webhooks/agg-1/dlr/hook-secret",
        form,
        "id=ATXid_nope&status=Failed",
        &[],
    )
    .await;
    assert_eq!(s, 200);

    let inbound = "date=2026-11-25&from=%2B84912001001&id=at-in-1&linkId=l1&text=HD&to=9029&networkCode=45204";
    let (s, b) = post(
        &t,
        "/webhooks/agg-1/inbound?secret=wrong",
        form,
        inbound,
        &[],
    )
    .await;
    assert_json_error(s, &b, 401);
    assert_eq!(inbound_count(&t, "agg-1").await, 0);
    let (s, _) = post(
        &t,
        "/webhooks/agg-1/inbound?secret=hook-secret",
        form,
        inbound,
        &[],
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = post(
        &t,
        "/webhooks/agg-1/inbound?secret=hook-secret",
        form,
        inbound,
        &[],
    )
    .await;
    assert_eq!(s, 200, "a repeat is answered 200");
    assert_eq!(inbound_count(&t, "agg-1").await, 1, "and stored once");
    let (s, b) = post(
        &t,
        "/webhooks/agg-1/nonsense/hook-secret",
        form,
        inbound,
        &[],
    )
    .await;
    assert_json_error(s, &b, 404);
    t.stop().await;
}

// ---------------------------------------------------------------- failover and rate

/// A fake Jasmin that answers 503 while `down`, else accepts and records the recipient.
#[derive(Clone)]
struct Switchable {
    down: Arc<std::sync::atomic::AtomicBool>,
    accepted: Arc<Mutex<Vec<(String, Instant)>>>,
}

impl Switchable {
    fn new(down: bool) -> Switchable {
        Switchable {
            down: Arc::new(std::sync::atomic::AtomicBool::new(down)),
            accepted: Arc::new(Mutex::new(Vec::new())),
        }
    }
    fn accepted(&self) -> Vec<String> {
        self.accepted
            .lock()
            .expect("lock")
            .iter()
            .map(|(to, _)| to.clone())
            .collect()
    }
}

impl Respond for Switchable {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if self.down.load(std::sync::atomic::Ordering::SeqCst) {
            return ResponseTemplate::new(503).set_body_string("Error \"busy\"");
        }
        let body = String::from_utf8_lossy(&req.body).into_owned();
        let to = body
            .split('&')
            .find_map(|p| p.strip_prefix("to="))
            .unwrap_or("")
            .to_string();
        self.accepted
            .lock()
            .expect("lock")
            .push((to, Instant::now()));
        ResponseTemplate::new(200).set_body_string(format!("Success \"{}\"", uuid::Uuid::new_v4()))
    }
}

fn bulk(i: usize, tag: &str) -> NewMessage {
    NewMessage {
        recipient: Msisdn::parse(&format!("0912{:06}", 100_000 + i)).expect("number"),
        text: "Thong bao lich tiem chung".into(),
        priority: Priority::Bulk,
        topic: None,
        origin: "test".into(),
        idempotency_key: format!("{tag}-{i}"),
        not_before: None,
        expires_at: None,
    }
}

async fn gateway_rows(t: &TestApp, ids: &[i64]) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for id in ids {
        let r = row(t, *id).await;
        out.push((r.status, r.gateway_id));
    }
    out
}

#[tokio::test]
async fn a_failing_gateway_is_skipped_then_takes_traffic_back_and_nothing_is_sent_twice() {
    let (a_server, b_server) = (MockServer::start().await, MockServer::start().await);
    let (a, b) = (Switchable::new(true), Switchable::new(false));
    Mock::given(method("POST"))
        .respond_with(a.clone())
        .mount(&a_server)
        .await;
    Mock::given(method("POST"))
        .respond_with(b.clone())
        .mount(&b_server)
        .await;
    // The cool-down outlasts the first retry (2.5–5 s), so retried messages find A still open.
    let circuit = "[circuit]\nfailures = 2\nwindow_seconds = 60\ncooldown_seconds = 6\n";
    let t = spawn_files(&[
        jasmin_file(&a_server.uri(), "gw-a", 10, 50, circuit),
        jasmin_file(&b_server.uri(), "gw-b", 1, 50, ""),
    ])
    .await;

    let mut first = Vec::new();
    for i in 0..10 {
        first.push(
            t.app
                .services
                .outbox
                .enqueue(bulk(i, "fo1"))
                .await
                .expect("enqueue")
                .id,
        );
    }
    let rows = eventually(
        Duration::from_secs(20),
        "the first 10 to be sent",
        async || {
            let rows = gateway_rows(&t, &first).await;
            done_if(rows.iter().all(|(s, _)| s == "sent"), rows)
        },
    )
    .await;
    assert!(
        rows.iter().all(|(_, g)| g.as_deref() == Some("gw-b")),
        "not all sent through B: {rows:?}"
    );
    // The console and /metrics show A's circuit (to an account's token).
    let token = t.token(None).await;
    let v: Value = t
        .client
        .get(t.url("/api/v1/gateways"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("api")
        .json()
        .await
        .expect("json");
    let ga = v["gateways"]
        .as_array()
        .expect("list")
        .iter()
        .find(|g| g["id"] == "gw-a")
        .cloned()
        .expect("gw-a");
    assert!(ga["times_opened"].as_u64() >= Some(1), "{ga}");
    assert!(ga["transient_errors"].as_u64() >= Some(2), "{ga}");
    let metrics = t
        .client
        .get(t.url("/metrics"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("loa_gateway_sent_total{gateway=\"gw-b\",kind=\"jasmin\"} 10"),
        "{metrics}"
    );
    assert!(
        metrics.contains("loa_gateway_circuit_opened_total{gateway=\"gw-a\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("loa_outbox_messages{status=\"sent\"} 10"),
        "{metrics}"
    );

    // A recovers; after its cool-down one trial message goes to it, and once that went
    // through, A takes the traffic back.
    a.down.store(false, std::sync::atomic::Ordering::SeqCst);
    eventually(common::PATIENCE, "A's circuit to half-open", async || {
        let state = t.app.gateways.get("gw-a").expect("gw-a").status().state;
        done_if(state != loa::gateway::BreakerState::Open, state)
    })
    .await;
    let trial = t
        .app
        .services
        .outbox
        .enqueue(bulk(99, "trial"))
        .await
        .expect("enqueue")
        .id;
    assert_eq!(
        wait_status(&t, trial, "sent").await.gateway_id.as_deref(),
        Some("gw-a")
    );
    let mut second = Vec::new();
    for i in 10..15 {
        second.push(
            t.app
                .services
                .outbox
                .enqueue(bulk(i, "fo2"))
                .await
                .expect("enqueue")
                .id,
        );
    }
    let rows = eventually(common::PATIENCE, "the next 5 to be sent", async || {
        let rows = gateway_rows(&t, &second).await;
        done_if(rows.iter().all(|(s, _)| s == "sent"), rows)
    })
    .await;
    assert!(
        rows.iter().all(|(_, g)| g.as_deref() == Some("gw-a")),
        "A did not take traffic back: {rows:?}"
    );
    let mut all: Vec<String> = a.accepted();
    all.extend(b.accepted());
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(
        (n, all.len()),
        (16, 16),
        "each message accepted exactly once"
    );
    assert_eq!(a.accepted().len(), 6);
    t.stop().await;
}

/// Sends `n` single-part bulk messages through a gateway of `rate` parts/s: the time from the first
/// enqueue to the last send, the time between the first and last sends, and the time it took to
/// queue them.
async fn send_at_rate(n: usize, rate: u32, tag: &str) -> (f64, f64, f64) {
    let server = MockServer::start().await;
    let fake = Switchable::new(false);
    Mock::given(method("POST"))
        .respond_with(fake.clone())
        .mount(&server)
        .await;
    let t = spawn_files(&[jasmin_file(&server.uri(), "rated", 0, rate, "")]).await;
    let started = Instant::now();
    for i in 0..n {
        t.app
            .services
            .outbox
            .enqueue(bulk(i, tag))
            .await
            .expect("enqueue");
    }
    let queued_in = started.elapsed();
    // Twice the expected time and a minute on top: a bound on waiting, not on the figure.
    let patience = Duration::from_secs_f64(2.0 * n as f64 / f64::from(rate) + 60.0);
    let times: Vec<Instant> = eventually(patience, format!("{n} sends"), async || {
        let times: Vec<Instant> = fake
            .accepted
            .lock()
            .expect("lock")
            .iter()
            .map(|(_, t)| *t)
            .collect();
        done_if(times.len() >= n, times.len()).map(|_| times)
    })
    .await;
    t.stop().await;
    let first = *times.iter().min().expect("first");
    let last = *times.iter().max().expect("last");
    (
        last.duration_since(started).as_secs_f64(),
        last.duration_since(first).as_secs_f64(),
        queued_in.as_secs_f64(),
    )
}

/// The lowest first-to-last span `n` sends at `rate` can show: the limiter allows no burst, so
/// (n − 1)/rate, less half a second for what the limiter does not time (the first request opening
/// its connection while a later one reuses it). Load only makes the span longer; a missing limiter,
/// or one that lets a burst through, makes it far shorter.
fn fastest_allowed(n: usize, rate: u32) -> f64 {
    (n as f64 - 1.0) / f64::from(rate) - 0.5
}

#[tokio::test]
async fn a_gateway_is_never_sent_to_faster_than_its_rate() {
    let (_, span, _) = send_at_rate(21, 20, "rate-fast").await;
    let floor = fastest_allowed(21, 20);
    eprintln!("21 messages at 20 parts/s: first to last send {span:.2} s (expected 1.00 s)");
    assert!(
        span >= floor,
        "21 sends in {span:.2} s: faster than 20 parts/s"
    );
}

#[tokio::test]
#[ignore = "slow tier: measures a rate over 20 s; run by .ci/run with --ignored --nocapture"]
async fn four_hundred_single_part_messages_at_20_parts_per_second_take_about_20_seconds() {
    let (total, span, queued_in) = send_at_rate(400, 20, "rate").await;
    // Printed, not asserted: on a loaded machine the span grows, and that is not a fault.
    println!(
        "rate test: 400 single-part messages at 20 parts/s: first to last send {span:.2} s \
         (expected 399/20 = 19.95 s), {total:.2} s from first enqueue (queueing took {queued_in:.2} s)"
    );
    // Faster than the rate is a fault whatever the load.
    let floor = fastest_allowed(400, 20);
    assert!(
        span >= floor,
        "400 sends in {span:.2} s: faster than 20 parts/s"
    );
}
