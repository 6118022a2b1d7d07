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
        .layer(axum::middleware::from_fn(super::detach::run_to_completion))
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
    if kind == Kind::Pregnancies {
        return Err(pregnancies_refused());
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
    let Some(format) = Format::of_content_type(&content_type) else {
        return Err(ApiError::rejected(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("send the file as text/csv or {XLSX}"),
        ));
    };
    let body: Bytes = axum::body::to_bytes(body, MAX_UPLOAD_BYTES)
        .await
        .map_err(|_| {
            ApiError::TooLarge(format!(
                "a file may be at most {} MiB",
                MAX_UPLOAD_BYTES / (1024 * 1024)
            ))
        })?;
    let dry_run = q.dry_run.unwrap_or(false);
    let done = import_file(&app, &caller, kind, format, &body, dry_run, &lang).await?;
    let status = if done.report.ok() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let out = body_of(&app, &lang, kind, &done.report, done.queued);
    Ok((status, Json(out)).into_response())
}

/// How an uploaded file is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Ods,
}

impl Format {
    /// By the `Content-Type` the API takes: `text/csv` or the XLSX type.
    pub fn of_content_type(content_type: &str) -> Option<Format> {
        match content_type {
            "text/csv" => Some(Format::Csv),
            XLSX => Some(Format::Xlsx),
            _ => None,
        }
    }

    /// By a file's name, as a browser's upload gives it (browsers disagree on a CSV's type).
    /// `.txt` is what Excel's "Unicode text" saves (UTF-16, tab-separated): read as CSV, as
    /// `loa import` reads it.
    pub fn of_file_name(name: &str) -> Option<Format> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "txt" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            "ods" => Some(Format::Ods),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Ods => "ods",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Format::of_file_name(&format!(".{s}"))
    }
}

/// What an import did: its report, and the status SMS it queued.
pub struct Imported {
    pub report: Report,
    pub queued: usize,
}

/// One uploaded file imported for `caller`, as `POST /api/v1/imports/{kind}` and the console's
/// upload both run it: commune officers and admins only (403), never pregnancies, every row
/// checked against the caller's areas, all or nothing, status changes announced. A file that
/// cannot be read is a 400 (`bad_file`) or 422 (`over_limit`) whose message, in `lang`, says
/// what to do.
pub async fn import_file(
    app: &AppState,
    caller: &Caller,
    kind: Kind,
    format: Format,
    body: &[u8],
    dry_run: bool,
    lang: &str,
) -> Result<Imported, ApiError> {
    caller.must_be_officer("import files")?;
    if kind == Kind::Pregnancies {
        return Err(pregnancies_refused());
    }
    let staff = &caller.staff;
    let table = match format {
        Format::Csv => import::table::read_csv(body),
        Format::Xlsx => import::table::read_xlsx_bytes(body),
        Format::Ods => import::table::read_ods_bytes(body),
    };
    let bad_file = |e: ImportError| {
        // In the uploader's language, with advice (save as CSV UTF-8 or .xlsx, split the file).
        let text = e
            .msg()
            .map(|m| app.services.locales.render(lang, &m))
            .unwrap_or_else(|| e.to_string());
        match e {
            ImportError::Db(e) => e.into(),
            ImportError::TooLarge(_) | ImportError::OverLimit(_) => ApiError::OverLimit(text),
            _ => ApiError::bad_request("bad_file", text),
        }
    };
    let table = table.map_err(bad_file)?;
    let svc = &app.services;
    let opts = Options {
        dry_run,
        header_map: Vec::new(),
        progress: false,
        actor: Some(format!("staff:{}", staff.id)),
        schedule: svc.maternal.schedule,
        timezone: svc.tz,
        now: None,
    };
    let report = import::run_table_within(&svc.db, staff, kind, &table, &opts)
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
    Ok(Imported { report, queued })
}

fn pregnancies_refused() -> ApiError {
    ApiError::forbidden(
        "forbidden",
        "pregnancies are health data: imported with `loa import pregnancies` on the server",
    )
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
