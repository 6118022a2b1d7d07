//! Audiences and notices: counting with opt-outs, preview with cost, schedule, cancel, send, and `TB`/`OK` by SMS.

use serde_json::{json, Value};

use crate::common::{self, TestApp};

pub const TOKEN: &str = "test-token-14";
/// The demo's commune officer of Cẩm Giàng (02008): 5 household phones in 3 villages.
pub const OFFICER: &str = "0912009003";

pub async fn staff_id(t: &TestApp, phone: &str) -> i64 {
    let e164 = loa::phone::Msisdn::parse(phone).expect("phone");
    loa::with_db!(&t.app.services.db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM staff WHERE msisdn = $1"
    )
    .bind(e164.as_str())
    .fetch_one(pool)
    .await)
    .expect("staff")
}

/// Adds an admin (everywhere) with phone `phone`; returns its id.
pub async fn add_admin(t: &TestApp, phone: &str) -> i64 {
    let e164 = loa::phone::Msisdn::parse(phone).expect("phone");
    loa::execute!(&t.app.services.db, pool => sqlx::query(
        "INSERT INTO staff (msisdn, name, role, updated_at) VALUES ($1, 'Admin', 'admin', $2)"
    )
    .bind(e164.as_str())
    .bind(loa::db::time::now())
    .execute(pool)
    .await)
    .expect("admin");
    staff_id(t, phone).await
}

pub async fn call(
    t: &TestApp,
    method: reqwest::Method,
    path: &str,
    staff: i64,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = t
        .client
        .request(method, t.url(path))
        .bearer_auth(TOKEN)
        .header("x-loa-staff", staff.to_string());
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let text = res.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

pub async fn post(t: &TestApp, path: &str, staff: i64, body: Value) -> (u16, Value) {
    call(t, reqwest::Method::POST, path, staff, Some(body)).await
}

pub async fn get(t: &TestApp, path: &str, staff: i64) -> (u16, Value) {
    call(t, reqwest::Method::GET, path, staff, None).await
}

async fn count(t: &TestApp, staff: i64, audience: Value, topic: &str) -> i64 {
    let (s, b) = post(
        t,
        "/api/v1/audiences/count",
        staff,
        json!({ "audience": audience, "topic": topic }),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    b["recipients"].as_i64().expect("recipients")
}

#[tokio::test]
async fn audiences_are_counted_without_opted_out_contacts() {
    let t = common::spawn_with(|c| c.api_token = Some(TOKEN.into())).await;
    let officer = staff_id(&t, OFFICER).await;
    let n = |a: Value| count(&t, officer, a, "notice");
    assert_eq!(n(json!({})).await, 5, "Cẩm Giàng's household phones");
    assert_eq!(n(json!({ "areas": ["B010201"] })).await, 3);
    // CG-0001, CG-0003 and CG-0004 (whose phone is also CG-0005's).
    assert_eq!(n(json!({ "poverty": ["nghèo"] })).await, 3);
    assert_eq!(n(json!({ "ethnic_groups": ["Dao", "Nùng"] })).await, 2);
    assert_eq!(
        n(json!({ "areas": ["B010201"], "poverty": ["near_poor"] })).await,
        2
    );
    assert_eq!(n(json!({ "languages": ["en"] })).await, 0);
    t.ask("0912001005", "NN en").await;
    assert_eq!(n(json!({ "languages": ["en"] })).await, 1);
    assert_eq!(n(json!({ "languages": ["vi"] })).await, 4);

    // Staff by role: a village health worker of Cẩm Giàng's villages, once loa knows the phone.
    t.ask("0912009001", "HD").await;
    let vhw = json!({ "roles": ["village_health_worker"] });
    assert_eq!(n(vhw.clone()).await, 1);
    assert_eq!(
        n(json!({ "roles": ["household", "village_health_worker"] })).await,
        6
    );

    // Opt-outs: all, then one topic; an opt-in to all undoes both.
    t.ask(common::DEMO_PHONE, "HUY").await;
    assert_eq!(n(json!({})).await, 4);
    t.ask("0912001003", "HUY TB").await;
    assert_eq!(n(json!({})).await, 3);
    assert_eq!(count(&t, officer, json!({}), "campaign").await, 4);
    t.ask("0912001003", "DK").await;
    t.ask(common::DEMO_PHONE, "DK TB").await;
    assert_eq!(
        n(json!({})).await,
        4,
        "a topic opt-in leaves the opt-out of all"
    );
    t.ask(common::DEMO_PHONE, "DK").await;
    assert_eq!(n(json!({})).await, 5);

    // Outside the officer's areas; a role that sends no notices.
    let (s, b) = post(
        &t,
        "/api/v1/audiences/count",
        officer,
        json!({ "audience": { "areas": ["01981"] } }),
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (400, Some("bad_audience"))
    );
    let legal = staff_id(&t, "0912009004").await;
    let (s, _) = post(
        &t,
        "/api/v1/audiences/count",
        legal,
        json!({ "audience": {} }),
    )
    .await;
    assert_eq!(s, 403);
    // An admin counts everywhere: the three communes' eight household phones.
    let admin = add_admin(&t, "0912009099").await;
    assert_eq!(count(&t, admin, json!({}), "notice").await, 8);
    t.stop().await;
}

/// A second simulated network for +8491 numbers at 300 VND a part, beside the built-in one (free).
pub fn priced_gateways() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("vina.toml"),
        "id = \"sim-vina\"\nkind = \"simulator\"\nrate = 1000\nprefixes = [\"+8491\"]\npriority = 0\nprice_per_part = 300\n",
    )
    .expect("gateway file");
    dir
}

