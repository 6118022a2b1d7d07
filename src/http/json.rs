//! A JSON body extractor whose rejections use the API's error body instead of axum's plain text,
//! and which refuses control characters (NUL …) in any string of the body: one rule on both
//! backends (PostgreSQL cannot store NUL), with a 400 that names the character.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::ApiError;
use crate::text::first_control;

pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let value = match axum::Json::<Value>::from_request(req, state).await {
            Ok(axum::Json(v)) => v,
            Err(rejection) => return Err(reject(rejection)),
        };
        if let Some((path, c)) = control_in(&value, String::new()) {
            let message = format!("{path} contains the control character {c}");
            return Err(ApiError::bad_request("control_character", message).into_response());
        }
        serde_json::from_value(value).map(ApiJson).map_err(|e| {
            // A body of the wrong shape, as axum's own `Json` would answer it.
            ApiError::rejected(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()).into_response()
        })
    }
}

/// The first string (or key) holding a control character: where it is, and which.
fn control_in(value: &Value, path: String) -> Option<(String, String)> {
    let here = |p: &str| {
        if p.is_empty() {
            "the body".to_string()
        } else {
            p.to_string()
        }
    };
    match value {
        Value::String(s) => first_control(s).map(|c| (here(&path), c)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| control_in(v, format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let at = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            first_control(k)
                .map(|c| (here(&path), c))
                .or_else(|| control_in(v, at))
        }),
        _ => None,
    }
}

fn reject(r: JsonRejection) -> Response {
    ApiError::rejected(r.status(), r.body_text()).into_response()
}
