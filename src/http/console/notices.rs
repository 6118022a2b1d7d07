//! Notices in the console: compose (audience areas and text), a preview of recipients, SMS parts and cost as the API's preview gives them, confirm and send, and the notices with their delivery figures.
//!
//! The same checks as `/api/v1/notices…` (`http::notices`): commune officers and admins only
//! (403), audiences inside the caller's areas; a notice outside them is 404. The preview is
//! computed on the server from a "Preview" submit, so the page works without script.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{page, Console, Layout, Texts};
use crate::app::AppState;
use crate::features::audiences::{Audience, AudienceError};
use crate::features::notices::{self, Notice, NoticeError, Preview, Status};
use crate::http::error::ApiError;
use crate::http::notices::{may_broadcast, start_sending, visible};
use crate::i18n::{msg_id, Msg};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/notices", get(list).post(compose))
        .route("/console/notices/{id}", get(show))
        .route("/console/notices/{id}/send", post(send))
}

/// Notices listed on the page.
const LISTED: i64 = 30;

/// What the compose form was sent with, what to fix, and the preview when it was asked for.
#[derive(Default)]
struct Draft {
    areas: String,
    text: String,
    areas_error: Option<String>,
    text_error: Option<String>,
    preview: Option<PreviewView>,
}

struct PreviewView {
    recipients: String,
    full: String,
    unaccented: String,
    parts: String,
    per_message: String,
    cost: String,
}

struct Row {
    id: i64,
    created: String,
    text: String,
    status: String,
    badge: &'static str,
    queued: String,
    delivered: String,
    failed: String,
}

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage {
    t: Texts,
    l: Layout,
    d: Draft,
    rows: Vec<Row>,
}

fn status_words(t: &Texts, s: Status) -> (String, &'static str) {
    let (id, badge) = match s {
        Status::Draft => (msg_id("console-notice-status-draft"), "warn"),
        Status::Scheduled => (msg_id("console-notice-status-scheduled"), "warn"),
        Status::Queuing => (msg_id("console-notice-status-queuing"), "warn"),
        Status::Queued => (msg_id("console-notice-status-queued"), "good"),
        Status::Cancelled => (msg_id("console-notice-status-cancelled"), "bad"),
    };
    (t.msg_id(id), badge)
}

fn preview_view(t: &Texts, p: &Preview) -> PreviewView {
    let per_message = p
        .versions
        .iter()
        .map(|v| {
            let msg = Msg::new("console-notice-version-parts")
                .arg("language", v.language.clone())
                .num("full", v.full_parts as i64)
                .num("unaccented", v.unaccented_parts as i64);
            t.render(&msg)
        })
        .collect::<Vec<_>>()
        .join("; ");
    PreviewView {
        recipients: t.int(p.recipients),
        full: t.int(p.full_recipients),
        unaccented: t.int(p.unaccented_recipients),
        parts: t.int(p.total_parts as i64),
        per_message,
        cost: t.int(p.cost as i64),
    }
}

async fn list(State(app): State<AppState>, c: Console) -> Response {
    c.answer(notices_page(&app, &c, Draft::default(), StatusCode::OK).await)
}

async fn notices_page(
    app: &AppState,
    c: &Console,
    d: Draft,
    status: StatusCode,
) -> Result<Response, ApiError> {
    may_broadcast(&c.caller)?;
    let t = &c.t;
    let svc = &app.services;
    let mut rows = Vec::new();
    for n in notices::store::recent(&svc.db, LISTED * 4).await? {
        if rows.len() as i64 >= LISTED {
            break;
        }
        if notices::visible_to(&n, &c.caller.staff, &c.caller.scope) {
            rows.push(row(app, t, n).await?);
        }
    }
    let tpl = NoticesPage {
        l: Layout::new(app, c, "/console/notices"),
        t: t.clone(),
        d,
        rows,
    };
    Ok(page(status, &tpl, Vec::new()))
}

async fn row(app: &AppState, t: &Texts, n: Notice) -> Result<Row, ApiError> {
    let f = notices::figures(&app.services.outbox, &notices::origin(n.id)).await?;
    let (status, badge) = status_words(t, n.status);
    Ok(Row {
        id: n.id,
        created: n
            .created_at
            .with_timezone(&app.services.tz)
            .format("%d/%m/%Y %H:%M")
            .to_string(),
        text: n.texts.text.chars().take(80).collect(),
        status,
        badge,
        queued: t.int(n.queued),
        delivered: t.int(f.delivered),
        failed: t.int(f.failed + f.expired),
    })
}

#[derive(Deserialize)]
struct ComposeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    areas: String,
    #[serde(default)]
    text: String,
    /// `preview`, or `send` (confirmed after a preview).
    #[serde(default)]
    action: String,
}

async fn compose(
    State(app): State<AppState>,
    c: Console,
    Form(form): Form<ComposeForm>,
) -> Response {
    c.answer(composed(&app, &c, form).await)
}

fn area_list(typed: &str) -> Vec<String> {
    typed
        .split(|ch: char| ch == ',' || ch.is_whitespace())
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect()
}

