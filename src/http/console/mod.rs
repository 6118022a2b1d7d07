//! The staff console: server-rendered pages (askama templates compiled into the binary, every text a fluent message, Vietnamese by default), one module per group of pages.
//!
//! No inline script and no assets from elsewhere: one stylesheet and one script (the compose
//! forms' live preview, an enhancement the forms work without) served from the binary. Every
//! form that changes something carries the session's CSRF token; the sign-in form, before any
//! session, carries a token that must equal its own short-lived cookie (double submit). Pages
//! call the same feature functions, with the same role and place checks, as the JSON API in
//! `http/`: a wrong role gets 403, anything outside the caller's areas 404, as a page.

mod audit;
mod campaigns;
pub mod charts;
mod contacts;
mod dashboard;
mod due;
mod gateways;
mod households;
pub mod layout;
mod legal_aid;
mod notice_form;
mod notices;
mod sign_in;
mod uploads;

use std::sync::Arc;

use askama::Template;
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::auth::{cookie, over_tls, set_cookie};
use super::error::ApiError;
use super::households::Caller;
use crate::app::AppState;
use crate::features::accounts::{self, sessions};
use crate::features::staff::Role;
use crate::i18n::{msg_id, Locales, Msg};
use crate::text::first_control;

pub use layout::Layout;

/// The console's language cookie (`vi` or `en`).
pub const LANG_COOKIE: &str = "loa_lang";

/// Every console page, one line per group (each group's module lists its routes and the nav its
/// links, in `layout::PAGES`); every form among them checked by [`refuse_controls_in_forms`].
pub fn router(app: AppState) -> Router<AppState> {
    Router::new()
        .merge(sign_in::router())
        .merge(dashboard::router())
        .merge(households::router())
        .merge(uploads::router())
        .merge(contacts::router())
        .merge(gateways::router())
        .merge(audit::router())
        .merge(notices::router())
        .merge(campaigns::router())
        .merge(legal_aid::router())
        .merge(due::router())
        .route("/console/static/console.css", get(stylesheet))
        .route("/console/static/preview.js", get(preview_script))
        .layer(axum::middleware::from_fn_with_state(
            app,
            refuse_controls_in_forms,
        ))
}

/// Longest form body read here; the app's own limit (64 KiB) is the same.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// A console form (`application/x-www-form-urlencoded`: every form but the file upload's) with
/// a control character in a name or value (NUL …) is refused here, for all forms at once, with
/// the error page and a 400 naming the character: the rule of the API's JSON bodies
/// (`http::json`), since PostgreSQL cannot store NUL and no person means the others.
async fn refuse_controls_in_forms(
    State(app): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let q: LangQuery =
        Query::try_from_uri(&parts.uri).map_or_else(|_| LangQuery::default(), |q| q.0);
    let (t, _) = texts(&app, &q, &parts.headers);
    let bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
        Ok(b) => b,
        Err(_) => return refusal(&t, ApiError::TooLarge("the form is too large".into())),
    };
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    let found = fields
        .iter()
        .find_map(|(k, v)| first_control(k).or_else(|| first_control(v)));
    if let Some(c) = found {
        let tpl = ErrorPage {
            t: t.clone(),
            message: t.render(&Msg::new("console-error-control-character").arg("char", c)),
        };
        return page(StatusCode::BAD_REQUEST, &tpl, Vec::new());
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Fluent texts in the page's language, for templates: `{{ t.msg_id("console-sign-in") }}`.
#[derive(Clone)]
pub struct Texts {
    locales: Arc<Locales>,
    pub lang: &'static str,
}

impl Texts {
    pub fn msg_id(&self, id: &'static str) -> String {
        self.locales.render(self.lang, &Msg::new(id))
    }

    pub fn render(&self, msg: &Msg) -> String {
        self.locales.render(self.lang, msg)
    }

    pub fn locales(&self) -> &Locales {
        &self.locales
    }

    /// A whole number as the language groups digits: `12.345` in Vietnamese, `12,345` in English.
    pub fn int(&self, n: i64) -> String {
        let sep = if self.lang == "vi" { '.' } else { ',' };
        let digits = n.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, d) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(d);
        }
        if n < 0 {
            out.insert(0, '-');
        }
        out
    }

    /// A duration people read: `120 ms`, `1,8 giây`, `3 phút 5 giây` (`1.8 s`, `3 min 5 s`).
    pub fn duration(&self, seconds: f64) -> String {
        let seconds = seconds.max(0.0);
        if seconds < 1.0 {
            let ms = (seconds * 1000.0).round() as i64;
            return self.render(&Msg::new("console-duration-millis").num("value", ms));
        }
        if seconds < 60.0 {
            let mut value = format!("{seconds:.1}");
            if self.lang == "vi" {
                value = value.replace('.', ",");
            }
            return self.render(&Msg::new("console-duration-seconds").arg("value", value));
        }
        let whole = seconds.round() as i64;
        let msg = Msg::new("console-duration-minutes")
            .num("minutes", whole / 60)
            .num("seconds", whole % 60);
        self.render(&msg)
    }
}

#[derive(Deserialize, Default)]
pub struct LangQuery {
    lang: Option<String>,
}

