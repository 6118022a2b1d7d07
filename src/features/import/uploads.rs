//! Files uploaded in the console and checked, kept until the uploader confirms them (or for an hour): the `import_uploads` table.
//!
//! A row belongs to the account that uploaded it; confirming takes it (deletes it and returns its
//! file in one statement), so one upload is imported at most once. The hourly housekeeping
//! deletes what nobody confirmed: a file of households holds phones, and is not kept longer than
//! its check needs.

use chrono::{DateTime, TimeDelta, Utc};

use crate::db::{time, Db};
use crate::{execute, with_db};

/// How long a checked file waits for its confirmation.
pub const KEEP: TimeDelta = TimeDelta::hours(1);

/// A kept file.
pub struct Upload {
    pub kind: String,
    pub format: String,
    pub file_name: String,
    pub body: Vec<u8>,
}

/// Keeps `upload` for `account_id`: its id.
pub async fn keep(db: &Db, account_id: i64, upload: &Upload) -> Result<i64, sqlx::Error> {
    with_db!(db, pool => sqlx::query_scalar(
        "INSERT INTO import_uploads (account_id, kind, format, file_name, body, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
    )
    .bind(account_id)
    .bind(&upload.kind)
    .bind(&upload.format)
    .bind(&upload.file_name)
    .bind(&upload.body)
    .bind(time::now())
    .fetch_one(pool)
    .await)
}

type Row = (String, String, String, Vec<u8>);

/// Takes upload `id` of `account_id` if it is younger than [`KEEP`]: deleted as it is read.
pub async fn take(db: &Db, id: i64, account_id: i64) -> Result<Option<Upload>, sqlx::Error> {
    let row: Option<Row> = with_db!(db, pool => sqlx::query_as(
        "DELETE FROM import_uploads WHERE id = $1 AND account_id = $2 AND created_at > $3
         RETURNING kind, format, file_name, body"
    )
    .bind(id)
    .bind(account_id)
    .bind(time::now() - KEEP)
    .fetch_optional(pool)
    .await)?;
    Ok(row.map(|(kind, format, file_name, body)| Upload {
        kind,
        format,
        file_name,
        body,
    }))
}

/// Deletes the uploads made before `before` (housekeeping): how many.
pub async fn forget_before(db: &Db, before: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    execute!(db, pool => sqlx::query("DELETE FROM import_uploads WHERE created_at < $1")
        .bind(before)
        .execute(pool)
        .await)
}
