//! Test harness: a real loa (HTTP, dispatcher, scheduler) in process on a real database.
//!
//! The database is a fresh SQLite file per test, or, when `LOA_TEST_DATABASE_URL` names a
//! PostgreSQL server, a fresh database on it per test (dropped at the end).
//!
//! Tests wait for events, not for time: [`eventually`] polls a check until it holds (and says what
//! it waited for and what it last saw when it gives up), and [`TestApp::settle`] waits until the
//! app has nothing left to do, so that "X did not happen" is asserted after everything that could
//! have made it happen has run, not after a guessed sleep.
//!
//! Slow tier: tests that measure time (a rate, a latency) are `#[ignore = "slow tier: …"]`, so
//! `cargo test` leaves them out; `.ci/run` runs them once on SQLite with
//! `cargo test -- --ignored --nocapture`. They print what they measured next to what was expected
//! and fail only on what load cannot cause (a send faster than the configured rate), never because
//! a loaded machine was slow.
#![allow(dead_code)]

use std::fmt::{self, Debug};
use std::future::Future;
use std::panic::Location;
use std::time::{Duration, Instant};

use loa::app::{App, AppState};
use loa::config::Config;
use loa::server::Running;
use serde_json::{json, Value};

pub const DEMO_PHONE: &str = "0912001001";
/// The password of accounts made by [`TestApp::account`].
pub const PASSWORD: &str = "test password 1";
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
    c.dispatcher.hold_seconds = 3;
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

    /// Stops this instance's dispatcher as a crash would (no clean-up, the dispatch lease kept).
    pub fn crash_dispatcher(&self) {
        if let Some(r) = &self.running {
            r.crash_dispatcher();
        }
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
    #[track_caller]
    pub fn wait_for_messages<'a>(
        &'a self,
        to: &'a str,
        n: usize,
    ) -> impl Future<Output = Vec<Value>> + 'a {
        self.wait_for_messages_at(Location::caller(), to, n)
    }

    async fn wait_for_messages_at(
        &self,
        caller: &'static Location<'static>,
        to: &str,
        n: usize,
    ) -> Vec<Value> {
        let what = format!("{to} to receive {n} messages");
        eventually_at(caller, PATIENCE, what, async || {
            let m = self.messages(to).await;
            done_if(m.len() >= n, m)
        })
        .await
    }

    /// Sends an SMS and returns the reply it got (the newest message to `from`).
    #[track_caller]
    pub fn ask<'a>(&'a self, from: &'a str, text: &'a str) -> impl Future<Output = Value> + 'a {
        let caller = Location::caller();
        async move {
            let before = self.messages(from).await.len();
            self.sms(from, text).await;
            let m = self.wait_for_messages_at(caller, from, before + 1).await;
            m[before].clone()
        }
    }

    /// Queues `text` as bulk to each of `to` with consent topic `topic` (none: only a full
    /// opt-out holds it), straight into the app's outbox as a notice's messages go: priority
    /// bulk, consent checked by the dispatcher at send time. Not through the notices feature,
    /// since these numbers need be in no audience. The outbox ids, in the order of `to`.
    pub async fn broadcast(&self, to: &[&str], text: &str, topic: Option<&str>) -> Vec<i64> {
        use loa::outbox::{NewMessage, Priority};
        let batch = uuid::Uuid::new_v4().simple().to_string();
        let mut ids = Vec::with_capacity(to.len());
        for (i, n) in to.iter().enumerate() {
            let msg = NewMessage {
                recipient: loa::phone::Msisdn::parse(n).expect("phone"),
                text: text.to_string(),
                priority: Priority::Bulk,
                topic: topic.map(str::to_string),
                origin: format!("test:broadcast:{batch}"),
                idempotency_key: format!("test:broadcast:{batch}:{i}"),
                not_before: None,
                expires_at: None,
            };
            let e = self
                .app
                .services
                .outbox
                .enqueue(msg)
                .await
                .expect("enqueue");
            ids.push(e.id);
        }
        ids
    }

    /// The stored status of an outbox row, waiting until it leaves `queued`/`sending`.
    #[track_caller]
    pub fn settled_status(&self, outbox_id: i64) -> impl Future<Output = String> + '_ {
        eventually(
            PATIENCE,
            format!("outbox {outbox_id} to leave queued/sending"),
            async move || {
                let s = outbox_status(&self.app, outbox_id).await;
                done_if(s != "queued" && s != "sending", s)
            },
        )
    }

    /// An account made for the test (tied to the staff member with phone `staff`, else an admin)
    /// with password [`PASSWORD`]: its username.
    pub async fn account(&self, staff: Option<&str>) -> String {
        use loa::features::accounts::{self, NewAccount};
        let db = &self.app.services.db;
        let staff_id = match staff {
            Some(p) => {
                let m = loa::phone::Msisdn::parse(p).expect("staff phone");
                let s = loa::features::staff::by_phone(db, &m).await.expect("db");
                Some(s.expect("staff row").id)
            }
            None => None,
        };
        let username = format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        let new = NewAccount {
            username: &username,
            password: PASSWORD,
            staff_id,
            role: staff_id
                .is_none()
                .then_some(loa::features::staff::Role::Admin),
        };
        accounts::add(db, &new).await.expect("account");
        username
    }

    /// An API token of a fresh account (see [`TestApp::account`]).
    pub async fn token(&self, staff: Option<&str>) -> String {
        let username = self.account(staff).await;
        let db = &self.app.services.db;
        let (a, _) = loa::features::accounts::store::by_username(db, &username)
            .await
            .expect("db")
            .expect("account");
        loa::features::accounts::tokens::create(db, a.id, "test")
            .await
            .expect("token")
            .1
    }

    /// What this app still has to do right now (see [`Settle`]).
    pub async fn pending(&self, settle: Settle) -> Pending {
        // At the precision the app stores (microseconds), as `loa::db::time::now` does.
        let now = chrono::DurationRound::duration_trunc(
            chrono::Utc::now(),
            chrono::TimeDelta::microseconds(1),
        )
        .expect("now");
        let min_priority = if settle.quiet_hours {
            loa::outbox::Priority::Reply.rank()
        } else {
            i64::MIN
        };
        // One statement, so the four counts are one snapshot: an inbound row marked handled and the
        // reply it queued are seen together or not at all.
        loa::with_db!(&self.app.services.db, pool => sqlx::query_as::<_, Pending>(
            "SELECT
                (SELECT COUNT(*) FROM inbound_messages
                  WHERE status = 'new' AND channel = 'sms') AS inbound_new,
                (SELECT COUNT(*) FROM outbox
                  WHERE status = 'queued' AND next_attempt_at <= $1 AND expires_at > $1
                    AND priority >= $2) AS outbox_due,
                (SELECT COUNT(*) FROM outbox WHERE status = 'sending') AS outbox_sending,
                (SELECT COUNT(*) FROM outbox
                  WHERE status = 'sent' AND gateway_id = $3 AND $4) AS awaiting_report"
        )
        .bind(now)
        .bind(min_priority)
        .bind(SIMULATOR_ID)
        .bind(settle.delivery_reports)
        .fetch_one(pool)
        .await)
        .expect("pending work")
    }

    /// Waits until nothing is due: no inbound SMS waiting to be handled, no outbox row due to be
    /// claimed, none being sent. Assert that something did *not* happen after this, not after a
    /// sleep. Retries scheduled for later are not due, so they are not waited for.
    #[track_caller]
    pub fn settle(&self) -> impl Future<Output = ()> + '_ {
        self.settle_with(Settle::default())
    }

    /// [`settle`](Self::settle), with quiet hours or delivery reports taken into account.
    #[track_caller]
    pub fn settle_with(&self, settle: Settle) -> impl Future<Output = ()> + '_ {
        let what = format!("the app to settle ({settle:?})");
        eventually_at(Location::caller(), settle.timeout, what, async move || {
            let p = self.pending(settle).await;
            done_if(p.is_idle(), p).map(drop)
        })
    }
}

