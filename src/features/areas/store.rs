//! The SQL of `areas`: reading the tree, and the import's writes.

use chrono::{DateTime, Utc};

use super::{Area, Level};
use crate::db::sql::{rows_per_statement, Bind, Sql, ROWS_PER_STATEMENT};
use crate::db::tx::Tx;
use crate::db::Db;
use crate::with_db;

pub async fn count(db: &Db) -> Result<i64, sqlx::Error> {
    with_db!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM areas")
        .fetch_one(pool)
        .await)
}

type AreaRow = (String, String, String, Option<String>, bool, Option<String>);

/// Every area, by code.
pub async fn all(db: &Db) -> Result<Vec<Area>, sqlx::Error> {
    let rows: Vec<AreaRow> = with_db!(db, pool => sqlx::query_as(
        "SELECT code, name, level, parent_code, especially_difficult, region FROM areas ORDER BY code"
    )
    .fetch_all(pool)
    .await)?;
    Ok(rows
        .into_iter()
        .map(
            |(code, name, level, parent_code, especially_difficult, region)| Area {
                code,
                name,
                level: match level.as_str() {
                    "province" => Level::Province,
                    "commune" => Level::Commune,
                    _ => Level::Village,
                },
                parent_code,
                especially_difficult,
                region,
            },
        )
        .collect())
}

/// The parent of area `code` (None for a province or an unknown code).
pub async fn parent(db: &Db, code: &str) -> Result<Option<String>, sqlx::Error> {
    let parent: Option<Option<String>> = with_db!(db, pool => sqlx::query_scalar(
        "SELECT parent_code FROM areas WHERE code = $1"
    )
    .bind(code)
    .fetch_optional(pool)
    .await)?;
    Ok(parent.flatten())
}

/// Inserts `areas`, or updates those stored with their codes, in multi-row statements. A parent
/// must come before its children (in `areas`, or stored already).
pub async fn save(tx: &mut Tx<'_>, areas: &[Area], now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    for chunk in areas.chunks(rows_per_statement(7, ROWS_PER_STATEMENT)) {
        let mut sql = Sql::ordered(
            tx.backend(),
            "INSERT INTO areas (code, name, level, parent_code, especially_difficult, region,
                 updated_at) VALUES ",
        );
        sql.push_rows(chunk.iter().map(|a| {
            [
                Bind::Text(a.code.clone()),
                Bind::Text(a.name.clone()),
                Bind::Text(a.level.as_str().to_string()),
                Bind::OptText(a.parent_code.clone()),
                Bind::Bool(a.especially_difficult),
                Bind::OptText(a.region.clone()),
                Bind::Time(now),
            ]
        }));
        sql.push(
            " ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
                 parent_code = excluded.parent_code,
                 especially_difficult = excluded.especially_difficult,
                 region = excluded.region, updated_at = excluded.updated_at",
        );
        tx.run(&sql).await?;
    }
    Ok(())
}