async fn figures(t: &TestApp, staff: i64, id: i64) -> Value {
    let (s, b) = get(t, &format!("/api/v1/notices/{id}"), staff).await;
    assert_eq!(s, 200, "{b}");
    b["figures"].clone()
}

#[tokio::test]
async fn a_notice_is_previewed_scheduled_cancelled_and_sent() {
    let dir = priced_gateways();
    let gateway_dir = dir.path().to_path_buf();
    let t = common::spawn_with(move |c| {
        c.api_token = Some(TOKEN.into());
        c.gateway_dir = gateway_dir;
    })
    .await;
    let officer = staff_id(&t, OFFICER).await;
    t.ask("0912001005", "NN en").await;
    t.ask("0912001003", "KD").await;
    let body = json!({
        "text": "Họp thôn lúc 8 giờ sáng thứ Bảy tại nhà văn hóa.",
        "versions": { "en": "Village meeting at 8 am on Saturday at the cultural house." },
    });
    let (s, b) = post(&t, "/api/v1/notices", officer, body.clone()).await;
    assert_eq!(s, 201, "{b}");
    let p = &b["preview"];
    assert_eq!(p["recipients"], 5);
    assert_eq!(
        (
            p["full_recipients"].as_i64(),
            p["unaccented_recipients"].as_i64()
        ),
        (Some(4), Some(1))
    );
    assert_eq!(p["versions"][0]["language"], "vi");
    assert_eq!(p["versions"][0]["full_encoding"], "UCS-2");
    assert_eq!(p["versions"][0]["full_parts"], 1);
    assert_eq!(p["versions"][1]["full_encoding"], "GSM-7");
    // Four +8491 phones at 300 VND a part (one part each); 0388… goes free through the built-in one.
    assert_eq!(p["total_parts"], 5);
    assert_eq!(p["cost"], 1200);
    let first = b["notice"]["id"].as_i64().expect("id");
    assert_eq!(b["notice"]["status"], "draft");

    // Scheduled for later: nothing queued, even when the job runs now; then cancelled.
    let later = chrono::Utc::now() + chrono::TimeDelta::hours(1);
    let (s, b) = post(
        &t,
        &format!("/api/v1/notices/{first}/send"),
        officer,
        json!({ "at": later }),
    )
    .await;
    assert_eq!(
        (s, b["notice"]["status"].as_str()),
        (202, Some("scheduled")),
        "{b}"
    );
    let svc = &t.app.services;
    let added = loa::features::notices::run_due(&svc.db, &svc.outbox, loa::db::time::now())
        .await
        .expect("job");
    assert_eq!(added, 0);
    let (s, b) = post(
        &t,
        &format!("/api/v1/notices/{first}/cancel"),
        officer,
        json!({}),
    )
    .await;
    assert_eq!((s, b["cancelled"].as_bool()), (200, Some(true)));
    let after = later + chrono::TimeDelta::minutes(1);
    let added = loa::features::notices::run_due(&svc.db, &svc.outbox, after)
        .await
        .expect("job");
    assert_eq!(added, 0, "a cancelled notice is never queued");
    let (s, b) = post(
        &t,
        &format!("/api/v1/notices/{first}/send"),
        officer,
        json!({}),
    )
    .await;
    assert_eq!((s, b["error"]["code"].as_str()), (400, Some("not_draft")));

    // Sent now: every recipient gets it in their language and script; figures follow delivery.
    let (_, b) = post(&t, "/api/v1/notices", officer, body).await;
    let second = b["notice"]["id"].as_i64().expect("id");
    let (s, _) = call(
        &t,
        reqwest::Method::POST,
        &format!("/api/v1/notices/{second}/send"),
        officer,
        None,
    )
    .await;
    assert_eq!(s, 202);
    let got = t.wait_for_messages("0912001002", 1).await;
    assert_eq!(
        got[0]["text"],
        "Họp thôn lúc 8 giờ sáng thứ Bảy tại nhà văn hóa."
    );
    let en = t.wait_for_messages("0912001005", 2).await;
    assert_eq!(
        en[1]["text"],
        "Village meeting at 8 am on Saturday at the cultural house."
    );
    let plain = t.wait_for_messages("0912001003", 2).await;
    assert_eq!(
        plain[1]["text"],
        "Hop thon luc 8 gio sang thu Bay tai nha van hoa."
    );
    t.settle().await;
    let f = figures(&t, officer, second).await;
    let out = f["delivered"].as_i64().unwrap_or(0) + f["sent"].as_i64().unwrap_or(0);
    assert_eq!(out, 5, "{f}");
    assert_eq!(
        (f["queued"].as_i64(), f["cancelled"].as_i64()),
        (Some(0), Some(0))
    );
    // The job finds nothing more to queue.
    let added = loa::features::notices::run_due(&svc.db, &svc.outbox, after)
        .await
        .expect("job");
    assert_eq!(added, 0);
    t.stop().await;
}

