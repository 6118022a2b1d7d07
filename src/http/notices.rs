//! The staff API for audiences and notices (`/api/v1/audiences/count`, `/api/v1/notices…`): commune officers for their communes, admins anywhere.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::ApiError;
use super::households::Caller;
use super::json::ApiJson;
use crate::app::AppState;
use crate::db::time;
use crate::features::audiences::{self, Audience};
use crate::features::notices::{self, Notice, NoticeError, Status, Texts};
use crate::features::staff::Role;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/audiences/count", post(count))
        .route("/api/v1/notices", post(create))
        .route("/api/v1/notices/{id}", get(show))
        .route("/api/v1/notices/{id}/send", post(send))
        .route("/api/v1/notices/{id}/cancel", post(cancel))
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CountBody {
    audience: Audience,
    /// The consent topic whose opt-outs leave contacts out (`notice` unless named).
    topic: Option<String>,
}

async fn count(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CountBody>,
) -> Result<Json<Value>, ApiError> {
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
    Ok(Json(json!({ "recipients": n, "audience": audience })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    #[serde(default)]
    audience: Audience,
    #[serde(flatten)]
    texts: Texts,
}

async fn create(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
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
    Ok((
        StatusCode::CREATED,
        Json(json!({ "notice": notice, "preview": preview })),
    ))
}

/// Notice `id` if the caller may see it (404 otherwise, as for no such notice).
pub(crate) async fn visible(app: &AppState, caller: &Caller, id: i64) -> Result<Notice, ApiError> {
    may_broadcast(caller)?;
    notices::store::get(&app.services.db, id)
        .await?
        .filter(|n| notices::visible_to(n, &caller.staff, &caller.scope))
        .ok_or(ApiError::NotFound)
}

async fn show(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
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
    Ok(Json(
        json!({ "notice": notice, "preview": preview, "figures": figures }),
    ))
}

#[derive(Deserialize, Default)]
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

async fn send(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    visible(&app, &caller, id).await?;
    let at = send_time(&body)?;
    start_sending(&app, id, at).await?;
    let notice = visible(&app, &caller, id).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "notice": notice }))))
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

async fn cancel(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    visible(&app, &caller, id).await?;
    let svc = &app.services;
    let cancelled = notices::cancel(&svc.db, &svc.outbox, id).await?;
    let figures = notices::figures(&svc.outbox, &notices::origin(id)).await?;
    Ok(Json(json!({
        "cancelled": cancelled.is_some(),
        "messages_cancelled": cancelled.unwrap_or(0),
        "figures": figures,
    })))
}
