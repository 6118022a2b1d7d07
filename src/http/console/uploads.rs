//! Spreadsheet uploads in the console: choose a file, see the row-error report of its check, confirm; the import is `http::imports::import_file`, the very path of `POST /api/v1/imports/{kind}`.
//!
//! The checked file waits in `features::import::uploads` (an hour at most, for its uploader
//! only) so that confirming does not ask for it again; confirming imports it for real (every row
//! checked again) and takes it. Commune officers and admins only, as the API.

use std::time::Duration;

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use tower_http::timeout::TimeoutLayer;

use super::{page, Console, CsrfForm, Layout, Texts};
use crate::app::AppState;
use crate::features::import::uploads::{self, Upload};
use crate::features::import::{Kind, Report};
use crate::http::error::ApiError;
use crate::http::imports::{import_file, Format, Imported, MAX_UPLOAD_BYTES};
use crate::i18n::{msg_id, Msg};
use crate::text::first_control;

/// What the console uploads, in the order the form offers them.
const KINDS: [(Kind, &str); 4] = [
    (Kind::Households, msg_id("console-import-kind-households")),
    (Kind::Support, msg_id("console-import-kind-support")),
    (Kind::Areas, msg_id("console-import-kind-areas")),
    (Kind::Staff, msg_id("console-import-kind-staff")),
];

/// The form (within the app's limits).
pub fn router() -> Router<AppState> {
    Router::new().route("/console/imports", get(form))
}

/// Checking and confirming: a file of up to 20 MiB (and a form around it), and the time a large
/// file takes to import, as the API's upload route.
pub fn upload_router() -> Router<AppState> {
    Router::new()
        .route("/console/imports/check", post(check))
        .route("/console/imports/{id}/confirm", post(confirm))
        .layer(axum::middleware::from_fn(
            crate::http::detach::run_to_completion,
        ))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 64 * 1024))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(300),
        ))
}

struct Choice {
    value: &'static str,
    label: String,
    selected: bool,
}

struct Line {
    row: usize,
    column: String,
    text: String,
}

/// A report as the page shows it.
struct ReportView {
    rows: usize,
    created: usize,
    updated: usize,
    unchanged: usize,
    problems: Vec<Line>,
    notes: Vec<Line>,
    hints: Vec<String>,
}

#[derive(Template)]
#[template(path = "imports.html")]
struct ImportPage {
    t: Texts,
    l: Layout,
    kinds: Vec<Choice>,
    kind_error: Option<String>,
    file_error: Option<String>,
    file_name: String,
    report: Option<ReportView>,
    /// The kept upload to confirm (its check found no problem).
    confirm: Option<i64>,
    /// What the confirmed import did.
    done: Option<String>,
}

impl ImportPage {
    fn new(app: &AppState, c: &Console, kind: &str) -> ImportPage {
        let kinds = KINDS
            .iter()
            .map(|(k, label)| Choice {
                value: k.as_str(),
                label: c.t.msg_id(label),
                selected: k.as_str() == kind,
            })
            .collect();
        ImportPage {
            t: c.t.clone(),
            l: Layout::new(app, c, "/console/imports"),
            kinds,
            kind_error: None,
            file_error: None,
            file_name: String::new(),
            report: None,
            confirm: None,
            done: None,
        }
    }
}

fn report_view(t: &Texts, r: &Report) -> ReportView {
    let lines = |list: &[crate::features::import::Problem]| {
        list.iter()
            .map(|p| Line {
                row: p.row,
                column: p.column.clone(),
                text: t.render(&p.problem),
            })
            .collect()
    };
    ReportView {
        rows: r.rows,
        created: r.created,
        updated: r.updated,
        unchanged: r.unchanged,
        problems: lines(&r.problems),
        notes: lines(&r.notes),
        hints: r.hints.iter().map(|h| t.render(h)).collect(),
    }
}

async fn form(State(app): State<AppState>, c: Console) -> Response {
    let shown = c.caller.must_be_officer("import files").map(|()| {
        let tpl = ImportPage::new(&app, &c, Kind::Households.as_str());
        page(StatusCode::OK, &tpl, Vec::new())
    });
    c.answer(shown)
}

/// The fields of the upload form.
#[derive(Default)]
struct Sent {
    csrf: String,
    kind: String,
    file_name: String,
    body: Vec<u8>,
}

async fn read_form(mut form: Multipart) -> Result<Sent, ApiError> {
    let bad =
        |e: axum::extract::multipart::MultipartError| ApiError::rejected(e.status(), e.body_text());
    let mut sent = Sent::default();
    while let Some(field) = form.next_field().await.map_err(bad)? {
        match field.name() {
            Some("csrf") => sent.csrf = field.text().await.map_err(bad)?,
            Some("kind") => sent.kind = field.text().await.map_err(bad)?,
            Some("file") => {
                sent.file_name = field.file_name().unwrap_or("").chars().take(200).collect();
                sent.body = field.bytes().await.map_err(bad)?.to_vec();
            }
            _ => {}
        }
    }
    Ok(sent)
}

