//! Accounts over the API: an account's API tokens (`/api/v1/tokens`, made from a signed-in session, shown once) and the audit log for admins (`/api/v1/audit`).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{Signed, Via};
use super::error::{ApiError, Refusals};
use super::json::ApiJson;
use crate::app::AppState;
use crate::features::accounts::{store, tokens};
use crate::features::audit::{self, Entry, Filter};
use crate::features::staff::Role;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(audit_log))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct NewToken {
    /// What the token is for (shown in the list).
    name: String,
}

/// Makes an API token, from a signed-in session only.
///
/// A token cannot make more tokens, so a leaked one stays one.
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "accounts",
    request_body = NewToken,
    security(("token" = []), ("session" = [])),
    responses((status = 201, description = r#"`{\"id\", \"name\", \"token\"}`: the token, shown this once"#, body = serde_json::Value), Refusals)
)]
async fn create_token(
    State(app): State<AppState>,
    signed: Signed,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if !matches!(signed.via, Via::Session(_)) {
        return Err(ApiError::forbidden(
            "session_required",
            "API tokens are made from a signed-in session",
        ));
    }
    if body.name.trim().is_empty() {
        return Err(ApiError::bad_request("bad_name", "name: required"));
    }
    let db = &app.services.db;
    let (id, token) = tokens::create(db, signed.account.id, &body.name).await?;
    note(&app, &signed, "create_token", id).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "name": body.name.trim(), "token": token })),
    ))
}

/// The caller's API tokens (never the tokens themselves).
#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    tag = "accounts",
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = r#"`{"tokens": [{"id", "name", "created_at", "revoked_at", "last_used_at"}]}`"#, body = serde_json::Value), Refusals)
)]
async fn list_tokens(State(app): State<AppState>, signed: Signed) -> Result<Json<Value>, ApiError> {
    let list = store::tokens_of(&app.services.db, signed.account.id).await?;
    Ok(Json(json!({ "tokens": list })))
}

/// Revokes a token.
///
/// The owner revokes their own tokens, an admin anyone's; someone else's token is not found.
#[utoipa::path(
    delete,
    path = "/api/v1/tokens/{id}",
    tag = "accounts",
    params(("id" = i64, Path, description = "token id")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = r#"`{"id", "revoked": true}`"#, body = serde_json::Value), Refusals)
)]
async fn revoke_token(
    State(app): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let owner = (signed.caller.staff.role != Role::Admin).then_some(signed.account.id);
    if !store::revoke_token(&app.services.db, id, owner).await? {
        return Err(ApiError::NotFound);
    }
    note(&app, &signed, "revoke_token", id).await?;
    Ok(Json(json!({ "id": id, "revoked": true })))
}

async fn note(app: &AppState, signed: &Signed, action: &str, id: i64) -> Result<(), ApiError> {
    let actor = signed.account.actor();
    let entry = Entry {
        actor: &actor,
        action,
        subject_kind: "api_token",
        subject_id: Some(&id.to_string()),
        detail: None,
    };
    Ok(audit::record(&app.services.db, &entry).await?)
}

#[derive(Deserialize, utoipa::IntoParams)]
struct AuditQuery {
    subject_kind: Option<String>,
    subject_id: Option<String>,
    actor: Option<String>,
    before_id: Option<i64>,
    limit: Option<i64>,
}

/// The audit log, for admins, newest first.
///
/// `before_id` pages back.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "accounts",
    params(AuditQuery),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = r#"`{"entries": [{"id", "at", "actor", "action", "subject_kind", "subject_id", "detail"}]}`"#, body = serde_json::Value), Refusals)
)]
async fn audit_log(
    State(app): State<AppState>,
    signed: Signed,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Value>, ApiError> {
    signed.caller.require(&[Role::Admin])?;
    let f = Filter {
        subject_kind: q.subject_kind.as_deref(),
        subject_id: q.subject_id.as_deref(),
        actor: q.actor.as_deref(),
        before_id: q.before_id,
        limit: q.limit.unwrap_or(100),
    };
    let lines = audit::list(&app.services.db, &f).await?;
    Ok(Json(json!({ "entries": lines })))
}
