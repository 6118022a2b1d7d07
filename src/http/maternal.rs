//! The staff API for pregnancies and health campaigns (`/api/v1/pregnancies`, `/api/v1/maternal/campaigns`): health data, for the mother's health workers, commune health staff and admins only; every read audited.

use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::error::{ApiError, ErrorBody, Refusals};
use super::households::Caller;
use super::json::ApiJson;
use crate::app::AppState;
use crate::db::time;
use crate::dialog::maternal::ctx;
use crate::features::audit;
use crate::features::maternal::campaign::{self, Plan};
use crate::features::maternal::{
    self, dates, store, Dating, Pregnancy, Refusal, Registration, RegistrationSource,
};
use crate::phone::Msisdn;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes and their OpenAPI description, built together (`utoipa_axum::routes!`).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, register))
        .routes(routes!(read))
        .routes(routes!(campaign))
}

/// Only health staff see pregnancies at all; others get 403.
pub(crate) fn health_only(caller: &Caller) -> Result<(), ApiError> {
    if maternal::is_health_staff(&caller.staff) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "forbidden",
            "pregnancies are for health workers, commune health staff and admins",
        ))
    }
}

pub(crate) async fn audited(
    app: &AppState,
    caller: &Caller,
    action: &str,
    id: Option<&str>,
    detail: Option<&str>,
) -> Result<(), ApiError> {
    let actor = format!("staff:{}", caller.staff.id);
    let e = audit::Entry {
        actor: &actor,
        action,
        subject_kind: "pregnancy",
        subject_id: id,
        detail,
    };
    Ok(audit::record(&app.services.db, &e).await?)
}

/// One `list` entry per pregnancy a list showed the caller (`where_` says which list).
pub(crate) async fn listed(
    app: &AppState,
    caller: &Caller,
    ids: &[i64],
    where_: &str,
) -> Result<(), ApiError> {
    let actor = format!("staff:{}", caller.staff.id);
    Ok(maternal::audit_shown(&app.services.db, &actor, "list", ids, where_).await?)
}

/// A date as JSON gives it: `2026-06-15`, or as workers write it, `15/06/2026`.
fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .ok()
        .or_else(|| dates::parse_date(s))
}

/// A refusal as the API says it: outside the caller's areas is 404, as for no such thing.
fn refused(r: Refusal) -> ApiError {
    let (code, message) = match r {
        Refusal::OutsideArea | Refusal::NoPregnancy => return ApiError::NotFound,
        Refusal::NotHealthStaff => return ApiError::forbidden("forbidden", "not health staff"),
        Refusal::BadPhone => (
            "bad_phone",
            "phone: not a Vietnamese mobile number".to_string(),
        ),
        Refusal::BadDate => (
            "bad_date",
            "give edd or lmp as YYYY-MM-DD or dd/mm/yyyy".into(),
        ),
        Refusal::EddPast => ("edd_past", "edd: the due date has passed".into()),
        Refusal::EddTooFar => (
            "edd_too_far",
            format!("edd: more than {} weeks ahead", maternal::MAX_WEEKS_AHEAD),
        ),
        Refusal::LmpFuture => ("lmp_future", "lmp: after today".into()),
        Refusal::NeedsVillage => (
            "needs_village",
            "the phone is in no household: give village".into(),
        ),
        Refusal::UnknownVillage(c) => ("unknown_village", format!("village: no village {c}")),
        Refusal::BadBirthDate => ("bad_birth_date", "birth date out of range".into()),
        Refusal::NoVisit => ("no_visit", "no visit left".into()),
    };
    ApiError::bad_request(code, message)
}

#[derive(Deserialize, utoipa::ToSchema)]
struct RegisterBody {
    /// The mother's Vietnamese mobile number, any spelling.
    phone: String,
    /// The expected due date (`YYYY-MM-DD` or `dd/mm/yyyy`); give this or `lmp`.
    edd: Option<String>,
    /// The first day of the last menstrual period; give this or `edd`.
    lmp: Option<String>,
    /// A village code, needed when the phone is in no household.
    village: Option<String>,
}

