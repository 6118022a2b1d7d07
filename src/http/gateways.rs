//! Each gateway's state for people and machines: `GET /api/v1/gateways` (JSON) and `GET /metrics`
//! (Prometheus text exposition), for any account or API token (a scraper sends its token).

use std::fmt::Write as _;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, Refusals};
use super::households::Caller;
use crate::app::AppState;
use crate::gateway::mode::Mode;
use crate::gateway::{BreakerState, GatewayStatus};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(gateways))
        .routes(routes!(metrics))
}

/// A counter's name, its help text, and where its value comes from.
type Counter = (&'static str, &'static str, fn(&GatewayStatus) -> u64);

/// The gateways' state, as `GET /api/v1/gateways` answers it and the console shows it.
#[derive(Serialize)]
pub struct GatewaysOut {
    /// `live` (real gateways) or `simulator`.
    pub mode: &'static str,
    pub gateways: Vec<GatewayStatus>,
    /// Messages waiting in the queue (for their time, or for a gateway that can take them).
    pub queued: i64,
    /// Times since start a message found no gateway to take it and went back to the queue.
    pub unroutable: u64,
}

fn mode_name(app: &AppState) -> &'static str {
    match app.mode() {
        Mode::Live => "live",
        Mode::Simulator => "simulator",
    }
}

/// Each gateway's state: kind, rate, circuit, counters; the mode and the queue.
///
/// Any account (or token) may read it: counts, no personal data.
#[utoipa::path(
    get,
    path = "/api/v1/gateways",
    tag = "gateways",
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = r#"`{"mode", "queued", "unroutable", "gateways": [...]}`: kind, rate, circuit state, counters"#, body = serde_json::Value), Refusals)
)]
async fn gateways(State(app): State<AppState>, _: Caller) -> Result<Json<GatewaysOut>, ApiError> {
    Ok(Json(state(&app).await?))
}

/// Each gateway's state, the mode and the queue (counts, no personal data).
pub async fn state(app: &AppState) -> Result<GatewaysOut, ApiError> {
    let queued = crate::outbox::store::count_by_status(&app.services.db)
        .await?
        .into_iter()
        .find(|(s, _)| s == "queued")
        .map_or(0, |(_, n)| n);
    Ok(GatewaysOut {
        mode: mode_name(app),
        gateways: app.gateways.all().iter().map(|g| g.status()).collect(),
        queued,
        unroutable: app.gateways.unroutable(),
    })
}

