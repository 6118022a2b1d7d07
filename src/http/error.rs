//! The one mapping from library errors to HTTP responses: a status and a JSON error body.
//!
//! Every error a client sees has the shape `{"error": {"code": "...", "message": "..."}}`, built
//! in one place ([`ApiError::into_response`]); axum's own rejections are turned into it too.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::gateway::africas_talking_ussd::FormError;
use crate::gateway::WebhookError;

type Source = Box<dyn std::error::Error + Send + Sync>;

/// The one error body, as the OpenAPI document describes it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, for programs: `unauthorized`, `forbidden`, `csrf`, `not_found`, `bad_status`, …
    pub code: String,
    /// For people, in English.
    pub message: String,
}

/// The refusals every staff route may answer, for the OpenAPI document.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum Refusals {
    /// No credentials, or an unknown or revoked token.
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// The caller's role may not do this, or a session's change came without its CSRF token.
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// Not found, or outside the caller's areas (the same answer).
    #[response(status = 404)]
    NotFound(ErrorBody),
}

/// An error an API client sees.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// A caller that could not prove who it is (a token, a webhook's secret, source address or
    /// signature).
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    /// Known, but not allowed to do this.
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    #[error("not found")]
    NotFound,
    /// Not here, and why (`simulator_off`: the simulator exists only in simulator mode).
    #[error("{message}")]
    Missing { code: &'static str, message: String },
    #[error("{0}")]
    TooLarge(String),
    /// A file read within bounds (rows, columns, cells) went past one: 422, naming it.
    #[error("{0}")]
    OverLimit(String),
    /// One of axum's rejections (a bad JSON body, a wrong content type, a time-out), kept with
    /// the status axum chose.
    #[error("{message}")]
    Rejected { status: StatusCode, message: String },
    /// The cause is logged with its chain of sources; the client learns only that it was on our
    /// side.
    #[error("internal error: {0}")]
    Internal(#[source] Source),
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::Unauthorized {
            code,
            message: message.into(),
        }
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::Forbidden {
            code,
            message: message.into(),
        }
    }

    /// A framework rejection (status and message as axum gave them).
    pub fn rejected(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError::Rejected {
            status,
            message: message.into(),
        }
    }

    /// An internal error caused by the database being out of reach (see `db::unavailable`):
    /// 503 with `Retry-After`, so a gateway retries its webhook instead of dropping the message.
    fn database_unavailable(&self) -> bool {
        match self {
            ApiError::Internal(source) => caused_by_unavailable_db(source.as_ref()),
            _ => false,
        }
    }

    /// The status this error answers with (the console renders it as a page with that status).
    pub fn status(&self) -> StatusCode {
        self.parts().0
    }

    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            ApiError::BadRequest { code, message } => {
                (StatusCode::BAD_REQUEST, code, message.clone())
            }
            ApiError::Unauthorized { code, message } => {
                (StatusCode::UNAUTHORIZED, code, message.clone())
            }
            ApiError::Forbidden { code, message } => (StatusCode::FORBIDDEN, code, message.clone()),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found", "not found".into()),
            ApiError::Missing { code, message } => (StatusCode::NOT_FOUND, code, message.clone()),
            ApiError::TooLarge(message) => {
                (StatusCode::PAYLOAD_TOO_LARGE, "too_large", message.clone())
            }
            ApiError::OverLimit(message) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "over_limit",
                message.clone(),
            ),
            ApiError::Rejected { status, message } => {
                (*status, rejection_code(*status), message.clone())
            }
            ApiError::Internal(_) if self.database_unavailable() => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the database cannot be reached just now; nothing was stored, try again shortly"
                    .into(),
            ),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error; the request was not completed".into(),
            ),
        }
    }
}

fn rejection_code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::UNPROCESSABLE_ENTITY => "unprocessable",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    }
}

/// What a 503 tells the client to wait before trying again, in seconds.
pub const RETRY_AFTER_SECONDS: u32 = 5;

/// Whether `err` or one of its sources is a database error of the "not now" kind.
fn caused_by_unavailable_db(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(e) = next {
        if e.downcast_ref::<sqlx::Error>()
            .is_some_and(crate::db::unavailable)
        {
            return true;
        }
        next = e.source();
    }
    false
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let unavailable = self.database_unavailable();
        if let ApiError::Internal(source) = &self {
            let cause = ErrorChain(source.as_ref());
            if unavailable {
                tracing::warn!(%cause, "database unavailable: answered 503");
            } else {
                tracing::error!(%cause, "request failed");
            }
        }
        let (status, code, message) = self.parts();
        let body = json!({ "error": { "code": code, "message": message } });
        let mut res = (status, Json(body)).into_response();
        if unavailable {
            res.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(RETRY_AFTER_SECONDS),
            );
        }
        res
    }
}

/// An error and its sources, on one line, for the log.
struct ErrorChain<'a>(&'a (dyn std::error::Error + 'static));

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut next = self.0.source();
        while let Some(e) = next {
            write!(f, ": {e}")?;
            next = e.source();
        }
        Ok(())
    }
}

macro_rules! internal_from {
    ($($t:ty),*) => {$(
        impl From<$t> for ApiError {
            fn from(e: $t) -> ApiError {
                ApiError::Internal(Box::new(e))
            }
        }
    )*};
}

internal_from!(
    sqlx::Error,
    crate::inbox::InboxError,
    crate::outbox::OutboxError,
    crate::dialog::DialogError
);

impl From<FormError> for ApiError {
    fn from(e: FormError) -> ApiError {
        ApiError::BadRequest {
            code: e.code,
            message: e.message,
        }
    }
}

impl From<WebhookError> for ApiError {
    fn from(e: WebhookError) -> ApiError {
        match e {
            WebhookError::Unauthorized(m) => ApiError::unauthorized("unauthorized", m),
            WebhookError::BadRequest(m) => ApiError::bad_request("bad_request", m),
            WebhookError::UnknownEvent => ApiError::NotFound,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn answer(err: ApiError) -> (StatusCode, Option<String>, serde_json::Value) {
        let res = err.into_response();
        let status = res.status();
        let retry = res
            .headers()
            .get(axum::http::header::RETRY_AFTER)
            .map(|v| v.to_str().expect("ascii").to_string());
        let body = axum::body::to_bytes(res.into_body(), 4096)
            .await
            .expect("body");
        (status, retry, serde_json::from_slice(&body).expect("JSON"))
    }

    #[tokio::test]
    async fn a_database_out_of_reach_is_503_with_retry_after() {
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        let cases = [
            ApiError::from(sqlx::Error::PoolTimedOut),
            ApiError::from(sqlx::Error::Io(reset)),
            // Wrapped as a webhook's call to the inbox wraps it.
            ApiError::from(crate::inbox::InboxError::Db(sqlx::Error::PoolTimedOut)),
        ];
        for err in cases {
            let (status, retry, body) = answer(err).await;
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(retry.as_deref(), Some("5"));
            assert_eq!(body["error"]["code"], "unavailable");
            assert!(body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()));
        }
    }

    #[tokio::test]
    async fn other_internal_errors_stay_500_without_retry_after() {
        let (status, retry, body) = answer(ApiError::from(sqlx::Error::RowNotFound)).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(retry, None);
        assert_eq!(body["error"]["code"], "internal");
    }
}
