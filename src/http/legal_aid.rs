//! The legal aid officers' queue (`/api/v1/legal-aid/…`): list, read, assign, move, notes, eligibility, figures, and the audit log for admins.
//!
//! Requests are visible to legal aid officers whose areas hold the requester's village (a
//! province's officers see its requests; a phone in no household's request, its home province's
//! officers) and to admins; anyone else gets 404, as for anything
//! outside their scope. Every read and change is written to the audit log (`subject_kind`
//! `legal_aid_request`, the reference as `subject_id`), never with a phone or a description.

use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::TimeDelta;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ErrorBody, Refusals};
use super::households::Caller;
use super::json::ApiJson;
use crate::app::AppState;
use crate::db::time;
use crate::features::audit::{self, Entry};
use crate::features::legal_aid::{
    self, figures, Category, Change, LegalAidError, Request, Status, ELIGIBILITY,
};
use crate::features::staff::{self, Role};

const SUBJECT: &str = "legal_aid_request";

/// The routes and their OpenAPI description, built together (`utoipa_axum::routes!`).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(read))
        .routes(routes!(assign))
        .routes(routes!(status))
        .routes(routes!(note))
        .routes(routes!(eligibility))
        .routes(routes!(figures_api))
        .routes(routes!(audit_log))
}

/// Who works the queue: legal aid officers and admins.
pub const QUEUE_ROLES: &[Role] = &[Role::LegalAid, Role::Admin];

/// Legal aid officers and admins work the queue; any other role is refused (403), as everywhere.
pub(crate) fn queue_role(caller: &Caller) -> Result<(), ApiError> {
    if QUEUE_ROLES.contains(&caller.staff.role) {
        return Ok(());
    }
    Err(ApiError::forbidden(
        "forbidden",
        "the legal aid queue is for legal aid officers and admins",
    ))
}

/// Whether `caller` may see `req`: an admin, or a legal aid officer whose areas hold the
/// requester's village. A request from a phone in no household belongs to the home province
/// (set at intake, see `legal_aid::home_province`): its officers see it; with no province at
/// all, admins only.
pub(crate) fn visible(caller: &Caller, req: &Request) -> bool {
    match (caller.staff.role, &req.village_code, &req.province_code) {
        (Role::Admin, ..) => true,
        (Role::LegalAid, Some(v), _) => caller.scope.covers(v),
        (Role::LegalAid, None, Some(p)) => caller.scope.covers(p),
        _ => false,
    }
}

pub(crate) fn actor(caller: &Caller) -> String {
    format!("staff:{}", caller.staff.id)
}

pub(crate) async fn audit(
    app: &AppState,
    caller: &Caller,
    action: &str,
    reference: Option<&str>,
    detail: Option<&str>,
) -> Result<(), ApiError> {
    let who = actor(caller);
    audit::record(
        &app.services.db,
        &Entry {
            actor: &who,
            action,
            subject_kind: SUBJECT,
            subject_id: reference,
            detail,
        },
    )
    .await?;
    Ok(())
}

/// The request `reference` if the caller may see it; 404 otherwise, as for no such request.
pub(crate) async fn visible_request(
    app: &AppState,
    caller: &Caller,
    reference: &str,
) -> Result<Request, ApiError> {
    queue_role(caller)?;
    let reference = reference.trim().to_uppercase();
    legal_aid::by_reference(&app.services.db, &reference)
        .await?
        .filter(|r| visible(caller, r))
        .ok_or(ApiError::NotFound)
}

const PAGE: usize = 50;
const MAX_PAGE: usize = 200;

#[derive(Deserialize, utoipa::IntoParams)]
struct ListQuery {
    /// A status (`received`, `assigned`, …).
    status: Option<String>,
    /// A category (`land`, `labour`, `family`, …).
    category: Option<String>,
    /// A commune code.
    commune: Option<String>,
    /// Only requests at least this many days old.
    min_age_days: Option<i64>,
    limit: Option<usize>,
    offset: Option<usize>,
}

fn parse_filter<T>(
    value: Option<&str>,
    parse: fn(&str) -> Option<T>,
    code: &'static str,
) -> Result<Option<T>, ApiError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => parse(v)
            .map(Some)
            .ok_or_else(|| ApiError::bad_request(code, format!("unknown value `{v}`"))),
    }
}

/// A page of the queue, as `GET /api/v1/legal-aid/requests` answers it.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct LegalAidRequestPage {
    requests: Vec<Request>,
    limit: usize,
    offset: usize,
}