/// Registers a pregnancy (or updates the mother's active one) in the caller's areas.
#[utoipa::path(
    post,
    path = "/api/v1/pregnancies",
    tag = "pregnancies",
    request_body = RegisterBody,
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "the pregnancy registered (or updated) and its next visit", body = RegisteredView), (status = 400, description = "a bad phone or date, a due date past or too far, or no village for a phone in no household", body = ErrorBody), Refusals)
)]
async fn register(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<RegisterBody>,
) -> Result<Json<RegisteredView>, ApiError> {
    health_only(&caller)?;
    let phone = Msisdn::parse(&body.phone).map_err(|_| refused(Refusal::BadPhone))?;
    let dating = match (body.edd.as_deref().map(date), body.lmp.as_deref().map(date)) {
        (Some(Some(d)), None) => Dating::Edd(d),
        (None, Some(Some(d))) => Dating::Lmp(d),
        _ => return Err(refused(Refusal::BadDate)),
    };
    let reg = Registration {
        phone,
        dating,
        village: body.village,
    };
    let c = ctx(&app.services);
    let done = maternal::register(
        &c,
        &caller.staff,
        &caller.scope,
        &reg,
        RegistrationSource::Api,
        time::now(),
    )
    .await
    .map_err(|e| ApiError::Internal(Box::new(e)))?
    .map_err(refused)?;
    Ok(Json(RegisteredView {
        created: done.created,
        edd: done.edd,
        id: done.id,
        next_visit: done.next_visit.map(Visit::from),
        opted_out: done.opted_out,
    }))
}

/// A checkup visit: its number in the schedule and its day.
#[derive(Serialize, utoipa::ToSchema)]
struct Visit {
    date: NaiveDate,
    number: u32,
}

impl From<(u32, NaiveDate)> for Visit {
    fn from((number, date): (u32, NaiveDate)) -> Visit {
        Visit { date, number }
    }
}

/// `POST /api/v1/pregnancies`' answer.
#[derive(Serialize, utoipa::ToSchema)]
struct RegisteredView {
    /// False when the mother's open pregnancy was updated.
    created: bool,
    edd: NaiveDate,
    id: i64,
    next_visit: Option<Visit>,
    /// The mother opted out of reminders: her choice stands, nothing is sent.
    opted_out: bool,
}

/// A pregnancy as staff see it: no more than the record (the mother's phone in full, for calls).
#[derive(Serialize, utoipa::ToSchema)]
struct PregnancyView {
    birth_date: Option<NaiveDate>,
    edd: NaiveDate,
    household: Option<String>,
    id: i64,
    /// The next visit of an active pregnancy.
    next_visit: Option<Visit>,
    phone: String,
    registered_by: Option<i64>,
    /// `moh` or `who`.
    schedule: String,
    /// `active`, `born` or `lost`.
    status: String,
    updated_at: chrono::DateTime<chrono::Utc>,
    village: String,
    visits_done: i64,
}

fn view(p: &Pregnancy) -> PregnancyView {
    let next = maternal::current_visit(
        p,
        maternal::weeks_of(p),
        crate::db::time::now().date_naive(),
    );
    PregnancyView {
        birth_date: p.birth_date,
        edd: p.edd,
        household: p.household_code.clone(),
        id: p.id,
        next_visit: next.filter(|_| p.status == "active").map(Visit::from),
        phone: p.msisdn.clone(),
        registered_by: p.registered_by,
        schedule: p.schedule.clone(),
        status: p.status.clone(),
        updated_at: p.updated_at,
        village: p.village_code.clone(),
        visits_done: p.visits_done,
    }
}

/// A page of pregnancies and where the next one starts.
#[derive(Serialize, utoipa::ToSchema)]
struct PregnancyPage {
    /// Give it as `after` for the next page; none on the last.
    next_after: Option<i64>,
    pregnancies: Vec<PregnancyView>,
}

