//! The dispatch lease: which instance sends. One row, taken when free or expired, renewed by its holder.
//!
//! Each gateway's rate is kept by a token bucket inside the sending process; with several
//! instances each would pace itself and together they would send at a multiple of the rate. So
//! one instance dispatches at a time (sending is paced by the carriers, not by loa's CPU), the
//! others serve webhooks, USSD and the API, and stand by: when the holder stops renewing (it died,
//! or lost its database), another takes the lease once it expires.

use chrono::{DateTime, TimeDelta, Utc};

use crate::db::Db;
use crate::{execute, with_db};

/// The lease's row.
const NAME: &str = "dispatch";

/// Takes the lease for `holder` until `now + length` if it is free, expired or already
/// `holder`'s; returns whether `holder` has it now. One statement, so two instances racing for
/// a free lease cannot both win.
pub async fn acquire(
    db: &Db,
    holder: &str,
    now: DateTime<Utc>,
    length: TimeDelta,
) -> Result<bool, sqlx::Error> {
    let won: Option<String> = with_db!(db, pool => sqlx::query_scalar(
        "INSERT INTO dispatch_lease (name, holder, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
          WHERE dispatch_lease.holder = excluded.holder OR dispatch_lease.expires_at < $4
         RETURNING holder"
    )
    .bind(NAME)
    .bind(holder)
    .bind(now + length)
    .bind(now)
    .fetch_optional(pool)
    .await)?;
    Ok(won.is_some())
}

/// Gives the lease up (a clean stop), so a standby takes over at once instead of after it expires.
pub async fn release(db: &Db, holder: &str) -> Result<(), sqlx::Error> {
    execute!(db, pool => sqlx::query("DELETE FROM dispatch_lease WHERE name = $1 AND holder = $2")
        .bind(NAME)
        .bind(holder)
        .execute(pool)
        .await)?;
    Ok(())
}

/// Who holds the lease now, if anyone (for the gateway status and tests).
pub async fn holder(db: &Db, now: DateTime<Utc>) -> Result<Option<String>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_scalar(
        "SELECT holder FROM dispatch_lease WHERE name = $1 AND expires_at >= $2"
    )
    .bind(NAME)
    .bind(now)
    .fetch_optional(pool)
    .await)
}