fn lang_of(q: &LangQuery, headers: &HeaderMap) -> &'static str {
    let wanted = q.lang.as_deref().or_else(|| cookie(headers, LANG_COOKIE));
    match wanted {
        Some("en") => "en",
        _ => "vi",
    }
}

/// The texts of this request, and the cookie that keeps a language chosen by `?lang=`.
pub fn texts(
    app: &AppState,
    q: &LangQuery,
    headers: &HeaderMap,
) -> (Texts, Option<header::HeaderValue>) {
    let lang = lang_of(q, headers);
    let keep = q
        .lang
        .as_ref()
        .map(|_| set_cookie(LANG_COOKIE, lang, 365 * 24 * 3600, over_tls(headers)));
    let t = Texts {
        locales: app.services.locales.clone(),
        lang,
    };
    (t, keep)
}

/// The console's routes that take a spreadsheet: outside the app's 64 KiB body limit and 15 s
/// time-out, with their own (as the API's uploads).
pub fn upload_router() -> Router<AppState> {
    uploads::upload_router()
}

/// A rendered page with `status`, and any cookies to set.
pub fn page(
    status: StatusCode,
    tpl: &impl Template,
    cookies: Vec<header::HeaderValue>,
) -> Response {
    let body = match tpl.render() {
        Ok(b) => b,
        Err(err) => {
            tracing::error!(%err, "template");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut res = (status, Html(body)).into_response();
    for c in cookies {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

pub fn role_msg(role: Role) -> &'static str {
    match role {
        Role::VillageHealthWorker => msg_id("console-role-village-health-worker"),
        Role::VillageMidwife => msg_id("console-role-village-midwife"),
        Role::CommuneOfficer => msg_id("console-role-commune-officer"),
        Role::CommuneHealth => msg_id("console-role-commune-health"),
        Role::LegalAid => msg_id("console-role-legal-aid"),
        Role::Admin => msg_id("console-role-admin"),
        Role::Monitor => msg_id("console-role-monitor"),
    }
}

/// A signed-in browser on a console page, and the staff member its account acts as (with the
/// areas they cover, as the API's `Caller`); anyone else is sent to the sign-in form.
pub struct Console {
    pub session: sessions::Session,
    pub caller: Caller,
    pub t: Texts,
}

impl axum::extract::FromRequestParts<AppState> for Console {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Response> {
        let q: LangQuery =
            Query::try_from_uri(&parts.uri).map_or_else(|_| LangQuery::default(), |q| q.0);
        let (t, keep) = texts(app, &q, &parts.headers);
        let db = &app.services.db;
        let found = match cookie(&parts.headers, sessions::COOKIE) {
            Some(c) => sessions::find(db, c).await.ok().flatten(),
            None => None,
        };
        let Some(session) = found else {
            return Err(Redirect::to("/login").into_response());
        };
        if let Some(keep) = keep {
            // The language chosen on this page is kept by the next answer's redirect.
            let mut res = Redirect::to(parts.uri.path()).into_response();
            res.headers_mut().append(header::SET_COOKIE, keep);
            return Err(res);
        }
        let caller = match accounts::acting_as(db, &session.account).await {
            Ok(Some((staff, scope))) => Caller { staff, scope },
            Ok(None) => return Err(refusal(&t, ApiError::forbidden("unknown_staff", ""))),
            Err(e) => return Err(refusal(&t, e.into())),
        };
        Ok(Console { session, caller, t })
    }
}

impl Console {
    /// The page, or why not as a page (see [`refusal`]).
    pub fn answer(&self, r: Result<Response, ApiError>) -> Response {
        r.unwrap_or_else(|e| refusal(&self.t, e))
    }

    /// 403 unless the form carried this session's CSRF token.
    pub fn check_csrf(&self, given: &str) -> Result<(), ApiError> {
        if self.session.csrf_matches(given) {
            Ok(())
        } else {
            Err(ApiError::forbidden("csrf", "missing or wrong CSRF token"))
        }
    }
}

/// The field every console form carries its CSRF token in.
#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    t: Texts,
    message: String,
}

/// An error as a page a person reads, with the status the API gives for it: 403 for a wrong
/// role (or a form without its CSRF token), 404 for anything outside the caller's areas.
pub fn refusal(t: &Texts, e: ApiError) -> Response {
    let status = e.status();
    let id = match (status, &e) {
        (_, ApiError::Forbidden { code: "csrf", .. }) => msg_id("console-form-expired"),
        (StatusCode::FORBIDDEN, _) => msg_id("console-error-forbidden"),
        (StatusCode::NOT_FOUND, _) => msg_id("console-error-not-found"),
        (StatusCode::PAYLOAD_TOO_LARGE, _) => msg_id("console-error-too-large"),
        (s, _) if s.is_client_error() => msg_id("console-error-bad-request"),
        _ => {
            tracing::error!(err = %e, "console page");
            msg_id("console-error-internal")
        }
    };
    let tpl = ErrorPage {
        t: t.clone(),
        message: t.msg_id(id),
    };
    page(status, &tpl, Vec::new())
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("console.css"),
    )
}

/// The compose forms' live preview (a static file: the CSP allows script from loa only).
async fn preview_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("preview.js"),
    )
}
