//! Whether a file uploaded by a staff member stays within that member's areas: every village, household, area and staff row it touches.

use std::collections::HashMap;

use super::places::{Found, Places};
use super::staff::listed_areas;
use super::table::{self, Columns, Field, Table};
use super::{ImportError, Kind, Options, Problem};
use crate::db::Db;
use crate::features::areas::{self, Area, Level};
use crate::features::households::code_key;
use crate::features::staff::{self as staff_feature, Staff};
use crate::i18n::Msg;

/// The caller's areas, worked out once for the whole file (one query, whatever its rows).
struct Cover {
    scope: staff_feature::Scope,
}

impl Cover {
    async fn covers(&mut self, area: &str) -> Result<bool, sqlx::Error> {
        Ok(self.scope.covers(area))
    }
}

fn resolve(places: &Places, code: &str) -> Option<String> {
    match places.find(code.trim())? {
        Found::Exact(c) | Found::Padded(c) => Some(c),
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
    // An admin's scope is everywhere, new provinces and communes included.
    if staff.role == crate::features::staff::Role::Admin {
        return Ok(Vec::new());
    }
    let fields = kind.fields();
    // A missing column is the import's problem to report; nothing can be checked without it.
    let Ok(cols) = table::columns(table, fields, &opts.header_map) else {
        return Ok(Vec::new());
    };
    let village_of = match kind {
        Kind::Households | Kind::Support => {
            crate::features::households::store::villages_by_key(db).await?
        }
        Kind::Areas | Kind::Staff | Kind::Pregnancies => HashMap::new(),
    };
    let stored_areas = match kind {
        Kind::Areas => areas::all(db)
            .await?
            .into_iter()
            .map(|a| (a.code.clone(), a))
            .collect(),
        _ => HashMap::new(),
    };
    let mut scope = Scope {
        db,
        fields,
        cols,
        places: Places::load(db).await?,
        village_of,
        stored_areas,
        own: staff.areas.clone(),
        cover: Cover {
            scope: staff_feature::scope(db, staff).await?,
        },
    };
    let mut problems = Vec::new();
    for (row, cells) in &table.rows {
        let problem = match kind {
            Kind::Households => scope.household(*row, cells).await?,
            Kind::Support => scope.household_of(*row, cells, "household").await?,
            Kind::Areas => scope.area(*row, cells).await?,
            Kind::Staff => scope.staff(*row, cells).await?,
            // Health data are not uploaded through the officers' route (`http/imports.rs`
            // refuses the kind); the village column is checked if it ever is.
            Kind::Pregnancies => scope.covered(*row, cells, "village").await?,
        };
        problems.extend(problem);
    }
    Ok(problems)
}

/// What the rows of one upload are checked with.
struct Scope<'a> {
    db: &'a Db,
    fields: &'static [Field],
    cols: Columns,
    places: Places,
    /// Stored households' villages by code key.
    village_of: HashMap<String, String>,
    /// Stored areas by code (an areas upload only).
    stored_areas: HashMap<String, Area>,
    /// The areas the caller is assigned (covered from above, not by the caller).
    own: Vec<String>,
    cover: Cover,
}

type Outside = Result<Option<Problem>, sqlx::Error>;