#[tokio::test]
async fn cancelling_a_notice_being_sent_cancels_what_is_still_queued() {
    let t = common::spawn_with(|c| {
        c.api_token = Some(TOKEN.into());
        c.simulator.rate = 1;
    })
    .await;
    let officer = staff_id(&t, OFFICER).await;
    let (_, b) = post(
        &t,
        "/api/v1/notices",
        officer,
        json!({ "text": "Lịch tiêm chủng tháng này" }),
    )
    .await;
    let id = b["notice"]["id"].as_i64().expect("id");
    let svc = &t.app.services;
    loa::features::notices::send(&svc.db, id, None)
        .await
        .expect("send");
    let out = loa::features::notices::queue(&svc.db, &svc.outbox, id, loa::db::time::now())
        .await
        .expect("queue");
    assert_eq!(out, loa::features::notices::Outcome::Queued(5));
    let (s, b) = post(
        &t,
        &format!("/api/v1/notices/{id}/cancel"),
        officer,
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let f = &b["figures"];
    let total: i64 = ["queued", "sent", "delivered", "failed", "cancelled"]
        .iter()
        .map(|k| f[k].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(total, 5, "every message accounted for: {f}");
    assert!(
        f["cancelled"].as_i64().unwrap_or(0) >= 3,
        "at one part a second most wait: {f}"
    );
    assert_eq!(b["messages_cancelled"], f["cancelled"]);
    t.stop().await;
}

#[tokio::test]
async fn tb_by_sms_previews_and_ok_sends_once_from_the_same_phone_in_time() {
    let t = common::spawn().await;
    let reply = t.ask(OFFICER, "TB B010201 Họp thôn 8 giờ sáng mai").await;
    let text = reply["text"].as_str().expect("text").to_string();
    assert!(text.starts_with("Thông báo tới 3 người"), "{text}");
    assert!(text.contains("Nhắn OK trong 10 phút"), "{text}");

    // Another phone's OK takes nothing; the officer's does, once.
    let other = t.ask(common::DEMO_PHONE, "OK").await;
    assert_eq!(other["text"], "Không có tin nào chờ xác nhận.");
    t.settle().await;
    assert!(t.messages("0912001002").await.is_empty());
    let sent = t.ask(OFFICER, "OK").await;
    assert!(
        sent["text"].as_str().unwrap_or("").contains("tới 3 người"),
        "{sent}"
    );
    let got = t.wait_for_messages("0912001002", 1).await;
    assert_eq!(got[0]["text"], "Họp thôn 8 giờ sáng mai");
    let again = t.ask(OFFICER, "OK").await;
    assert_eq!(again["text"], "Không có tin nào chờ xác nhận.");

    // A late OK sends nothing.
    let reply = t.ask(OFFICER, "TB * Thu thuế đất").await;
    assert!(reply["text"]
        .as_str()
        .unwrap_or("")
        .starts_with("Thông báo tới 5 người"));
    loa::execute!(&t.app.services.db, pool => sqlx::query(
        "UPDATE pending_confirmations SET expires_at = $1 WHERE taken_at IS NULL"
    )
    .bind(loa::db::time::now() - chrono::TimeDelta::minutes(1))
    .execute(pool)
    .await)
    .expect("expire");
    let late = t.ask(OFFICER, "OK").await;
    assert!(
        late["text"]
            .as_str()
            .unwrap_or("")
            .starts_with("Đã quá 10 phút"),
        "{late}"
    );
    let queued = common::count(
        &t.app,
        "SELECT COUNT(*) FROM outbox WHERE origin LIKE 'notice:%'",
    )
    .await;
    assert_eq!(queued, 3, "only the first notice went out");

    // Not an officer; outside the officer's communes; no text.
    let r = t.ask(common::DEMO_PHONE, "TB * xin chào").await;
    assert_eq!(r["text"], "Chỉ cán bộ xã gửi được thông báo bằng tin nhắn.");
    let r = t.ask(OFFICER, "TB B010301 Họp").await;
    assert_eq!(r["text"], "Thôn B010301 không thuộc địa bàn của bạn.");
    let r = t.ask(OFFICER, "TB *").await;
    assert!(r["text"].as_str().unwrap_or("").starts_with("Nhắn: TB"));
    t.stop().await;
}

/// A gateway that holds every send until the test lets it go, then answers 503 to a message's
/// first attempt (and accepts a later one, which a cancelled notice must never make).
struct HeldThen503 {
    entered: std::sync::atomic::AtomicUsize,
    release: tokio::sync::Semaphore,
    seen: std::sync::Mutex<std::collections::HashSet<i64>>,
}

impl loa::gateway::Gateway for HeldThen503 {
    fn id(&self) -> &str {
        "held"
    }
    fn kind(&self) -> &'static str {
        "test"
    }
    fn send<'a>(
        &'a self,
        msg: &'a loa::gateway::Outbound<'a>,
    ) -> futures::future::BoxFuture<'a, Result<loa::gateway::Receipt, loa::gateway::SendError>>
    {
        Box::pin(async move {
            self.entered
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let permit = self.release.acquire().await.expect("semaphore");
            permit.forget();
            if self.seen.lock().expect("lock").insert(msg.id) {
                return Err(loa::gateway::SendError::Transient(
                    "503 Service Unavailable".into(),
                ));
            }
            Ok(loa::gateway::Receipt {
                provider_id: format!("held-{}", msg.id),
            })
        })
    }
}

