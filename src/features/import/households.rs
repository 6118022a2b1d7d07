//! `loa import households`: households with their village, poverty class, members and phones.

use std::collections::{BTreeSet, HashMap};

use indicatif::ProgressBar;

use super::places::{Found, Places};
use super::table::{Field, Table};
use super::{find_columns, parse, should_write, ImportError, Options, Report};
use crate::db::{time, Db};
use crate::features::areas::Level;
use crate::features::households::{code_key, Poverty};
use crate::i18n::Msg;
use crate::{with_db, with_tx};

const CODE: usize = 0;
const HEAD: usize = 1;
const VILLAGE: usize = 2;
const ETHNIC: usize = 3;
const POVERTY: usize = 4;
const YEAR: usize = 5;
const MEMBERS: usize = 6;
const PHONES: usize = 7;

pub const FIELDS: &[Field] = &[
    Field {
        name: "code",
        header: "Mã hộ",
        required: true,
        aliases: &["Mã hộ", "Mã hộ gia đình", "Mã HGĐ", "Household code"],
    },
    Field {
        name: "head",
        header: "Họ tên chủ hộ",
        required: true,
        aliases: &[
            "Họ tên chủ hộ",
            "Chủ hộ",
            "Tên chủ hộ",
            "Họ và tên chủ hộ",
            "Head",
        ],
    },
    Field {
        name: "village",
        header: "Thôn/bản",
        required: true,
        aliases: &[
            "Thôn/bản",
            "Thôn",
            "Bản",
            "Mã thôn",
            "Thôn, bản",
            "Xóm",
            "Village",
        ],
    },
    Field {
        name: "ethnic",
        header: "Dân tộc",
        required: false,
        aliases: &["Dân tộc", "Ethnic group"],
    },
    Field {
        name: "poverty",
        header: "Phân loại hộ",
        required: false,
        aliases: &[
            "Phân loại hộ",
            "Phân loại",
            "Hộ nghèo/cận nghèo",
            "Poverty class",
        ],
    },
    Field {
        name: "year",
        header: "Năm phân loại",
        required: false,
        aliases: &["Năm phân loại", "Năm", "Year"],
    },
    Field {
        name: "members",
        header: "Số nhân khẩu",
        required: false,
        aliases: &["Số nhân khẩu", "Nhân khẩu", "Số khẩu", "Members"],
    },
    Field {
        name: "phones",
        header: "Số điện thoại",
        required: false,
        aliases: &["Số điện thoại", "Điện thoại", "SĐT", "Phone", "Phones"],
    },
];

#[derive(Clone, Debug, PartialEq)]
struct Values {
    head: String,
    village: String,
    ethnic: Option<String>,
    poverty: &'static str,
    year: Option<i64>,
    members: Option<i64>,
}

struct Item {
    code: String,
    values: Values,
    phones: BTreeSet<String>,
    /// None: a new household.
    id: Option<i64>,
    write_row: bool,
    write_links: bool,
}

type StoredRow = (
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<i64>,
    Option<i64>,
);