/// The built-in simulator's gateway id (`loa::gateway::simulator::ID`, spelt out so the harness
/// does not depend on where that module lives).
pub const SIMULATOR_ID: &str = "simulator";

/// What [`TestApp::settle_with`] waits for.
#[derive(Clone, Copy, Debug)]
pub struct Settle {
    /// The app runs with quiet hours: bulk and reminders are held, so only replies count as due.
    pub quiet_hours: bool,
    /// Also wait until every message the simulator took has its delivery report (`sent` →
    /// `delivered`). Off by default: the report comes a moment after the send, and most tests
    /// do not look at it.
    pub delivery_reports: bool,
    pub timeout: Duration,
}

impl Default for Settle {
    fn default() -> Settle {
        Settle {
            quiet_hours: false,
            delivery_reports: false,
            timeout: PATIENCE,
        }
    }
}

/// Work an app still has (what [`TestApp::settle`] waits to see at zero).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Pending {
    /// Inbound SMS stored but not handled. The webhook handles them before answering, so one is
    /// only left when handling failed; the inbox sweep takes it after 20 s.
    pub inbound_new: i64,
    /// Outbox rows queued whose next attempt is due (and not held by quiet hours, not expired).
    pub outbox_due: i64,
    /// Outbox rows claimed by a dispatcher and not settled yet.
    pub outbox_sending: i64,
    /// Simulator messages sent and still without a delivery report (counted only when asked).
    pub awaiting_report: i64,
}

impl Pending {
    pub fn is_idle(&self) -> bool {
        *self == Pending::default()
    }
}

