//! The staff API for households and support (`/api/v1/…`): an account's token or session, scoping every call to its staff member's areas.

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ErrorBody, Refusals};
use super::json::ApiJson;
use crate::app::AppState;
use crate::features::areas::{self, Level};
use crate::features::staff::{Role, Scope, Staff};
use crate::features::support::{self, Status, SupportError};
use crate::features::{audit, households};
use crate::phone::Msisdn;

/// The header naming the staff member a call is made for (their `staff.id`).
pub const STAFF_HEADER: &str = "x-loa-staff";

/// The routes and their OpenAPI description, built together (`utoipa_axum::routes!`).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_areas))
        .routes(routes!(list_households))
        .routes(routes!(household))
        .routes(routes!(household_support))
        .routes(routes!(link_contact))
        .routes(routes!(unlink_contact))
        .routes(routes!(set_status))
        .routes(routes!(history))
}

/// The staff member a request is made for, once its account (token or session) or the deprecated
/// shared token is checked, with the areas they cover (see `http::auth`).
pub struct Caller {
    pub staff: Staff,
    pub scope: Scope,
}

impl Caller {
    /// Writes that reach households (a status change texts them; a linked phone reads their
    /// records) are a commune officer's, as imports are: a 403 for any other role.
    pub fn must_be_officer(&self, what: &str) -> Result<(), ApiError> {
        if matches!(self.staff.role, Role::CommuneOfficer | Role::Admin) {
            return Ok(());
        }
        Err(ApiError::forbidden(
            "forbidden",
            format!("only a commune officer may {what}"),
        ))
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    /// An account's API token or session, or (deprecated) the shared token and `x-loa-staff`.
    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        super::auth::caller(parts, app).await
    }
}

/// The areas the caller covers.
#[utoipa::path(
    get,
    path = "/api/v1/areas",
    tag = "households",
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = r#"`{"areas": [...]}`"#, body = serde_json::Value), Refusals)
)]
async fn list_areas(State(app): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    let mut out = areas::all(&app.services.db).await?;
    out.retain(|a| caller.scope.covers(&a.code));
    Ok(Json(json!({ "areas": out })))
}

/// Who works with households, their phones and their support records: commune officers (their
/// communes) and admins. Others get 403; figures for monitors come from the dashboard.
pub const HOUSEHOLD_ROLES: &[Role] = &[Role::CommuneOfficer, Role::Admin];

/// A household in the caller's areas, or 404 (the same answer as for no such household); 403 for
/// a role that does not work with households.
pub async fn visible_household(
    app: &AppState,
    caller: &Caller,
    code: &str,
) -> Result<households::Household, ApiError> {
    caller.require(HOUSEHOLD_ROLES)?;
    households::by_code(&app.services.db, code)
        .await?
        .filter(|h| caller.scope.covers(&h.village_code))
        .ok_or(ApiError::NotFound)
}

/// The villages of the caller's areas (or the one named, 404 when it is not theirs), by code;
/// 403 for a role that does not work with households.
pub async fn villages_of(
    app: &AppState,
    caller: &Caller,
    village: Option<&str>,
) -> Result<Vec<areas::Area>, ApiError> {
    caller.require(HOUSEHOLD_ROLES)?;
    let mut villages: Vec<areas::Area> = areas::all(&app.services.db)
        .await?
        .into_iter()
        .filter(|a| a.level == Level::Village && caller.scope.covers(&a.code))
        .filter(|a| village.is_none_or(|v| v.trim() == a.code))
        .collect();
    if village.is_some() && villages.is_empty() {
        return Err(ApiError::NotFound);
    }
    villages.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(villages)
}

/// Households listed per page by default, and at most.
const PAGE: i64 = 50;
const MAX_PAGE: i64 = 500;

#[derive(Deserialize, utoipa::IntoParams)]
struct ListQuery {
    /// One village code of the caller's areas.
    village: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// The households of the caller's villages (or of one), with their phones, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/households",
    tag = "households",
    params(ListQuery),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = r#"`{"households": [{"household", "phones"}], "limit", "offset"}`"#, body = serde_json::Value), Refusals)
)]
async fn list_households(
    State(app): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let db = &app.services.db;
    let limit = q.limit.unwrap_or(PAGE).clamp(1, MAX_PAGE);
    let offset = q.offset.unwrap_or(0).max(0);
    let villages: Vec<String> = villages_of(&app, &caller, q.village.as_deref())
        .await?
        .into_iter()
        .map(|a| a.code)
        .collect();
    let mut out = Vec::new();
    for h in households::in_villages(db, &villages, limit, offset).await? {
        let phones = households::phones(db, h.id).await?;
        out.push(json!({ "household": h, "phones": phones }));
    }
    let detail = format!("{} households, offset {offset}", out.len());
    audit_phones(&app, &caller, "list", None, &detail).await?;
    Ok(Json(
        json!({ "households": out, "limit": limit, "offset": offset }),
    ))
}

