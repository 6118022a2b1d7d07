//! Sign-in throttling per account and per address, counted in the database (so a restart does not reset it and every instance counts the same attempts).
//!
//! An attempt is recorded *before* the password is checked and counted with every other attempt
//! of its window, concurrent ones included: a burst of parallel guesses gets no more tries than
//! one guess after another. A correct password takes its own attempt back and clears the
//! account's count; a wrong one stays counted.

use std::net::IpAddr;

use chrono::{DateTime, TimeDelta, Utc};

use super::store;
use crate::db::Db;

/// How far back failures count.
pub const WINDOW_MINUTES: i64 = 15;
/// Tries per username within the window (the owner mistyping three times is still in).
pub const PER_ACCOUNT: i64 = 5;
/// Tries per address within the window: an office behind one NAT has several people.
pub const PER_ADDRESS: i64 = 30;

/// An attempt let through, to settle once the password is checked.
pub struct Attempt {
    ids: [i64; 2],
    account_key: String,
}

pub enum Gate {
    Open(Attempt),
    Closed,
}

fn keys(username: &str, addr: IpAddr) -> [String; 2] {
    [format!("user:{username}"), format!("addr:{addr}")]
}

/// Records an attempt for `username` from `addr` and says whether it may go on.
pub async fn begin(
    db: &Db,
    username: &str,
    addr: IpAddr,
    now: DateTime<Utc>,
) -> Result<Gate, sqlx::Error> {
    let since = now - TimeDelta::minutes(WINDOW_MINUTES);
    let [user, address] = keys(username, addr);
    store::forget_attempts(db, None, since).await?;
    let ids = [
        store::insert_attempt(db, &user, now).await?,
        store::insert_attempt(db, &address, now).await?,
    ];
    let by_user = store::attempts_since(db, &user, since).await?;
    let by_address = store::attempts_since(db, &address, since).await?;
    if by_user > PER_ACCOUNT || by_address > PER_ADDRESS {
        return Ok(Gate::Closed);
    }
    Ok(Gate::Open(Attempt {
        ids,
        account_key: user,
    }))
}

/// The password was right: the attempt is taken back and the account's failures forgotten.
pub async fn succeeded(db: &Db, attempt: Attempt, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    for id in attempt.ids {
        store::forget_attempt(db, id).await?;
    }
    let since = now - TimeDelta::minutes(WINDOW_MINUTES);
    store::forget_attempts(db, Some(&attempt.account_key), since).await
}
