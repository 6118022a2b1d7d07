//! The places known to an import (the database's, plus the file's own for an areas import), and codes typed as numbers.

use std::collections::HashMap;

use crate::db::Db;
use crate::features::areas::{self, Area, Level};

#[derive(Clone, Debug)]
pub struct Place {
    pub level: Level,
}

#[derive(Default)]
pub struct Places {
    pub by_code: HashMap<String, Place>,
    /// Numeric codes without their leading zeros (`01969` under `1969`): a spreadsheet that
    /// stored a code as a number still finds its place.
    unpadded: HashMap<String, String>,
}

/// How a code was found.
pub enum Found {
    Exact(String),
    /// Found only once leading zeros were put back: the report notes it.
    Padded(String),
}

impl Places {
    pub async fn load(db: &Db) -> Result<Places, sqlx::Error> {
        Ok(Places::from_areas(&areas::all(db).await?))
    }

    pub fn from_areas(areas: &[Area]) -> Places {
        let mut p = Places::default();
        for a in areas {
            p.insert(a.code.clone(), Place { level: a.level });
        }
        p
    }

    pub fn insert(&mut self, code: String, place: Place) {
        if super::parse::digits_only(&code) {
            self.unpadded
                .insert(code.trim_start_matches('0').to_string(), code.clone());
        }
        self.by_code.insert(code, place);
    }

    pub fn find(&self, code: &str) -> Option<Found> {
        if self.by_code.contains_key(code) {
            return Some(Found::Exact(code.to_string()));
        }
        if super::parse::digits_only(code) {
            return self
                .unpadded
                .get(code.trim_start_matches('0'))
                .map(|c| Found::Padded(c.clone()));
        }
        None
    }

    pub fn get(&self, code: &str) -> Option<&Place> {
        self.by_code.get(code)
    }
}
