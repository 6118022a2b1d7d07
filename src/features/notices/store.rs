//! The `notices` table: drafts, scheduling, the queuing lease and cancelling, each one atomic statement.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Texts;
use crate::db::Db;
use crate::features::audiences::Audience;
use crate::{execute, with_db};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = NoticeStatus)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Scheduled,
    Queuing,
    Queued,
    Cancelled,
}

impl Status {
    fn from_db(s: &str) -> Status {
        match s {
            "scheduled" => Status::Scheduled,
            "queuing" => Status::Queuing,
            "queued" => Status::Queued,
            "cancelled" => Status::Cancelled,
            _ => Status::Draft,
        }
    }
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Notice {
    pub id: i64,
    pub audience: Audience,
    #[serde(flatten)]
    pub texts: Texts,
    pub status: Status,
    pub send_at: Option<DateTime<Utc>>,
    pub created_by: String,
    /// Messages queued so far.
    pub queued: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    audience: String,
    text: String,
    versions: String,
    status: String,
    send_at: Option<DateTime<Utc>>,
    created_by: String,
    queued: i64,
    created_at: DateTime<Utc>,
}

impl Row {
    fn notice(self) -> Result<Notice, sqlx::Error> {
        let json = |e: serde_json::Error| sqlx::Error::Decode(Box::new(e));
        Ok(Notice {
            id: self.id,
            audience: serde_json::from_str(&self.audience).map_err(json)?,
            texts: Texts {
                text: self.text,
                versions: serde_json::from_str(&self.versions).map_err(json)?,
            },
            status: Status::from_db(&self.status),
            send_at: self.send_at,
            created_by: self.created_by,
            queued: self.queued,
            created_at: self.created_at,
        })
    }
}

const COLUMNS: &str =
    "id, audience, text, versions, status, send_at, created_by, queued, created_at";

fn to_json<T: Serialize>(v: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(v).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// Stores a draft; returns its id.
pub async fn insert(
    db: &Db,
    audience: &Audience,
    texts: &Texts,
    created_by: &str,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let audience = to_json(audience)?;
    let versions = to_json(&texts.versions)?;
    with_db!(db, pool => sqlx::query_scalar(
        "INSERT INTO notices (audience, text, versions, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id"
    )
    .bind(&audience)
    .bind(&texts.text)
    .bind(&versions)
    .bind(created_by)
    .bind(now)
    .fetch_one(pool)
    .await)
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Notice>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM notices WHERE id = $1");
    let row: Option<Row> =
        with_db!(db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
    row.map(Row::notice).transpose()
}

/// The latest `limit` notices, newest first.
pub async fn recent(db: &Db, limit: i64) -> Result<Vec<Notice>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM notices ORDER BY id DESC LIMIT $1");
    let rows: Vec<Row> =
        with_db!(db, pool => sqlx::query_as(&sql).bind(limit).fetch_all(pool).await)?;
    rows.into_iter().map(Row::notice).collect()
}

/// Sets a draft's (or a still scheduled notice's) time; false when it is past that.
pub async fn schedule(
    db: &Db,
    id: i64,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let n = execute!(db, pool => sqlx::query(
        "UPDATE notices SET status = 'scheduled', send_at = $2, updated_at = $3
          WHERE id = $1 AND status IN ('draft', 'scheduled')"
    )
    .bind(id)
    .bind(at)
    .bind(now)
    .execute(pool)
    .await)?;
    Ok(n == 1)
}

/// Takes notice `id` for queuing until `lease_until`, if it is due and nobody holds it: one
/// statement, so of two instances one gets it.
pub async fn claim(
    db: &Db,
    id: i64,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<Notice>, sqlx::Error> {
    let sql = format!(
        "UPDATE notices SET status = 'queuing', lease_until = $3, updated_at = $2
          WHERE id = $1 AND ((status = 'scheduled' AND send_at <= $2)
                          OR (status = 'queuing' AND lease_until < $2))
         RETURNING {COLUMNS}"
    );
    let row: Option<Row> = with_db!(db, pool => sqlx::query_as(&sql)
        .bind(id)
        .bind(now)
        .bind(lease_until)
        .fetch_optional(pool)
        .await)?;
    row.map(Row::notice).transpose()
}

/// Notices due at `now` (scheduled, or left half-queued by an instance that stopped).
pub async fn due(db: &Db, now: DateTime<Utc>) -> Result<Vec<i64>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_scalar(
        "SELECT id FROM notices
          WHERE (status = 'scheduled' AND send_at <= $1) OR (status = 'queuing' AND lease_until < $1)
          ORDER BY id LIMIT 20"
    )
    .bind(now)
    .fetch_all(pool)
    .await)
}

/// Counts `added` more queued messages and extends the lease; false when the notice is no
/// longer being queued (it was cancelled).
pub async fn progress(
    db: &Db,
    id: i64,
    added: u64,
    lease_until: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let n = execute!(db, pool => sqlx::query(
        "UPDATE notices SET queued = queued + $2, lease_until = $3
          WHERE id = $1 AND status = 'queuing'"
    )
    .bind(id)
    .bind(added as i64)
    .bind(lease_until)
    .execute(pool)
    .await)?;
    Ok(n == 1)
}

/// Marks the queuing done; false when it was cancelled meanwhile.
pub async fn finish(db: &Db, id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let n = execute!(db, pool => sqlx::query(
        "UPDATE notices SET status = 'queued', lease_until = NULL, updated_at = $2
          WHERE id = $1 AND status = 'queuing'"
    )
    .bind(id)
    .bind(now)
    .execute(pool)
    .await)?;
    Ok(n == 1)
}

/// Marks the notice cancelled unless it already was; the caller then cancels its queued rows.
pub async fn cancel(db: &Db, id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let n = execute!(db, pool => sqlx::query(
        "UPDATE notices SET status = 'cancelled', lease_until = NULL, updated_at = $2
          WHERE id = $1 AND status <> 'cancelled'"
    )
    .bind(id)
    .bind(now)
    .execute(pool)
    .await)?;
    Ok(n == 1)
}
