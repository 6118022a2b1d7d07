//! The SQL of accounts, sessions, API tokens and failed sign-ins.

use chrono::{DateTime, Utc};

use super::{Account, AccountError};
use crate::db::{time, Db};
use crate::features::staff::Role;
use crate::{execute, with_db};

type Row = (
    i64,
    String,
    Option<i64>,
    Option<String>,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
    String,
);

const COLUMNS: &str =
    "a.id, a.username, a.staff_id, a.role, a.disabled_at, a.created_at, a.password_hash";

fn account(row: Row) -> (Account, String) {
    let (id, username, staff_id, role, disabled_at, created_at, hash) = row;
    let account = Account {
        id,
        username,
        staff_id,
        own_role: role.as_deref().and_then(Role::from_db),
        disabled: disabled_at.is_some(),
        created_at,
    };
    (account, hash)
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

pub async fn insert(
    db: &Db,
    username: &str,
    hash: &str,
    staff_id: Option<i64>,
    role: Option<Role>,
) -> Result<Account, AccountError> {
    let now = time::now();
    let id: Result<i64, sqlx::Error> = with_db!(db, pool => sqlx::query_scalar(
        "INSERT INTO accounts (username, password_hash, staff_id, role, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id"
    )
    .bind(username)
    .bind(hash)
    .bind(staff_id)
    .bind(role.map(Role::as_str))
    .bind(now)
    .fetch_one(pool)
    .await);
    let id = id.map_err(|e| {
        if is_unique_violation(&e) {
            AccountError::Taken
        } else {
            AccountError::Db(e)
        }
    })?;
    Ok(Account {
        id,
        username: username.to_owned(),
        staff_id,
        own_role: role,
        disabled: false,
        created_at: now,
    })
}

/// The account named `username` (lower-cased) and its password hash.
pub async fn by_username(
    db: &Db,
    username: &str,
) -> Result<Option<(Account, String)>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM accounts a WHERE a.username = $1");
    let row: Option<Row> = with_db!(db, pool => sqlx::query_as(&sql)
        .bind(username.trim().to_lowercase())
        .fetch_optional(pool)
        .await)?;
    Ok(row.map(account))
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Account>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM accounts a WHERE a.id = $1");
    let row: Option<Row> = with_db!(db, pool => sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await)?;
    Ok(row.map(|r| account(r).0))
}

/// The account tied to staff row `staff_id`, if any.
pub async fn by_staff(db: &Db, staff_id: i64) -> Result<Option<Account>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM accounts a WHERE a.staff_id = $1");
    let row: Option<Row> = with_db!(db, pool => sqlx::query_as(&sql)
        .bind(staff_id)
        .fetch_optional(pool)
        .await)?;
    Ok(row.map(|r| account(r).0))
}

pub async fn list(db: &Db) -> Result<Vec<Account>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM accounts a ORDER BY a.username");
    let rows: Vec<Row> = with_db!(db, pool => sqlx::query_as(&sql).fetch_all(pool).await)?;
    Ok(rows.into_iter().map(|r| account(r).0).collect())
}

pub async fn set_hash(db: &Db, id: i64, hash: &str) -> Result<(), sqlx::Error> {
    execute!(db, pool => sqlx::query(
        "UPDATE accounts SET password_hash = $1, updated_at = $2 WHERE id = $3"
    )
    .bind(hash)
    .bind(time::now())
    .bind(id)
    .execute(pool)
    .await)?;
    Ok(())
}

/// Sets a new hash and enables the account again (the demo's accounts on each start).
pub async fn reset(db: &Db, id: i64, hash: &str) -> Result<(), sqlx::Error> {
    execute!(db, pool => sqlx::query(
        "UPDATE accounts SET password_hash = $1, disabled_at = NULL, updated_at = $2 WHERE id = $3"
    )
    .bind(hash)
    .bind(time::now())
    .bind(id)
    .execute(pool)
    .await)?;
    Ok(())
}

pub async fn disable(db: &Db, id: i64) -> Result<(), sqlx::Error> {
    let now = time::now();
    execute!(db, pool => sqlx::query(
        "UPDATE accounts SET disabled_at = COALESCE(disabled_at, $1), updated_at = $1 WHERE id = $2"
    )
    .bind(now)
    .bind(id)
    .execute(pool)
    .await)?;
    Ok(())
}

// --- sessions ---------------------------------------------------------------------------------