async fn check(State(app): State<AppState>, c: Console, form: Multipart) -> Response {
    c.answer(check_file(&app, &c, form).await)
}

async fn check_file(app: &AppState, c: &Console, form: Multipart) -> Result<Response, ApiError> {
    // Who may upload is known before the file is read.
    c.caller.must_be_officer("import files")?;
    let sent = read_form(form).await?;
    c.check_csrf(&sent.csrf)?;
    let t = &c.t;
    let mut tpl = ImportPage::new(app, c, &sent.kind);
    let kind = KINDS
        .iter()
        .map(|(k, _)| *k)
        .find(|k| k.as_str() == sent.kind);
    if kind.is_none() {
        tpl.kind_error = Some(t.msg_id("console-import-choose-kind"));
    }
    let format = Format::of_file_name(&sent.file_name);
    if sent.body.is_empty() && sent.file_name.is_empty() {
        tpl.file_error = Some(t.msg_id("console-import-choose-file"));
    } else if format.is_none() {
        tpl.file_error = Some(t.msg_id("console-import-file-type"));
    } else if let Some(c) = first_control(&sent.file_name) {
        // Kept with the upload (`import_uploads`): PostgreSQL cannot store NUL.
        let msg = Msg::new("console-import-file-name-control").arg("char", c);
        tpl.file_error = Some(t.render(&msg));
    }
    let (Some(kind), Some(format), None) = (kind, format, &tpl.file_error) else {
        return Ok(page(StatusCode::BAD_REQUEST, &tpl, Vec::new()));
    };
    tpl.file_name = sent.file_name.clone();
    let done = match import_file(app, &c.caller, kind, format, &sent.body, true, t.lang).await {
        Ok(done) => done,
        Err(e) => return file_refused(tpl, e),
    };
    tpl.report = Some(report_view(t, &done.report));
    if !done.report.ok() {
        return Ok(page(StatusCode::UNPROCESSABLE_ENTITY, &tpl, Vec::new()));
    }
    let upload = Upload {
        kind: kind.as_str().to_string(),
        format: format.as_str().to_string(),
        file_name: sent.file_name,
        body: sent.body,
    };
    let db = &app.services.db;
    tpl.confirm = Some(uploads::keep(db, c.session.account.id, &upload).await?);
    Ok(page(StatusCode::OK, &tpl, Vec::new()))
}

/// A file the importer could not read: the page again, saying why next to the file field.
fn file_refused(mut tpl: ImportPage, e: ApiError) -> Result<Response, ApiError> {
    match e {
        ApiError::BadRequest { .. } | ApiError::OverLimit(_) => {
            let status = e.status();
            tpl.file_error = Some(e.to_string());
            Ok(page(status, &tpl, Vec::new()))
        }
        e => Err(e),
    }
}

async fn confirm(
    State(app): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    c.answer(confirm_upload(&app, &c, id, &f.csrf).await)
}

async fn confirm_upload(
    app: &AppState,
    c: &Console,
    id: i64,
    csrf: &str,
) -> Result<Response, ApiError> {
    c.check_csrf(csrf)?;
    c.caller.must_be_officer("import files")?;
    let t = &c.t;
    let db = &app.services.db;
    let taken = uploads::take(db, id, c.session.account.id).await?;
    let kind_format = taken
        .as_ref()
        .and_then(|u| Some((Kind::parse(&u.kind)?, Format::parse(&u.format)?)));
    let (Some(upload), Some((kind, format))) = (taken, kind_format) else {
        let mut tpl = ImportPage::new(app, c, Kind::Households.as_str());
        tpl.file_error = Some(t.msg_id("console-import-gone"));
        return Ok(page(StatusCode::NOT_FOUND, &tpl, Vec::new()));
    };
    let mut tpl = ImportPage::new(app, c, kind.as_str());
    tpl.file_name = upload.file_name.clone();
    let done = match import_file(app, &c.caller, kind, format, &upload.body, false, t.lang).await {
        Ok(done) => done,
        Err(e) => return file_refused(tpl, e),
    };
    tpl.report = Some(report_view(t, &done.report));
    if !done.report.applied {
        return Ok(page(StatusCode::UNPROCESSABLE_ENTITY, &tpl, Vec::new()));
    }
    tpl.done = Some(done_text(t, &done));
    Ok(page(StatusCode::OK, &tpl, Vec::new()))
}

fn done_text(t: &Texts, done: &Imported) -> String {
    let r = &done.report;
    let msg = Msg::new("console-import-done")
        .num("created", r.created as i64)
        .num("updated", r.updated as i64)
        .num("unchanged", r.unchanged as i64)
        .num("messages", done.queued as i64);
    t.render(&msg)
}
