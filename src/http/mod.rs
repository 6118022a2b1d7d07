//! The HTTP edge: every axum handler of loa, in one router.
//!
//! Gateway webhooks (`webhooks`, `ussd`), the simulator (`simulator`), gateway state and metrics
//! (`gateways`), the staff API (`households`, `imports`) and health checks. A handler parses the
//! request (with a gateway's parser where it is a provider's call), calls the inbox, the dialog
//! or a feature, and answers; errors become the JSON error body in `error`.

pub mod error;
pub mod gateways;
pub mod households;
pub mod imports;
pub mod json;
pub mod simulator;
pub mod ussd;
pub mod webhooks;

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{any, get};
use axum::{Json, Router};
use serde_json::json;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::app::AppState;

/// Largest request body accepted anywhere; webhooks and API calls are small.
const MAX_BODY_BYTES: usize = 64 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// The whole HTTP application, apart from `main`, so that tests drive it in process.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(households::router())
        .merge(webhooks::router())
        .merge(gateways::router());
    router = if state.config.simulator.enabled {
        router.merge(simulator::router())
    } else {
        router
            .route("/simulator", any(simulator_off))
            .route("/simulator/{*rest}", any(simulator_off))
    };
    router
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        // Merged after the layers above: uploads have their own body limit and timeout.
        .merge(imports::router())
        .fallback(unknown_route)
        .layer(axum::middleware::map_response(json_errors))
        .with_state(state)
}

/// Outside simulator mode `/simulator/…` is refused, saying why, rather than being an open door
/// (SMS as any phone, broadcasts to any list, USSD as any household).
async fn simulator_off() -> error::ApiError {
    error::ApiError::Missing {
        code: "simulator_off",
        message: "the simulator exists only in simulator mode (loa serve --demo, or \
                  simulator.enabled = true); this loa sends through real gateways"
            .into(),
    }
}

async fn unknown_route() -> error::ApiError {
    error::ApiError::Missing {
        code: "not_found",
        message: "no such route".into(),
    }
}

/// Longest plain-text error body kept as the JSON error's message.
const MAX_ERROR_TEXT: usize = 300;

/// Axum's own answers (body limit, time-out, a bad path or query value, 405, a wrong method)
/// are plain text or empty; every client gets the JSON error shape instead.
async fn json_errors(res: axum::response::Response) -> axum::response::Response {
    let status = res.status();
    let is_json = res
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let text = axum::body::to_bytes(res.into_body(), 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is too large".to_string(),
        StatusCode::REQUEST_TIMEOUT => "the request took too long and was stopped".to_string(),
        StatusCode::METHOD_NOT_ALLOWED if text.is_empty() => {
            "this route does not take that method".to_string()
        }
        _ if text.is_empty() => status.canonical_reason().unwrap_or("error").to_lowercase(),
        _ => text.chars().take(MAX_ERROR_TEXT).collect(),
    };
    error::ApiError::rejected(status, message).into_response()
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

async fn readyz(State(app): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    match app.services.db.ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Err(err) => {
            tracing::warn!(%err, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "database unavailable" })),
            )
        }
    }
}
