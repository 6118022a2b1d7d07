//! The staff API for households and support (`/api/v1/…`): a bearer token from the configuration and a staff id scoping every call to that staff member's areas.

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
use crate::features::households;
use crate::features::staff::{self, Role, Scope, Staff};
use crate::features::support::{self, Status, SupportError};
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

/// The staff member a request is made for, once its token and staff id are checked, with the
/// areas they cover.
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

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let Some(expected) = app.config.api_token.as_ref().filter(|t| !t.is_empty()) else {
            return Err(ApiError::unauthorized(
                "api_disabled",
                "the staff API is off: set api_token (LOA_API_TOKEN)",
            ));
        };
        let given = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !expected.matches(given.trim()) {
            return Err(ApiError::unauthorized(
                "unauthorized",
                "missing or wrong bearer token",
            ));
        }
        let id = parts
            .headers
            .get(STAFF_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok());
        let db = &app.services.db;
        let staff = match id {
            Some(id) => staff::by_id(db, id).await?,
            None => None,
        };
        let staff = staff.ok_or_else(|| {
            ApiError::forbidden(
                "unknown_staff",
                "the x-loa-staff header must name a staff member",
            )
        })?;
        let scope = staff::scope(db, &staff).await?;
        Ok(Caller { staff, scope })
    }
}

async fn list_areas(State(app): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    let mut out = areas::all(&app.services.db).await?;
    out.retain(|a| caller.scope.covers(&a.code));
    Ok(Json(json!({ "areas": out })))
}

/// A household in the caller's areas, or 404 (the same answer as for no such household).
async fn visible_household(
    app: &AppState,
    caller: &Caller,
    code: &str,
) -> Result<households::Household, ApiError> {
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
    caller.must_be_officer("link a phone to a household")?;
    let db = &app.services.db;
    let h = visible_household(&app, &caller, &code).await?;
    let phone = phone_of(&body.phone)?;
    let linked = households::link_phone(db, h.id, &phone).await?;
    if linked {
        // No contact history table exists; the log keeps who did it, with the phone masked.
        tracing::info!(staff = caller.staff.id, household = %h.code, phone = %phone, "phone linked to household");
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
    caller.must_be_officer("unlink a phone from a household")?;
    let db = &app.services.db;
    let h = visible_household(&app, &caller, &code).await?;
    let phone = phone_of(&raw)?;
    let unlinked = households::unlink_phone(db, h.id, &phone).await?;
    if unlinked {
        tracing::info!(staff = caller.staff.id, household = %h.code, phone = %phone, "phone unlinked from household");
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
    let records = household_records(&app, &h).await?;
    Ok(Json(
        json!({ "household": h, "phones": phones, "records": records }),
    ))
}

/// Whether the caller may see record `id` (its household's village is in their areas); 404 if not.
async fn visible_record(app: &AppState, caller: &Caller, id: i64) -> Result<(), ApiError> {
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
    caller.must_be_officer("change a support status")?;
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
