//! Notices in the console: compose (the API's audience and texts, a time to send), a preview of recipients, SMS parts and cost as the API's preview gives them, confirm and send or schedule, cancel, and the notices with their delivery figures.
//!
//! The same checks as `/api/v1/notices…` (`http::notices`): commune officers and admins only
//! (403), audiences inside the caller's areas; a notice outside them is 404. The preview is
//! computed on the server from a "Preview" submit, so the page works without script; with it,
//! `preview.js` shows the same figures as the form changes (`POST /console/notices/preview`).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, Utc};

use super::notice_form::{
    checked_audience, live_answer, poverty_name, refusal_of, ComposeForm, Errors, Fields, Shown,
};
use super::{page, role_msg, Console, Layout, Texts};
use crate::app::AppState;
use crate::db::time;
use crate::dialog::sms::language_name;
use crate::features::audiences::Audience;
use crate::features::notices::{self, Notice, Preview, Status};
use crate::features::staff::Role;
use crate::http::error::ApiError;
use crate::http::notices::{may_broadcast, start_sending, visible};
use crate::i18n::{msg_id, Msg};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/notices", get(list).post(compose))
        .route("/console/notices/preview", post(live_preview))
        .route("/console/notices/{id}", get(show))
        .route("/console/notices/{id}/send", post(send))
        .route("/console/notices/{id}/cancel", post(cancel))
}

/// Notices listed on the page.
const LISTED: i64 = 30;

/// What the compose form was sent with, what to fix, and the preview when it was asked for.
struct Draft {
    d: Fields,
    errors: Errors,
    preview: Option<Shown>,
}