pub async fn household_records(
    app: &AppState,
    h: &households::Household,
) -> Result<Vec<support::RecordView>, ApiError> {
    Ok(
        match support::status_for_household(&app.services.db, h).await? {
            support::Lookup::Households(mut hs) if !hs.is_empty() => hs.remove(0).records,
            _ => Vec::new(),
        },
    )
}

/// A household's support records, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/households/{code}/support",
    tag = "households",
    params(("code" = String, Path, description = "household code")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = r#"`{"household", "records"}`"#, body = serde_json::Value), Refusals)
)]
async fn household_support(
    State(app): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let h = visible_household(&app, &caller, &code).await?;
    let records = household_records(&app, &h).await?;
    Ok(Json(json!({ "household": h.code, "records": records })))
}

fn phone_of(raw: &str) -> Result<Msisdn, ApiError> {
    Msisdn::parse(raw).map_err(|e| ApiError::bad_request("bad_phone", format!("phone: {e}")))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct ContactBody {
    /// A Vietnamese mobile number, any spelling.
    phone: String,
}

/// Links a phone to a household (audited).
#[utoipa::path(
    post,
    path = "/api/v1/households/{code}/contacts",
    tag = "households",
    params(("code" = String, Path, description = "household code")),
    request_body = ContactBody,
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = r#"`{"household", "phone", "changed", "phones"}`"#, body = serde_json::Value), (status = 400, description = "not a Vietnamese mobile number", body = ErrorBody), Refusals)
)]
async fn link_contact(
    State(app): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<ContactBody>,
) -> Result<Json<Value>, ApiError> {
    caller.must_be_officer("link a phone to a household")?;
    let db = &app.services.db;
    let h = visible_household(&app, &caller, &code).await?;
    let phone = phone_of(&body.phone)?;
    let linked = households::link_phone(db, h.id, &phone).await?;
    if linked {
        let detail = format!("linked {}", phone.masked());
        audit_phones(&app, &caller, "change", Some(&h.code), &detail).await?;
    }
    Ok(Json(json!({
        "household": h.code,
        "phone": phone.as_str(),
        "changed": linked,
        "phones": households::phones(db, h.id).await?,
    })))
}

/// Unlinks a phone from a household (audited).
#[utoipa::path(
    delete,
    path = "/api/v1/households/{code}/contacts/{phone}",
    tag = "households",
    params(("code" = String, Path, description = "household code"), ("phone" = String, Path, description = "the phone, any Vietnamese spelling")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = r#"`{"household", "phone", "changed", "phones"}`"#, body = serde_json::Value), Refusals)
)]
async fn unlink_contact(
    State(app): State<AppState>,
    caller: Caller,
    Path((code, raw)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    caller.must_be_officer("unlink a phone from a household")?;
    let db = &app.services.db;
    let h = visible_household(&app, &caller, &code).await?;
    let phone = phone_of(&raw)?;
    let unlinked = households::unlink_phone(db, h.id, &phone).await?;
    if unlinked {
        let detail = format!("unlinked {}", phone.masked());
        audit_phones(&app, &caller, "change", Some(&h.code), &detail).await?;
    }
    Ok(Json(json!({
        "household": h.code,
        "phone": phone.as_str(),
        "changed": unlinked,
        "phones": households::phones(db, h.id).await?,
    })))
}

/// A household, its phones (audited) and its support records.
#[utoipa::path(
    get,
    path = "/api/v1/households/{code}",
    tag = "households",
    params(("code" = String, Path, description = "household code")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = r#"`{"household", "phones", "records"}`"#, body = serde_json::Value), Refusals)
)]
async fn household(
    State(app): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let h = visible_household(&app, &caller, &code).await?;
    let phones = households::phones(&app.services.db, h.id).await?;
    audit_phones(&app, &caller, "read", Some(&h.code), "household").await?;
    let records = household_records(&app, &h).await?;
    Ok(Json(
        json!({ "household": h, "phones": phones, "records": records }),
    ))
}

