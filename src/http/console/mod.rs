//! The staff console: server-rendered pages (askama templates compiled into the binary, every text a fluent message, Vietnamese by default), signing in and out.
//!
//! No script and no assets from elsewhere: one stylesheet served from the binary. Every form that
//! changes something carries the session's CSRF token; the sign-in form, before any session,
//! carries a token that must equal its own short-lived cookie (double submit).

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

use super::auth::{self, cookie, over_tls, set_cookie};
use crate::app::AppState;
use crate::features::accounts::{self, new_secret, sessions, throttle, Account};
use crate::features::staff::Role;
use crate::i18n::{msg_id, Locales, Msg};

/// The console's language cookie (`vi` or `en`).
pub const LANG_COOKIE: &str = "loa_lang";
/// The sign-in form's double-submit cookie.
const LOGIN_COOKIE: &str = "loa_login";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", axum::routing::post(logout))
        .route("/console", get(home))
        .route("/console/static/console.css", get(stylesheet))
}

/// Fluent texts in the page's language, for templates: `{{ t.msg_id("console-sign-in") }}`.
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

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: Texts,
    csrf: String,
    username: String,
    form_error: Option<String>,
}

async fn login_page(
    State(app): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let (t, keep) = texts(&app, &q, &headers);
    login_form(t, keep, &headers, StatusCode::OK, String::new(), None)
}

/// The sign-in form with a fresh double-submit token (and its cookie).
fn login_form(
    t: Texts,
    keep: Option<header::HeaderValue>,
    headers: &HeaderMap,
    status: StatusCode,
    username: String,
    form_error: Option<String>,
) -> Response {
    let csrf = new_secret("");
    let mut cookies = vec![set_cookie(LOGIN_COOKIE, &csrf, 3600, over_tls(headers))];
    cookies.extend(keep);
    let tpl = LoginPage {
        t,
        csrf,
        username,
        form_error,
    };
    page(status, &tpl, cookies)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

async fn login(
    State(app): State<AppState>,
    parts: Parts,
    Form(form): Form<LoginForm>,
) -> Result<Response, super::error::ApiError> {
    let headers = &parts.headers;
    let (t, _) = texts(&app, &LangQuery::default(), headers);
    let expected = cookie(headers, LOGIN_COOKIE).unwrap_or("");
    let username: String = form.username.trim().chars().take(64).collect();
    if expected.is_empty() || expected != form.csrf {
        let e = t.msg_id("console-form-expired");
        return Ok(login_form(
            t,
            None,
            headers,
            StatusCode::FORBIDDEN,
            username,
            Some(e),
        ));
    }
    let addr = auth::peer(&parts);
    let db = &app.services.db;
    let signed = sessions::sign_in(db, &username, &form.password, addr).await;
    let signed = signed.map_err(|e| super::error::ApiError::Internal(Box::new(e)))?;
    match signed {
        sessions::SignIn::Ok { session, .. } => {
            let tls = over_tls(headers);
            let mut res = Redirect::to("/console").into_response();
            let max_age = sessions::HOURS * 3600;
            let h = res.headers_mut();
            h.append(
                header::SET_COOKIE,
                set_cookie(sessions::COOKIE, &session.cookie, max_age, tls),
            );
            h.append(header::SET_COOKIE, set_cookie(LOGIN_COOKIE, "", 0, tls));
            Ok(res)
        }
        sessions::SignIn::Refused => {
            let e = t.msg_id("console-wrong-credentials");
            Ok(login_form(
                t,
                None,
                headers,
                StatusCode::UNAUTHORIZED,
                username,
                Some(e),
            ))
        }
        sessions::SignIn::Throttled => {
            let msg = Msg::new("console-throttled").num("minutes", throttle::WINDOW_MINUTES);
            let e = t.render(&msg);
            Ok(login_form(
                t,
                None,
                headers,
                StatusCode::TOO_MANY_REQUESTS,
                username,
                Some(e),
            ))
        }
    }
}

/// A signed-in browser on a console page; anyone else is sent to the sign-in form.
pub struct Console {
    pub session: sessions::Session,
    pub t: Texts,
}

impl axum::extract::FromRequestParts<AppState> for Console {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Response> {
        let q: LangQuery =
            Query::try_from_uri(&parts.uri).map_or_else(|_| LangQuery::default(), |q| q.0);
        let (t, keep) = texts(app, &q, &parts.headers);
        let found = match cookie(&parts.headers, sessions::COOKIE) {
            Some(c) => sessions::find(&app.services.db, c).await.ok().flatten(),
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
        Ok(Console { session, t })
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    t: Texts,
    csrf: String,
    signed_in_as: String,
}

async fn signed_in_as(app: &AppState, t: &Texts, account: &Account) -> String {
    let role = match accounts::acting_as(&app.services.db, account).await {
        Ok(Some((staff, _))) => t.msg_id(role_msg(staff.role)),
        _ => String::new(),
    };
    let msg = Msg::new("console-signed-in-as")
        .arg("username", account.username.clone())
        .arg("role", role);
    t.render(&msg)
}

async fn home(State(app): State<AppState>, c: Console) -> Response {
    let signed_in_as = signed_in_as(&app, &c.t, &c.session.account).await;
    let tpl = HomePage {
        csrf: c.session.csrf.clone(),
        t: c.t,
        signed_in_as,
    };
    page(StatusCode::OK, &tpl, Vec::new())
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Ends the session (a form with the session's CSRF token) and clears its cookie.
async fn logout(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let Some(value) = cookie(&headers, sessions::COOKIE) else {
        return Redirect::to("/login").into_response();
    };
    let db = &app.services.db;
    match sessions::find(db, value).await {
        Ok(Some(s)) if s.csrf_matches(&form.csrf) => {
            if let Err(err) = sessions::end(db, value).await {
                tracing::error!(%err, "ending a session");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        }
        Ok(Some(_)) => return StatusCode::FORBIDDEN.into_response(),
        _ => {}
    }
    let mut res = Redirect::to("/login").into_response();
    let clear = set_cookie(sessions::COOKIE, "", 0, over_tls(&headers));
    res.headers_mut().append(header::SET_COOKIE, clear);
    res
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