/// The requests the caller may see, newest first, filtered, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/legal-aid/requests",
    tag = "legal-aid",
    params(ListQuery),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "a page of requests (each request shown is audited)", body = LegalAidRequestPage), (status = 400, description = "an unknown status or category", body = ErrorBody), Refusals)
)]
async fn list(
    State(app): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<LegalAidRequestPage>, ApiError> {
    queue_role(&caller)?;
    let query = legal_aid::Query {
        status: parse_filter(q.status.as_deref(), Status::from_db, "bad_status")?,
        category: parse_filter(q.category.as_deref(), Category::from_db, "bad_category")?,
        commune: q.commune.map(|c| c.trim().to_string()),
        created_before: q
            .min_age_days
            .map(|d| time::now() - TimeDelta::days(d.clamp(0, 36_500))),
    };
    let limit = q.limit.unwrap_or(PAGE).clamp(1, MAX_PAGE);
    let offset = q.offset.unwrap_or(0);
    let page: Vec<Request> = legal_aid::list(&app.services.db, &query)
        .await?
        .into_iter()
        .filter(|r| visible(&caller, r))
        .skip(offset)
        .take(limit)
        .collect();
    // One entry per request shown: the log says which requests each officer saw.
    for r in &page {
        audit(&app, &caller, "list", Some(&r.reference), None).await?;
    }
    Ok(Json(LegalAidRequestPage {
        requests: page,
        limit,
        offset,
    }))
}

/// A request as `GET /api/v1/legal-aid/requests/{reference}` answers it.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct LegalAidRequestDetail {
    hints: legal_aid::Hints,
    history: Vec<legal_aid::HistoryLine>,
    notes: Vec<legal_aid::Note>,
    request: Request,
}

/// A request, its hints, history and notes (audited).
#[utoipa::path(
    get,
    path = "/api/v1/legal-aid/requests/{reference}",
    tag = "legal-aid",
    params(("reference" = String, Path, description = "the request's reference, as its SMS gave it")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "the request, hints to its eligibility, its history and notes", body = LegalAidRequestDetail), Refusals)
)]
async fn read(
    State(app): State<AppState>,
    caller: Caller,
    Path(reference): Path<String>,
) -> Result<Json<LegalAidRequestDetail>, ApiError> {
    let req = visible_request(&app, &caller, &reference).await?;
    let db = &app.services.db;
    let body = LegalAidRequestDetail {
        hints: legal_aid::hints(db, &req).await?,
        history: legal_aid::history(db, req.id).await?,
        notes: legal_aid::notes(db, req.id).await?,
        request: req,
    };
    audit(&app, &caller, "read", Some(&body.request.reference), None).await?;
    Ok(Json(body))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct AssignBody {
    /// The staff id of a legal aid officer whose areas hold the request.
    officer: i64,
    /// Text the requester that their request was assigned.
    #[serde(default)]
    notify: bool,
}

pub(crate) fn change_error(e: LegalAidError) -> ApiError {
    match e {
        LegalAidError::Db(e) => e.into(),
        LegalAidError::Conflict => {
            ApiError::rejected(axum::http::StatusCode::CONFLICT, e.to_string())
        }
        e @ (LegalAidError::Transition { .. } | LegalAidError::NotAssigned) => {
            ApiError::bad_request("bad_transition", e.to_string())
        }
    }
}

/// After a change: the audit line, the requester's SMS if asked for and the mode allows, the
/// request as it is now.
pub(crate) async fn changed(
    app: &AppState,
    caller: &Caller,
    req: &Request,
    change: Change,
    notify: bool,
    detail: &str,
) -> Result<Json<Value>, ApiError> {
    let svc = &app.services;
    audit(app, caller, "change", Some(&req.reference), Some(detail)).await?;
    let now = legal_aid::by_reference(&svc.db, &req.reference)
        .await?
        .ok_or(ApiError::NotFound)?;
    let queued = if notify {
        legal_aid::notify(&svc.db, &svc.locales, &svc.outbox, &now, change).await?
    } else {
        false
    };
    Ok(Json(json!({
        "request": now,
        "history_id": change.history_id,
        "message_queued": queued,
    })))
}

/// Assigns `req` to legal aid officer `officer` (a staff id), who must be able to see it; the
/// console's assign form takes the same path. Returns the change and the officer's id.
pub(crate) async fn assign_officer(
    app: &AppState,
    caller: &Caller,
    req: &Request,
    officer: i64,
) -> Result<(Change, i64), ApiError> {
    let db = &app.services.db;
    // The officer must be a legal aid officer who could see the request.
    let officer = staff::by_id(db, officer)
        .await?
        .filter(|s| s.role == Role::LegalAid);
    let Some(officer) = officer else {
        return Err(ApiError::bad_request(
            "bad_officer",
            "officer must be the staff id of a legal aid officer",
        ));
    };
    let scope = staff::scope(db, &officer).await?;
    let officer_caller = Caller {
        staff: officer,
        scope,
    };
    if !visible(&officer_caller, req) {
        return Err(ApiError::bad_request(
            "bad_officer",
            "that officer's areas do not hold this request",
        ));
    }
    let change = legal_aid::assign(db, req, officer_caller.staff.id, &actor(caller))
        .await
        .map_err(change_error)?;
    Ok((change, officer_caller.staff.id))
}

/// Assigns a request to a legal aid officer (audited; the requester texted if `notify`).
#[utoipa::path(
    post,
    path = "/api/v1/legal-aid/requests/{reference}/assign",
    tag = "legal-aid",
    params(("reference" = String, Path, description = "the request's reference, as its SMS gave it")),
    request_body = AssignBody,
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = r#"`{"request", "history_id", "message_queued"}`"#, body = serde_json::Value), (status = 400, description = "not a legal aid officer who could see the request, or a forbidden move", body = ErrorBody), (status = 409, description = "changed by someone else meanwhile", body = ErrorBody), Refusals)
)]
async fn assign(
    State(app): State<AppState>,
    caller: Caller,
    Path(reference): Path<String>,
    ApiJson(body): ApiJson<AssignBody>,
) -> Result<Json<Value>, ApiError> {
    let req = visible_request(&app, &caller, &reference).await?;
    let (change, officer) = assign_officer(&app, &caller, &req, body.officer).await?;
    let detail = format!("assigned to staff:{officer}");
    changed(&app, &caller, &req, change, body.notify, &detail).await
}

