//! The baselines of `bench/run`, as one plain axum server: what loa's figures are set beside.
//!
//! `loa-baseline ADDR` serves, on HTTP/1.1 with keep-alive like loa:
//! - `GET /webhooks/{gateway}/mo/{secret}`: parses the same Kannel get-url query loa's Kannel
//!   webhook gets (from, to, text, id, …) and answers an empty 200, as loa does; no database.
//! - `POST /ussd`: parses the same Africa's Talking form as loa's USSD webhook and answers a
//!   constant `CON` screen.
//! - `GET /cgi-bin/sendsms`: a null Kannel smsbox, the gateway loa's dispatcher sends to in the
//!   inbound and dispatch rows: it accepts everything with `202 0: Accepted for delivery`.
//! - `GET /dlr?status=%d`: where the Kannel-alone baseline's delivery reports go; counted, and
//!   the time of the latest report of delivery (`status=1`) kept.
//! - `GET /stats`: the counts so far, as JSON.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Default)]
struct Counts {
    mo: AtomicU64,
    sendsms: AtomicU64,
    dlr: AtomicU64,
    /// Reports of delivery (`status=1`), and when the latest came (µs since the Unix epoch).
    delivered: AtomicU64,
    last_delivered_us: AtomicU64,
}

#[derive(Deserialize)]
struct Dlr {
    status: Option<String>,
}

type Shared = Arc<Counts>;

/// Kannel's get-url fields, as loa's webhook reads them (`%p %P %b %I %T %i %c %C`).
#[derive(Deserialize)]
#[allow(dead_code)] // Parsed for the cost of parsing; nothing reads them.
struct KannelMo {
    from: String,
    to: Option<String>,
    text: String,
    id: Option<String>,
    time: Option<String>,
    smsc: Option<String>,
    coding: Option<String>,
    charset: Option<String>,
}

/// Africa's Talking's USSD form, as loa's USSD webhook reads it.
#[derive(Deserialize)]
#[allow(dead_code)]
struct UssdForm {
    #[serde(rename = "sessionId")]
    session_id: String,
    #[serde(rename = "serviceCode")]
    service_code: String,
    #[serde(rename = "phoneNumber")]
    phone_number: String,
    #[serde(rename = "networkCode", default)]
    network_code: Option<String>,
    #[serde(default)]
    text: String,
}

const USSD_SCREEN: &str = "CON Loa xa. Bam so:\n1. Tinh trang ho tro\n2. Tro giup phap ly\n\
                           3. Kham thai\n4. Hoi ve luat hon nhan\n5. Ngon ngu/Language\n0. Thoat";

async fn mo(State(c): State<Shared>, Query(_mo): Query<KannelMo>) -> &'static str {
    c.mo.fetch_add(1, Ordering::Relaxed);
    ""
}

async fn ussd(Form(_form): Form<UssdForm>) -> &'static str {
    USSD_SCREEN
}

async fn sendsms(State(c): State<Shared>) -> (StatusCode, &'static str) {
    c.sendsms.fetch_add(1, Ordering::Relaxed);
    (StatusCode::ACCEPTED, "0: Accepted for delivery")
}

async fn dlr(State(c): State<Shared>, Query(d): Query<Dlr>) -> &'static str {
    c.dlr.fetch_add(1, Ordering::Relaxed);
    if d.status.as_deref() == Some("1") {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as u64);
        c.last_delivered_us.fetch_max(now, Ordering::Relaxed);
        c.delivered.fetch_add(1, Ordering::Relaxed);
    }
    ""
}

async fn stats(State(c): State<Shared>) -> Json<Value> {
    Json(json!({
        "mo": c.mo.load(Ordering::Relaxed),
        "sendsms": c.sendsms.load(Ordering::Relaxed),
        "dlr": c.dlr.load(Ordering::Relaxed),
        "delivered": c.delivered.load(Ordering::Relaxed),
        "last_delivered_us": c.last_delivered_us.load(Ordering::Relaxed),
    }))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".to_string());
    let router = Router::new()
        .route("/webhooks/{gateway}/mo/{secret}", get(mo).post(mo))
        .route("/ussd", post(ussd))
        .route("/cgi-bin/sendsms", get(sendsms))
        .route("/dlr", get(dlr))
        .route("/stats", get(stats))
        .with_state(Shared::default());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("loa-baseline listening on {}", listener.local_addr()?);
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
