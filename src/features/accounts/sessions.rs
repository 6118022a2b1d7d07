//! Server-side sessions (a row per signed-in browser, shared by every instance) and signing in.
//!
//! The cookie holds a random 256-bit value; the database keeps only its SHA-256, so a copy of the
//! database does not sign anyone in. Each session has its own CSRF token, which every
//! state-changing form and cookie-authenticated API call must carry.

use std::net::IpAddr;

use chrono::TimeDelta;
use subtle::ConstantTimeEq;

use super::throttle::{self, Gate};
use super::{new_secret, secret_hash, store, verify_password, Account, AccountError};
use crate::db::{time, Db};
use crate::features::audit::{self, Entry};

/// The session cookie's name.
pub const COOKIE: &str = "loa_session";
/// A session lasts a working day, then its holder signs in again.
pub const HOURS: i64 = 12;

/// A session just made: the cookie value and its CSRF token.
pub struct NewSession {
    pub cookie: String,
    pub csrf: String,
}

/// A session found from its cookie.
pub struct Session {
    pub account: Account,
    pub csrf: String,
}

impl Session {
    /// Whether `given` is this session's CSRF token (in constant time).
    pub fn csrf_matches(&self, given: &str) -> bool {
        !given.is_empty() && bool::from(self.csrf.as_bytes().ct_eq(given.as_bytes()))
    }
}

pub async fn start(db: &Db, account_id: i64) -> Result<NewSession, sqlx::Error> {
    let cookie = new_secret("");
    let csrf = new_secret("");
    let expires = time::now() + TimeDelta::hours(HOURS);
    store::insert_session(db, &secret_hash(&cookie), account_id, &csrf, expires).await?;
    Ok(NewSession { cookie, csrf })
}

pub async fn find(db: &Db, cookie: &str) -> Result<Option<Session>, sqlx::Error> {
    if cookie.is_empty() {
        return Ok(None);
    }
    let found = store::session(db, &secret_hash(cookie)).await?;
    Ok(found.map(|(account, csrf)| Session { account, csrf }))
}

pub async fn end(db: &Db, cookie: &str) -> Result<(), sqlx::Error> {
    store::delete_session(db, &secret_hash(cookie)).await
}

pub enum SignIn {
    Ok {
        account: Account,
        session: NewSession,
    },
    /// Wrong username or password, or a disabled account (one answer for all three).
    Refused,
    /// Too many attempts for this username or address; nothing was checked.
    Throttled,
}

/// Checks a username and password from `addr`, throttled, and audited either way.
pub async fn sign_in(
    db: &Db,
    username: &str,
    password: &str,
    addr: IpAddr,
) -> Result<SignIn, AccountError> {
    let username = username.trim().to_lowercase();
    let now = time::now();
    let attempt = match throttle::begin(db, &username, addr, now).await? {
        Gate::Open(a) => a,
        Gate::Closed => {
            failed(db, None, addr, "throttled").await?;
            return Ok(SignIn::Throttled);
        }
    };
    let found = store::by_username(db, &username).await?;
    let hash = found.as_ref().map(|(_, h)| h.clone());
    let right = verify_password(hash, password).await;
    match found {
        Some((account, _)) if right && !account.disabled => {
            throttle::succeeded(db, attempt, now).await?;
            let session = start(db, account.id).await?;
            let actor = account.actor();
            let entry = Entry {
                actor: &actor,
                action: "sign_in",
                subject_kind: "account",
                subject_id: Some(&account.id.to_string()),
                detail: Some(&format!("from {addr}")),
            };
            audit::record(db, &entry).await?;
            Ok(SignIn::Ok { account, session })
        }
        Some((account, _)) => {
            let why = if account.disabled {
                "disabled"
            } else {
                "wrong password"
            };
            failed(db, Some(&account), addr, why).await?;
            Ok(SignIn::Refused)
        }
        None => {
            failed(db, None, addr, "unknown username").await?;
            Ok(SignIn::Refused)
        }
    }
}

/// A failed sign-in in the audit log. An unknown username is not written down: people type
/// their password into the username field.
async fn failed(
    db: &Db,
    account: Option<&Account>,
    addr: IpAddr,
    why: &str,
) -> Result<(), sqlx::Error> {
    let id = account.map(|a| a.id.to_string());
    let entry = Entry {
        actor: "anonymous",
        action: "sign_in_failed",
        subject_kind: "account",
        subject_id: id.as_deref(),
        detail: Some(&format!("{why}, from {addr}")),
    };
    audit::record(db, &entry).await
}
