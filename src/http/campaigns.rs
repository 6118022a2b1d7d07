//! The staff API for campaigns and quizzes (`/api/v1/campaigns…`): commune officers and admins run them; monitors read figures and results.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::error::ApiError;
use super::households::Caller;
use super::json::ApiJson;
use super::notices::may_broadcast;
use crate::app::AppState;
use crate::features::campaigns::{self, quiz, store, Action, Campaign, CampaignError, NewCampaign};
use crate::features::staff::Role;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/campaigns", post(create))
        .route("/api/v1/campaigns/{id}", get(show))
        .route("/api/v1/campaigns/{id}/results", get(results))
        .route("/api/v1/campaigns/{id}/results.csv", get(results_csv))
        .route("/api/v1/campaigns/{id}/{action}", post(act))
}

impl From<CampaignError> for ApiError {
    fn from(e: CampaignError) -> ApiError {
        match e {
            CampaignError::Audience(_) | CampaignError::Invalid(_) => {
                ApiError::bad_request("bad_campaign", e.to_string())
            }
            other => ApiError::Internal(Box::new(other)),
        }
    }
}

async fn create(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewCampaign>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    may_broadcast(&caller)?;
    let c = campaigns::create(&app.services.db, &caller.staff, &caller.scope, body).await?;
    Ok((StatusCode::CREATED, Json(json!({ "campaign": c }))))
}

/// Campaign `id` if the caller may read it: those who run campaigns, and monitors (404 outside
/// their areas, as for no such campaign).
pub(crate) async fn visible(
    app: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<Campaign, ApiError> {
    if caller.staff.role != Role::Monitor {
        may_broadcast(caller)?;
    }
    store::get(&app.services.db, id)
        .await?
        .filter(|c| campaigns::visible_to(c, &caller.staff, &caller.scope))
        .ok_or(ApiError::NotFound)
}

async fn show(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let c = visible(&app, &caller, id).await?;
    let svc = &app.services;
    let members = store::members(&svc.db, id).await?;
    let figures = campaigns::figures(&svc.outbox, id).await?;
    Ok(Json(
        json!({ "campaign": c, "members": members, "figures": figures }),
    ))
}

async fn act(
    State(app): State<AppState>,
    caller: Caller,
    Path((id, action)): Path<(i64, String)>,
) -> Result<Json<Value>, ApiError> {
    let action = action_of(&action).ok_or(ApiError::NotFound)?;
    let c = acted(&app, &caller, id, action).await?;
    Ok(Json(json!({ "campaign": c })))
}

/// The action a path names (`start`, `pause`, `resume`, `stop`).
pub(crate) fn action_of(name: &str) -> Option<Action> {
    Some(match name {
        "start" => Action::Start,
        "pause" => Action::Pause,
        "resume" => Action::Resume,
        "stop" => Action::Stop,
        _ => return None,
    })
}

/// Moves campaign `id` as `action` asks, for a caller who runs campaigns and sees it; the
/// console's buttons take the same path. Returns the campaign as it is now.
pub(crate) async fn acted(
    app: &AppState,
    caller: &Caller,
    id: i64,
    action: Action,
) -> Result<Campaign, ApiError> {
    may_broadcast(caller)?;
    visible(app, caller, id).await?;
    let svc = &app.services;
    if !campaigns::act(&svc.db, &svc.outbox, id, action).await? {
        return Err(ApiError::bad_request(
            "bad_transition",
            "the campaign's status does not allow this",
        ));
    }
    visible(app, caller, id).await
}

/// The quiz's rows for the communes the caller covers (an admin also sees answers from
/// contacts in no household).
async fn rows(app: &AppState, caller: &Caller, id: i64) -> Result<Vec<quiz::ResultRow>, ApiError> {
    let c = visible(app, caller, id).await?;
    if c.kind != campaigns::Kind::Quiz {
        return Err(ApiError::bad_request(
            "not_quiz",
            "this campaign is not a quiz",
        ));
    }
    let mut rows = quiz::results(&app.services.db, id).await?;
    let admin = caller.staff.role == Role::Admin;
    rows.retain(|r| admin || caller.scope.covers(&r.commune_code));
    Ok(rows)
}

async fn results(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let rows = rows(&app, &caller, id).await?;
    Ok(Json(json!({ "results": rows })))
}

async fn results_csv(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let rows = rows(&app, &caller, id).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        quiz::csv(&rows),
    )
        .into_response())
}