pub async fn insert_session(
    db: &Db,
    id_hash: &str,
    account_id: i64,
    csrf: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let now = time::now();
    // Expired sessions go as new ones come: no job needed, and the table stays small.
    execute!(db, pool => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(pool)
        .await)?;
    execute!(db, pool => sqlx::query(
        "INSERT INTO sessions (id_hash, account_id, csrf, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(id_hash)
    .bind(account_id)
    .bind(csrf)
    .bind(now)
    .bind(expires_at)
    .execute(pool)
    .await)?;
    Ok(())
}

/// The enabled account of an unexpired session, and the session's CSRF token.
pub async fn session(db: &Db, id_hash: &str) -> Result<Option<(Account, String)>, sqlx::Error> {
    let found: Option<(i64, String)> = with_db!(db, pool => sqlx::query_as(
        "SELECT account_id, csrf FROM sessions WHERE id_hash = $1 AND expires_at > $2"
    )
    .bind(id_hash)
    .bind(time::now())
    .fetch_optional(pool)
    .await)?;
    let Some((account_id, csrf)) = found else {
        return Ok(None);
    };
    let account = by_id(db, account_id).await?.filter(|a| !a.disabled);
    Ok(account.map(|a| (a, csrf)))
}

pub async fn delete_session(db: &Db, id_hash: &str) -> Result<(), sqlx::Error> {
    execute!(db, pool => sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(pool)
        .await)?;
    Ok(())
}

pub async fn end_sessions(db: &Db, account_id: i64) -> Result<(), sqlx::Error> {
    execute!(db, pool => sqlx::query("DELETE FROM sessions WHERE account_id = $1")
        .bind(account_id)
        .execute(pool)
        .await)?;
    Ok(())
}

// --- API tokens -------------------------------------------------------------------------------

pub async fn insert_token(
    db: &Db,
    account_id: i64,
    name: &str,
    token_hash: &str,
) -> Result<i64, sqlx::Error> {
    with_db!(db, pool => sqlx::query_scalar(
        "INSERT INTO api_tokens (account_id, name, token_hash, created_at)
         VALUES ($1, $2, $3, $4) RETURNING id"
    )
    .bind(account_id)
    .bind(name)
    .bind(token_hash)
    .bind(time::now())
    .fetch_one(pool)
    .await)
}

/// The enabled account owning an unrevoked token with this hash; stamps its last use.
pub async fn token_account(db: &Db, token_hash: &str) -> Result<Option<Account>, sqlx::Error> {
    let id: Option<i64> = with_db!(db, pool => sqlx::query_scalar(
        "UPDATE api_tokens SET last_used_at = $1
          WHERE token_hash = $2 AND revoked_at IS NULL
            AND account_id IN (SELECT id FROM accounts WHERE disabled_at IS NULL)
         RETURNING account_id"
    )
    .bind(time::now())
    .bind(token_hash)
    .fetch_optional(pool)
    .await)?;
    match id {
        Some(id) => by_id(db, id).await,
        None => Ok(None),
    }
}

/// Revokes token `id` if it belongs to `owner` (any owner when `None`); whether one was revoked.
pub async fn revoke_token(db: &Db, id: i64, owner: Option<i64>) -> Result<bool, sqlx::Error> {
    let n = execute!(db, pool => sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1
          WHERE id = $2 AND revoked_at IS NULL AND ($3 IS NULL OR account_id = $3)"
    )
    .bind(time::now())
    .bind(id)
    .bind(owner)
    .execute(pool)
    .await)?;
    Ok(n == 1)
}

/// One token as its owner sees it (never the token itself).
#[derive(Clone, Debug, serde::Serialize, sqlx::FromRow)]
pub struct TokenLine {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

pub async fn tokens_of(db: &Db, account_id: i64) -> Result<Vec<TokenLine>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_as(
        "SELECT id, name, created_at, revoked_at, last_used_at FROM api_tokens
          WHERE account_id = $1 ORDER BY id"
    )
    .bind(account_id)
    .fetch_all(pool)
    .await)
}

// --- failed sign-ins --------------------------------------------------------------------------

/// Records an attempt under `key` now (taken back if it succeeds) and returns its id.
pub async fn insert_attempt(db: &Db, key: &str, at: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    with_db!(db, pool => sqlx::query_scalar(
        "INSERT INTO login_failures (key, at) VALUES ($1, $2) RETURNING id"
    )
    .bind(key)
    .bind(at)
    .fetch_one(pool)
    .await)
}

/// Attempts under `key` since `since`.
pub async fn attempts_since(db: &Db, key: &str, since: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    with_db!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at > $2"
    )
    .bind(key)
    .bind(since)
    .fetch_one(pool)
    .await)
}

/// Forgets attempts under `key` (a successful sign-in), or older than `before` under any key.
pub async fn forget_attempts(
    db: &Db,
    key: Option<&str>,
    before: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    execute!(db, pool => sqlx::query(
        "DELETE FROM login_failures WHERE ($1 IS NOT NULL AND key = $1) OR at <= $2"
    )
    .bind(key)
    .bind(before)
    .execute(pool)
    .await)?;
    Ok(())
}

pub async fn forget_attempt(db: &Db, id: i64) -> Result<(), sqlx::Error> {
    execute!(db, pool => sqlx::query("DELETE FROM login_failures WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await)?;
    Ok(())
}