#[derive(Deserialize, utoipa::ToSchema)]
struct RequestStatusBody {
    /// `received`, `assigned`, `contacted`, `in_progress`, `resolved`, `referred` or `withdrawn`.
    status: String,
    /// Text the requester the new status.
    #[serde(default)]
    notify: bool,
}

/// Moves a request to a new status (audited; the requester texted if `notify`).
#[utoipa::path(
    post,
    path = "/api/v1/legal-aid/requests/{reference}/status",
    tag = "legal-aid",
    params(("reference" = String, Path, description = "the request's reference, as its SMS gave it")),
    request_body = RequestStatusBody,
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = r#"`{"request", "history_id", "message_queued"}`"#, body = serde_json::Value), (status = 400, description = "an unknown status or a forbidden move", body = ErrorBody), (status = 409, description = "changed by someone else meanwhile", body = ErrorBody), Refusals)
)]
async fn status(
    State(app): State<AppState>,
    caller: Caller,
    Path(reference): Path<String>,
    ApiJson(body): ApiJson<RequestStatusBody>,
) -> Result<Json<Value>, ApiError> {
    let req = visible_request(&app, &caller, &reference).await?;
    let to = parse_filter(Some(&body.status), Status::from_db, "bad_status")?
        .ok_or_else(|| ApiError::bad_request("bad_status", "status is empty"))?;
    let change = legal_aid::move_to(&app.services.db, &req, to, &actor(&caller))
        .await
        .map_err(change_error)?;
    let detail = format!("{} -> {}", req.status.as_str(), to.as_str());
    changed(&app, &caller, &req, change, body.notify, &detail).await
}

#[derive(Deserialize, utoipa::ToSchema)]
struct NoteBody {
    /// 1 to 2,000 characters.
    text: String,
}

/// Longest note kept (characters).
const MAX_NOTE: usize = 2_000;

