//! Signing in and out of the console: the sign-in form (a double-submit token before any session exists), throttled and audited by `accounts::sessions`, and sign-out with the session's CSRF token.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{page, texts, CsrfForm, LangQuery, Texts};
use crate::app::AppState;
use crate::features::accounts::{new_secret, sessions, throttle};
use crate::http::auth::{self, cookie, over_tls, set_cookie};
use crate::http::error::ApiError;
use crate::i18n::Msg;

/// The sign-in form's double-submit cookie.
const LOGIN_COOKIE: &str = "loa_login";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
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
) -> Result<Response, ApiError> {
    let headers = &parts.headers;
    let (t, _) = texts(&app, &LangQuery::default(), headers);
    let expected = cookie(headers, LOGIN_COOKIE).unwrap_or("");
    let username: String = form.username.trim().chars().take(64).collect();
    let refuse = |t: Texts, status, e: String| {
        Ok(login_form(
            t,
            None,
            headers,
            status,
            username.clone(),
            Some(e),
        ))
    };
    if expected.is_empty() || expected != form.csrf {
        let e = t.msg_id("console-form-expired");
        return refuse(t, StatusCode::FORBIDDEN, e);
    }
    let addr = auth::peer(&parts);
    let db = &app.services.db;
    let signed = sessions::sign_in(db, &username, &form.password, addr).await;
    match signed.map_err(|e| ApiError::Internal(Box::new(e)))? {
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
            refuse(t, StatusCode::UNAUTHORIZED, e)
        }
        sessions::SignIn::Throttled => {
            let msg = Msg::new("console-throttled").num("minutes", throttle::WINDOW_MINUTES);
            let e = t.render(&msg);
            refuse(t, StatusCode::TOO_MANY_REQUESTS, e)
        }
    }
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
