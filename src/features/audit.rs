//! The audit log: every staff read and change of sensitive data (legal aid, pregnancies, household phones), append-only.
//!
//! Decree 13/2023/NĐ-CP treats health and legal-aid data as sensitive: who looked at or changed
//! which record, and when, is kept in the database, never updated or deleted by loa, and readable
//! by admins. `detail` says what was done in words a reviewer reads; it never holds a message body
//! or a full phone number.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::{time, Db};
use crate::{execute, with_db};

/// Who did it: a staff member, an account, or loa itself (`system`).
#[derive(Clone, Debug)]
pub struct Entry<'a> {
    /// e.g. `staff:12`, `account:3`, `system`.
    pub actor: &'a str,
    /// e.g. `read`, `list`, `change_status`, `assign`, `note`, `sign_in`, `sign_in_failed`.
    pub action: &'a str,
    /// e.g. `legal_aid_request`, `pregnancy`, `household_phones`, `account`.
    pub subject_kind: &'a str,
    pub subject_id: Option<&'a str>,
    pub detail: Option<&'a str>,
}

/// One line of the log, as admins read it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Line {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject_kind: String,
    pub subject_id: Option<String>,
    pub detail: Option<String>,
}

/// Appends one entry.
pub async fn record(db: &Db, e: &Entry<'_>) -> Result<(), sqlx::Error> {
    execute!(db, pool => sqlx::query(
        "INSERT INTO audit_log (at, actor, action, subject_kind, subject_id, detail)
         VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(time::now())
    .bind(e.actor)
    .bind(e.action)
    .bind(e.subject_kind)
    .bind(e.subject_id)
    .bind(e.detail)
    .execute(pool)
    .await)?;
    Ok(())
}

/// What to list: one kind of subject (and one subject), newest first, a page at a time.
#[derive(Clone, Debug, Default)]
pub struct Filter<'a> {
    pub subject_kind: Option<&'a str>,
    pub subject_id: Option<&'a str>,
    pub actor: Option<&'a str>,
    /// Entries with an id below this one (the previous page's last id).
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// The newest entries that match `f`, at most `f.limit` (1 to 500).
pub async fn list(db: &Db, f: &Filter<'_>) -> Result<Vec<Line>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_as(
        "SELECT id, at, actor, action, subject_kind, subject_id, detail FROM audit_log
          WHERE ($1 IS NULL OR subject_kind = $1) AND ($2 IS NULL OR subject_id = $2)
            AND ($3 IS NULL OR actor = $3) AND ($4 IS NULL OR id < $4)
          ORDER BY id DESC LIMIT $5"
    )
    .bind(f.subject_kind)
    .bind(f.subject_id)
    .bind(f.actor)
    .bind(f.before_id)
    .bind(f.limit.clamp(1, 500))
    .fetch_all(pool)
    .await)
}
