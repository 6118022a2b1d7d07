//! Places (provinces, communes, villages) as data: rows with a parent, a code, a name and flags.

use serde::Serialize;

use crate::db::Db;
use crate::with_db;

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
