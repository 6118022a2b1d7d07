//! Confirmations by SMS: a preview is sent, and the same phone's `OK` within the time allowed does it.
//!
//! A notice (`TB`) or a health worker's campaign (`NHAC`) costs money: the sender first gets a
//! preview with the recipients, parts and cost, and the action waits here as a row. The next `OK`
//! from the same phone takes the newest waiting row once (an atomic update, so two instances or a
//! repeated `OK` cannot take it twice); a late `OK`, or one from another phone, takes nothing.

use chrono::{DateTime, TimeDelta, Utc};

use crate::db::{time, Db};
use crate::phone::Msisdn;
use crate::with_db;

/// How long a preview waits for its `OK`.
pub const WINDOW_MINUTES: i64 = 10;

/// A waiting action, as its feature stored it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Pending {
    pub id: i64,
    /// Which feature answers the `OK` (`notice`, `health_campaign`, …).
    pub kind: String,
    /// The feature's own record of what to do (JSON or an id), opaque here.
    pub payload: String,
}

/// What `OK` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Taken {
    Pending(Pending),
    /// The newest preview of this phone waited longer than the window.
    Late,
    Nothing,
}

/// Stores an action waiting for `phone`'s `OK`; returns its id.
pub async fn propose(
    db: &Db,
    phone: &Msisdn,
    kind: &str,
    payload: &str,
) -> Result<i64, sqlx::Error> {
    let now = time::now();
    with_db!(db, pool => sqlx::query_scalar(
        "INSERT INTO pending_confirmations (msisdn, kind, payload, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id"
    )
    .bind(phone.as_str())
    .bind(kind)
    .bind(payload)
    .bind(now)
    .bind(now + TimeDelta::minutes(WINDOW_MINUTES))
    .fetch_one(pool)
    .await)
}

/// Takes `phone`'s newest untaken action if its time has not run out at `now`.
pub async fn take(db: &Db, phone: &Msisdn, now: DateTime<Utc>) -> Result<Taken, sqlx::Error> {
    // One statement: the row is marked taken only while it is untaken and in time, so of two
    // `OK`s (or two instances) exactly one gets it.
    let taken: Option<Pending> = with_db!(db, pool => sqlx::query_as(
        "UPDATE pending_confirmations SET taken_at = $2
          WHERE id = (SELECT id FROM pending_confirmations
                       WHERE msisdn = $1 AND taken_at IS NULL ORDER BY id DESC LIMIT 1)
            AND taken_at IS NULL AND expires_at > $2
         RETURNING id, kind, payload"
    )
    .bind(phone.as_str())
    .bind(now)
    .fetch_optional(pool)
    .await)?;
    if let Some(p) = taken {
        return Ok(Taken::Pending(p));
    }
    let late: Option<i64> = with_db!(db, pool => sqlx::query_scalar(
        "SELECT id FROM pending_confirmations
          WHERE msisdn = $1 AND taken_at IS NULL AND expires_at <= $2
            AND expires_at > $3 ORDER BY id DESC LIMIT 1"
    )
    .bind(phone.as_str())
    .bind(now)
    .bind(now - TimeDelta::days(1))
    .fetch_optional(pool)
    .await)?;
    Ok(if late.is_some() {
        Taken::Late
    } else {
        Taken::Nothing
    })
}
