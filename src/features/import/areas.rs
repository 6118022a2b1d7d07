//! `loa import areas`: provinces, communes and villages with parent, code, name and flags.

use std::collections::HashMap;

use super::driver::{Cells, Checked, Importer, Row, Writing};
use super::parse;
use super::places::{Place, Places};
use super::table::Field;
use crate::db::Db;
use crate::features::areas::{self, Area, Level};
use crate::i18n::Msg;

const CODE: usize = 0;
const NAME: usize = 1;
const LEVEL: usize = 2;
const PARENT: usize = 3;
const DIFFICULT: usize = 4;
const REGION: usize = 5;

pub const FIELDS: &[Field] = &[
    Field::required("code", &["Mã", "Mã địa bàn", "Mã đơn vị", "Code"]),
    Field::required("name", &["Tên", "Tên địa bàn", "Tên đơn vị", "Name"]),
    Field::required("level", &["Cấp", "Cấp hành chính", "Level"]),
    Field::required(
        "parent",
        &["Mã cấp trên", "Thuộc", "Mã xã", "Parent", "Parent code"],
    ),
    Field::optional(
        "difficult",
        &["Đặc biệt khó khăn", "ĐBKK", "Especially difficult"],
    ),
    Field::optional("region", &["Khu vực", "KV", "Region"]),
];

/// Digits of a national code at each level (province 2, commune 5); villages have no national code.
fn national_len(level: Level) -> Option<usize> {
    match level {
        Level::Province => Some(2),
        Level::Commune => Some(5),
        Level::Village => None,
    }
}

fn region(s: &str) -> Option<Option<String>> {
    let w = parse::words(s).to_uppercase();
    let w = w
        .trim_start_matches("KHU VUC")
        .trim_start_matches("KV")
        .trim();
    match w {
        "" => Some(None),
        "I" | "1" => Some(Some("I".into())),
        "II" | "2" => Some(Some("II".into())),
        "III" | "3" => Some(Some("III".into())),
        _ => None,
    }
}

/// The code as stored: a national code a spreadsheet kept as a number gets its leading zeros
/// back, and the report notes it.
fn national_code(row: &mut Row<'_>, raw: &str, level: Option<Level>) -> String {
    match level.and_then(national_len) {
        Some(n) if parse::digits_only(raw) && raw.len() < n => {
            let code = format!("{raw:0>n$}");
            let note = Msg::new("import-note-padded")
                .arg("value", raw)
                .arg("code", code.clone());
            row.note(CODE, note);
            code
        }
        _ => raw.to_string(),
    }
}

/// Whether a row says what is stored already.
fn same(a: &Area, b: &Area) -> bool {
    (
        &a.name,
        a.level,
        &a.parent_code,
        a.especially_difficult,
        &a.region,
    ) == (
        &b.name,
        b.level,
        &b.parent_code,
        b.especially_difficult,
        &b.region,
    )
}

pub(crate) struct Areas {
    /// The stored places, and (after the survey) the file's own.
    places: Places,
    stored: HashMap<String, Area>,
    /// Each surveyed row's code and level, by row number.
    surveyed: HashMap<usize, (String, Level)>,
}

impl Areas {
    /// The parent a row names, which must be a known place of a higher level.
    fn parent(&self, row: &mut Row<'_>, level: Level) -> Option<String> {
        let raw = row.get(PARENT);
        if raw.is_empty() {
            if level != Level::Province {
                row.problem(PARENT, Msg::new("import-required"));
            }
            return None;
        }
        let Some(code) = row.place(&self.places, PARENT, raw) else {
            row.invalid(PARENT, Msg::new("import-unknown-area"));
            return None;
        };
        if self.places.get(&code).is_some_and(|p| p.level >= level) {
            row.problem(
                PARENT,
                Msg::new("import-bad-parent").arg("value", code.clone()),
            );
        }
        Some(code)
    }
}

impl Importer for Areas {
    type Item = Area;
    const FIELDS: &'static [Field] = FIELDS;

    async fn load(db: &Db, _cells: &Cells<'_>) -> Result<Self, sqlx::Error> {
        let stored = areas::all(db).await?;
        Ok(Areas {
            places: Places::from_areas(&stored),
            stored: stored.into_iter().map(|a| (a.code.clone(), a)).collect(),
            surveyed: HashMap::new(),
        })
    }

    /// Every row's own code and level first, so that a village may name a commune further down.
    fn survey(&mut self, row: &mut Row<'_>) {
        let level = Level::from_vietnamese(row.get(LEVEL));
        if level.is_none() {
            row.invalid(LEVEL, Msg::new("import-unknown-level"));
        }
        let Some(raw) = row.required(CODE) else {
            return;
        };
        let code = national_code(row, raw, level);
        if let Some(first) = row.repeats(&code) {
            let problem = Msg::new("import-duplicate")
                .arg("value", code.clone())
                .num("first", first as i64);
            row.problem(CODE, problem);
        }
        if let Some(level) = level {
            self.places.insert(code.clone(), Place { level });
            self.surveyed.insert(row.number, (code, level));
        }
    }

    fn check(&mut self, row: &mut Row<'_>) -> Checked<Area> {
        let Some((code, level)) = self.surveyed.remove(&row.number) else {
            return Checked::Skip;
        };
        let name = row.required(NAME).unwrap_or_default();
        let parent_code = self.parent(row, level);
        let especially_difficult = parse::yes_no(row.get(DIFFICULT)).unwrap_or_else(|| {
            row.invalid(DIFFICULT, Msg::new("import-bad-yes-no"));
            false
        });
        let region = region(row.get(REGION)).unwrap_or_else(|| {
            row.invalid(REGION, Msg::new("import-bad-region"));
            None
        });
        let area = Area {
            code,
            name: name.to_string(),
            level,
            parent_code,
            especially_difficult,
            region,
        };
        match self.stored.get(&area.code) {
            None => Checked::Created(area),
            Some(s) if same(s, &area) => Checked::Unchanged,
            Some(_) => Checked::Updated(area),
        }
    }

    /// Parents before children, so each parent exists when its child arrives.
    async fn prepare(&mut self, _db: &Db, items: &mut Vec<Area>) -> Result<(), sqlx::Error> {
        items.sort_by_key(|a| a.level);
        Ok(())
    }

    /// In multi-row statements; the chunks keep `prepare`'s order, parents first.
    async fn write_chunk(
        &mut self,
        items: &[Area],
        w: &mut Writing<'_>,
    ) -> Result<(), sqlx::Error> {
        areas::store::save(&mut w.tx, items, w.now).await
    }
}
