//! The audit log in the console, for admins (403 for anyone else, as `GET /api/v1/audit`): newest first, a page at a time, narrowed by kind of subject or by who acted.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::{page, Console, Layout, Texts};
use crate::app::AppState;
use crate::features::audit::{self, Filter};
use crate::features::staff::Role;
use crate::http::error::ApiError;

/// Who reads the audit log.
pub const ROLES: &[Role] = &[Role::Admin];
/// Lines per page.
const PAGE: i64 = 50;

pub fn router() -> Router<AppState> {
    Router::new().route("/console/audit", get(show))
}

#[derive(Deserialize, Default)]
struct AuditQuery {
    kind: Option<String>,
    actor: Option<String>,
    before: Option<i64>,
}

struct Line {
    at: String,
    actor: String,
    action: String,
    kind: String,
    subject: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    t: Texts,
    l: Layout,
    kind: String,
    actor: String,
    lines: Vec<Line>,
    older: Option<String>,
}

async fn show(State(app): State<AppState>, c: Console, Query(q): Query<AuditQuery>) -> Response {
    c.answer(render(&app, &c, q).await)
}

fn field(v: Option<String>) -> String {
    v.unwrap_or_default().trim().chars().take(64).collect()
}

async fn render(app: &AppState, c: &Console, q: AuditQuery) -> Result<Response, ApiError> {
    c.caller.require(ROLES)?;
    let (kind, actor) = (field(q.kind), field(q.actor));
    let f = Filter {
        subject_kind: Some(kind.as_str()).filter(|k| !k.is_empty()),
        subject_id: None,
        actor: Some(actor.as_str()).filter(|a| !a.is_empty()),
        before_id: q.before,
        limit: PAGE,
    };
    let found = audit::list(&app.services.db, &f).await?;
    let older = (found.len() as i64 == PAGE).then(|| {
        let last = found.last().map_or(0, |l| l.id);
        let params = [
            ("kind", kind.as_str()),
            ("actor", actor.as_str()),
            ("before", &last.to_string()),
        ];
        let kept: Vec<(&str, &str)> = params.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        format!(
            "/console/audit?{}",
            serde_urlencoded::to_string(kept).unwrap_or_default()
        )
    });
    let tz = app.services.tz;
    let lines = found
        .into_iter()
        .map(|l| Line {
            at: l
                .at
                .with_timezone(&tz)
                .format("%d/%m/%Y %H:%M:%S")
                .to_string(),
            actor: l.actor,
            action: l.action,
            kind: l.subject_kind,
            subject: l.subject_id.unwrap_or_default(),
            detail: l.detail.unwrap_or_default(),
        })
        .collect();
    let tpl = AuditPage {
        l: Layout::new(app, c, "/console/audit"),
        t: c.t.clone(),
        kind,
        actor,
        lines,
        older,
    };
    Ok(page(StatusCode::OK, &tpl, Vec::new()))
}