fn small_number(s: &str, range: std::ops::RangeInclusive<i64>) -> Result<Option<i64>, ()> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    match s.trim().parse::<i64>() {
        Ok(n) if range.contains(&n) => Ok(Some(n)),
        _ => Err(()),
    }
}

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
    let places = Places::load(db).await?;
    let stored: Vec<StoredRow> = with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT id, code, head_name, village_code, ethnic_group, poverty_class, poverty_year, members
           FROM households"
    )
    .fetch_all(pool)
    .await
    })?;
    let links: Vec<(i64, String)> = with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT hc.household_id, c.msisdn FROM household_contacts hc JOIN contacts c ON c.id = hc.contact_id"
    )
    .fetch_all(pool)
    .await
    })?;
    let mut stored_links: HashMap<i64, BTreeSet<String>> = HashMap::new();
    for (h, m) in links {
        stored_links.entry(h).or_default().insert(m);
    }
    let mut key_owner: HashMap<String, String> = HashMap::new();
    let mut stored_by_code: HashMap<String, (i64, Values)> = HashMap::new();
    for (id, code, head, village, ethnic, poverty, year, members) in stored {
        key_owner.insert(code_key(&code), code.clone());
        let poverty = Poverty::parse(&poverty.replace('_', " "))
            .unwrap_or(Poverty::None)
            .as_str();
        stored_by_code.insert(
            code,
            (
                id,
                Values {
                    head,
                    village,
                    ethnic,
                    poverty,
                    year,
                    members,
                },
            ),
        );
    }

    let mut first_row: HashMap<String, usize> = HashMap::new();
    let mut items = Vec::new();
    for (row, cells) in &table.rows {
        let row = *row;
        let code = cols.get(cells, CODE).to_string();
        if code.is_empty() {
            report.problem(row, cols.header(CODE), Msg::new("import-required"));
            continue;
        }
        let key = code_key(&code);
        if let Some(first) = first_row.get(&key) {
            report.problem(
                row,
                cols.header(CODE),
                Msg::new("import-duplicate")
                    .arg("value", code.clone())
                    .num("first", *first as i64),
            );
            continue;
        }
        first_row.insert(key.clone(), row);
        if key_owner.get(&key).is_some_and(|owner| *owner != code) {
            report.problem(
                row,
                cols.header(CODE),
                Msg::new("import-duplicate-code").arg("value", code.clone()),
            );
        }
        let head = cols.get(cells, HEAD);
        if head.is_empty() {
            report.problem(row, cols.header(HEAD), Msg::new("import-required"));
        }
        let village_raw = cols.get(cells, VILLAGE);
        let village = match places.find(village_raw) {
            _ if village_raw.is_empty() => {
                report.problem(row, cols.header(VILLAGE), Msg::new("import-required"));
                String::new()
            }
            None => {
                report.problem(
                    row,
                    cols.header(VILLAGE),
                    Msg::new("import-unknown-village").arg("value", village_raw),
                );
                String::new()
            }
            Some(found) => {
                let c = match found {
                    Found::Exact(c) => c,
                    Found::Padded(c) => {
                        report.note(
                            row,
                            cols.header(VILLAGE),
                            Msg::new("import-note-padded")
                                .arg("value", village_raw)
                                .arg("code", c.clone()),
                        );
                        c
                    }
                };
                if places.get(&c).is_some_and(|p| p.level != Level::Village) {
                    report.problem(
                        row,
                        cols.header(VILLAGE),
                        Msg::new("import-not-a-village").arg("value", c.clone()),
                    );
                }
                c
            }
        };
        let poverty_raw = cols.get(cells, POVERTY);
        let poverty = Poverty::parse(poverty_raw).unwrap_or_else(|| {
            report.problem(
                row,
                cols.header(POVERTY),
                Msg::new("import-unknown-poverty").arg("value", poverty_raw),
            );
            Poverty::None
        });
        let year = small_number(cols.get(cells, YEAR), 1990..=2100).unwrap_or_else(|()| {
            report.problem(
                row,
                cols.header(YEAR),
                Msg::new("import-bad-number").arg("value", cols.get(cells, YEAR)),
            );
            None
        });
        let members = small_number(cols.get(cells, MEMBERS), 1..=99).unwrap_or_else(|()| {
            report.problem(
                row,
                cols.header(MEMBERS),
                Msg::new("import-bad-number").arg("value", cols.get(cells, MEMBERS)),
            );
            None
        });
        let mut phones = BTreeSet::new();
        for p in parse::phones(cols.get(cells, PHONES)) {
            match p {
                Ok(m) => {
                    phones.insert(m.as_str().to_string());
                }
                Err(bad) => report.problem(
                    row,
                    cols.header(PHONES),
                    Msg::new("import-bad-phone").arg("value", bad),
                ),
            }
        }
        let ethnic = cols.get(cells, ETHNIC);
        let values = Values {
            head: head.to_string(),
            village,
            ethnic: (!ethnic.is_empty()).then(|| ethnic.to_string()),
            poverty: poverty.as_str(),
            year,
            members,
        };
        let (id, write_row, write_links) = match stored_by_code.get(&code) {
            None => (None, true, !phones.is_empty()),
            Some((id, old)) => {
                let empty = BTreeSet::new();
                let links = stored_links.get(id).unwrap_or(&empty);
                (Some(*id), *old != values, *links != phones)
            }
        };
        match (id, write_row || write_links) {
            (None, _) => report.created += 1,
            (Some(_), true) => report.updated += 1,
            (Some(_), false) => report.unchanged += 1,
        }
        if write_row || write_links {
            items.push(Item {
                code,
                values,
                phones,
                id,
                write_row,
                write_links,
            });
        }
    }
    if !should_write(opts, report) {
        return Ok(());
    }
    let contacts: Vec<(String, i64)> =
        with_db!(db, |pool| sqlx::query_as("SELECT msisdn, id FROM contacts")
            .fetch_all(pool)
            .await)?;
    let mut contacts: HashMap<String, i64> = contacts.into_iter().collect();
    bar.set_length(items.len() as u64);
    let now = time::now();
    with_tx!(db, |tx| {
        for it in &items {
            let v = &it.values;
            let id = match it.id {
                None => sqlx::query_scalar::<_, i64>(
                    "INSERT INTO households (code, code_key, head_name, village_code, ethnic_group,
                             poverty_class, poverty_year, members, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(&it.code)
                .bind(code_key(&it.code))
                .bind(&v.head)
                .bind(&v.village)
                .bind(&v.ethnic)
                .bind(v.poverty)
                .bind(v.year)
                .bind(v.members)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?,
                Some(id) => {
                    if it.write_row {
                        sqlx::query(
                            "UPDATE households SET head_name = $2, village_code = $3, ethnic_group = $4,
                                 poverty_class = $5, poverty_year = $6, members = $7, updated_at = $8
                              WHERE id = $1",
                        )
                        .bind(id)
                        .bind(&v.head)
                        .bind(&v.village)
                        .bind(&v.ethnic)
                        .bind(v.poverty)
                        .bind(v.year)
                        .bind(v.members)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    }
                    id
                }
            };
            if it.write_links {
                sqlx::query("DELETE FROM household_contacts WHERE household_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                for phone in &it.phones {
                    let contact = match contacts.get(phone) {
                        Some(c) => *c,
                        None => {
                            let c: i64 = sqlx::query_scalar(
                                "INSERT INTO contacts (msisdn, created_at, updated_at) VALUES ($1, $2, $2)
                                 RETURNING id",
                            )
                            .bind(phone)
                            .bind(now)
                            .fetch_one(&mut *tx)
                            .await?;
                            contacts.insert(phone.clone(), c);
                            c
                        }
                    };
                    sqlx::query(
                        "INSERT INTO household_contacts (household_id, contact_id) VALUES ($1, $2)",
                    )
                    .bind(id)
                    .bind(contact)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            bar.inc(1);
        }
    });
    report.applied = true;
    Ok(())
}
