//! Whether a file uploaded by a staff member stays within that member's areas: every village, household, area and staff row it touches.

use std::collections::HashMap;

use super::places::{Found, Places};
use super::table::{self, Table};
use super::{areas, households, staff, support, ImportError, Kind, Options, Problem};
use crate::db::Db;
use crate::features::staff::{self as staff_feature, Staff};
use crate::i18n::Msg;
use crate::with_db;

/// Coverage answers by area code, so a file of 100,000 rows asks the database once per area.
struct Cover<'a> {
    db: &'a Db,
    staff: &'a Staff,
    known: HashMap<String, bool>,
}

impl Cover<'_> {
    async fn covers(&mut self, area: &str) -> Result<bool, sqlx::Error> {
        if let Some(&c) = self.known.get(area) {
            return Ok(c);
        }
        let c = staff_feature::covers(self.db, self.staff, area).await?;
        self.known.insert(area.to_string(), c);
        Ok(c)
    }
}

fn resolve(places: &Places, code: &str) -> Option<String> {
    match places.find(code.trim())? {
        Found::Exact(c) | Found::Padded(c) => Some(c),
    }
}

fn outside(row: usize, column: &str, value: &str) -> Problem {
    Problem {
        row,
        column: column.to_string(),
        problem: Msg::new("import-outside-area").arg("value", value.to_string()),
    }
}

/// One problem per row that reaches outside `staff`'s areas. Codes unknown to the database
/// are left to the import's own checks (it reports them), except an area whose parent is
/// unknown or absent: a new province or commune is never within a staff member's areas.
pub async fn outside_areas(
    db: &Db,
    staff: &Staff,
    kind: Kind,
    table: &Table,
    opts: &Options,
) -> Result<Vec<Problem>, ImportError> {
    let fields = match kind {
        Kind::Areas => areas::FIELDS,
        Kind::Households => households::FIELDS,
        Kind::Support => support::FIELDS,
        Kind::Staff => staff::FIELDS,
    };
    // A missing column is the import's problem to report; nothing can be checked without it.
    let Ok(cols) = table::columns(table, fields, &opts.header_map) else {
        return Ok(Vec::new());
    };
    let field = |name: &str| fields.iter().position(|f| f.name == name).unwrap_or(0);
    let places = Places::load(db).await?;
    let mut cover = Cover {
        db,
        staff,
        known: HashMap::new(),
    };
    let village_of: HashMap<String, String> = match kind {
        Kind::Households | Kind::Support => {
            with_db!(db, |pool| sqlx::query_as::<_, (String, String)>(
                "SELECT code_key, village_code FROM households"
            )
            .fetch_all(pool)
            .await)?
            .into_iter()
            .collect()
        }
        _ => HashMap::new(),
    };
    let mut problems = Vec::new();
    for (row, cells) in &table.rows {
        let row = *row;
        match kind {
            Kind::Households | Kind::Support => {
                let hh = if kind == Kind::Households {
                    field("code")
                } else {
                    field("household")
                };
                let code = cols.get(cells, hh);
                // An existing household stays where it is unless the caller covers it.
                if let Some(v) = village_of.get(&crate::features::households::code_key(code)) {
                    if !cover.covers(v).await? {
                        problems.push(outside(row, cols.header(hh), code));
                        continue;
                    }
                }
                if kind == Kind::Households {
                    let vi = field("village");
                    let village = cols.get(cells, vi);
                    if let Some(v) = resolve(&places, village) {
                        if !cover.covers(&v).await? {
                            problems.push(outside(row, cols.header(vi), village));
                        }
                    }
                }
            }
            Kind::Areas => {
                let (ci, pi) = (field("code"), field("parent"));
                let code = cols.get(cells, ci);
                if let Some(c) = resolve(&places, code) {
                    if !cover.covers(&c).await? {
                        problems.push(outside(row, cols.header(ci), code));
                    }
                    continue;
                }
                let parent = cols.get(cells, pi);
                let ok = match resolve(&places, parent) {
                    Some(p) => cover.covers(&p).await?,
                    None => false,
                };
                if !ok {
                    problems.push(outside(row, cols.header(pi), parent));
                }
            }
            Kind::Staff => {
                let (phi, ai) = (field("phone"), field("areas"));
                let listed = cols.get(cells, ai);
                let mut bad = None;
                for a in listed
                    .split([';', ',', '\n'])
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                {
                    if let Some(c) = resolve(&places, a) {
                        if !cover.covers(&c).await? {
                            bad = Some(a.to_string());
                            break;
                        }
                    }
                }
                if let Some(a) = bad {
                    problems.push(outside(row, cols.header(ai), &a));
                    continue;
                }
                // Someone already serving elsewhere is not the caller's to move.
                let phone = cols.get(cells, phi);
                if let Some(Ok(m)) = super::parse::phones(phone).into_iter().next() {
                    if let Some(other) = staff_feature::by_phone(db, &m).await? {
                        for a in &other.areas {
                            if !cover.covers(a).await? {
                                problems.push(outside(row, cols.header(phi), &m.masked()));
                                break;
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(problems)
}