impl Scope<'_> {
    /// The index of the field named `name`.
    fn field(&self, name: &str) -> usize {
        self.fields.iter().position(|f| f.name == name).unwrap_or(0)
    }

    fn outside(&self, row: usize, field: usize, value: &str) -> Problem {
        let problem = Msg::new("import-outside-area").arg("value", value.to_string());
        self.problem(row, field, problem)
    }

    /// The place a row names in field `name` must be covered, when it is known.
    async fn covered(&mut self, row: usize, cells: &[String], name: &str) -> Outside {
        let field = self.field(name);
        let value = self.cols.get(cells, field);
        let Some(code) = resolve(&self.places, value) else {
            return Ok(None);
        };
        let ok = self.cover.covers(&code).await?;
        Ok((!ok).then(|| self.outside(row, field, value)))
    }

    /// An existing household stays where it is unless the caller covers it.
    async fn household_of(&mut self, row: usize, cells: &[String], name: &str) -> Outside {
        let field = self.field(name);
        let code = self.cols.get(cells, field);
        let Some(village) = self.village_of.get(&code_key(code)) else {
            return Ok(None);
        };
        let ok = self.cover.covers(village).await?;
        Ok((!ok).then(|| self.outside(row, field, code)))
    }

    /// A household row: where the household is, and where the row moves it.
    async fn household(&mut self, row: usize, cells: &[String]) -> Outside {
        match self.household_of(row, cells, "code").await? {
            Some(p) => Ok(Some(p)),
            None => self.covered(row, cells, "village").await,
        }
    }

    /// A known area must be covered, keep its level, and may move only under a covered parent
    /// (and not at all when it is one the caller is assigned); a new one must have a covered
    /// parent.
    async fn area(&mut self, row: usize, cells: &[String]) -> Outside {
        let code = self.cols.get(cells, self.field("code"));
        if let Some(known) = resolve(&self.places, code) {
            if let Some(p) = self.covered(row, cells, "code").await? {
                return Ok(Some(p));
            }
            return self.known_area(row, cells, &known).await;
        }
        let field = self.field("parent");
        let parent = self.cols.get(cells, field);
        let ok = match resolve(&self.places, parent) {
            Some(p) => self.cover.covers(&p).await?,
            None => false,
        };
        Ok((!ok).then(|| self.outside(row, field, parent)))
    }

    /// A covered area's level and parent as the row would set them.
    async fn known_area(&mut self, row: usize, cells: &[String], code: &str) -> Outside {
        let Some(stored) = self.stored_areas.get(code) else {
            return Ok(None);
        };
        let level_field = self.field("level");
        let level = Level::from_vietnamese(self.cols.get(cells, level_field));
        if level.is_some_and(|l| l != stored.level) {
            let problem = Msg::new("import-scope-level").arg("value", code.to_string());
            return Ok(Some(self.problem(row, level_field, problem)));
        }
        let field = self.field("parent");
        let raw = self.cols.get(cells, field);
        let parent = resolve(&self.places, raw);
        if parent.as_deref() == stored.parent_code.as_deref() {
            return Ok(None);
        }
        if self.own.iter().any(|a| a == code) {
            let problem = Msg::new("import-scope-own").arg("value", code.to_string());
            return Ok(Some(self.problem(row, field, problem)));
        }
        let ok = match parent {
            Some(p) => self.cover.covers(&p).await?,
            None => false,
        };
        Ok((!ok).then(|| self.outside(row, field, raw)))
    }

    fn problem(&self, row: usize, field: usize, problem: Msg) -> Problem {
        Problem {
            row,
            column: self.cols.header(field).to_string(),
            problem,
        }
    }

    /// Every area a staff row lists must be covered, and someone already serving elsewhere is
    /// not the caller's to move.
    async fn staff(&mut self, row: usize, cells: &[String]) -> Outside {
        let field = self.field("areas");
        for a in listed_areas(self.cols.get(cells, field)) {
            if let Some(c) = resolve(&self.places, a) {
                if !self.cover.covers(&c).await? {
                    return Ok(Some(self.outside(row, field, a)));
                }
            }
        }
        let field = self.field("phone");
        let phone = self.cols.get(cells, field);
        let Some(Ok(m)) = super::parse::phones(phone).into_iter().next() else {
            return Ok(None);
        };
        let Some(other) = staff_feature::by_phone(self.db, &m).await? else {
            return Ok(None);
        };
        for a in &other.areas {
            if !self.cover.covers(a).await? {
                return Ok(Some(self.outside(row, field, &m.masked())));
            }
        }
        Ok(None)
    }
}
