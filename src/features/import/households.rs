//! `loa import households`: households with their village, poverty class, members and phones.

use std::collections::{HashMap, HashSet};
use std::ops::RangeInclusive;

use super::driver::{Cells, Checked, Importer, Row, Writing};
use super::parse;
use super::places::Places;
use super::table::Field;
use crate::db::Db;
use crate::features::areas::Level;
use crate::features::contacts;
use crate::features::households::store::{self, Fields as Household, StoredHousehold};
use crate::features::households::{code_key, Poverty};
use crate::i18n::Msg;

const CODE: usize = 0;
const HEAD: usize = 1;
const VILLAGE: usize = 2;
const ETHNIC: usize = 3;
const POVERTY: usize = 4;
const YEAR: usize = 5;
const MEMBERS: usize = 6;
const PHONES: usize = 7;

/// How offices head the household code column; support files name households the same way.
pub const CODE_SPELLINGS: &[&str] = &["Mã hộ", "Mã hộ gia đình", "Mã HGĐ", "Household code"];

pub const FIELDS: &[Field] = &[
    Field::required("code", CODE_SPELLINGS),
    Field::required(
        "head",
        &[
            "Họ tên chủ hộ",
            "Chủ hộ",
            "Tên chủ hộ",
            "Họ và tên chủ hộ",
            "Head",
        ],
    ),
    Field::required(
        "village",
        &[
            "Thôn/bản",
            "Thôn",
            "Bản",
            "Mã thôn",
            "Thôn, bản",
            "Xóm",
            "Village",
        ],
    ),
    Field::optional("ethnic", &["Dân tộc", "Ethnic group"]),
    Field::optional(
        "poverty",
        &[
            "Phân loại hộ",
            "Phân loại",
            "Hộ nghèo/cận nghèo",
            "Poverty class",
        ],
    ),
    Field::optional("year", &["Năm phân loại", "Năm", "Year"]),
    Field::optional(
        "members",
        &["Số nhân khẩu", "Nhân khẩu", "Số khẩu", "Members"],
    ),
    Field::optional(
        "phones",
        &["Số điện thoại", "Điện thoại", "SĐT", "Phone", "Phones"],
    ),
];

/// A household row to write; what changed decides which statements it is part of.
pub(crate) struct Item {
    code: String,
    fields: Household,
    /// Sorted, each once (as [`phones`] returns them).
    phones: Vec<String>,
    /// None: a new household.
    id: Option<i64>,
    write_row: bool,
    write_links: bool,
}

pub(crate) struct Households {
    places: Places,
    /// The stored households the file names, by code as written.
    stored: HashMap<String, StoredHousehold>,
    /// The code each stored code key belongs to: `cg 0001` is not a new household beside `CG-0001`.
    key_owner: HashMap<String, String>,
}

impl Households {
    /// The household code of a row, unless it is missing or repeats an earlier row.
    fn code(&self, row: &mut Row<'_>) -> Option<String> {
        let code = row.required(CODE)?;
        let key = code_key(code);
        if let Some(first) = row.repeats(&key) {
            let problem = Msg::new("import-duplicate")
                .arg("value", code)
                .num("first", first as i64);
            row.problem(CODE, problem);
            return None;
        }
        if self.key_owner.get(&key).is_some_and(|owner| owner != code) {
            row.invalid(CODE, Msg::new("import-duplicate-code"));
        }
        Some(code.to_string())
    }

    /// The village a row names: a known place, and a village.
    fn village(&self, row: &mut Row<'_>) -> String {
        let Some(raw) = row.required(VILLAGE) else {
            return String::new();
        };
        let Some(code) = row.place(&self.places, VILLAGE, raw) else {
            row.invalid(VILLAGE, Msg::new("import-unknown-village"));
            if self.places.by_code.is_empty() {
                // No place at all yet: the office imported households before its areas.
                row.hint(Msg::new("import-hint-areas-first"));
            }
            return String::new();
        };
        if self
            .places
            .get(&code)
            .is_some_and(|p| p.level != Level::Village)
        {
            row.problem(
                VILLAGE,
                Msg::new("import-not-a-village").arg("value", code.clone()),
            );
        }
        code
    }

