//! The staff API for audiences and notices (`/api/v1/audiences/count`, `/api/v1/notices…`): commune officers for their communes, admins anywhere.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::error::{ApiError, ErrorBody, Refusals};
use super::households::Caller;
use super::json::ApiJson;
use crate::app::AppState;
use crate::db::time;
use crate::features::audiences::{self, Audience};
use crate::features::notices::{self, Notice, NoticeError, Status, Texts};
use crate::features::staff::Role;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `POST /api/v1/audiences/count`'s answer.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct AudienceCount {
    audience: Audience,
    recipients: i64,
}

/// A notice just made, and what it would cost.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct NoticeDraft {
    notice: Notice,
    preview: notices::Preview,
}

/// A notice as `GET /api/v1/notices/{id}` shows it.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct NoticeView {
    figures: notices::Figures,
    notice: Notice,
    preview: Option<notices::Preview>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct NoticeSent {
    notice: Notice,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct NoticeCancelled {
    cancelled: bool,
    figures: notices::Figures,
    messages_cancelled: u64,
}

/// The routes and their OpenAPI description, built together (`utoipa_axum::routes!`).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(count))
        .routes(routes!(create))
        .routes(routes!(show))
        .routes(routes!(send))
        .routes(routes!(cancel))
}

impl From<NoticeError> for ApiError {
    fn from(e: NoticeError) -> ApiError {
        match e {
            NoticeError::Audience(a) => ApiError::bad_request("bad_audience", a.to_string()),
            NoticeError::Text | NoticeError::Version(_) => {
                ApiError::bad_request("bad_text", e.to_string())
            }
            other => ApiError::Internal(Box::new(other)),
        }
    }
}

/// Notices are a commune officer's or an admin's; any other role is refused.
pub(crate) fn may_broadcast(caller: &Caller) -> Result<(), ApiError> {
    match caller.staff.role {
        Role::CommuneOfficer | Role::Admin => Ok(()),
        _ => Err(ApiError::forbidden(
            "forbidden",
            "only commune officers and admins send notices and campaigns",
        )),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CountBody {
    audience: Audience,
    /// The consent topic whose opt-outs leave contacts out (`notice` unless named).
    topic: Option<String>,
}

/// How many contacts an audience reaches, those who opted out of the topic left out.
#[utoipa::path(
    post,
    path = "/api/v1/audiences/count",
    tag = "notices",
    request_body = CountBody,
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "how many contacts the audience reaches, and the audience as checked", body = AudienceCount), (status = 400, description = "an audience outside the caller's areas, an unknown role or class, or an unknown topic", body = ErrorBody), Refusals)
)]
async fn count(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CountBody>,
) -> Result<Json<AudienceCount>, ApiError> {
    may_broadcast(&caller)?;
    let topic = body.topic.as_deref().unwrap_or(notices::TOPIC);
    if !crate::features::consent::TOPICS.contains(&topic) {
        return Err(ApiError::bad_request(
            "bad_topic",
            "topic: notice, campaign or reminder",
        ));
    }
    let audience = body
        .audience
        .checked_for(&caller.staff, &caller.scope)
        .map_err(NoticeError::from)?;
    let n = audiences::count(&app.services.db, &audience, topic).await?;
    Ok(Json(AudienceCount {
        audience,
        recipients: n,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    #[serde(default)]
    audience: Audience,
    #[serde(flatten)]
    texts: Texts,
}

/// Makes a draft notice for an audience in the caller's areas, with its preview.
#[utoipa::path(
    post,
    path = "/api/v1/notices",
    tag = "notices",
    request_body = CreateBody,
    security(("token" = []), ("session" = [])),
    responses((status = 201, description = "a draft, with its recipients, SMS parts and cost", body = NoticeDraft), (status = 400, description = "a bad audience or text", body = ErrorBody), Refusals)
)]
async fn create(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<(StatusCode, Json<NoticeDraft>), ApiError> {
    may_broadcast(&caller)?;
    let svc = &app.services;
    let (notice, preview) = notices::create(
        &svc.db,
        svc.prices.as_ref(),
        &caller.staff,
        &caller.scope,
        body.audience,
        body.texts,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(NoticeDraft { notice, preview })))
}

/// Notice `id` if the caller may see it (404 otherwise, as for no such notice).
pub(crate) async fn visible(app: &AppState, caller: &Caller, id: i64) -> Result<Notice, ApiError> {
    may_broadcast(caller)?;
    notices::store::get(&app.services.db, id)
        .await?
        .filter(|n| notices::visible_to(n, &caller.staff, &caller.scope))
        .ok_or(ApiError::NotFound)
}

/// A notice, its preview while unsent, and its delivery figures.
#[utoipa::path(
    get,
    path = "/api/v1/notices/{id}",
    tag = "notices",
    params(("id" = i64, Path, description = "notice id")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "the notice, its preview while unsent, its delivery figures", body = NoticeView), Refusals)
)]
async fn show(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<NoticeView>, ApiError> {
    let notice = visible(&app, &caller, id).await?;
    let svc = &app.services;
    let preview = match notice.status {
        Status::Draft | Status::Scheduled => Some(
            notices::preview(
                &svc.db,
                svc.prices.as_ref(),
                &notice.audience,
                &notice.texts,
            )
            .await?,
        ),
        _ => None,
    };
    let figures = notices::figures(&svc.outbox, &notices::origin(id)).await?;
    Ok(Json(NoticeView {
        figures,
        notice,
        preview,
    }))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct SendBody {
    /// When to send (RFC 3339); now when absent or past.
    at: Option<DateTime<Utc>>,
}

/// The body is optional: none (or `{}`) sends now.
fn send_time(body: &[u8]) -> Result<Option<DateTime<Utc>>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let b: SendBody = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request("bad_json", e.to_string()))?;
    Ok(b.at)
}

