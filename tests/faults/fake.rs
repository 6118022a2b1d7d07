//! A fake gateway that counts what reached it: SMS Gateway for Android's `POST /message` (our
//! message id comes with each message, so the app, and this fake, tell a repeat from a new
//! message and answer it 409) and Kannel's `GET /cgi-bin/sendsms` (no id of ours: every call is
//! an SMS). It can answer 503, stop listening (connection refused) and come back.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use anyhow::{Context, Result};
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

/// The Basic auth the Android gateway files name (user `sms`, password below).
pub const ANDROID_USER: &str = "sms";
pub const ANDROID_PASSWORD: &str = "fault-test-pw";
/// `Basic base64("sms:fault-test-pw")`.
const ANDROID_AUTH: &str = "Basic c21zOmZhdWx0LXRlc3QtcHc=";

/// What reached the fake so far.
#[derive(Default)]
pub struct Tally {
    /// Android: POSTs per message id (ours: `loa-{outbox id}`).
    pub posts: HashMap<String, u32>,
    /// Android: the distinct message ids each recipient was sent: what the phone app sends out,
    /// since it drops a repeated id.
    pub ids_by_recipient: HashMap<String, HashSet<String>>,
    /// Android: POSTs per recipient, repeats included.
    pub posts_by_recipient: HashMap<String, u32>,
    /// Kannel: sendsms calls per recipient (each one an SMS on the air).
    pub kannel_by_recipient: HashMap<String, u32>,
    /// Calls answered 503 while unavailable.
    pub refused: u64,
    /// When each message id was first taken.
    pub taken_at: HashMap<String, Instant>,
}

impl Tally {
    /// Messages taken (distinct ids, Android).
    pub fn taken(&self) -> usize {
        self.posts.len()
    }

    /// POSTs of an id already taken: sends repeated after a lost answer or a crash.
    pub fn repeats(&self) -> u64 {
        self.posts.values().map(|n| u64::from(n - 1)).sum()
    }

    /// The earliest time a message was taken after `t`.
    pub fn first_taken_after(&self, t: Instant) -> Option<Instant> {
        self.taken_at.values().copied().filter(|&at| at > t).min()
    }
}

struct Shared {
    tally: Mutex<Tally>,
    unavailable: AtomicBool,
    /// Answer with `Connection: close`, so that no kept-alive connection outlives
    /// [`FakeGateway::stop_listening`].
    close_connections: bool,
}

impl Shared {
    fn tally(&self) -> MutexGuard<'_, Tally> {
        self.tally.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub struct FakeGateway {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    server: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl FakeGateway {
    /// Starts listening on a free port. `close_connections`: one request per connection (needed
    /// to refuse connections later; costs a connection per message).
    pub async fn start(close_connections: bool) -> Result<FakeGateway> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("bind fake gateway")?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            tally: Mutex::new(Tally::default()),
            unavailable: AtomicBool::new(false),
            close_connections,
        });
        let fake = FakeGateway {
            addr,
            shared,
            server: Mutex::new(None),
        };
        fake.serve(listener);
        Ok(fake)
    }

    fn serve(&self, listener: tokio::net::TcpListener) {
        let router = Router::new()
            .route("/message", post(android_message))
            .route("/cgi-bin/sendsms", get(kannel_sendsms))
            .layer(axum::middleware::map_response_with_state(
                self.shared.clone(),
                closing,
            ))
            .with_state(self.shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        let old = self
            .server
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .replace(task);
        if let Some(old) = old {
            old.abort();
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Reads the counts.
    pub fn tally<R>(&self, f: impl FnOnce(&Tally) -> R) -> R {
        f(&self.shared.tally())
    }

    /// From now on every call is answered 503 (`false`: taken again).
    pub fn set_unavailable(&self, on: bool) {
        self.shared.unavailable.store(on, Ordering::SeqCst);
    }

    /// Closes the listening socket: connecting is refused from now on. Calls already being
    /// answered finish (and their connections close, see `close_connections`).
    pub fn stop_listening(&self) {
        let task = self.server.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(task) = task {
            task.abort();
        }
    }

    /// Listens again on the same port.
    pub async fn listen_again(&self) -> Result<()> {
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .with_context(|| format!("bind {} again", self.addr))?;
        self.serve(listener);
        Ok(())
    }
}

impl Drop for FakeGateway {
    fn drop(&mut self) {
        self.stop_listening();
    }
}

async fn closing(State(shared): State<Arc<Shared>>, mut res: Response) -> Response {
    if shared.close_connections {
        res.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    res
}

fn unavailable(shared: &Shared) -> Option<Response> {
    if !shared.unavailable.load(Ordering::SeqCst) {
        return None;
    }
    shared.tally().refused += 1;
    Some((StatusCode::SERVICE_UNAVAILABLE, "gateway busy, try later").into_response())
}

/// The app's local server: 202 for a new id, 409 for one it already has.
async fn android_message(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(res) = unavailable(&shared) {
        return res;
    }
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if auth != Some(ANDROID_AUTH) {
        return (StatusCode::UNAUTHORIZED, "bad credentials").into_response();
    }
    let (Some(id), Some(to)) = (body["id"].as_str(), body["phoneNumbers"][0].as_str()) else {
        return (StatusCode::BAD_REQUEST, "id and phoneNumbers wanted").into_response();
    };
    let mut t = shared.tally();
    *t.posts_by_recipient.entry(to.to_string()).or_default() += 1;
    let posts = t.posts.entry(id.to_string()).or_default();
    *posts += 1;
    if *posts > 1 {
        return (
            StatusCode::CONFLICT,
            Json(json!({ "message": "message with this id already exists" })),
        )
            .into_response();
    }
    t.taken_at.insert(id.to_string(), Instant::now());
    t.ids_by_recipient
        .entry(to.to_string())
        .or_default()
        .insert(id.to_string());
    (
        StatusCode::ACCEPTED,
        Json(json!({ "id": id, "state": "Pending" })),
    )
        .into_response()
}

/// smsbox: every call is a message; `to` as the gateway file writes it (international).
async fn kannel_sendsms(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    if let Some(res) = unavailable(&shared) {
        return res;
    }
    // The text may be UTF-16BE bytes (UCS-2), no UTF-8: only `to` is read.
    let query = query.unwrap_or_default();
    let to = query.split('&').find_map(|kv| kv.strip_prefix("to="));
    let Some(to) = to else {
        return (StatusCode::BAD_REQUEST, "to wanted").into_response();
    };
    *shared
        .tally()
        .kannel_by_recipient
        .entry(to.to_string())
        .or_default() += 1;
    (StatusCode::ACCEPTED, "0: Accepted for delivery").into_response()
}
