//! The SQL of support records and their history; the rules that decide what to write are in `support` and `import::support`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::{parse_unit, HistoryRow, RecordView, Status, StatusChange};
use crate::db::sql::{rows_per_statement, Bind, Sql, ROWS_PER_STATEMENT};
use crate::db::tx::{on_tx, Tx};
use crate::db::Db;
use crate::features::catalogue;
use crate::{execute, with_db};

/// A record's fields as an import compares and writes them (its key and id aside).
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub household_id: i64,
    pub content: &'static str,
    pub status: Status,
    pub reason: Option<String>,
    /// Thousandths of `unit`.
    pub quantity_milli: Option<i64>,
    pub unit: Option<&'static str>,
    pub date: NaiveDate,
    pub note: Option<String>,
}

/// One line to append to a record's history.
pub struct History<'a> {
    pub record_id: i64,
    pub from: Option<Status>,
    pub to: Status,
    pub reason: Option<&'a str>,
    pub changed_by: &'a str,
    pub changed_at: DateTime<Utc>,
    /// Whether the household still has to hear of it (the sweep re-sends what stays pending).
    pub announce: bool,
}

/// Appends to a record's history and returns the line's id: every status change, from the
/// staff API and from an import alike, goes through [`append_histories`].
pub async fn append_history(tx: &mut Tx<'_>, h: &History<'_>) -> Result<i64, sqlx::Error> {
    let ids = append_histories(tx, std::slice::from_ref(h)).await?;
    ids.get(&h.record_id)
        .copied()
        .ok_or(sqlx::Error::RowNotFound)
}

/// Appends the lines `lines` (at most one per record) in multi-row statements; the new lines'
/// ids by record id (`RETURNING` promises no order).
pub async fn append_histories(
    tx: &mut Tx<'_>,
    lines: &[History<'_>],
) -> Result<HashMap<i64, i64>, sqlx::Error> {
    let mut ids = HashMap::new();
    for chunk in lines.chunks(rows_per_statement(7, ROWS_PER_STATEMENT)) {
        let mut sql = Sql::ordered(
            tx.backend(),
            "INSERT INTO support_history (record_id, from_status, to_status, reason, changed_by,
                 changed_at, announce_pending) VALUES ",
        );
        sql.push_rows(chunk.iter().map(|h| {
            [
                Bind::Int(h.record_id),
                Bind::OptText(h.from.map(|s| s.as_str().to_string())),
                Bind::Text(h.to.as_str().to_string()),
                Bind::OptText(h.reason.map(str::to_string)),
                Bind::Text(h.changed_by.to_string()),
                Bind::Time(h.changed_at),
                Bind::Bool(h.announce),
            ]
        }));
        sql.push(" RETURNING record_id, id");
        let rows: Vec<(i64, i64)> = tx.fetch_all(&sql).await?;
        ids.extend(rows);
    }
    Ok(ids)
}

/// The status, household and content of record `id`, read inside the transaction that will change it.
pub async fn record_head(
    tx: &mut Tx<'_>,
    id: i64,
) -> Result<Option<(Status, i64, String)>, sqlx::Error> {
    let row: Option<(String, i64, String)> = on_tx!(tx, conn => sqlx::query_as(
        "SELECT status, household_id, content_code FROM support_records WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await)?;
    Ok(row.map(|(status, household, content)| {
        let status = Status::from_db(&status).unwrap_or(Status::Registered);
        (status, household, content)
    }))
}

pub async fn set_record_status(
    tx: &mut Tx<'_>,
    id: i64,
    to: Status,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE support_records SET status = $2, reason = $3, updated_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(to.as_str())
    .bind(reason)
    .bind(now)
    .execute(conn)
    .await
    .map(drop))
}

/// Inserts the records `records` (each under its key: the file's record number, or
/// household|content|date), or updates those stored under their keys, in multi-row statements;
/// their ids by key (`RETURNING` promises no order). Each key once.
pub async fn save_records(
    tx: &mut Tx<'_>,
    records: &[(&str, &Record)],
    now: DateTime<Utc>,
) -> Result<HashMap<String, i64>, sqlx::Error> {
    let mut ids = HashMap::new();
    for chunk in records.chunks(rows_per_statement(10, ROWS_PER_STATEMENT)) {
        let mut sql = Sql::ordered(
            tx.backend(),
            "INSERT INTO support_records (record_key, household_id, content_code, status, reason,
                 quantity_milli, unit, record_date, note, updated_at) VALUES ",
        );
        sql.push_rows(chunk.iter().map(|(key, r)| {
            [
                Bind::Text(key.to_string()),
                Bind::Int(r.household_id),
                Bind::Text(r.content.to_string()),
                Bind::Text(r.status.as_str().to_string()),
                Bind::OptText(r.reason.clone()),
                Bind::OptInt(r.quantity_milli),
                Bind::OptText(r.unit.map(str::to_string)),
                Bind::Date(r.date),
                Bind::OptText(r.note.clone()),
                Bind::Time(now),
            ]
        }));
        sql.push(
            " ON CONFLICT (record_key) DO UPDATE SET household_id = excluded.household_id,
                 content_code = excluded.content_code, status = excluded.status,
                 reason = excluded.reason, quantity_milli = excluded.quantity_milli,
                 unit = excluded.unit, record_date = excluded.record_date, note = excluded.note,
                 updated_at = excluded.updated_at
             RETURNING record_key, id",
        );
        let rows: Vec<(String, i64)> = tx.fetch_all(&sql).await?;
        ids.extend(rows);
    }
    Ok(ids)
}

