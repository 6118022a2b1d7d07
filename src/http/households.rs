//! The staff API for households and support (`/api/v1/…`): an account's token or session, scoping every call to its staff member's areas.

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::ApiError;
use super::json::ApiJson;
use crate::app::AppState;
use crate::features::areas::{self, Level};
use crate::features::staff::{Role, Scope, Staff};
use crate::features::support::{self, Status, SupportError};
use crate::features::{audit, households};
use crate::phone::Msisdn;

/// The header naming the staff member a call is made for (their `staff.id`).
pub const STAFF_HEADER: &str = "x-loa-staff";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/areas", get(list_areas))
        .route("/api/v1/households", get(list_households))
        .route("/api/v1/households/{code}", get(household))
        .route("/api/v1/households/{code}/support", get(household_support))
        .route("/api/v1/households/{code}/contacts", post(link_contact))
        .route(
            "/api/v1/households/{code}/contacts/{phone}",
            delete(unlink_contact),
        )
        .route("/api/v1/support/{id}/status", post(set_status))
        .route("/api/v1/support/{id}/history", get(history))
}

/// The staff member a request is made for, once its account (token or session) or the deprecated
/// shared token is checked, with the areas they cover (see `http::auth`).
pub struct Caller {
    pub staff: Staff,
    pub scope: Scope,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    /// An account's API token or session, or (deprecated) the shared token and `x-loa-staff`.
    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        super::auth::caller(parts, app).await
    }
}

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
async fn visible_household(
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

/// Households listed per page by default, and at most.
const PAGE: i64 = 50;
const MAX_PAGE: i64 = 500;

#[derive(Deserialize)]
struct ListQuery {
    village: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn list_households(
    State(app): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    caller.require(HOUSEHOLD_ROLES)?;
    let db = &app.services.db;
    let limit = q.limit.unwrap_or(PAGE).clamp(1, MAX_PAGE);
    let offset = q.offset.unwrap_or(0).max(0);
    let villages: Vec<String> = areas::all(db)
        .await?
        .into_iter()
        .filter(|a| a.level == Level::Village && caller.scope.covers(&a.code))
        .filter(|a| q.village.as_deref().is_none_or(|v| v.trim() == a.code))
        .map(|a| a.code)
        .collect();
    if q.village.is_some() && villages.is_empty() {
        return Err(ApiError::NotFound);
    }
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

async fn household_records(
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

#[derive(Deserialize)]
struct ContactBody {
    phone: String,
}

async fn link_contact(
    State(app): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<ContactBody>,
) -> Result<Json<Value>, ApiError> {
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

async fn unlink_contact(
    State(app): State<AppState>,
    caller: Caller,
    Path((code, raw)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
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

#[derive(Deserialize)]
struct StatusBody {
    status: String,
    reason: Option<String>,
}

async fn set_status(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<StatusBody>,
) -> Result<Json<Value>, ApiError> {
    visible_record(&app, &caller, id).await?;
    let svc = &app.services;
    let to = Status::parse(&body.status).ok_or_else(|| {
        ApiError::bad_request("bad_status", format!("status: unknown `{}`", body.status))
    })?;
    let actor = format!("staff:{}", caller.staff.id);
    let change = match support::set_status(&svc.db, id, to, body.reason.as_deref(), &actor).await {
        Ok(c) => c,
        Err(SupportError::NotFound(_)) => return Err(ApiError::NotFound),
        Err(e @ (SupportError::Transition { .. } | SupportError::ReasonRequired)) => {
            return Err(ApiError::bad_request("bad_transition", e.to_string()))
        }
        Err(SupportError::Db(e)) => return Err(e.into()),
    };
    let queued = match &change {
        Some(c) => {
            let changes = std::slice::from_ref(c);
            support::announce::announce(&svc.db, &svc.locales, &svc.outbox, changes).await?
        }
        None => 0,
    };
    Ok(Json(json!({
        "changed": change.is_some(),
        "history_id": change.as_ref().map(|c| c.history_id),
        "status": to,
        "messages_queued": queued,
    })))
}

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
async fn audit_phones(
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