/// A pregnancy in the caller's areas (audited).
#[utoipa::path(
    get,
    path = "/api/v1/pregnancies/{id}",
    tag = "pregnancies",
    params(("id" = i64, Path, description = "pregnancy id")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "the pregnancy", body = PregnancyView), Refusals)
)]
async fn read(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<PregnancyView>, ApiError> {
    health_only(&caller)?;
    let p = store::by_id(&app.services.db, id)
        .await?
        .filter(|p| caller.scope.covers(&p.village_code))
        .ok_or(ApiError::NotFound)?;
    audited(&app, &caller, "read", Some(&id.to_string()), None).await?;
    Ok(Json(view(&p)))
}

/// The villages whose pregnancies `caller` lists: None for every village (an admin, whose
/// scope is everywhere whatever areas their staff row names).
pub(crate) async fn own_villages(
    db: &crate::db::Db,
    caller: &Caller,
) -> Result<Option<Vec<String>>, sqlx::Error> {
    if caller.staff.role == crate::features::staff::Role::Admin {
        return Ok(None);
    }
    Ok(Some(store::villages_under(db, &caller.staff.areas).await?))
}

/// A page of the pregnancies of `villages` (every village for None), by id after `after`.
pub(crate) async fn page_of(
    db: &crate::db::Db,
    villages: Option<&[String]>,
    after: i64,
    limit: i64,
) -> Result<Vec<Pregnancy>, sqlx::Error> {
    match villages {
        Some(v) => store::in_villages(db, v, after, limit).await,
        None => store::everywhere(db, after, limit).await,
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
struct ListQuery {
    /// One village code of the caller's areas.
    village: Option<String>,
    /// The `next_after` of the page before.
    after: Option<i64>,
    limit: Option<i64>,
}

/// The pregnancies of the caller's villages (or of one), by id, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/pregnancies",
    tag = "pregnancies",
    params(ListQuery),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "a page of pregnancies (audited)", body = PregnancyPage), Refusals)
)]
async fn list(
    State(app): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<PregnancyPage>, ApiError> {
    health_only(&caller)?;
    let db = &app.services.db;
    let villages = match q.village.map(|v| v.to_uppercase()) {
        Some(v) if caller.scope.covers(&v) => Some(vec![v]),
        Some(_) => return Err(ApiError::NotFound),
        None => own_villages(db, &caller).await?,
    };
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let rows = page_of(db, villages.as_deref(), q.after.unwrap_or(0), limit).await?;
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    listed(&app, &caller, &ids, "API list").await?;
    let next = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|p| p.id))
        .flatten();
    Ok(Json(PregnancyPage {
        next_after: next,
        pregnancies: rows.iter().map(view).collect(),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct CampaignBody {
    /// A village or a commune (all its villages) the caller covers.
    area: String,
    /// The day (`YYYY-MM-DD`, `dd/mm/yyyy` or `dd/mm`).
    day: String,
    /// The SMS text.
    text: String,
    /// False (default): the preview only. True: send.
    #[serde(default)]
    send: bool,
}

/// A checkup or vaccination day for a whole commune (commune health staff) or some villages.
#[utoipa::path(
    post,
    path = "/api/v1/maternal/campaigns",
    tag = "pregnancies",
    request_body = CampaignBody,
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = r#"`{"preview", "sent", "queued"}`"#, body = serde_json::Value), (status = 400, description = "a bad day or text, or an area without villages", body = ErrorBody), Refusals)
)]
async fn campaign(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(b): ApiJson<CampaignBody>,
) -> Result<Json<Value>, ApiError> {
    health_only(&caller)?;
    let c = ctx(&app.services);
    let now = time::now();
    let area = b.area.trim().to_uppercase();
    if !caller.scope.covers(&area) {
        return Err(ApiError::NotFound);
    }
    let day = date(&b.day)
        .or_else(|| dates::parse_day_month(&b.day, c.today(now)))
        .ok_or_else(|| refused(Refusal::BadDate))?;
    let text = b.text.trim();
    if text.is_empty() || text.chars().count() > campaign::MAX_TEXT {
        return Err(ApiError::bad_request(
            "bad_text",
            format!("text: 1 to {} characters", campaign::MAX_TEXT),
        ));
    }
    let villages = store::villages_under(&app.services.db, std::slice::from_ref(&area)).await?;
    if villages.is_empty() {
        return Err(refused(Refusal::UnknownVillage(area)));
    }
    let plan = Plan {
        staff_id: caller.staff.id,
        villages,
        day,
        text: text.to_string(),
    };
    let preview = campaign::preview(&c, &plan, now)
        .await
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    let mut queued = 0;
    if b.send {
        let origin = format!("health_campaign:api:{}", uuid::Uuid::new_v4().simple());
        queued = campaign::send(&c, &origin, &plan, now)
            .await
            .map_err(|e| ApiError::Internal(Box::new(e)))?;
    }
    Ok(Json(
        json!({ "preview": preview, "sent": b.send, "queued": queued }),
    ))
}
