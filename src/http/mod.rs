//! The HTTP edge: every axum handler of loa, in one router.
//!
//! Gateway webhooks (`webhooks`, `ussd`), the simulator (`simulator`), gateway state and metrics
//! (`gateways`), the staff API (`households`, `imports`, `legal_aid`) and health checks. A handler parses the
//! request (with a gateway's parser where it is a provider's call), calls the inbox, the dialog
//! or a feature, and answers; errors become the JSON error body in `error`.

pub mod accounts;
pub mod auth;
pub mod campaigns;
pub mod console;
pub mod detach;
pub mod error;
pub mod gateways;
pub mod headers;
pub mod households;
pub mod imports;
pub mod json;
pub mod legal_aid;
pub mod maternal;
pub mod notices;
pub mod openapi;
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
    let api = openapi::api();
    let mut router = Router::new()
        .route("/", get(root))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(api.main)
        .merge(openapi::router(api.doc))
        .merge(webhooks::router())
        .merge(console::router(state.clone()));
    router = if state.config.simulator.enabled {
        router.merge(simulator::router())
    } else {
        router
            .route("/simulator", any(simulator_off))
            .route("/simulator/{*rest}", any(simulator_off))
    };
    router
        .layer(axum::middleware::from_fn(detach::run_to_completion))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        // Merged after the layers above: uploads have their own body limit and timeout.
        .merge(api.uploads)
        .merge(console::upload_router())
        .fallback(unknown_route)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::client_address,
        ))
        .layer(axum::middleware::from_fn(refuse_controls_in_uri))
        .layer(axum::middleware::map_response(json_errors))
        .layer(axum::middleware::from_fn(headers::security))
        .layer(catch_panic())
        .with_state(state)
}

/// A handler that panics answers 500 in the JSON error shape and is logged; the server goes on.
fn catch_panic() -> tower_http::catch_panic::CatchPanicLayer<fn(Panic) -> axum::response::Response>
{
    tower_http::catch_panic::CatchPanicLayer::custom(panicked as fn(Panic) -> _)
}

type Panic = Box<dyn std::any::Any + Send + 'static>;

/// What a panic said, for the log.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

fn panicked(panic: Panic) -> axum::response::Response {
    let message = panic_message(panic.as_ref());
    tracing::error!(panic = %message, "a request handler panicked");
    error::ApiError::rejected(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error; the request was not completed",
    )
    .into_response()
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

/// A path or query value with a control character (`%00` …) is refused before any handler reads
/// it (PostgreSQL cannot compare with NUL). Webhooks are left to their handler, which stores a
/// provider's message with such characters removed.
async fn refuse_controls_in_uri(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let uri = req.uri();
    if !uri.path().starts_with("/webhooks/") {
        let raw = [uri.path(), uri.query().unwrap_or("")];
        for part in raw {
            let decoded = percent_encoding::percent_decode_str(part).decode_utf8_lossy();
            let plus_free = decoded.replace('+', " ");
            if let Some(c) = crate::text::first_control(&plus_free) {
                let message = format!("the address contains the control character {c}");
                return error::ApiError::bad_request("control_character", message).into_response();
            }
        }
    }
    next.run(req).await
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
    let content_type = res
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // JSON is already the shape; an HTML page (the console's form, refused, with what to fix)
    // is meant for a person and stays as it is.
    let keep =
        content_type.starts_with("application/json") || content_type.starts_with("text/html");
    if keep || !(status.is_client_error() || status.is_server_error()) {
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

/// `GET /`: somewhere useful. The phone simulator when it is on (the demo); otherwise a browser
/// (it asks for HTML) goes to the staff console, and a script gets what this is and where its
/// parts are, the console among them.
async fn root(
    State(app): State<AppState>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::response::Redirect;
    if app.config.simulator.enabled {
        return Redirect::temporary("/simulator").into_response();
    }
    let wants_html = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if wants_html {
        return Redirect::temporary("/console").into_response();
    }
    Json(json!({
        "service": "loa",
        "version": env!("CARGO_PKG_VERSION"),
        "console": "/console",
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

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panicking_handler_is_a_json_500_and_the_router_goes_on() {
        async fn boom() -> &'static str {
            panic!("boom")
        }
        let router = Router::new()
            .route("/boom", get(boom))
            .route("/ok", get(|| async { "ok" }))
            .layer(catch_panic());
        let req = |p: &str| {
            axum::http::Request::get(p)
                .body(axum::body::Body::empty())
                .expect("request")
        };
        let res = router.clone().oneshot(req("/boom")).await.expect("answer");
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(res.into_body(), 4096)
            .await
            .expect("body");
        let v: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(v["error"]["code"], "internal");
        let res = router.oneshot(req("/ok")).await.expect("answer");
        assert_eq!(res.status(), StatusCode::OK);
    }
}
