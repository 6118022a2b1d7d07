//! `loa import support`: support records (household × catalogue content) with status, quantity, unit and date.

use std::collections::HashMap;

use chrono::NaiveDate;
use indicatif::ProgressBar;

use super::table::{Field, Table};
use super::{find_columns, parse, should_write, ImportError, Options, Report};
use crate::db::{time, Db};
use crate::features::catalogue::{self, Expects};
use crate::features::households::code_key;
use crate::features::support::{parse_unit, Status, StatusChange};
use crate::i18n::Msg;
use crate::{with_db, with_tx};

const HOUSEHOLD: usize = 0;
const CONTENT: usize = 1;
const STATUS: usize = 2;
const QUANTITY: usize = 3;
const UNIT: usize = 4;
const DATE: usize = 5;
const NOTE: usize = 6;
const RECORD: usize = 7;
const REASON: usize = 8;

pub const FIELDS: &[Field] = &[
    Field {
        name: "household",
        header: "Mã hộ",
        required: true,
        aliases: &["Mã hộ", "Mã hộ gia đình", "Mã HGĐ", "Household code"],
    },
    Field {
        name: "content",
        header: "Mã nội dung",
        required: true,
        aliases: &[
            "Mã nội dung",
            "Nội dung",
            "Mã dự án",
            "Mã hỗ trợ",
            "Content code",
        ],
    },
    Field {
        name: "status",
        header: "Trạng thái",
        required: true,
        aliases: &["Trạng thái", "Tình trạng", "Status"],
    },
    Field {
        name: "quantity",
        header: "Số lượng",
        required: false,
        aliases: &["Số lượng", "Số tiền", "Mức hỗ trợ", "Quantity", "Amount"],
    },
    Field {
        name: "unit",
        header: "Đơn vị",
        required: false,
        aliases: &["Đơn vị", "Đơn vị tính", "ĐVT", "Unit"],
    },
    Field {
        name: "date",
        header: "Ngày",
        required: true,
        aliases: &["Ngày", "Ngày cập nhật", "Ngày quyết định", "Date"],
    },
    Field {
        name: "note",
        header: "Ghi chú",
        required: false,
        aliases: &["Ghi chú", "Note"],
    },
    Field {
        name: "record",
        header: "Mã hồ sơ",
        required: false,
        aliases: &["Mã hồ sơ", "Số hồ sơ", "Record"],
    },
    Field {
        name: "reason",
        header: "Lý do",
        required: false,
        aliases: &["Lý do", "Lý do từ chối", "Reason"],
    },
];

#[derive(Clone, Debug, PartialEq)]
struct Values {
    household_id: i64,
    content: &'static str,
    status: Status,
    reason: Option<String>,
    quantity: Option<i64>,
    unit: Option<&'static str>,
    date: NaiveDate,
    note: Option<String>,
}

struct Item {
    key: String,
    values: Values,
    /// The stored record and its status, when it exists.
    existing: Option<(i64, Status)>,
}

type StoredRow = (
    i64,
    String,
    i64,
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<String>,
    NaiveDate,
    Option<String>,
);

