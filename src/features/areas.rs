//! Places (provinces, communes, villages) as data: rows with a parent, a code, a name and flags.

use serde::Serialize;

pub mod store;

pub use store::{all, count};

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
