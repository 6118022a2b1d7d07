//! Runs each handler to completion in its own task, whatever happens to the request.
//!
//! A handler future dropped half-way (the client hung up, the request timeout fired) would drop
//! an open database transaction mid-statement. sqlx then hands the connection back with the
//! transaction still open, and the next request's statements run inside it: a webhook answered
//! 200 whose row is rolled back later, or "begin at non-zero transaction depth" errors (seen by
//! the benchmark harness under load). In its own task the handler always finishes; a caller who
//! left misses only the answer, and a gateway that timed out retries into the inbox's dedupe.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn run_to_completion(req: Request, next: Next) -> Response {
    match tokio::spawn(next.run(req)).await {
        Ok(response) => response,
        // The panic goes on up to the catch-panic layer, which answers 500 in the JSON shape.
        Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        Err(err) => {
            tracing::error!(%err, "request task cancelled");
            axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
