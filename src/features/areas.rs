//! Places (provinces, communes, villages) as data: rows with a parent, a code, a name and flags.

use serde::Serialize;

use crate::db::{time, Db};
use crate::{execute, with_db};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Province,
    Commune,
    Village,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::Commune => "commune",
            Level::Village => "village",
        }
    }

    /// The words commune offices write in the `Cấp` column.
    pub fn from_vietnamese(word: &str) -> Option<Level> {
        match crate::text::unaccent(word).trim().to_lowercase().as_str() {
            "tinh" | "thanh pho" | "province" => Some(Level::Province),
            "xa" | "phuong" | "dac khu" | "commune" | "ward" => Some(Level::Commune),
            "thon" | "ban" | "xom" | "to dan pho" | "village" => Some(Level::Village),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Area {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub parent_code: Option<String>,
    pub especially_difficult: bool,
    pub region: Option<String>,
}

/// Inserts or updates `areas`, parents before children so each parent exists when its child arrives.
pub async fn upsert_all(db: &Db, mut areas: Vec<Area>) -> Result<(), sqlx::Error> {
    areas.sort_by_key(|a| a.level);
    let now = time::now();
    for a in &areas {
        execute!(db, pool => {
            sqlx::query(
            "INSERT INTO areas (code, name, level, parent_code, especially_difficult, region, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
                 parent_code = excluded.parent_code,
                 especially_difficult = excluded.especially_difficult,
                 region = excluded.region, updated_at = excluded.updated_at"
        )
        .bind(&a.code)
        .bind(&a.name)
        .bind(a.level.as_str())
        .bind(&a.parent_code)
        .bind(a.especially_difficult)
        .bind(&a.region)
        .bind(now)
        .execute(pool)
        .await
        })?;
    }
    Ok(())
}

pub async fn count(db: &Db) -> Result<i64, sqlx::Error> {
    with_db!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM areas")
        .fetch_one(pool)
        .await)
}

type AreaRow = (String, String, String, Option<String>, bool, Option<String>);

/// Every area, by code.
pub async fn all(db: &Db) -> Result<Vec<Area>, sqlx::Error> {
    let rows: Vec<AreaRow> = with_db!(db, pool => {
        sqlx::query_as(
        "SELECT code, name, level, parent_code, especially_difficult, region FROM areas ORDER BY code"
    )
    .fetch_all(pool)
    .await
    })?;
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
