//! Test harness: a real loa (HTTP, dispatcher, scheduler) in process on a real database.
//!
//! The database is a fresh SQLite file per test, or, when `LOA_TEST_DATABASE_URL` names a
//! PostgreSQL server, a fresh database on it per test (dropped at the end).
#![allow(dead_code)]

use std::time::{Duration, Instant};

use loa::app::{App, AppState};
use loa::config::Config;
use loa::server::Running;
use serde_json::{json, Value};

pub const DEMO_PHONE: &str = "0912001001";
pub const DEMO_E164: &str = "+84912001001";

/// The PostgreSQL server to test against, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("LOA_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

/// A database for one test, removed when the test stops the app.
pub struct TestDb {
    pub url: String,
    admin: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn new() -> TestDb {
        match postgres_url() {
            Some(admin_url) => {
                let name = format!("loa_t_{}", uuid::Uuid::new_v4().simple());
                let admin = sqlx::PgPool::connect(&admin_url).await.unwrap_or_else(|e| {
                    panic!("LOA_TEST_DATABASE_URL is set but PostgreSQL is unreachable: {e}")
                });
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&admin)
                    .await
                    .expect("create test database");
                admin.close().await;
                let url = replace_db_name(&admin_url, &name);
                TestDb {
                    url,
                    admin: Some((admin_url, name)),
                    _dir: None,
                }
            }
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/loa.db", dir.path().display());
                TestDb {
                    url,
                    admin: None,
                    _dir: Some(dir),
                }
            }
        }
    }

    fn none() -> TestDb {
        TestDb {
            url: String::new(),
            admin: None,
            _dir: None,
        }
    }

    pub async fn drop_db(&self) {
        if let Some((admin_url, name)) = &self.admin {
            if let Ok(admin) = sqlx::PgPool::connect(admin_url).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&admin)
                    .await;
                admin.close().await;
            }
        }
    }
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let base = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// The configuration tests run with: simulator mode (the default is real gateways), no quiet
/// hours, fast polling, short leases.
#[allow(clippy::field_reassign_with_default)]
pub fn test_config(db: &TestDb) -> Config {
    let mut c = Config::default();
    c.database_url = db.url.clone();
    c.listen = ([127, 0, 0, 1], 0).into();
    c.quiet_hours.start = chrono::NaiveTime::MIN;
    c.quiet_hours.end = chrono::NaiveTime::MIN;
    c.dispatcher.poll_millis = 50;
    c.dispatcher.lease_seconds = 2;
    c.simulator.enabled = true;
    c.simulator.rate = 1000;
    c.instance_id = Some(format!("test-{}", uuid::Uuid::new_v4().simple()));
    c
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub app: AppState,
    pub db: TestDb,
    running: Option<Running>,
}

/// Starts loa with the test configuration and the demo data.
pub async fn spawn() -> TestApp {
    spawn_with(|_| {}).await
}

pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    let db = TestDb::new().await;
    let mut config = test_config(&db);
    tweak(&mut config);
    let app = loa::server::open(config).await.expect("open app");
    loa::demo::load(&app.services.db).await.expect("demo data");
    start(app, db).await
}

/// Starts an already built app (tests that bring their own gateways).
pub async fn start(app: AppState, db: TestDb) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    start_on(app, db, listener).await
}

/// Starts an app on a listener bound beforehand (tests whose gateway files name loa's own port).
pub async fn start_on(app: AppState, db: TestDb, listener: tokio::net::TcpListener) -> TestApp {
    let running = loa::server::start(app.clone(), listener)
        .await
        .expect("start");
    TestApp {
        base: format!("http://{}", running.addr),
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .expect("client"),
        app,
        db,
        running: Some(running),
    }
}