/// Prometheus text: per gateway counters and circuit state, outbox rows by status.
///
/// Hand-written exposition rather than the `metrics` crates: the numbers already live in each
/// gateway handle and the database, and a global recorder would mix the many apps a test
/// process runs side by side.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "gateways",
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "Prometheus text exposition", body = String), Refusals)
)]
async fn metrics(State(app): State<AppState>, _: Caller) -> Result<impl IntoResponse, ApiError> {
    let statuses: Vec<GatewayStatus> = app.gateways.all().iter().map(|g| g.status()).collect();
    let mut out = String::new();
    let counters: [Counter; 7] = [
        (
            "loa_gateway_sent_total",
            "Messages a gateway accepted.",
            |s| s.sent,
        ),
        (
            "loa_gateway_parts_sent_total",
            "SMS parts a gateway accepted.",
            |s| s.parts_sent,
        ),
        (
            "loa_gateway_transient_errors_total",
            "Sends that failed and will be retried.",
            |s| s.transient_errors,
        ),
        (
            "loa_gateway_permanent_errors_total",
            "Sends the provider refused for good.",
            |s| s.permanent_errors,
        ),
        (
            "loa_gateway_reports_total",
            "Delivery reports received.",
            |s| s.reports,
        ),
        (
            "loa_gateway_inbound_total",
            "Inbound messages received through webhooks.",
            |s| s.inbound,
        ),
        (
            "loa_gateway_webhook_rejected_total",
            "Webhook calls refused (authentication or format).",
            |s| s.webhook_rejected,
        ),
    ];
    for (name, help, value) in counters {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
        for s in &statuses {
            let _ = writeln!(
                out,
                "{name}{{gateway=\"{}\",kind=\"{}\"}} {}",
                s.id,
                s.kind,
                value(s)
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP loa_gateway_circuit_state 1 for the gateway's current circuit state.\n# TYPE loa_gateway_circuit_state gauge"
    );
    for s in &statuses {
        for state in [
            BreakerState::Closed,
            BreakerState::Open,
            BreakerState::HalfOpen,
        ] {
            let _ = writeln!(
                out,
                "loa_gateway_circuit_state{{gateway=\"{}\",state=\"{}\"}} {}",
                s.id,
                state.as_str(),
                u8::from(s.state == state)
            );
        }
    }
    let _ = writeln!(out, "# HELP loa_gateway_circuit_opened_total Times the circuit opened.\n# TYPE loa_gateway_circuit_opened_total counter");
    for s in &statuses {
        let _ = writeln!(
            out,
            "loa_gateway_circuit_opened_total{{gateway=\"{}\"}} {}",
            s.id, s.times_opened
        );
    }
    let _ = writeln!(out, "# HELP loa_gateway_rate_parts_per_second Configured rate.\n# TYPE loa_gateway_rate_parts_per_second gauge");
    for s in &statuses {
        let _ = writeln!(
            out,
            "loa_gateway_rate_parts_per_second{{gateway=\"{}\"}} {}",
            s.id, s.rate
        );
    }
    let _ = writeln!(
        out,
        "# HELP loa_simulator_mode 1 when every message goes to the built-in simulator.\n# TYPE loa_simulator_mode gauge\nloa_simulator_mode {}",
        u8::from(app.mode() == Mode::Simulator)
    );
    let _ = writeln!(
        out,
        "# HELP loa_dispatch_unroutable_total Sends that found no gateway and went back to the queue.\n# TYPE loa_dispatch_unroutable_total counter\nloa_dispatch_unroutable_total {}",
        app.gateways.unroutable()
    );
    let (writes, commits) = app.inbox.write_counts();
    let _ = writeln!(
        out,
        "# HELP loa_inbox_writes_total Inbound messages stored and marked through the group-commit writer.\n# TYPE loa_inbox_writes_total counter\nloa_inbox_writes_total {writes}"
    );
    let _ = writeln!(
        out,
        "# HELP loa_inbox_commits_total Transactions the inbox writer committed for them.\n# TYPE loa_inbox_commits_total counter\nloa_inbox_commits_total {commits}"
    );
    let (reports, report_commits) = app.services.outbox.report_counts();
    let _ = writeln!(
        out,
        "# HELP loa_report_writes_total Delivery reports applied through the group-commit writer.\n# TYPE loa_report_writes_total counter\nloa_report_writes_total {reports}\n# HELP loa_report_commits_total Transactions the report writer committed for them.\n# TYPE loa_report_commits_total counter\nloa_report_commits_total {report_commits}"
    );
    let (steps, step_commits) = app.services.ussd_sessions.counts();
    let _ = writeln!(
        out,
        "# HELP loa_ussd_session_writes_total USSD steps' session rows written through the group-commit writer.\n# TYPE loa_ussd_session_writes_total counter\nloa_ussd_session_writes_total {steps}\n# HELP loa_ussd_session_commits_total Transactions the USSD session writer committed for them.\n# TYPE loa_ussd_session_commits_total counter\nloa_ussd_session_commits_total {step_commits}"
    );
    let by_status = crate::outbox::store::count_by_status(&app.services.db).await?;
    let _ = writeln!(
        out,
        "# HELP loa_outbox_messages Outbox rows by status.\n# TYPE loa_outbox_messages gauge"
    );
    for (status, n) in by_status {
        let _ = writeln!(out, "loa_outbox_messages{{status=\"{status}\"}} {n}");
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    ))
}