/// A `support_records` row as stored.
#[derive(sqlx::FromRow)]
struct Stored {
    id: i64,
    record_key: String,
    household_id: i64,
    content_code: String,
    status: String,
    reason: Option<String>,
    quantity_milli: Option<i64>,
    unit: Option<String>,
    record_date: NaiveDate,
    note: Option<String>,
}

const COLUMNS: &str = "id, record_key, household_id, content_code, status, reason, \
                       quantity_milli, unit, record_date, note";

impl Stored {
    /// As an import compares it: None when this version does not know its content or status.
    fn record(self) -> Option<(String, Record)> {
        let record = Record {
            household_id: self.household_id,
            content: catalogue::get(&self.content_code)?.code,
            status: Status::from_db(&self.status)?,
            reason: self.reason,
            quantity_milli: self.quantity_milli,
            unit: self.unit.as_deref().and_then(parse_unit),
            date: self.record_date,
            note: self.note,
        };
        Some((self.record_key, record))
    }

    fn view(self) -> RecordView {
        RecordView {
            id: self.id,
            status: Status::from_db(&self.status).unwrap_or(Status::Registered),
            content_code: self.content_code,
            reason: self.reason,
            quantity_milli: self.quantity_milli,
            unit: self.unit,
            date: self.record_date,
        }
    }
}

/// Every record by its key: what an import compares its rows with. A record whose content or
/// status this version does not know is left out.
pub async fn records_by_key(db: &Db) -> Result<HashMap<String, Record>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM support_records");
    let rows: Vec<Stored> = with_db!(db, pool => sqlx::query_as(&sql).fetch_all(pool).await)?;
    Ok(rows.into_iter().filter_map(Stored::record).collect())
}

/// A household's records, newest first, at most `limit`.
pub async fn records_of(
    db: &Db,
    household_id: i64,
    limit: i64,
) -> Result<Vec<RecordView>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM support_records WHERE household_id = $1
          ORDER BY record_date DESC, id DESC LIMIT $2"
    );
    let rows: Vec<Stored> = with_db!(db, pool => sqlx::query_as(&sql)
        .bind(household_id)
        .bind(limit)
        .fetch_all(pool)
        .await)?;
    Ok(rows.into_iter().map(Stored::view).collect())
}

pub async fn history(db: &Db, record_id: i64) -> Result<Vec<HistoryRow>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_as(
        "SELECT id, from_status, to_status, reason, changed_by, changed_at FROM support_history
          WHERE record_id = $1 ORDER BY id"
    )
    .bind(record_id)
    .fetch_all(pool)
    .await)
}

/// history id, record id, household id, content, from, to, reason.
type PendingRow = (
    i64,
    i64,
    i64,
    String,
    Option<String>,
    String,
    Option<String>,
);

/// Changes still to announce that were made before `before`, oldest first, at most 500.
pub async fn pending(db: &Db, before: DateTime<Utc>) -> Result<Vec<StatusChange>, sqlx::Error> {
    let rows: Vec<PendingRow> = with_db!(db, pool => sqlx::query_as(
        "SELECT h.id, h.record_id, r.household_id, r.content_code, h.from_status, h.to_status,
                    h.reason
               FROM support_history h JOIN support_records r ON r.id = h.record_id
              WHERE h.announce_pending = $1 AND h.changed_at < $2
              ORDER BY h.id LIMIT 500"
    )
    .bind(true)
    .bind(before)
    .fetch_all(pool)
    .await)?;
    Ok(rows
        .into_iter()
        .filter_map(
            |(history_id, record_id, household_id, content_code, from, to, reason)| {
                Some(StatusChange {
                    history_id,
                    record_id,
                    household_id,
                    content_code,
                    from: from.as_deref().and_then(Status::from_db),
                    to: Status::from_db(&to)?,
                    reason,
                })
            },
        )
        .collect())
}

pub async fn mark_announced(db: &Db, history_id: i64) -> Result<(), sqlx::Error> {
    execute!(db, pool => sqlx::query(
        "UPDATE support_history SET announce_pending = $2 WHERE id = $1"
    )
    .bind(history_id)
    .bind(false)
    .execute(pool)
    .await)?;
    Ok(())
}

/// The village of the household record `id` belongs to.
pub async fn village_of_record(db: &Db, id: i64) -> Result<Option<String>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_scalar(
        "SELECT h.village_code FROM support_records r JOIN households h ON h.id = r.household_id
          WHERE r.id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await)
}

/// The amount of record `id` (thousandths, unit), when it has one.
pub async fn amount_of(db: &Db, id: i64) -> Result<Option<(i64, String)>, sqlx::Error> {
    let row: Option<(Option<i64>, Option<String>)> = with_db!(db, pool => sqlx::query_as(
        "SELECT quantity_milli, unit FROM support_records WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?;
    Ok(row.and_then(|(q, u)| q.zip(u)))
}
