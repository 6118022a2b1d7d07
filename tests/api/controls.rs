//! NUL and other control characters: one rule on both backends. What a gateway brings is stored
//! without them (answered 200, so the provider stops retrying); what staff or tools send is
//! refused with a 400 naming the character, and nothing is stored.

use std::sync::Once;

use serde_json::{json, Value};

use crate::common::{self, TestApp, TestDb, DEMO_PHONE};

const TOKEN: &str = "test-token-nul";

fn env() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::env::set_var("LOA_TEST_NUL_KEY", "k");
        std::env::set_var("LOA_TEST_NUL_SECRET", "hook-secret");
    });
}

/// Real gateways: an aggregator (SMS webhooks) and a USSD aggregator.
async fn spawn_live() -> TestApp {
    env();
    let db = TestDb::new().await;
    let mut config = common::test_config(&db);
    config.simulator.enabled = false;
    let dir = tempfile::tempdir().expect("dir");
    let agg = r#"id = "agg-nul"
kind = "aggregator"
rate = 10
[aggregator]
send_url = "http://127.0.0.1:9/version1/messaging"
username = "u"
api_key_env = "LOA_TEST_NUL_KEY"
[webhook]
secret_env = "LOA_TEST_NUL_SECRET"
"#;
    let ussd =
        "id = \"ussd-nul\"\nkind = \"ussd\"\n[webhook]\nsecret_env = \"LOA_TEST_NUL_SECRET\"\n";
    std::fs::write(dir.path().join("agg.toml"), agg).expect("file");
    std::fs::write(dir.path().join("ussd.toml"), ussd).expect("file");
    config.gateway_dir = dir.keep();
    let app = loa::server::open(config).await.expect("open");
    loa::demo::load(&app.services.db).await.expect("demo");
    common::start(app, db).await
}

async fn form(t: &TestApp, path: &str, body: &str) -> (u16, String) {
    let res = t
        .client
        .post(t.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_string())
        .send()
        .await
        .expect("post");
    (res.status().as_u16(), res.text().await.expect("body"))
}