impl TestApp {
    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
        self.db.drop_db().await;
    }

    /// Stops this instance (gracefully) and starts a new one on the same database.
    pub async fn restart(mut self) -> TestApp {
        let config = self.app.config.clone();
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
        let app = loa::server::open(config).await.expect("reopen");
        let db = std::mem::replace(&mut self.db, TestDb::none());
        start(app, db).await
    }

    /// A second instance on the same database, as another process behind a load balancer.
    pub async fn twin(&self) -> TestApp {
        let mut config = self.app.config.clone();
        config.instance_id = Some(format!("test-{}", uuid::Uuid::new_v4().simple()));
        let app = loa::server::open(config).await.expect("open twin");
        start(app, TestDb::none()).await
    }

    /// One USSD step from `phone` through the simulator: the status and the body (`CON …`/`END …`).
    pub async fn ussd_raw(&self, session: &str, phone: &str, text: &str) -> (u16, String) {
        let form = [
            ("sessionId", session),
            ("serviceCode", "*123#"),
            ("phoneNumber", phone),
            ("networkCode", "45204"),
            ("text", text),
        ];
        let res = self
            .client
            .post(self.url("/simulator/api/ussd"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(form).expect("form"))
            .send()
            .await
            .expect("post ussd");
        let status = res.status().as_u16();
        (status, res.text().await.expect("body"))
    }

    /// One USSD step that must be answered: the body.
    pub async fn ussd(&self, session: &str, phone: &str, text: &str) -> String {
        let (status, body) = self.ussd_raw(session, phone, text).await;
        assert_eq!(status, 200, "ussd {text:?}: {body}");
        body
    }

    /// Queues a reply to `to` straight into the outbox (no inbound message): its outbox id.
    pub async fn enqueue_reply(&self, to: &str, text: &str) -> i64 {
        self.app
            .services
            .outbox
            .enqueue(loa::outbox::NewMessage {
                recipient: loa::phone::Msisdn::parse(to).expect("number"),
                text: text.into(),
                priority: loa::outbox::Priority::Reply,
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

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// An SMS from `from` with a fresh provider id (so quick repeats are not taken for duplicates).
    pub async fn sms(&self, from: &str, text: &str) -> Value {
        let id = uuid::Uuid::new_v4().to_string();
        self.sms_with_id(from, text, Some(&id)).await
    }

    pub async fn sms_with_id(&self, from: &str, text: &str, id: Option<&str>) -> Value {
        let mut body = json!({ "from": from, "text": text });
        if let Some(id) = id {
            body["id"] = json!(id);
        }
        let res = self
            .client
            .post(self.url("/simulator/api/sms"))
            .json(&body)
            .send()
            .await
            .expect("post sms");
        assert_eq!(res.status(), 200, "simulator sms accepted");
        res.json().await.expect("json")
    }

    pub async fn messages(&self, to: &str) -> Vec<Value> {
        let res = self
            .client
            .get(self.url("/simulator/api/messages"))
            .query(&[("to", to)])
            .send()
            .await
            .expect("get messages");
        assert_eq!(res.status(), 200);
        let v: Value = res.json().await.expect("json");
        v["messages"].as_array().cloned().unwrap_or_default()
    }

    /// Waits until `to` has received at least `n` messages, and returns them all.
    pub async fn wait_for_messages(&self, to: &str, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let m = self.messages(to).await;
            if m.len() >= n {
                return m;
            }
            assert!(
                Instant::now() < deadline,
                "{to} received {} messages, expected {n}: {m:#?}",
                m.len()
            );
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }

    /// Sends an SMS and returns the reply it got (the newest message to `from`).
    pub async fn ask(&self, from: &str, text: &str) -> Value {
        let before = self.messages(from).await.len();
        self.sms(from, text).await;
        let m = self.wait_for_messages(from, before + 1).await;
        m[before].clone()
    }

    pub async fn broadcast(&self, to: &[&str], text: &str, topic: Option<&str>) -> Vec<i64> {
        let res = self
            .client
            .post(self.url("/simulator/api/broadcast"))
            .json(&json!({ "to": to, "text": text, "topic": topic }))
            .send()
            .await
            .expect("broadcast");
        assert_eq!(res.status(), 200);
        let v: Value = res.json().await.expect("json");
        v["queued"]
            .as_array()
            .expect("queued")
            .iter()
            .filter_map(Value::as_i64)
            .collect()
    }

    /// The stored status of an outbox row, waiting until it leaves `queued`/`sending`.
    pub async fn settled_status(&self, outbox_id: i64) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let s = outbox_status(&self.app, outbox_id).await;
            if s != "queued" && s != "sending" {
                return s;
            }
            assert!(Instant::now() < deadline, "outbox {outbox_id} still {s}");
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }
}

pub async fn outbox_status(app: &App, id: i64) -> String {
    loa::with_db!(&app.services.db, |pool| sqlx::query_scalar::<_, String>(
        "SELECT status FROM outbox WHERE id = $1"
    )
    .bind(id)
    .fetch_one(pool)
    .await)
    .expect("outbox row")
}

pub async fn count(app: &App, sql: &str) -> i64 {
    loa::with_db!(&app.services.db, |pool| sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(pool)
        .await)
    .expect("count")
}

/// The id of the staff member with phone `msisdn` (E.164), as the staff API's `x-loa-staff` takes it.
pub async fn staff_id(t: &TestApp, msisdn: &str) -> i64 {
    loa::with_db!(&t.app.services.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM staff WHERE msisdn = $1"
    )
    .bind(msisdn)
    .fetch_one(pool)
    .await)
    .expect("staff")
}