impl Draft {
    fn new(t: &Texts, form: ComposeForm) -> Draft {
        Draft {
            d: Fields::new(t, form),
            errors: Errors::default(),
            preview: None,
        }
    }
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
    /// The form's earliest time to send (now, local, as `datetime-local` takes it).
    now: String,
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

fn preview_view(t: &Texts, p: &Preview) -> Shown {
    let each = p
        .versions
        .iter()
        .map(|v| {
            let msg = Msg::new("console-notice-version-parts")
                .arg("language", v.language.clone())
                .num("full", v.full_parts as i64)
                .num("unaccented", v.unaccented_parts as i64);
            t.render(&msg)
        })
        .collect();
    Shown::new(t, p, each)
}

async fn list(State(app): State<AppState>, c: Console) -> Response {
    let draft = Draft::new(&c.t, ComposeForm::default());
    c.answer(notices_page(&app, &c, draft, StatusCode::OK).await)
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
        now: time::now()
            .with_timezone(&svc.tz)
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
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

async fn compose(
    State(app): State<AppState>,
    c: Console,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    c.answer(composed(&app, &c, ComposeForm::read(pairs)).await)
}

/// What the form asks for, checked as the API checks it.
struct Checked {
    audience: Audience,
    texts: notices::Texts,
    at: Option<DateTime<Utc>>,
}

/// The form checked, or what to fix by field (every field told at once).
fn checked(
    app: &AppState,
    c: &Console,
    f: &ComposeForm,
) -> Result<Result<Checked, Errors>, ApiError> {
    let mut errors = Errors::default();
    let audience = checked_audience(c, f, &mut errors);
    let texts = match f.texts().checked() {
        Ok(t) => Some(t),
        Err(e) => refusal_of(&c.t, e, f, &mut errors).map(|()| None)?,
    };
    let at = f.send_at(app.services.tz).unwrap_or_else(|()| {
        errors.at = Some(c.t.msg_id("console-notice-at-bad"));
        None
    });
    Ok(match (audience, texts) {
        (Some(audience), Some(texts)) if !errors.any() => Ok(Checked {
            audience,
            texts,
            at,
        }),
        _ => Err(errors),
    })
}

async fn composed(app: &AppState, c: &Console, form: ComposeForm) -> Result<Response, ApiError> {
    c.check_csrf(&form.csrf)?;
    may_broadcast(&c.caller)?;
    let svc = &app.services;
    let send = form.action == "send";
    let mut d = Draft::new(&c.t, form);
    let ok = match checked(app, c, &d.d.f)? {
        Ok(ok) => ok,
        Err(errors) => {
            d.errors = errors;
            return notices_page(app, c, d, StatusCode::BAD_REQUEST).await;
        }
    };
    if !send {
        let p = notices::preview(&svc.db, svc.prices.as_ref(), &ok.audience, &ok.texts).await?;
        d.preview = Some(preview_view(&c.t, &p));
        return notices_page(app, c, d, StatusCode::OK).await;
    }
    let (notice, _) = notices::create(
        &svc.db,
        svc.prices.as_ref(),
        &c.caller.staff,
        &c.caller.scope,
        ok.audience,
        ok.texts,
    )
    .await?;
    start_sending(app, notice.id, ok.at).await?;
    Ok(Redirect::to(&format!("/console/notices/{}", notice.id)).into_response())
}

/// The compose form's figures as JSON, for the page's script: the same check and preview as
/// the Preview button, or the errors by field (400).
async fn live_preview(
    State(app): State<AppState>,
    c: Console,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = ComposeForm::read(pairs);
    let r: Result<Response, ApiError> = async {
        c.check_csrf(&form.csrf)?;
        may_broadcast(&c.caller)?;
        let ok = match checked(&app, &c, &form)? {
            Ok(ok) => ok,
            Err(errors) => return Ok(live_answer(Err(errors.by_field()))),
        };
        let svc = &app.services;
        let p = notices::preview(&svc.db, svc.prices.as_ref(), &ok.audience, &ok.texts).await?;
        Ok(live_answer(Ok(preview_view(&c.t, &p))))
    }
    .await;
    r.unwrap_or_else(IntoResponse::into_response)
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
    preview: Option<Shown>,
    draft: bool,
    /// Whether it may still be stopped (scheduled, or messages still waiting).
    cancellable: bool,
    /// The audience beyond areas and the versions: `(label, value)`, only those named.
    details: Vec<(String, String)>,
    figures: Vec<(String, String)>,
}

/// What a notice names besides its areas and Vietnamese text, in words.
fn details(t: &Texts, tz: chrono_tz::Tz, n: &Notice) -> Vec<(String, String)> {
    let a = &n.audience;
    let name = |l: &str| language_name(l).map_or_else(|| l.to_string(), |id| t.msg_id(id));
    let role = |r: &str| match Role::from_db(r) {
        Some(r) => t.msg_id(role_msg(r)),
        None => t.msg_id("console-notice-role-household"),
    };
    let mut out: Vec<(&'static str, String)> = vec![
        (
            "console-notice-roles",
            a.roles
                .iter()
                .map(|r| role(r))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "console-notice-poverty",
            a.poverty
                .iter()
                .map(|p| poverty_name(t, p))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "console-notice-languages",
            a.languages
                .iter()
                .map(|l| name(l))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("console-notice-ethnic", a.ethnic_groups.join(", ")),
    ];
    for (lang, text) in &n.texts.versions {
        out.push(("console-notice-version", format!("{}: {text}", name(lang))));
    }
    if let Some(at) = n.send_at {
        let at = at.with_timezone(&tz).format("%d/%m/%Y %H:%M").to_string();
        out.push(("console-notice-at", at));
    }
    out.into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(id, v)| (t.msg_id(msg_id(id)), v))
        .collect()
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
    let cancellable = match n.status {
        Status::Draft | Status::Scheduled | Status::Queuing => true,
        Status::Queued => f.queued > 0,
        Status::Cancelled => false,
    };
    let tpl = NoticePage {
        cancellable,
        details: details(t, svc.tz, &n),
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

async fn cancel(
    State(app): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
    Form(form): Form<super::CsrfForm>,
) -> Response {
    let r = async {
        c.check_csrf(&form.csrf)?;
        visible(&app, &c.caller, id).await?;
        let svc = &app.services;
        notices::cancel(&svc.db, &svc.outbox, id).await?;
        Ok(Redirect::to(&format!("/console/notices/{id}")).into_response())
    }
    .await;
    c.answer(r)
}