/// Whether the caller may see record `id` (its household's village is in their areas); 404 if not.
async fn visible_record(app: &AppState, caller: &Caller, id: i64) -> Result<(), ApiError> {
    caller.require(HOUSEHOLD_ROLES)?;
    match support::village_of_record(&app.services.db, id).await? {
        Some(v) if caller.scope.covers(&v) => Ok(()),
        _ => Err(ApiError::NotFound),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
struct StatusBody {
    /// `registered`, `approved`, `disbursed`, `completed`, `rejected` or their Vietnamese names.
    status: String,
    reason: Option<String>,
}

/// Moves a support record to a new status, appends its history and queues the status SMS.
#[utoipa::path(
    post,
    path = "/api/v1/support/{id}/status",
    tag = "households",
    params(("id" = i64, Path, description = "support record id")),
    request_body = StatusBody,
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = r#"`{"changed", "history_id", "status", "messages_queued"}`"#, body = serde_json::Value), (status = 400, description = "unknown status, forbidden transition or missing reason", body = ErrorBody), Refusals)
)]
async fn set_status(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<StatusBody>,
) -> Result<Json<Value>, ApiError> {
    let done = match change_status(&app, &caller, id, &body.status, body.reason.as_deref()).await? {
        Ok(done) => done,
        Err(refused) => return Err(refused.into()),
    };
    Ok(Json(json!({
        "changed": done.history_id.is_some(),
        "history_id": done.history_id,
        "status": done.status,
        "messages_queued": done.queued,
    })))
}

/// A status change made: the history row (None when the record already had that status) and
/// the SMS queued to the household's phones.
pub struct StatusChanged {
    pub status: Status,
    pub history_id: Option<i64>,
    pub queued: usize,
}

/// Why a status change was refused, by the field at fault (the API answers 400 for each).
#[derive(Debug)]
pub enum StatusRefusal {
    /// No status loa knows.
    Unknown(String),
    /// The status machine forbids the move.
    Transition(SupportError),
    /// A rejection without a reason.
    ReasonRequired,
}

impl From<StatusRefusal> for ApiError {
    fn from(r: StatusRefusal) -> ApiError {
        match r {
            StatusRefusal::Unknown(s) => {
                ApiError::bad_request("bad_status", format!("status: unknown `{s}`"))
            }
            StatusRefusal::Transition(e) => ApiError::bad_request("bad_transition", e.to_string()),
            StatusRefusal::ReasonRequired => {
                ApiError::bad_request("bad_transition", SupportError::ReasonRequired.to_string())
            }
        }
    }
}

/// Moves support record `id` to `status` for `caller`, as `POST /api/v1/support/{id}/status`
/// and the console's form both do: commune officers (and admins) only (403), in their areas
/// (404), the history appended (`changed_by` = `staff:<id>`) and the status SMS queued.
pub async fn change_status(
    app: &AppState,
    caller: &Caller,
    id: i64,
    status: &str,
    reason: Option<&str>,
) -> Result<Result<StatusChanged, StatusRefusal>, ApiError> {
    caller.must_be_officer("change a support status")?;
    visible_record(app, caller, id).await?;
    let svc = &app.services;
    let Some(to) = Status::parse(status) else {
        return Ok(Err(StatusRefusal::Unknown(status.to_string())));
    };
    let actor = format!("staff:{}", caller.staff.id);
    let change = match support::set_status(&svc.db, id, to, reason, &actor).await {
        Ok(c) => c,
        Err(SupportError::NotFound(_)) => return Err(ApiError::NotFound),
        Err(e @ SupportError::Transition { .. }) => return Ok(Err(StatusRefusal::Transition(e))),
        Err(SupportError::ReasonRequired) => return Ok(Err(StatusRefusal::ReasonRequired)),
        Err(SupportError::Db(e)) => return Err(e.into()),
    };
    let queued = match &change {
        Some(c) => {
            let changes = std::slice::from_ref(c);
            support::announce::announce(&svc.db, &svc.locales, &svc.outbox, changes).await?
        }
        None => 0,
    };
    Ok(Ok(StatusChanged {
        status: to,
        history_id: change.map(|c| c.history_id),
        queued,
    }))
}

/// A support record's history, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/support/{id}/history",
    tag = "households",
    params(("id" = i64, Path, description = "support record id")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = r#"`{"history": [...]}`"#, body = serde_json::Value), Refusals)
)]
async fn history(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    visible_record(&app, &caller, id).await?;
    let history = support::history(&app.services.db, id).await?;
    Ok(Json(json!({ "history": history })))
}

/// Household phones are personal data: every read and change goes to the audit log (masked).
pub async fn audit_phones(
    app: &AppState,
    caller: &Caller,
    action: &str,
    household: Option<&str>,
    detail: &str,
) -> Result<(), ApiError> {
    let actor = caller.actor();
    let entry = audit::Entry {
        actor: &actor,
        action,
        subject_kind: "household_phones",
        subject_id: household,
        detail: Some(detail),
    };
    Ok(audit::record(&app.services.db, &entry).await?)
}
