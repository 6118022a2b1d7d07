//! The HTTP edge: every axum handler of loa, in one router.
//!
//! Gateway webhooks (`webhooks`, `ussd`), the simulator (`simulator`), gateway state and metrics
//! (`gateways`), the staff API (`households`, `imports`, `legal_aid`) and health checks. A handler parses the
//! request (with a gateway's parser where it is a provider's call), calls the inbox, the dialog
//! or a feature, and answers; errors become the JSON error body in `error`.

pub mod accounts;
pub mod auth;
pub mod console;
pub mod error;
pub mod gateways;
pub mod headers;
pub mod households;
pub mod imports;
pub mod json;
pub mod legal_aid;
pub mod openapi;
pub mod simulator;
pub mod ussd;
pub mod webhooks;

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
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
    let api = openapi::api();
    let mut router = Router::new()
        .route("/", get(root))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(api.main)
        .merge(openapi::router(api.doc))
        .merge(legal_aid::router())
        .merge(webhooks::router())
        .merge(console::router());
    if state.config.simulator.enabled {
        router = router.merge(simulator::router());
    }
    router
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        // Merged after the layers above: uploads have their own body limit and timeout.
        .merge(api.uploads)
        .layer(axum::middleware::map_response(json_errors))
        .layer(axum::middleware::from_fn(headers::security))
        .with_state(state)
}

/// The body-limit and time-out layers answer in plain text; API clients get the JSON error shape
/// every other error has.
async fn json_errors(res: axum::response::Response) -> axum::response::Response {
    let status = res.status();
    let is_json = res
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json
        || !matches!(
            status,
            StatusCode::PAYLOAD_TOO_LARGE | StatusCode::REQUEST_TIMEOUT
        )
    {
        return res;
    }
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is too large",
        _ => "the request took too long and was stopped",
    };
    error::ApiError::rejected(status, message).into_response()
}

/// `GET /`: somewhere useful. The phone simulator when it is on (the demo); otherwise what this
/// is and where its parts are.
async fn root(State(app): State<AppState>) -> axum::response::Response {
    if app.config.simulator.enabled {
        return axum::response::Redirect::temporary("/simulator").into_response();
    }
    Json(json!({
        "service": "loa",
        "version": env!("CARGO_PKG_VERSION"),
        "health": "/healthz",
        "ready": "/readyz",
        "api": "/api/v1/",
        "metrics": "/metrics",
    }))
    .into_response()
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