/// The field a refusal belongs to, in words, or the error when it is not the form's.
fn refusal_of(t: &Texts, e: NoticeError, d: &mut Draft) -> Result<(), ApiError> {
    match e {
        NoticeError::Audience(AudienceError::OutsideScope(a)) => {
            let msg = Msg::new("console-notice-area-outside").arg("area", a);
            d.areas_error = Some(t.render(&msg));
        }
        NoticeError::Audience(_) => d.areas_error = Some(t.msg_id("console-notice-areas-bad")),
        NoticeError::Text | NoticeError::Version(_) => {
            d.text_error = Some(t.msg_id("console-notice-text-bad"))
        }
        other => return Err(other.into()),
    }
    Ok(())
}

async fn composed(app: &AppState, c: &Console, form: ComposeForm) -> Result<Response, ApiError> {
    c.check_csrf(&form.csrf)?;
    may_broadcast(&c.caller)?;
    let svc = &app.services;
    let audience = Audience {
        areas: area_list(&form.areas),
        ..Audience::default()
    };
    let texts = notices::Texts {
        text: form.text.clone(),
        ..notices::Texts::default()
    };
    let mut d = Draft {
        areas: form.areas.trim().to_string(),
        text: form.text.clone(),
        ..Draft::default()
    };
    let checked = audience
        .checked_for(&c.caller.staff, &c.caller.scope)
        .map_err(NoticeError::from)
        .and_then(|a| Ok((a, texts.clone().checked()?)));
    let (audience, texts) = match checked {
        Ok(ok) => ok,
        Err(e) => {
            refusal_of(&c.t, e, &mut d)?;
            // Both fields are told at once: the text is checked even when the areas were not.
            if d.text_error.is_none() && texts.checked().is_err() {
                d.text_error = Some(c.t.msg_id("console-notice-text-bad"));
            }
            return notices_page(app, c, d, StatusCode::BAD_REQUEST).await;
        }
    };
    if form.action != "send" {
        let p = notices::preview(&svc.db, svc.prices.as_ref(), &audience, &texts).await?;
        d.preview = Some(preview_view(&c.t, &p));
        return notices_page(app, c, d, StatusCode::OK).await;
    }
    let (notice, _) = notices::create(
        &svc.db,
        svc.prices.as_ref(),
        &c.caller.staff,
        &c.caller.scope,
        audience,
        texts,
    )
    .await?;
    start_sending(app, notice.id, None).await?;
    Ok(Redirect::to(&format!("/console/notices/{}", notice.id)).into_response())
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticePage {
    t: Texts,
    l: Layout,
    id: i64,
    text: String,
    areas: String,
    status: String,
    badge: &'static str,
    created: String,
    preview: Option<PreviewView>,
    draft: bool,
    figures: Vec<(String, String)>,
}

async fn show(State(app): State<AppState>, c: Console, Path(id): Path<i64>) -> Response {
    c.answer(notice_page(&app, &c, id).await)
}

async fn notice_page(app: &AppState, c: &Console, id: i64) -> Result<Response, ApiError> {
    let n = visible(app, &c.caller, id).await?;
    let t = &c.t;
    let svc = &app.services;
    let draft = n.status == Status::Draft;
    let preview = match n.status {
        Status::Draft | Status::Scheduled => Some(preview_view(
            t,
            &notices::preview(&svc.db, svc.prices.as_ref(), &n.audience, &n.texts).await?,
        )),
        _ => None,
    };
    let f = notices::figures(&svc.outbox, &notices::origin(id)).await?;
    let figures = [
        ("console-notice-queued", f.queued),
        ("console-notice-sent", f.sent),
        ("console-notice-delivered", f.delivered),
        ("console-notice-failed", f.failed),
        ("console-notice-cancelled", f.cancelled),
        ("console-notice-expired", f.expired),
    ]
    .into_iter()
    .map(|(label, n)| (t.msg_id(msg_id(label)), t.int(n)))
    .collect();
    let (status, badge) = status_words(t, n.status);
    let tpl = NoticePage {
        l: Layout::new(app, c, "/console/notices"),
        t: t.clone(),
        id,
        created: n
            .created_at
            .with_timezone(&svc.tz)
            .format("%d/%m/%Y %H:%M")
            .to_string(),
        areas: n.audience.areas.join(", "),
        text: n.texts.text,
        status,
        badge,
        preview,
        draft,
        figures,
    };
    Ok(page(StatusCode::OK, &tpl, Vec::new()))
}

async fn send(
    State(app): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
    Form(form): Form<super::CsrfForm>,
) -> Response {
    let r = async {
        c.check_csrf(&form.csrf)?;
        visible(&app, &c.caller, id).await?;
        start_sending(&app, id, None).await?;
        Ok(Redirect::to(&format!("/console/notices/{id}")).into_response())
    }
    .await;
    c.answer(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_are_read_with_commas_or_spaces() {
        assert_eq!(
            area_list(" B0102, B010201  B0103,"),
            ["B0102", "B010201", "B0103"]
        );
        assert!(area_list("  ").is_empty());
    }
}