#[tokio::test]
async fn a_message_in_flight_when_its_notice_is_cancelled_is_cancelled_not_retried() {
    let gw = std::sync::Arc::new(HeldThen503 {
        entered: 0.into(),
        release: tokio::sync::Semaphore::new(0),
        seen: Default::default(),
    });
    let db = common::TestDb::new().await;
    let mut config = common::test_config(&db);
    config.simulator.enabled = false;
    config.api_token = Some(TOKEN.into());
    config.dispatcher.concurrency = 8;
    let app = loa::server::open(config).await.expect("open");
    loa::demo::load(&app.services.db).await.expect("demo data");
    let mut app = std::sync::Arc::into_inner(app).expect("sole owner");
    let rate = std::num::NonZeroU32::new(100).expect("rate");
    std::sync::Arc::get_mut(&mut app.gateways)
        .expect("sole owner of the gateways")
        .add(loa::gateway::GatewayHandle::new(
            gw.clone(),
            rate,
            Vec::new(),
            0,
        ));
    let t = common::start(std::sync::Arc::new(app), db).await;

    let officer = staff_id(&t, OFFICER).await;
    let (_, b) = post(
        &t,
        "/api/v1/notices",
        officer,
        json!({ "text": "Họp thôn" }),
    )
    .await;
    let id = b["notice"]["id"].as_i64().expect("id");
    let (s, _) = call(
        &t,
        reqwest::Method::POST,
        &format!("/api/v1/notices/{id}/send"),
        officer,
        None,
    )
    .await;
    assert_eq!(s, 202);
    // All five are at the gateway when the cancel lands.
    common::eventually(common::PATIENCE, "five sends at the gateway", async || {
        let n = gw.entered.load(std::sync::atomic::Ordering::SeqCst);
        common::done_if(n == 5, n)
    })
    .await;
    let (s, b) = post(
        &t,
        &format!("/api/v1/notices/{id}/cancel"),
        officer,
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["figures"]["queued"], 5, "in flight: {b}");
    gw.release.add_permits(1_000);

    let ids: Vec<i64> = loa::with_db!(&t.app.services.db, pool => sqlx::query_scalar(
        "SELECT id FROM outbox WHERE origin = $1 ORDER BY id"
    )
    .bind(format!("notice:{id}"))
    .fetch_all(pool)
    .await)
    .expect("ids");
    assert_eq!(ids.len(), 5);
    for row in ids {
        assert_eq!(t.settled_status(row).await, "cancelled", "outbox {row}");
    }
    t.settle().await;
    assert_eq!(
        gw.entered.load(std::sync::atomic::Ordering::SeqCst),
        5,
        "a cancelled message was tried again"
    );
    let f = figures(&t, officer, id).await;
    assert_eq!(
        (f["cancelled"].as_i64(), f["sent"].as_i64()),
        (Some(5), Some(0)),
        "{f}"
    );
    t.stop().await;
}
