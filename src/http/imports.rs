//! Spreadsheet uploads through the staff API (`POST /api/v1/imports/{kind}`): the same importer as `loa import`, limited to a commune officer's areas.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ErrorBody, Refusals};
use super::households::Caller;
use crate::app::AppState;
use crate::features::import::{self, ImportError, Kind, Options, Problem, Report};
use crate::features::support::announce::announce;

/// Largest spreadsheet accepted; 100,000 households as CSV are about 10 MiB.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;
/// A large file takes tens of seconds to validate and write.
const IMPORT_TIMEOUT: Duration = Duration::from_secs(300);

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Its own router: it sits outside the app's 64 KiB body limit and 15 s timeout.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload))
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(MAX_UPLOAD_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            IMPORT_TIMEOUT,
        ))
}

#[derive(Deserialize, utoipa::IntoParams)]
struct ImportQuery {
    /// Check and report only; write nothing.
    dry_run: Option<bool>,
    /// Language of the report's problems: `vi` (default) or `en`.
    lang: Option<String>,
}

fn problems(app: &AppState, lang: &str, list: &[Problem]) -> Vec<Value> {
    list.iter()
        .map(|p| {
            json!({
                "row": p.row,
                "column": p.column,
                "problem": app.services.locales.render(lang, &p.problem),
            })
        })
        .collect()
}

/// Imports a spreadsheet (areas, households, support records or staff) for a commune officer's areas.
///
/// Every row is checked; a file with any problem imports nothing (422 with the row-error report).
#[utoipa::path(
    post,
    path = "/api/v1/imports/{kind}",
    tag = "imports",
    params(("kind" = String, Path, description = "`areas`, `households`, `support` or `staff`"), ImportQuery),
    request_body(content = String, description = "the file: CSV or XLSX", content_type = "text/csv"),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "`{\"applied\", \"counts\", \"problems\"}`", body = serde_json::Value),
        (status = 422, description = "rows refused: the report, nothing written", body = serde_json::Value),
        (status = 413, description = "larger than 20 MiB", body = ErrorBody),
        Refusals
    )
)]
async fn upload(
    State(app): State<AppState>,
    caller: Caller,
    Path(kind): Path<String>,
    Query(q): Query<ImportQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let Some(kind) = Kind::parse(&kind) else {
        return Err(ApiError::NotFound);
    };
    // Who may upload is known from the headers: anyone else is refused before the body is read.
    caller.must_be_officer("import files")?;
    let staff = caller.staff;
    if kind == Kind::Pregnancies {
        return Err(ApiError::forbidden(
            "forbidden",
            "pregnancies are health data: imported with `loa import pregnancies` on the server",
        ));
    }
    let lang = match q.lang.as_deref().unwrap_or("vi") {
        l @ ("vi" | "en") => l.to_string(),
        other => {
            return Err(ApiError::bad_request(
                "bad_lang",
                format!("lang: `{other}` is not vi or en"),
            ))
        }
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if !matches!(content_type.as_str(), "text/csv" | XLSX) {
        return Err(ApiError::rejected(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("send the file as text/csv or {XLSX}"),
        ));
    }
    let body: Bytes = axum::body::to_bytes(body, MAX_UPLOAD_BYTES)
        .await
        .map_err(|_| {
            ApiError::TooLarge(format!(
                "a file may be at most {} MiB",
                MAX_UPLOAD_BYTES / (1024 * 1024)
            ))
        })?;
    let table = match content_type.as_str() {
        "text/csv" => import::table::read_csv(&body),
        XLSX => import::table::read_xlsx_bytes(&body),
        _ => {
            return Err(ApiError::rejected(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("send the file as text/csv or {XLSX}"),
            ))
        }
    };
    let bad_file = |e: ImportError| {
        // In the uploader's language, with advice (save as CSV UTF-8 or .xlsx, split the file).
        let text = e
            .msg()
            .map(|m| app.services.locales.render(&lang, &m))
            .unwrap_or_else(|| e.to_string());
        match e {
            ImportError::Db(e) => e.into(),
            ImportError::TooLarge(_) | ImportError::OverLimit(_) => ApiError::OverLimit(text),
            _ => ApiError::bad_request("bad_file", text),
        }
    };
    let table = table.map_err(bad_file)?;
    let opts = Options {
        dry_run: q.dry_run.unwrap_or(false),
        header_map: Vec::new(),
        progress: false,
        actor: Some(format!("staff:{}", staff.id)),
    };
    let svc = &app.services;
    let report = import::run_table_within(&svc.db, &staff, kind, &table, &opts)
        .await
        .map_err(bad_file)?;
    let queued = if report.applied && !report.changes.is_empty() {
        announce(&svc.db, &svc.locales, &svc.outbox, &report.changes).await?
    } else {
        0
    };
    tracing::info!(
        staff = staff.id,
        kind = kind.as_str(),
        rows = report.rows,
        applied = report.applied,
        problems = report.problems.len(),
        "import uploaded"
    );
    let status = if report.ok() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(body_of(&app, &lang, kind, &report, queued))).into_response())
}

fn body_of(app: &AppState, lang: &str, kind: Kind, r: &Report, queued: usize) -> Value {
    json!({
        "kind": kind,
        "dry_run": r.dry_run,
        "applied": r.applied,
        "counts": {
            "rows": r.rows,
            "created": r.created,
            "updated": r.updated,
            "unchanged": r.unchanged,
        },
        "problems": problems(app, lang, &r.problems),
        "notes": problems(app, lang, &r.notes),
        "summary": r.render(&app.services.locales, lang).lines().last().unwrap_or("").to_string(),
        "messages_queued": queued,
    })
}
