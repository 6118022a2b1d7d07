//! The staff API for campaigns and quizzes (`/api/v1/campaigns…`): commune officers and admins run them; monitors read figures and results.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::error::{ApiError, ErrorBody, Refusals};
use super::households::Caller;
use super::json::ApiJson;
use super::notices::may_broadcast;
use crate::app::AppState;
use crate::features::campaigns::{self, quiz, store, Action, Campaign, CampaignError, NewCampaign};
use crate::features::staff::Role;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A campaign alone, as a change answers it.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct CampaignOnly {
    campaign: Campaign,
}

/// A campaign as `GET /api/v1/campaigns/{id}` shows it.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct CampaignView {
    campaign: Campaign,
    figures: crate::features::notices::Figures,
    /// Contacts that joined it.
    members: i64,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct QuizResults {
    results: Vec<quiz::ResultRow>,
}

/// The routes and their OpenAPI description, built together (`utoipa_axum::routes!`).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(show))
        .routes(routes!(results))
        .routes(routes!(results_csv))
        .routes(routes!(act))
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

/// Makes a draft campaign (steps written here, or shipped content by name) in the caller's areas.
#[utoipa::path(
    post,
    path = "/api/v1/campaigns",
    tag = "campaigns",
    request_body = NewCampaign,
    security(("token" = []), ("session" = [])),
    responses((status = 201, description = "the campaign, a draft", body = CampaignOnly), (status = 400, description = "bad steps, answers, cron or audience", body = ErrorBody), Refusals)
)]
async fn create(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewCampaign>,
) -> Result<(StatusCode, Json<CampaignOnly>), ApiError> {
    may_broadcast(&caller)?;
    let c = campaigns::create(&app.services.db, &caller.staff, &caller.scope, body).await?;
    Ok((StatusCode::CREATED, Json(CampaignOnly { campaign: c })))
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

/// A campaign, its members' progress and its delivery figures.
#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}",
    tag = "campaigns",
    params(("id" = i64, Path, description = "campaign id")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "the campaign, how many contacts joined it, its delivery figures", body = CampaignView), Refusals)
)]
async fn show(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<CampaignView>, ApiError> {
    let c = visible(&app, &caller, id).await?;
    let svc = &app.services;
    let members = store::members(&svc.db, id).await?;
    let figures = campaigns::figures(&svc.outbox, id).await?;
    Ok(Json(CampaignView {
        campaign: c,
        figures,
        members,
    }))
}

/// Starts, pauses, resumes or stops a campaign.
#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/{action}",
    tag = "campaigns",
    params(("id" = i64, Path, description = "campaign id"), ("action" = String, Path, description = "`start`, `pause`, `resume` or `stop`")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "the campaign as it is now", body = CampaignOnly), (status = 400, description = "the campaign's status does not allow this", body = ErrorBody), Refusals)
)]
async fn act(
    State(app): State<AppState>,
    caller: Caller,
    Path((id, action)): Path<(i64, String)>,
) -> Result<Json<CampaignOnly>, ApiError> {
    let action = action_of(&action).ok_or(ApiError::NotFound)?;
    let c = acted(&app, &caller, id, action).await?;
    Ok(Json(CampaignOnly { campaign: c }))
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
/// contacts in no household); the console's campaign page shows the same.
pub(crate) async fn rows(
    app: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<Vec<quiz::ResultRow>, ApiError> {
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

/// A quiz's results in the caller's communes.
#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/results",
    tag = "campaigns",
    params(("id" = i64, Path, description = "campaign id")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "a quiz's answers by commune and question; no phone numbers or names", body = QuizResults), (status = 400, description = "not a quiz", body = ErrorBody), Refusals)
)]
async fn results(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<QuizResults>, ApiError> {
    let rows = rows(&app, &caller, id).await?;
    Ok(Json(QuizResults { results: rows }))
}

/// A quiz's results in the caller's communes, as a spreadsheet.
#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/results.csv",
    tag = "campaigns",
    params(("id" = i64, Path, description = "campaign id")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "a quiz's results as CSV", content_type = "text/csv", body = String), (status = 400, description = "not a quiz", body = ErrorBody), Refusals)
)]
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