// ---------------------------------------------------------------- waiting for events

/// How long a test waits for something that should happen by itself. Generous, because the test
/// machine may be busy; a passing check ends the wait at once, so passing tests never pay it.
pub const PATIENCE: Duration = Duration::from_secs(15);

/// Time between two checks of [`eventually`].
pub const POLL: Duration = Duration::from_millis(20);

/// The answer of a check given to [`eventually`]: `true`, `Some(value)` or `Ok(value)` when it
/// holds; `false`, `None` or `Err(seen)` while it does not, where `seen` is what the check saw
/// (shown if the wait times out). [`done_if`] builds the `Result` form.
pub trait Check {
    type Value;
    type Seen: Debug;
    fn outcome(self) -> Result<Self::Value, Self::Seen>;
}

impl Check for bool {
    type Value = ();
    type Seen = bool;
    fn outcome(self) -> Result<(), bool> {
        if self {
            Ok(())
        } else {
            Err(false)
        }
    }
}

/// What a check returning `None` saw: nothing to show.
pub struct Nothing;

impl Debug for Nothing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("None")
    }
}

impl<T> Check for Option<T> {
    type Value = T;
    type Seen = Nothing;
    fn outcome(self) -> Result<T, Nothing> {
        self.ok_or(Nothing)
    }
}

impl<T, E: Debug> Check for Result<T, E> {
    type Value = T;
    type Seen = E;
    fn outcome(self) -> Result<T, E> {
        self
    }
}

/// `Ok(seen)` when `done`, else `Err(seen)`: a check that returns what it looked at either way.
pub fn done_if<T>(done: bool, seen: T) -> Result<T, T> {
    if done {
        Ok(seen)
    } else {
        Err(seen)
    }
}

/// A wait that ran out: what was awaited, for how long, and what the last check saw.
#[derive(Debug)]
pub struct TimedOut {
    pub what: String,
    pub waited: Duration,
    pub checks: u32,
    pub last_seen: String,
}

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "gave up waiting for {} after {:.1} s ({} checks); last seen: {}",
            self.what,
            self.waited.as_secs_f64(),
            self.checks,
            self.last_seen
        )
    }
}

impl std::error::Error for TimedOut {}

/// Runs `check` every [`POLL`] until it holds, and returns its value; panics after `timeout` with
/// `what` was awaited, what the last check saw, and where the wait was called from. The check runs
/// at least once after the time is up, so a wait that ends during a pause still sees the result.
#[track_caller]
pub fn eventually<C: Check>(
    timeout: Duration,
    what: impl fmt::Display,
    check: impl AsyncFnMut() -> C,
) -> impl Future<Output = C::Value> {
    eventually_at(Location::caller(), timeout, what.to_string(), check)
}

/// [`eventually`] for helpers that wait on their caller's behalf: a time-out names `caller`.
async fn eventually_at<C: Check>(
    caller: &'static Location<'static>,
    timeout: Duration,
    what: String,
    check: impl AsyncFnMut() -> C,
) -> C::Value {
    match try_eventually(timeout, what, check).await {
        Ok(value) => value,
        Err(timed_out) => panic!("{timed_out} (waited at {caller})"),
    }
}

/// [`eventually`] that returns the time-out as an error instead of panicking (for tests that add
/// context, such as a child process's log).
pub async fn try_eventually<C: Check>(
    timeout: Duration,
    what: impl fmt::Display,
    mut check: impl AsyncFnMut() -> C,
) -> Result<C::Value, TimedOut> {
    let started = Instant::now();
    let mut checks = 0;
    loop {
        checks += 1;
        match check().await.outcome() {
            Ok(value) => return Ok(value),
            Err(seen) if started.elapsed() >= timeout => {
                return Err(TimedOut {
                    what: what.to_string(),
                    waited: started.elapsed(),
                    checks,
                    last_seen: format!("{seen:#?}"),
                })
            }
            Err(_) => tokio::time::sleep(POLL).await,
        }
    }
}

pub async fn outbox_status(app: &App, id: i64) -> String {
    loa::with_db!(&app.services.db, pool => sqlx::query_scalar::<_, String>(
        "SELECT status FROM outbox WHERE id = $1"
    )
    .bind(id)
    .fetch_one(pool)
    .await)
    .expect("outbox row")
}

pub async fn count(app: &App, sql: &str) -> i64 {
    loa::with_db!(&app.services.db, pool => sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(pool)
        .await)
    .expect("count")
}

/// The id of the staff member with phone `msisdn` (E.164), as the staff API's `x-loa-staff` takes it.
pub async fn staff_id(t: &TestApp, msisdn: &str) -> i64 {
    loa::with_db!(&t.app.services.db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM staff WHERE msisdn = $1"
    )
    .bind(msisdn)
    .fetch_one(pool)
    .await)
    .expect("staff")
}
