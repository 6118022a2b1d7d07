//! `loa import areas`: provinces, communes and villages with parent, code, name and flags.

use std::collections::HashMap;

use indicatif::ProgressBar;

use super::places::{Found, Place, Places};
use super::table::{Field, Table};
use super::{find_columns, parse, should_write, ImportError, Options, Report};
use crate::db::{time, Db};
use crate::features::areas::{Area, Level};
use crate::i18n::Msg;
use crate::{with_db, with_tx};

const CODE: usize = 0;
const NAME: usize = 1;
const LEVEL: usize = 2;
const PARENT: usize = 3;
const DIFFICULT: usize = 4;
const REGION: usize = 5;

pub const FIELDS: &[Field] = &[
    Field {
        name: "code",
        header: "Mã",
        required: true,
        aliases: &["Mã", "Mã địa bàn", "Mã đơn vị", "Code"],
    },
    Field {
        name: "name",
        header: "Tên",
        required: true,
        aliases: &["Tên", "Tên địa bàn", "Tên đơn vị", "Name"],
    },
    Field {
        name: "level",
        header: "Cấp",
        required: true,
        aliases: &["Cấp", "Cấp hành chính", "Level"],
    },
    Field {
        name: "parent",
        header: "Mã cấp trên",
        required: true,
        aliases: &["Mã cấp trên", "Thuộc", "Mã xã", "Parent", "Parent code"],
    },
    Field {
        name: "difficult",
        header: "Đặc biệt khó khăn",
        required: false,
        aliases: &["Đặc biệt khó khăn", "ĐBKK", "Especially difficult"],
    },
    Field {
        name: "region",
        header: "Khu vực",
        required: false,
        aliases: &["Khu vực", "KV", "Region"],
    },
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

type Stored = (String, String, Option<String>, bool, Option<String>);
type AreaRow = (String, String, String, Option<String>, bool, Option<String>);

pub async fn import(
    db: &Db,
    table: &Table,
    opts: &Options,
    report: &mut Report,
    bar: &ProgressBar,
) -> Result<(), ImportError> {
    let Some(cols) = find_columns(table, FIELDS, opts, report) else {
        return Ok(());
    };
    let mut places = Places::load(db).await?;
    // First pass: every row's own code and level, so a village may name a commune further down.
    let mut parsed: Vec<Option<(String, Level)>> = Vec::new();
    let mut first_row: HashMap<String, usize> = HashMap::new();
    for (row, cells) in &table.rows {
        let raw = cols.get(cells, CODE);
        let level_raw = cols.get(cells, LEVEL);
        let level = Level::from_vietnamese(level_raw);
        if level.is_none() {
            report.problem(
                *row,
                cols.header(LEVEL),
                Msg::new("import-unknown-level").arg("value", level_raw),
            );
        }
        if raw.is_empty() {
            report.problem(*row, cols.header(CODE), Msg::new("import-required"));
            parsed.push(None);
            continue;
        }
        let mut code = raw.to_string();
        if let Some(n) = level.and_then(national_len) {
            if parse::digits_only(raw) && raw.len() < n {
                code = format!("{raw:0>n$}");
                report.note(
                    *row,
                    cols.header(CODE),
                    Msg::new("import-note-padded")
                        .arg("value", raw)
                        .arg("code", code.clone()),
                );
            }
        }
        if let Some(first) = first_row.get(&code) {
            report.problem(
                *row,
                cols.header(CODE),
                Msg::new("import-duplicate")
                    .arg("value", code.clone())
                    .num("first", *first as i64),
            );
        } else {
            first_row.insert(code.clone(), *row);
        }
        if let Some(l) = level {
            places.insert(code.clone(), Place { level: l });
        }
        parsed.push(level.map(|l| (code, l)));
    }
    let mut areas = Vec::new();
    for ((row, cells), p) in table.rows.iter().zip(parsed) {
        let Some((code, level)) = p else { continue };
        let name = cols.get(cells, NAME);
        if name.is_empty() {
            report.problem(*row, cols.header(NAME), Msg::new("import-required"));
        }
        let parent_raw = cols.get(cells, PARENT);
        let parent = if parent_raw.is_empty() {
            if level != Level::Province {
                report.problem(*row, cols.header(PARENT), Msg::new("import-required"));
            }
            None
        } else {
            match places.find(parent_raw) {
                None => {
                    report.problem(
                        *row,
                        cols.header(PARENT),
                        Msg::new("import-unknown-area").arg("value", parent_raw),
                    );
                    None
                }
                Some(found) => {
                    let c = match found {
                        Found::Exact(c) => c,
                        Found::Padded(c) => {
                            report.note(
                                *row,
                                cols.header(PARENT),
                                Msg::new("import-note-padded")
                                    .arg("value", parent_raw)
                                    .arg("code", c.clone()),
                            );
                            c
                        }
                    };
                    if places.get(&c).is_some_and(|p| p.level >= level) {
                        report.problem(
                            *row,
                            cols.header(PARENT),
                            Msg::new("import-bad-parent").arg("value", c.clone()),
                        );
                    }
                    Some(c)
                }
            }
        };
        let difficult = match parse::yes_no(cols.get(cells, DIFFICULT)) {
            Some(b) => b,
            None => {
                report.problem(
                    *row,
                    cols.header(DIFFICULT),
                    Msg::new("import-bad-yes-no").arg("value", cols.get(cells, DIFFICULT)),
                );
                false
            }
        };
        let region = region(cols.get(cells, REGION)).unwrap_or_else(|| {
            report.problem(
                *row,
                cols.header(REGION),
                Msg::new("import-bad-region").arg("value", cols.get(cells, REGION)),
            );
            None
        });
        areas.push(Area {
            code,
            name: name.to_string(),
            level,
            parent_code: parent,
            especially_difficult: difficult,
            region,
        });
    }
    let stored: Vec<AreaRow> = with_db!(db, |pool| sqlx::query_as(
        "SELECT code, name, level, parent_code, especially_difficult, region FROM areas"
    )
    .fetch_all(pool)
    .await)?;
    let stored: HashMap<String, Stored> = stored
        .into_iter()
        .map(|(c, n, l, p, d, r)| (c, (n, l, p, d, r)))
        .collect();
    let mut changed = Vec::new();
    for a in areas {
        let now: Stored = (
            a.name.clone(),
            a.level.as_str().to_string(),
            a.parent_code.clone(),
            a.especially_difficult,
            a.region.clone(),
        );
        match stored.get(&a.code) {
            None => report.created += 1,
            Some(s) if *s == now => {
                report.unchanged += 1;
                continue;
            }
            Some(_) => report.updated += 1,
        }
        changed.push(a);
    }
    if !should_write(opts, report) {
        return Ok(());
    }
    changed.sort_by_key(|a| a.level);
    let now = time::now();
    with_tx!(db, |tx| {
        for a in &changed {
            sqlx::query(
                "INSERT INTO areas (code, name, level, parent_code, especially_difficult, region, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
                     parent_code = excluded.parent_code,
                     especially_difficult = excluded.especially_difficult,
                     region = excluded.region, updated_at = excluded.updated_at",
            )
            .bind(&a.code)
            .bind(&a.name)
            .bind(a.level.as_str())
            .bind(&a.parent_code)
            .bind(a.especially_difficult)
            .bind(&a.region)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            bar.inc(1);
        }
    });
    report.applied = true;
    Ok(())
}