fn unit_fits(expects: Option<Expects>, unit: &str) -> bool {
    match expects {
        None => true,
        Some(Expects::Money) => unit == "VND",
        Some(Expects::Area) => unit == "ha" || unit == "m2",
        Some(Expects::Rice) => unit == "kg",
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
    let households: Vec<(String, i64)> = with_db!(db, |pool| sqlx::query_as(
        "SELECT code_key, id FROM households"
    )
    .fetch_all(pool)
    .await)?;
    let households: HashMap<String, i64> = households.into_iter().collect();
    let stored: Vec<StoredRow> = with_db!(db, |pool| {
        sqlx::query_as(
        "SELECT id, record_key, household_id, content_code, status, reason, quantity_milli, unit,
                record_date, note FROM support_records"
    )
    .fetch_all(pool)
    .await
    })?;
    let stored: HashMap<String, (i64, Values)> = stored
        .into_iter()
        .filter_map(
            |(id, key, household_id, content, status, reason, quantity, unit, date, note)| {
                Some((
                    key,
                    (
                        id,
                        Values {
                            household_id,
                            content: catalogue::get(&content)?.code,
                            status: Status::from_db(&status)?,
                            reason,
                            quantity,
                            unit: unit.as_deref().and_then(parse_unit),
                            date,
                            note,
                        },
                    ),
                ))
            },
        )
        .collect();

    let mut first_row: HashMap<String, usize> = HashMap::new();
    let mut items = Vec::new();
    for (row, cells) in &table.rows {
        let row = *row;
        let problems_before = report.problems.len();
        let hh_raw = cols.get(cells, HOUSEHOLD);
        let household_id = if hh_raw.is_empty() {
            report.problem(row, cols.header(HOUSEHOLD), Msg::new("import-required"));
            None
        } else {
            let id = households.get(&code_key(hh_raw)).copied();
            if id.is_none() {
                report.problem(
                    row,
                    cols.header(HOUSEHOLD),
                    Msg::new("import-unknown-household").arg("value", hh_raw),
                );
            }
            id
        };
        let content_raw = cols.get(cells, CONTENT);
        let content = catalogue::get(content_raw);
        if content.is_none() {
            report.problem(
                row,
                cols.header(CONTENT),
                Msg::new("import-unknown-content").arg("value", content_raw),
            );
        }
        let status_raw = cols.get(cells, STATUS);
        let status = Status::parse(status_raw);
        if status.is_none() {
            report.problem(
                row,
                cols.header(STATUS),
                Msg::new("import-unknown-status").arg("value", status_raw),
            );
        }
        let q_raw = cols.get(cells, QUANTITY);
        let u_raw = cols.get(cells, UNIT);
        let quantity = if q_raw.is_empty() {
            None
        } else {
            match parse::quantity_milli(q_raw) {
                None => {
                    report.problem(
                        row,
                        cols.header(QUANTITY),
                        Msg::new("import-bad-number").arg("value", q_raw),
                    );
                    None
                }
                Some(0) => {
                    report.problem(
                        row,
                        cols.header(QUANTITY),
                        Msg::new("import-zero-amount").arg("unit", u_raw),
                    );
                    None
                }
                Some(q) => Some(q),
            }
        };
        let unit = if u_raw.is_empty() {
            if !q_raw.is_empty() {
                report.problem(row, cols.header(UNIT), Msg::new("import-unit-required"));
            }
            None
        } else {
            match parse_unit(u_raw) {
                None => {
                    report.problem(
                        row,
                        cols.header(UNIT),
                        Msg::new("import-unknown-unit").arg("value", u_raw),
                    );
                    None
                }
                Some(u) => {
                    if !unit_fits(content.and_then(|c| c.expects), u) {
                        report.problem(
                            row,
                            cols.header(UNIT),
                            Msg::new("import-wrong-unit")
                                .arg("value", u_raw)
                                .arg("content", content_raw),
                        );
                    }
                    Some(u)
                }
            }
        };
        let d_raw = cols.get(cells, DATE);
        let date = parse::date(d_raw);
        if date.is_none() {
            report.problem(
                row,
                cols.header(DATE),
                Msg::new("import-bad-date").arg("value", d_raw),
            );
        }
        let note = cols.get(cells, NOTE);
        let note = (!note.is_empty()).then(|| note.to_string());
        let reason = Some(cols.get(cells, REASON))
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        let reason = if status == Some(Status::Rejected) {
            let r = reason.or_else(|| note.clone());
            if r.is_none() {
                report.problem(row, cols.header(REASON), Msg::new("import-reason-required"));
            }
            r
        } else {
            None
        };
        let record = cols.get(cells, RECORD);
        let (Some(household_id), Some(content), Some(status), Some(date)) =
            (household_id, content, status, date)
        else {
            continue;
        };
        let key = if record.is_empty() {
            format!("{}|{}|{}", code_key(hh_raw), content.code, date)
        } else {
            format!("#{record}")
        };
        if let Some(first) = first_row.get(&key) {
            report.problem(
                row,
                cols.header(if record.is_empty() { CONTENT } else { RECORD }),
                Msg::new("import-duplicate-record").num("first", *first as i64),
            );
            continue;
        }
        first_row.insert(key.clone(), row);
        let values = Values {
            household_id,
            content: content.code,
            status,
            reason,
            quantity,
            unit,
            date,
            note,
        };
        let existing = stored.get(&key);
        if let Some((_, old)) = existing {
            if old.status != status && !old.status.can_move_to(status) {
                report.problem(
                    row,
                    cols.header(STATUS),
                    Msg::new("import-bad-transition")
                        .arg("from", old.status.as_str())
                        .arg("to", status.as_str()),
                );
            }
        }
        if report.problems.len() > problems_before {
            continue;
        }
        match existing {
            None => report.created += 1,
            Some((_, old)) if *old == values => {
                report.unchanged += 1;
                continue;
            }
            Some(_) => report.updated += 1,
        }
        items.push(Item {
            key,
            existing: existing.map(|(id, v)| (*id, v.status)),
            values,
        });
    }
    if !should_write(opts, report) {
        return Ok(());
    }
    bar.set_length(items.len() as u64);
    let actor = opts.actor.clone().unwrap_or_else(|| "import".into());
    let now = time::now();
    let mut changes = Vec::new();
    with_tx!(db, |tx| {
        for it in &items {
            let v = &it.values;
            let (record_id, from) = match it.existing {
                None => {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO support_records (record_key, household_id, content_code, status, reason,
                             quantity_milli, unit, record_date, note, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                    )
                    .bind(&it.key)
                    .bind(v.household_id)
                    .bind(v.content)
                    .bind(v.status.as_str())
                    .bind(&v.reason)
                    .bind(v.quantity)
                    .bind(v.unit)
                    .bind(v.date)
                    .bind(&v.note)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                    (id, None)
                }
                Some((id, from)) => {
                    sqlx::query(
                        "UPDATE support_records SET household_id = $2, content_code = $3, status = $4,
                             reason = $5, quantity_milli = $6, unit = $7, record_date = $8, note = $9,
                             updated_at = $10
                          WHERE id = $1",
                    )
                    .bind(id)
                    .bind(v.household_id)
                    .bind(v.content)
                    .bind(v.status.as_str())
                    .bind(&v.reason)
                    .bind(v.quantity)
                    .bind(v.unit)
                    .bind(v.date)
                    .bind(&v.note)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    (id, Some(from))
                }
            };
            if from != Some(v.status) {
                let history_id: i64 = sqlx::query_scalar(
                    "INSERT INTO support_history
                            (record_id, from_status, to_status, reason, changed_by, changed_at,
                             announce_pending)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(record_id)
                .bind(from.map(Status::as_str))
                .bind(v.status.as_str())
                .bind(&v.reason)
                .bind(&actor)
                .bind(now)
                // A record's first appearance tells no one (see below).
                .bind(from.is_some() && v.status.notifies())
                .fetch_one(&mut *tx)
                .await?;
                // A record's first appearance tells no one: the first import of an office's
                // back catalogue would otherwise send years of old decisions as new.
                if from.is_some() && v.status.notifies() {
                    changes.push(StatusChange {
                        history_id,
                        record_id,
                        household_id: v.household_id,
                        content_code: v.content.to_string(),
                        from,
                        to: v.status,
                        reason: v.reason.clone(),
                    });
                }
            }
            bar.inc(1);
        }
    });
    report.changes = changes;
    report.applied = true;
    Ok(())
}
