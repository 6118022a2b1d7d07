//! The one mapping from library errors to HTTP responses: a status and a JSON error body.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// An error an API client sees: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("not found")]
    NotFound,
    /// A caller that could not prove who it is (a webhook's secret, source address or signature).
    #[error("{0}")]
    Unauthorized(String),
    /// The cause is logged; the client learns only that it was on our side.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::BadRequest {
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match &self {
            ApiError::BadRequest { code, message } => {
                (StatusCode::BAD_REQUEST, *code, message.clone())
            }
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found", "not found".into()),
            ApiError::Unauthorized(message) => {
                (StatusCode::UNAUTHORIZED, "unauthorized", message.clone())
            }
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; the request was not completed".into(),
                )
            }
        };
        let body = json!({ "error": { "code": code, "message": message } });
        (status, Json(body)).into_response()
    }
}

macro_rules! internal_from {
    ($($t:ty),*) => {$(
        impl From<$t> for ApiError {
            fn from(e: $t) -> ApiError {
                ApiError::Internal(e.to_string())
            }
        }
    )*};
}

internal_from!(
    sqlx::Error,
    crate::inbox::InboxError,
    crate::outbox::OutboxError
);

impl From<crate::gateway::ussd_at::UssdError> for ApiError {
    fn from(e: crate::gateway::ussd_at::UssdError) -> ApiError {
        match e {
            crate::gateway::ussd_at::UssdError::Invalid { code, message } => {
                ApiError::BadRequest { code, message }
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<crate::gateway::WebhookError> for ApiError {
    fn from(e: crate::gateway::WebhookError) -> ApiError {
        use crate::gateway::WebhookError as W;
        match e {
            W::Unauthorized(m) => ApiError::Unauthorized(m),
            W::BadRequest(m) => ApiError::bad_request("bad_request", m),
            W::UnknownEvent => ApiError::NotFound,
        }
    }
}

/// Turns axum's own rejections (bad JSON, wrong content type, too large) into the same body shape.
pub fn rejection(status: StatusCode, message: String) -> Response {
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        _ => "bad_request",
    };
    let body = json!({ "error": { "code": code, "message": message } });
    (status, Json(body)).into_response()
}