#[tokio::test]
async fn a_gateways_message_with_nul_is_stored_without_it() {
    let t = spawn_live().await;
    let (s, b) = form(
        &t,
        "/webhooks/agg-nul/inbound/hook-secret",
        "from=%2B84912001001&id=at%00-1&text=H%00D%01&to=9029",
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = form(
        &t,
        "/webhooks/agg-nul/dlr/hook-secret",
        "id=ATX%00id&status=Failed&failureReason=x%00y",
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (text, provider): (String, String) = loa::with_db!(&t.app.services.db, pool => {
        sqlx::query_as(
            "SELECT text, provider_id FROM inbound_messages WHERE gateway_id = 'agg-nul'",
        )
        .fetch_one(pool)
        .await
    })
    .expect("stored");
    assert_eq!((text.as_str(), provider.as_str()), ("HD", "at-1"));

    let (s, b) = form(
        &t,
        "/webhooks/ussd-nul/ussd/hook-secret",
        "sessionId=s%001&serviceCode=%2A123%23&phoneNumber=0912001001&text=4%00",
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert!(b.starts_with("CON "), "{b}");
    let session: String = loa::with_db!(&t.app.services.db, pool => sqlx::query_scalar(
        "SELECT session_id FROM ussd_sessions"
    )
    .fetch_one(pool)
    .await)
    .expect("session");
    assert_eq!(session, "s1");
    t.stop().await;
}

async fn post_json(t: &TestApp, path: &str, staff: Option<i64>, body: Value) -> (u16, Value) {
    let mut req = t.client.post(t.url(path)).json(&body);
    if let Some(s) = staff {
        req = req.bearer_auth(TOKEN).header("x-loa-staff", s.to_string());
    }
    let res = req.send().await.expect("post");
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn what_staff_and_tools_send_with_nul_is_refused_naming_it() {
    let t = common::spawn_with(|c| c.api_token = Some(TOKEN.into())).await;
    let officer = common::staff_id(&t, "+84912009003").await;
    let record: i64 = loa::with_db!(&t.app.services.db, pool => sqlx::query_scalar(
        "SELECT id FROM support_records WHERE record_key LIKE 'CG0002|DA3.TDA1.ND1|%'"
    )
    .fetch_one(pool)
    .await)
    .expect("record");
    for (path, staff, body) in [
        (
            "/simulator/api/sms".to_string(),
            None,
            json!({ "from": DEMO_PHONE, "text": "H\u{0}D" }),
        ),
        (
            "/simulator/api/sms".to_string(),
            None,
            json!({ "from": DEMO_PHONE, "text": "HD", "id": "p\u{0}1" }),
        ),
        (
            "/api/v1/notices".to_string(),
            Some(officer),
            json!({ "text": "Hop\u{0}" }),
        ),
        (
            "/api/v1/notices".to_string(),
            Some(officer),
            json!({ "text": "Hop", "versions": { "en": "Meeting\u{0}" } }),
        ),
        (
            format!("/api/v1/support/{record}/status"),
            Some(officer),
            json!({ "status": "rejected", "reason": "thiếu\u{0} giấy tờ" }),
        ),
    ] {
        let (s, v) = post_json(&t, &path, staff, body.clone()).await;
        assert_eq!(s, 400, "{path} {body}: {v}");
        assert_eq!(v["error"]["code"], "control_character", "{v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("U+0000"),
            "{v}"
        );
    }
    let res = t
        .client
        .get(t.url("/api/v1/households/CG%000001"))
        .bearer_auth(TOKEN)
        .header("x-loa-staff", officer.to_string())
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 400);
    let v: Value = res.json().await.expect("json");
    assert_eq!(v["error"]["code"], "control_character", "{v}");
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM inbound_messages").await,
        0
    );
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM outbox").await,
        0
    );
    let history = format!("SELECT COUNT(*) FROM support_history WHERE record_id = {record}");
    assert_eq!(common::count(&t.app, &history).await, 1, "only its import");
    t.stop().await;
}

/// Every console form (the status of a household's record, a notice, a campaign, a legal aid
/// request, the sign-in) goes through one check: a NUL is refused with the console's error page
/// and a 400 naming it, before any handler could hand it to the database (PostgreSQL answered
/// 500), and nothing is stored. So is an upload whose file name holds one.
#[tokio::test]
async fn console_forms_with_nul_are_refused_with_the_error_page_and_store_nothing() {
    use crate::console::{record_id, Page};
    let t = common::spawn().await;
    let officer = Page::of(&t, Some("0912009003")).await;
    let csrf = officer.csrf.as_str();
    let id = record_id(&t, "CG0001|DA1.ND4|").await;
    let tables = [
        "support_history",
        "notices",
        "campaigns",
        "legal_aid_history",
        "legal_aid_notes",
        "import_uploads",
        "outbox",
    ];
    let counts = async || {
        let mut out = Vec::new();
        for table in tables {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            out.push(common::count(&t.app, &sql).await);
        }
        out
    };
    let before = counts().await;
    let status = format!("/console/households/CG-0001/records/{id}/status");
    let forms: [(&str, Vec<(&str, &str)>); 5] = [
        (
            &status,
            vec![("status", "rejected"), ("reason", "thiếu\u{0} giấy tờ")],
        ),
        (
            "/console/notices",
            vec![
                ("areas", "B010201"),
                ("text", "Họp\u{0} thôn"),
                ("action", "send"),
            ],
        ),
        (
            "/console/campaigns",
            vec![
                ("name", "Tiêm\u{0} chủng"),
                ("poverty", "poor"),
                ("step-day-1", "0"),
                ("step-text-1", "Chào bà con"),
            ],
        ),
        (
            "/console/legal-aid/TG-000001/status",
            vec![("status", "withdrawn"), ("notes", "x\u{0}")],
        ),
        // In a field's name too.
        (&status, vec![("status", "approved"), ("re\u{0}ason", "x")]),
    ];
    for (path, fields) in forms {
        let mut form = vec![("csrf", csrf)];
        form.extend(fields);
        let (s, _, html) = officer.post(&t, path, &form).await;
        assert_eq!(s, 400, "{path}: {html}");
        assert!(
            html.contains("U+0000") && html.contains("control character"),
            "{path}: {html}"
        );
    }
    let res = t
        .client
        .post(t.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=admin%00&password=x&csrf=y")
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 400);
    let html = res.text().await.expect("page");
    assert!(html.contains("U+0000"), "{html}");
    // The upload's file name is kept with the upload: refused beside the file field. (A NUL or
    // C0 byte cannot reach it: the multipart reader refuses such a header; C1 ones can.)
    let good = "Mã hộ,Họ tên chủ hộ,Thôn/bản\nCG-0401,Lò Văn A,B010201\n";
    let (s, _, html) = officer
        .upload(
            &t,
            "/console/imports/check",
            &[("csrf", csrf), ("kind", "households")],
            Some(("ho\u{85}.csv", good.as_bytes())),
        )
        .await;
    assert_eq!(s, 400, "{html}");
    assert!(
        html.contains("id=\"file-error\"") && html.contains("U+0085"),
        "{html}"
    );
    assert_eq!(counts().await, before, "nothing stored");
    t.stop().await;
}
