//! The simulator is a mode, not a route: off by default; when on, the only way out; when off,
//! `/simulator/…` is refused and a message no real gateway takes stays queued.

use std::sync::Once;

use loa::config::Config;
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{self, TestApp, TestDb, DEMO_PHONE};

fn env() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::env::set_var("LOA_TEST_SM_PASSWORD", "pw");
        std::env::set_var("LOA_TEST_SM_SECRET", "hook-secret");
    });
}

/// A Jasmin file whose circuit opens at the first failure and stays open.
fn jasmin_file(uri: &str) -> String {
    format!(
        r#"id = "sm-jasmin"
kind = "jasmin"
rate = 50
[jasmin]
send_url = "{uri}/send"
username = "loa"
password_env = "LOA_TEST_SM_PASSWORD"
dlr_url = "http://loa.example/webhooks/sm-jasmin/dlr/hook-secret"
[webhook]
secret_env = "LOA_TEST_SM_SECRET"
[circuit]
failures = 1
window_seconds = 60
cooldown_seconds = 600
"#
    )
}

fn gateway_dir(files: &[String]) -> std::path::PathBuf {
    let dir = tempfile::tempdir().expect("dir");
    for (i, body) in files.iter().enumerate() {
        std::fs::write(dir.path().join(format!("g{i}.toml")), body).expect("gateway file");
    }
    dir.keep()
}

/// The configuration as an operator gets it (simulator mode as the defaults say), on a test
/// database, with `files` as its gateways.
async fn spawn_default_mode(files: &[String]) -> TestApp {
    env();
    let db = TestDb::new().await;
    let mut config = common::test_config(&db);
    config.simulator.enabled = Config::default().simulator.enabled;
    config.gateway_dir = gateway_dir(files);
    let app = loa::server::open(config).await.expect("open");
    loa::demo::load(&app.services.db).await.expect("demo");
    common::start(app, db).await
}

async fn metrics(t: &TestApp) -> String {
    let token = t.token(None).await;
    t.client
        .get(t.url("/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text")
}

#[tokio::test]
async fn a_reply_no_real_gateway_takes_stays_queued_and_never_goes_to_the_simulator() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("Error \"busy\""))
        .mount(&server)
        .await;
    let t = spawn_default_mode(&[jasmin_file(&server.uri())]).await;
    assert!(
        t.app
            .gateway_line()
            .starts_with("gateways live: sm-jasmin (jasmin"),
        "{}",
        t.app.gateway_line()
    );
    let id = t.enqueue_reply(DEMO_PHONE, "Da nhan").await;
    // The gateway fails once, its circuit opens; the retry then finds no gateway at all.
    common::eventually(
        common::PATIENCE,
        "the retry to look for a gateway",
        async || {
            let counted = metrics(&t)
                .await
                .contains("loa_dispatch_unroutable_total 1");
            common::done_if(counted, common::outbox_status(&t.app, id).await)
        },
    )
    .await;
    assert_eq!(common::outbox_status(&t.app, id).await, "queued");
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM simulator_received").await,
        0
    );
    let m = metrics(&t).await;
    assert!(
        m.contains("loa_outbox_messages{status=\"queued\"} 1"),
        "{m}"
    );
    assert!(m.contains("loa_simulator_mode 0"), "{m}");
    let token = t.token(None).await;
    let v: Value = t
        .client
        .get(t.url("/api/v1/gateways"))
        .bearer_auth(token)
        .send()
        .await
        .expect("status")
        .json()
        .await
        .expect("json");
    assert_eq!(
        (v["mode"].clone(), v["queued"].clone()),
        (json!("live"), json!(1)),
        "{v}"
    );
    let ids: Vec<&str> = v["gateways"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|g| g["id"].as_str())
        .collect();
    assert_eq!(ids, ["sm-jasmin"], "no simulator beside a real gateway");
    t.stop().await;
}

#[tokio::test]
async fn simulator_mode_beside_a_real_gateway_refuses_to_start_and_says_why() {
    env();
    let db = TestDb::new().await;
    let mut config = common::test_config(&db);
    config.simulator.enabled = true;
    config.gateway_dir = gateway_dir(&[jasmin_file("http://127.0.0.1:9")]);
    let err = match loa::server::open(config).await {
        Ok(_) => panic!("started with the simulator beside a real gateway"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("simulator mode") && err.contains("sm-jasmin (jasmin"),
        "{err}"
    );
    db.drop_db().await;
}

#[tokio::test]
async fn in_simulator_mode_the_simulator_is_the_only_gateway_and_start_up_says_so() {
    let t = common::spawn().await;
    let line = t.app.gateway_line();
    assert!(line.starts_with("SIMULATOR MODE"), "{line}");
    assert_eq!(t.app.gateways.all().len(), 1);
    assert!(metrics(&t).await.contains("loa_simulator_mode 1"));
    // Notices replaced the simulator's broadcast: bulk goes only through `/api/v1/notices`.
    let res = t
        .client
        .post(t.url("/simulator/api/broadcast"))
        .json(&json!({ "to": [DEMO_PHONE], "text": "x" }))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 404);
    t.stop().await;
}

#[tokio::test]
async fn outside_simulator_mode_the_simulator_endpoints_are_refused_with_a_reason() {
    let t = spawn_default_mode(&[]).await;
    let form = "sessionId=s1&serviceCode=%2A123%23&phoneNumber=0912001001&text=1";
    let calls = [
        ("GET", "/simulator", None),
        (
            "POST",
            "/simulator/api/sms",
            Some(json!({ "from": DEMO_PHONE, "text": "TT" }).to_string()),
        ),
        ("POST", "/simulator/api/ussd", Some(form.to_string())),
        ("GET", "/simulator/api/messages?to=0912001001", None),
    ];
    for (m, path, body) in calls {
        let mut req = t
            .client
            .request(m.parse().expect("method"), t.url(path))
            .header("content-type", "application/json");
        if let Some(b) = body {
            req = req.body(b);
        }
        let res = req.send().await.expect("send");
        assert_eq!(res.status(), 404, "{m} {path}");
        let v: Value = res.json().await.expect("JSON error");
        assert_eq!(v["error"]["code"], "simulator_off", "{m} {path}: {v}");
    }
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM inbound_messages").await,
        0
    );
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM outbox").await,
        0
    );
    t.stop().await;
}
