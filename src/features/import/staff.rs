//! `loa import staff`: phone, name, role and the areas the role covers.

use std::collections::{BTreeSet, HashMap};

use super::driver::{Cells, Checked, Importer, Row, Writing};
use super::parse;
use super::places::Places;
use super::table::Field;
use crate::db::Db;
use crate::features::contacts;
use crate::features::staff::store::{self, NewStaff, StoredStaff};
use crate::features::staff::Role;
use crate::i18n::Msg;

const PHONE: usize = 0;
const NAME: usize = 1;
const ROLE: usize = 2;
const AREAS: usize = 3;

pub const FIELDS: &[Field] = &[
    Field::required("phone", &["Số điện thoại", "Điện thoại", "SĐT", "Phone"]),
    Field::required("name", &["Họ tên", "Họ và tên", "Tên", "Name"]),
    Field::required("role", &["Vai trò", "Chức danh", "Chức vụ", "Role"]),
    Field::required(
        "areas",
        &["Địa bàn", "Địa bàn phụ trách", "Phụ trách", "Areas"],
    ),
];

pub(crate) struct Item {
    phone: String,
    name: String,
    role: Role,
    areas: BTreeSet<String>,
}

/// The areas a cell lists (`;`, `,` or new lines between codes).
pub fn listed_areas(cell: &str) -> impl Iterator<Item = &str> {
    cell.split([';', ',', '\n'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
}

pub(crate) struct Staff {
    places: Places,
    /// By phone.
    stored: HashMap<String, StoredStaff>,
}

impl Staff {
    /// The one phone of a row, in E.164.
    fn phone(&mut self, row: &mut Row<'_>) -> Option<String> {
        let phone = match parse::phones(row.get(PHONE)).as_slice() {
            [Ok(m)] => m.as_str().to_string(),
            [] => {
                row.problem(PHONE, Msg::new("import-required"));
                return None;
            }
            _ => {
                row.invalid(PHONE, Msg::new("import-bad-phone"));
                return None;
            }
        };
        if let Some(first) = row.repeats(&phone) {
            let problem = Msg::new("import-duplicate")
                .arg("value", row.get(PHONE))
                .num("first", first as i64);
            row.problem(PHONE, problem);
            return None;
        }
        Some(phone)
    }

    /// The codes of the areas a row lists, each a known place.
    fn areas(&self, row: &mut Row<'_>) -> BTreeSet<String> {
        let mut areas = BTreeSet::new();
        let mut listed = 0;
        for a in listed_areas(row.get(AREAS)) {
            listed += 1;
            match row.place(&self.places, AREAS, a) {
                Some(code) => {
                    areas.insert(code);
                }
                None => row.problem(AREAS, Msg::new("import-unknown-area").arg("value", a)),
            }
        }
        // An unknown code is its own problem; "empty" is only for a cell that lists nothing.
        if listed == 0 {
            row.problem(AREAS, Msg::new("import-required"));
        }
        areas
    }
}

impl Importer for Staff {
    type Item = Item;
    const FIELDS: &'static [Field] = FIELDS;

    async fn load(db: &Db, _cells: &Cells<'_>) -> Result<Self, sqlx::Error> {
        Ok(Staff {
            places: Places::load(db).await?,
            stored: store::all_by_phone(db).await?,
        })
    }

    fn check(&mut self, row: &mut Row<'_>) -> Checked<Item> {
        let Some(phone) = self.phone(row) else {
            return Checked::Skip;
        };
        let name = row.required(NAME).unwrap_or_default();
        let Some(role) = Role::parse(row.get(ROLE)) else {
            row.invalid(ROLE, Msg::new("import-unknown-role"));
            return Checked::Skip;
        };
        let areas = self.areas(row);
        let item = Item {
            phone,
            name: name.to_string(),
            role,
            areas,
        };
        match self.stored.get(&item.phone) {
            None => Checked::Created(item),
            Some(s) if s.name == item.name && s.role == role.as_str() && s.areas == item.areas => {
                Checked::Unchanged
            }
            Some(_) => Checked::Updated(item),
        }
    }

    /// The staff rows and their areas in multi-row statements; a worker's phone is a contact
    /// too, so that replies know its language.
    async fn write_chunk(
        &mut self,
        items: &[Item],
        w: &mut Writing<'_>,
    ) -> Result<(), sqlx::Error> {
        let staff: Vec<NewStaff> = items
            .iter()
            .map(|it| NewStaff {
                phone: &it.phone,
                name: &it.name,
                role: it.role,
                areas: &it.areas,
            })
            .collect();
        store::save(&mut w.tx, &staff, w.now).await?;
        let phones: Vec<&str> = items.iter().map(|it| it.phone.as_str()).collect();
        contacts::store::ensure_contacts(&mut w.tx, &phones, w.now).await
    }
}