/// Adds an officer's note to a request (audited, without its text).
#[utoipa::path(
    post,
    path = "/api/v1/legal-aid/requests/{reference}/notes",
    tag = "legal-aid",
    params(("reference" = String, Path, description = "the request's reference, as its SMS gave it")),
    request_body = NoteBody,
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = r#"`{"note_id"}`"#, body = serde_json::Value), (status = 400, description = "an empty or too long note", body = ErrorBody), Refusals)
)]
async fn note(
    State(app): State<AppState>,
    caller: Caller,
    Path(reference): Path<String>,
    ApiJson(body): ApiJson<NoteBody>,
) -> Result<Json<Value>, ApiError> {
    let req = visible_request(&app, &caller, &reference).await?;
    let text = body.text.trim();
    if text.is_empty() || text.chars().count() > MAX_NOTE {
        return Err(ApiError::bad_request(
            "bad_note",
            format!("a note is 1 to {MAX_NOTE} characters"),
        ));
    }
    let id = legal_aid::add_note(&app.services.db, req.id, caller.staff.id, text).await?;
    audit(&app, &caller, "note", Some(&req.reference), None).await?;
    Ok(Json(json!({ "note_id": id })))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct EligibilityBody {
    /// One of the groups the law on legal aid names (`poor_household`, `child`, `ethnic_minority_difficult_area`, …).
    group: String,
}

/// Records the group that makes the requester eligible for free legal aid (audited).
#[utoipa::path(
    post,
    path = "/api/v1/legal-aid/requests/{reference}/eligibility",
    tag = "legal-aid",
    params(("reference" = String, Path, description = "the request's reference, as its SMS gave it")),
    request_body = EligibilityBody,
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = r#"`{"reference", "eligibility"}`"#, body = serde_json::Value), (status = 400, description = "an unknown group", body = ErrorBody), Refusals)
)]
async fn eligibility(
    State(app): State<AppState>,
    caller: Caller,
    Path(reference): Path<String>,
    ApiJson(body): ApiJson<EligibilityBody>,
) -> Result<Json<Value>, ApiError> {
    let req = visible_request(&app, &caller, &reference).await?;
    let Some(group) = ELIGIBILITY.iter().find(|g| **g == body.group.trim()) else {
        return Err(ApiError::bad_request(
            "bad_group",
            format!("group must be one of {}", ELIGIBILITY.join(", ")),
        ));
    };
    legal_aid::set_eligibility(&app.services.db, req.id, group).await?;
    let detail = format!("eligibility {group}");
    audit(
        &app,
        &caller,
        "eligibility",
        Some(&req.reference),
        Some(&detail),
    )
    .await?;
    Ok(Json(
        json!({ "reference": req.reference, "eligibility": group }),
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
struct FiguresQuery {
    /// `YYYY-MM`; all months when absent.
    month: Option<String>,
}

/// Who reads the legal aid figures (counts, no personal data): the console's dashboard asks the
/// same.
pub const FIGURE_ROLES: &[Role] = &[Role::LegalAid, Role::Admin, Role::Monitor];

/// Whether a figure of `commune` in `province` is the caller's to see: an admin's always,
/// anyone else's when their areas cover the commune or the province.
pub fn figure_visible(caller: &Caller, commune: Option<&str>, province: Option<&str>) -> bool {
    caller.staff.role == Role::Admin
        || commune.is_some_and(|c| caller.scope.covers(c))
        || province.is_some_and(|p| caller.scope.covers(p))
}

/// The figures as `GET /api/v1/legal-aid/figures` answers them.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct LegalAidFigures {
    month: Option<String>,
    figures: Vec<legal_aid::FigureRow>,
}

/// Counts of requests by place, category and status, within the caller's areas (legal aid
/// officers, monitors, admins).
#[utoipa::path(
    get,
    path = "/api/v1/legal-aid/figures",
    tag = "legal-aid",
    params(FiguresQuery),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "counts by month, place, category and status; no personal data", body = LegalAidFigures), (status = 400, description = "a month not written YYYY-MM", body = ErrorBody), Refusals)
)]
async fn figures_api(
    State(app): State<AppState>,
    caller: Caller,
    Query(q): Query<FiguresQuery>,
) -> Result<Json<LegalAidFigures>, ApiError> {
    if !FIGURE_ROLES.contains(&caller.staff.role) {
        return Err(ApiError::forbidden(
            "forbidden",
            "figures are for legal aid officers, monitors and admins",
        ));
    }
    let month = match q.month.as_deref() {
        None => None,
        Some(m) => Some(
            figures::parse_month(m)
                .ok_or_else(|| ApiError::bad_request("bad_month", "month is written YYYY-MM"))?,
        ),
    };
    let mut rows = figures::figures(&app.services.db, app.services.tz, month).await?;
    rows.retain(|r| figure_visible(&caller, r.commune.as_deref(), r.province.as_deref()));
    Ok(Json(LegalAidFigures {
        month: q.month,
        figures: rows,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
struct AuditQuery {
    /// One request's reference.
    request: Option<String>,
    before_id: Option<i64>,
    limit: Option<i64>,
}

/// The audit log of legal aid requests, newest first: admins only.
#[utoipa::path(
    get,
    path = "/api/v1/legal-aid/audit",
    tag = "legal-aid",
    params(AuditQuery),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = r#"`{"entries": [...]}`"#, body = serde_json::Value), Refusals)
)]
async fn audit_log(
    State(app): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Value>, ApiError> {
    if caller.staff.role != Role::Admin {
        return Err(ApiError::forbidden(
            "forbidden",
            "the audit log is for admins",
        ));
    }
    let request = q.request.map(|r| r.trim().to_uppercase());
    let lines = audit::list(
        &app.services.db,
        &audit::Filter {
            subject_kind: Some(SUBJECT),
            subject_id: request.as_deref(),
            actor: None,
            before_id: q.before_id,
            limit: q.limit.unwrap_or(100),
        },
    )
    .await?;
    Ok(Json(json!({ "entries": lines })))
}