/// Sends a draft notice now or at a time.
#[utoipa::path(
    post,
    path = "/api/v1/notices/{id}/send",
    tag = "notices",
    params(("id" = i64, Path, description = "notice id")),
    request_body(content = Option<SendBody>, description = "optional: none (or `{}`) sends now"),
    security(("token" = []), ("session" = [])),
    responses((status = 202, description = "the notice, scheduled or being queued now", body = NoticeSent), (status = 400, description = "already sent or cancelled, or a bad time", body = ErrorBody), Refusals)
)]
async fn send(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<NoticeSent>), ApiError> {
    visible(&app, &caller, id).await?;
    let at = send_time(&body)?;
    start_sending(&app, id, at).await?;
    let notice = visible(&app, &caller, id).await?;
    Ok((StatusCode::ACCEPTED, Json(NoticeSent { notice })))
}

/// Schedules notice `id` (already checked visible) and, when due now, queues it in the
/// background; the console's send form takes the same path.
pub(crate) async fn start_sending(
    app: &AppState,
    id: i64,
    at: Option<DateTime<Utc>>,
) -> Result<(), ApiError> {
    let svc = &app.services;
    if !notices::send(&svc.db, id, at).await? {
        return Err(ApiError::bad_request(
            "not_draft",
            "the notice was already sent or cancelled",
        ));
    }
    // Due now: queued in the background (a large audience takes seconds); a later time is the
    // `notices` job's, as is anything a stopped instance left half-queued.
    if at.is_none_or(|t| t <= time::now()) {
        let (db, outbox) = (svc.db.clone(), svc.outbox.clone());
        tokio::spawn(async move {
            if let Err(err) = notices::queue(&db, &outbox, id, time::now()).await {
                tracing::error!(notice = id, %err, "queuing a notice");
            }
        });
    }
    Ok(())
}

/// Cancels a notice and the messages of it not yet sent.
#[utoipa::path(
    post,
    path = "/api/v1/notices/{id}/cancel",
    tag = "notices",
    params(("id" = i64, Path, description = "notice id")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "whether it was cancelled now, how many queued messages were, its figures", body = NoticeCancelled), Refusals)
)]
async fn cancel(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<NoticeCancelled>, ApiError> {
    visible(&app, &caller, id).await?;
    let svc = &app.services;
    let cancelled = notices::cancel(&svc.db, &svc.outbox, id).await?;
    let figures = notices::figures(&svc.outbox, &notices::origin(id)).await?;
    Ok(Json(NoticeCancelled {
        cancelled: cancelled.is_some(),
        figures,
        messages_cancelled: cancelled.unwrap_or(0),
    }))
}