    /// Everything a row says of the household but its code and phones.
    fn fields(&self, row: &mut Row<'_>) -> Household {
        let head = row.required(HEAD).unwrap_or_default();
        let village = self.village(row);
        let poverty = Poverty::parse(row.get(POVERTY)).unwrap_or_else(|| {
            row.invalid(POVERTY, Msg::new("import-unknown-poverty"));
            Poverty::None
        });
        let year = number(row, YEAR, 1990..=2100);
        let members = number(row, MEMBERS, 1..=99);
        let ethnic = row.get(ETHNIC);
        Household {
            head: head.to_string(),
            village,
            ethnic: (!ethnic.is_empty()).then(|| ethnic.to_string()),
            poverty: poverty.as_str(),
            year,
            members,
        }
    }
}

/// A whole number in `range`, or None for an empty cell.
fn number(row: &mut Row<'_>, field: usize, range: RangeInclusive<i64>) -> Option<i64> {
    let cell = row.get(field).trim();
    if cell.is_empty() {
        return None;
    }
    match cell.parse::<i64>() {
        Ok(n) if range.contains(&n) => Some(n),
        _ => {
            row.invalid(field, Msg::new("import-bad-number"));
            None
        }
    }
}

/// Every phone a row lists, in E.164, sorted and each once: a set, kept in a `Vec` because a
/// file of a hundred thousand rows holds a hundred thousand of them at once.
fn phones(row: &mut Row<'_>) -> Vec<String> {
    let mut phones = Vec::new();
    for p in parse::phones(row.get(PHONES)) {
        match p {
            Ok(m) => phones.push(m.as_str().to_string()),
            Err(bad) => row.problem(PHONES, Msg::new("import-bad-phone").arg("value", bad)),
        }
    }
    phones.sort_unstable();
    phones.dedup();
    phones
}

impl Importer for Households {
    type Item = Item;
    const FIELDS: &'static [Field] = FIELDS;
    const TABLES: &'static [&'static str] = &["households", "household_contacts", "contacts"];

    async fn load(db: &Db, cells: &Cells<'_>) -> Result<Self, sqlx::Error> {
        let keys: HashSet<String> = cells
            .column(CODE)
            .filter(|c| !c.is_empty())
            .map(code_key)
            .collect();
        let keys: Vec<String> = keys.into_iter().collect();
        let mut key_owner = HashMap::new();
        let mut stored = HashMap::new();
        for h in store::by_keys(db, &keys).await? {
            key_owner.insert(code_key(&h.code), h.code.clone());
            stored.insert(h.code.clone(), h);
        }
        Ok(Households {
            places: Places::load(db).await?,
            stored,
            key_owner,
        })
    }

    fn check(&mut self, row: &mut Row<'_>) -> Checked<Item> {
        let Some(code) = self.code(row) else {
            return Checked::Skip;
        };
        let fields = self.fields(row);
        let phones = phones(row);
        let Some(old) = self.stored.get(&code) else {
            let write_links = !phones.is_empty();
            return Checked::Created(Item {
                code,
                fields,
                phones,
                id: None,
                write_row: true,
                write_links,
            });
        };
        let (write_row, write_links) = (old.fields != fields, old.phones != phones);
        if !write_row && !write_links {
            return Checked::Unchanged;
        }
        let id = Some(old.id);
        Checked::Updated(Item {
            code,
            fields,
            phones,
            id,
            write_row,
            write_links,
        })
    }

    /// A chunk in a few multi-row statements: the households, the links to replace, the
    /// contacts of new phones, the new links.
    async fn write_chunk(
        &mut self,
        items: &[Item],
        w: &mut Writing<'_>,
    ) -> Result<(), sqlx::Error> {
        let rows: Vec<(&str, &Household)> = items
            .iter()
            .filter(|it| it.write_row)
            .map(|it| (it.code.as_str(), &it.fields))
            .collect();
        store::save(&mut w.tx, &rows, w.now).await?;
        let relinked = || items.iter().filter(|it| it.write_links);
        let stale: Vec<i64> = relinked().filter_map(|it| it.id).collect();
        store::unlink_all(&mut w.tx, &stale).await?;
        let mut phones: Vec<&str> = relinked()
            .flat_map(|it| it.phones.iter().map(String::as_str))
            .collect();
        phones.sort_unstable();
        phones.dedup();
        contacts::store::ensure_contacts(&mut w.tx, &phones, w.now).await?;
        let links: Vec<(&str, &str)> = relinked()
            .flat_map(|it| it.phones.iter().map(|p| (it.code.as_str(), p.as_str())))
            .collect();
        store::link_many(&mut w.tx, &links).await
    }
}
