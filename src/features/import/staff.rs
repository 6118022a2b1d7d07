//! `loa import staff`: phone, name, role and the areas the role covers.

use std::collections::{BTreeSet, HashMap};

use indicatif::ProgressBar;

use super::places::{Found, Places};
use super::table::{Field, Table};
use super::{find_columns, parse, should_write, ImportError, Options, Report};
use crate::db::{time, Db};
use crate::features::staff::Role;
use crate::i18n::Msg;
use crate::{with_db, with_tx};

const PHONE: usize = 0;
const NAME: usize = 1;
const ROLE: usize = 2;
const AREAS: usize = 3;

pub const FIELDS: &[Field] = &[
    Field {
        name: "phone",
        header: "Số điện thoại",
        required: true,
        aliases: &["Số điện thoại", "Điện thoại", "SĐT", "Phone"],
    },
    Field {
        name: "name",
        header: "Họ tên",
        required: true,
        aliases: &["Họ tên", "Họ và tên", "Tên", "Name"],
    },
    Field {
        name: "role",
        header: "Vai trò",
        required: true,
        aliases: &["Vai trò", "Chức danh", "Chức vụ", "Role"],
    },
    Field {
        name: "areas",
        header: "Địa bàn",
        required: true,
        aliases: &["Địa bàn", "Địa bàn phụ trách", "Phụ trách", "Areas"],
    },
];

struct Item {
    phone: String,
    name: String,
    role: Role,
    areas: BTreeSet<String>,
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
    let stored: Vec<(i64, String, String, String)> = with_db!(db, |pool| sqlx::query_as(
        "SELECT id, msisdn, name, role FROM staff"
    )
    .fetch_all(pool)
    .await)?;
    let stored_areas: Vec<(i64, String)> = with_db!(db, |pool| sqlx::query_as(
        "SELECT staff_id, area_code FROM staff_areas"
    )
    .fetch_all(pool)
    .await)?;
    let mut areas_of: HashMap<i64, BTreeSet<String>> = HashMap::new();
    for (s, a) in stored_areas {
        areas_of.entry(s).or_default().insert(a);
    }
    let stored: HashMap<String, (i64, String, String)> = stored
        .into_iter()
        .map(|(id, m, n, r)| (m, (id, n, r)))
        .collect();
    let mut first_row: HashMap<String, usize> = HashMap::new();
    let mut items = Vec::new();
    for (row, cells) in &table.rows {
        let row = *row;
        let raw_phone = cols.get(cells, PHONE);
        let phones = parse::phones(raw_phone);
        let phone = match phones.as_slice() {
            [Ok(m)] => m.as_str().to_string(),
            [] => {
                report.problem(row, cols.header(PHONE), Msg::new("import-required"));
                continue;
            }
            _ => {
                report.problem(
                    row,
                    cols.header(PHONE),
                    Msg::new("import-bad-phone").arg("value", raw_phone),
                );
                continue;
            }
        };
        if let Some(first) = first_row.get(&phone) {
            report.problem(
                row,
                cols.header(PHONE),
                Msg::new("import-duplicate")
                    .arg("value", raw_phone)
                    .num("first", *first as i64),
            );
            continue;
        }
        first_row.insert(phone.clone(), row);
        let name = cols.get(cells, NAME);
        if name.is_empty() {
            report.problem(row, cols.header(NAME), Msg::new("import-required"));
        }
        let role_raw = cols.get(cells, ROLE);
        let Some(role) = Role::parse(role_raw) else {
            report.problem(
                row,
                cols.header(ROLE),
                Msg::new("import-unknown-role").arg("value", role_raw),
            );
            continue;
        };
        let mut areas = BTreeSet::new();
        for a in cols
            .get(cells, AREAS)
            .split([';', ',', '\n'])
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            match places.find(a) {
                Some(Found::Exact(c)) => {
                    areas.insert(c);
                }
                Some(Found::Padded(c)) => {
                    report.note(
                        row,
                        cols.header(AREAS),
                        Msg::new("import-note-padded")
                            .arg("value", a)
                            .arg("code", c.clone()),
                    );
                    areas.insert(c);
                }
                None => report.problem(
                    row,
                    cols.header(AREAS),
                    Msg::new("import-unknown-area").arg("value", a),
                ),
            }
        }
        if areas.is_empty() {
            report.problem(row, cols.header(AREAS), Msg::new("import-required"));
        }
        match stored.get(&phone) {
            None => report.created += 1,
            Some((id, n, r)) => {
                let same = n == name && r == role.as_str() && areas_of.get(id) == Some(&areas);
                if same {
                    report.unchanged += 1;
                    continue;
                }
                report.updated += 1;
            }
        }
        items.push(Item {
            phone,
            name: name.to_string(),
            role,
            areas,
        });
    }
    if !should_write(opts, report) {
        return Ok(());
    }
    let now = time::now();
    with_tx!(db, |tx| {
        for it in &items {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO staff (msisdn, name, role, updated_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (msisdn) DO UPDATE SET name = excluded.name, role = excluded.role,
                     updated_at = excluded.updated_at
                 RETURNING id",
            )
            .bind(&it.phone)
            .bind(&it.name)
            .bind(it.role.as_str())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM staff_areas WHERE staff_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for a in &it.areas {
                sqlx::query("INSERT INTO staff_areas (staff_id, area_code) VALUES ($1, $2)")
                    .bind(id)
                    .bind(a)
                    .execute(&mut *tx)
                    .await?;
            }
            // A worker's phone is a contact too, so replies know its language.
            sqlx::query(
                "INSERT INTO contacts (msisdn, created_at, updated_at) VALUES ($1, $2, $2)
                 ON CONFLICT (msisdn) DO NOTHING",
            )
            .bind(&it.phone)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            bar.inc(1);
        }
    });
    report.applied = true;
    Ok(())
}
