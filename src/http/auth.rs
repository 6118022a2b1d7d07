//! Who is calling: an API token, a signed-in browser's session (with its CSRF token on every state-changing call), or the deprecated shared bearer token with `x-loa-staff`.
//!
//! [`caller`] is what `households::Caller` runs; [`Signed`] is the extractor of routes that need
//! an account (API tokens, the console). Cookies are read by hand: one cookie, no crate needed.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method};

use super::error::ApiError;
use super::households::{Caller, STAFF_HEADER};
use crate::app::AppState;
use crate::features::accounts::{self, sessions, tokens, Account};
use crate::features::staff::{self, Role};

/// The header a cookie-authenticated API call carries its session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How a request proved who it is.
pub enum Via {
    Token,
    Session(sessions::Session),
    /// The shared `api_token` and `x-loa-staff` (deprecated): no account.
    Shared,
}

/// An account's request: the account, how it came, and the staff member it acts as.
pub struct Signed {
    pub account: Account,
    pub via: Via,
    pub caller: Caller,
}

/// The value of cookie `name`, if the request has it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The client's address as [`client_address`] worked it out, kept on the request.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub IpAddr);

fn socket_peer(extensions: &axum::http::Extensions) -> IpAddr {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip())
}

/// The client's address (login throttling keys on it): the socket's peer, or, when that is one
/// of `trusted_proxies`, the address the proxies forwarded (`net::client_addr`).
pub fn peer(parts: &Parts) -> IpAddr {
    match parts.extensions.get::<ClientAddr>() {
        Some(c) => c.0,
        None => socket_peer(&parts.extensions),
    }
}

/// Middleware: works out each request's client address once, from the socket and, behind a
/// trusted proxy only, `X-Forwarded-For`.
pub async fn client_address(
    State(app): State<AppState>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let addr = {
        let forwarded: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let socket = socket_peer(req.extensions());
        crate::net::client_addr(socket, &forwarded, &app.config.trusted_proxies)
    };
    req.extensions_mut().insert(ClientAddr(addr));
    next.run(req).await
}

/// Whether the request came over TLS (loa sits behind a proxy that terminates it): cookies are
/// then `Secure`.
pub fn over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// `Set-Cookie` for `name=value`: HttpOnly, SameSite=Strict, whole site, `Secure` over TLS;
/// `max_age` 0 deletes it.
pub fn set_cookie(name: &str, value: &str, max_age: i64, tls: bool) -> HeaderValue {
    let secure = if tls { "; Secure" } else { "" };
    let v = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&v).unwrap_or(HeaderValue::from_static(""))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.strip_prefix("Bearer ").unwrap_or("").trim())
}

fn state_changing(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The account behind a request and how it came; `Ok(None)` for the shared token's callers.
async fn account(parts: &Parts, app: &AppState) -> Result<Option<(Account, Via)>, ApiError> {
    let db = &app.services.db;
    if let Some(token) = bearer(&parts.headers) {
        if !token.starts_with(tokens::PREFIX) {
            return Ok(None);
        }
        return match tokens::account(db, token).await? {
            Some(a) => Ok(Some((a, Via::Token))),
            None => Err(ApiError::unauthorized(
                "unauthorized",
                "unknown or revoked token",
            )),
        };
    }
    let found = match cookie(&parts.headers, sessions::COOKIE) {
        Some(c) => sessions::find(db, c).await?,
        None => None,
    };
    let Some(session) = found else {
        return Err(ApiError::unauthorized(
            "unauthorized",
            "sign in, or send an API token as a bearer token",
        ));
    };
    if state_changing(&parts.method) {
        let given = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
        if !session.csrf_matches(given.unwrap_or("")) {
            return Err(ApiError::forbidden(
                "csrf",
                "missing or wrong x-csrf-token for this session",
            ));
        }
    }
    Ok(Some((session.account.clone(), Via::Session(session))))
}

/// The staff member an account acts as: 403 when its staff row is gone.
async fn acting(app: &AppState, account: &Account) -> Result<Caller, ApiError> {
    match accounts::acting_as(&app.services.db, account).await? {
        Some((staff, scope)) => Ok(Caller { staff, scope }),
        None => Err(ApiError::forbidden(
            "unknown_staff",
            "the account's staff row is gone",
        )),
    }
}

/// Who the caller of a staff API route is (see the module's note).
pub async fn caller(parts: &Parts, app: &AppState) -> Result<Caller, ApiError> {
    match account(parts, app).await? {
        Some((a, _)) => acting(app, &a).await,
        None => shared_token(parts, app).await,
    }
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        match account(parts, app).await? {
            Some((account, via)) => {
                let caller = acting(app, &account).await?;
                Ok(Signed {
                    account,
                    via,
                    caller,
                })
            }
            None => Err(ApiError::forbidden(
                "account_required",
                "this needs an account's token or session, not the shared token",
            )),
        }
    }
}

/// Deprecated: the configured shared bearer token, and `x-loa-staff` naming whom the call is for.
/// Kept while callers and the tests of features in flight move to accounts; anyone holding the
/// token can act as anyone, so production configurations leave `api_token` unset.
async fn shared_token(parts: &Parts, app: &AppState) -> Result<Caller, ApiError> {
    let Some(expected) = app.config.api_token.as_ref().filter(|t| !t.is_empty()) else {
        return Err(ApiError::unauthorized(
            "api_disabled",
            "the shared API token is off: use an account's API token",
        ));
    };
    if !expected.matches(bearer(&parts.headers).unwrap_or("")) {
        return Err(ApiError::unauthorized(
            "unauthorized",
            "missing or wrong bearer token",
        ));
    }
    let id = parts
        .headers
        .get(STAFF_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let db = &app.services.db;
    let staff = match id {
        Some(id) => staff::by_id(db, id).await?,
        None => None,
    };
    let staff = staff.ok_or_else(|| {
        ApiError::forbidden(
            "unknown_staff",
            "the x-loa-staff header must name a staff member",
        )
    })?;
    let scope = staff::scope(db, &staff).await?;
    Ok(Caller { staff, scope })
}

impl Caller {
    /// 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.staff.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "forbidden",
                "your role may not do this",
            ))
        }
    }

    /// How the audit log names the caller: `staff:<id>`, or `account:<id>` for an account
    /// without a staff row (whose staff id is minus the account's).
    pub fn actor(&self) -> String {
        if self.staff.id < 0 {
            format!("account:{}", -self.staff.id)
        } else {
            format!("staff:{}", self.staff.id)
        }
    }
}
