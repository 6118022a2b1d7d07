//! `loa import support`: support records (household × catalogue content) with status, quantity, unit and date.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::driver::{Cells, Checked, Importer, Row, Writing};
use super::table::Field;
use super::{households, parse};
use crate::db::Db;
use crate::features::catalogue::{self, Entry, Expects};
use crate::features::households::code_key;
use crate::features::support::store::{self as records, History, Record};
use crate::features::support::{parse_unit, Status, StatusChange};
use crate::i18n::Msg;

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
    Field::required("household", households::CODE_SPELLINGS),
    Field::required(
        "content",
        &[
            "Mã nội dung",
            "Nội dung",
            "Mã dự án",
            "Mã hỗ trợ",
            "Content code",
        ],
    ),
    Field::required("status", &["Trạng thái", "Tình trạng", "Status"]),
    Field::optional(
        "quantity",
        &["Số lượng", "Số tiền", "Mức hỗ trợ", "Quantity", "Amount"],
    ),
    Field::optional("unit", &["Đơn vị", "Đơn vị tính", "ĐVT", "Unit"]),
    Field::required(
        "date",
        &["Ngày", "Ngày cập nhật", "Ngày quyết định", "Date"],
    ),
    Field::optional("note", &["Ghi chú", "Note"]),
    Field::optional("record", &["Mã hồ sơ", "Số hồ sơ", "Record"]),
    Field::optional("reason", &["Lý do", "Lý do từ chối", "Reason"]),
];

pub(crate) struct Item {
    key: String,
    record: Record,
    /// The stored record's status, when there is one.
    from: Option<Status>,
}

fn unit_fits(expects: Option<Expects>, unit: &str) -> bool {
    match expects {
        None => true,
        Some(Expects::Money) => unit == "VND",
        Some(Expects::Area) => unit == "ha" || unit == "m2",
        Some(Expects::Rice) => unit == "kg",
    }
}

/// The quantity of a row: None when empty; zero is a problem (say nothing instead).
fn quantity(row: &mut Row<'_>) -> Option<i64> {
    let raw = row.get(QUANTITY);
    if raw.is_empty() {
        return None;
    }
    match parse::quantity_milli(raw) {
        None => row.invalid(QUANTITY, Msg::new("import-bad-number")),
        Some(0) => {
            let unit = row.get(UNIT);
            row.problem(QUANTITY, Msg::new("import-zero-amount").arg("unit", unit));
        }
        Some(q) => return Some(q),
    }
    None
}

/// The unit of a row: needed with a quantity, and one the content is counted in.
fn unit(row: &mut Row<'_>, content: Option<&Entry>) -> Option<&'static str> {
    let raw = row.get(UNIT);
    if raw.is_empty() {
        if !row.get(QUANTITY).is_empty() {
            row.problem(UNIT, Msg::new("import-unit-required"));
        }
        return None;
    }
    let Some(unit) = parse_unit(raw) else {
        row.invalid(UNIT, Msg::new("import-unknown-unit"));
        return None;
    };
    if !unit_fits(content.and_then(|c| c.expects), unit) {
        let problem = Msg::new("import-wrong-unit")
            .arg("value", raw)
            .arg("content", row.get(CONTENT));
        row.problem(UNIT, problem);
    }
    Some(unit)
}

/// A rejection's reason (the reason column, or else the note); other statuses keep none.
fn reason(row: &mut Row<'_>, status: Option<Status>, note: &Option<String>) -> Option<String> {
    if status != Some(Status::Rejected) {
        return None;
    }
    let reason = Some(row.get(REASON))
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .or_else(|| note.clone());
    if reason.is_none() {
        row.problem(REASON, Msg::new("import-reason-required"));
    }
    reason
}

/// A cell read with `parse`, or None and `problem` quoting the cell.
fn parsed<T>(
    row: &mut Row<'_>,
    field: usize,
    parse: impl Fn(&str) -> Option<T>,
    problem: Msg,
) -> Option<T> {
    let value = parse(row.get(field));
    if value.is_none() {
        row.invalid(field, problem);
    }
    value
}

pub(crate) struct Support {
    /// Household ids by code key.
    households: HashMap<String, i64>,
    /// Stored records by key.
    stored: HashMap<String, Record>,
}

impl Support {
    fn household(&self, row: &mut Row<'_>) -> Option<i64> {
        let code = row.required(HOUSEHOLD)?;
        let id = self.households.get(&code_key(code)).copied();
        if id.is_none() {
            row.invalid(HOUSEHOLD, Msg::new("import-unknown-household"));
        }
        id
    }

    /// The record's key (the file's record number, or household|content|date), unless an
    /// earlier row has it.
    fn key(&self, row: &mut Row<'_>, content: &Entry, date: NaiveDate) -> Option<String> {
        let number = row.get(RECORD);
        let key = if number.is_empty() {
            format!("{}|{}|{}", code_key(row.get(HOUSEHOLD)), content.code, date)
        } else {
            format!("#{number}")
        };
        let Some(first) = row.repeats(&key) else {
            return Some(key);
        };
        let field = if number.is_empty() { CONTENT } else { RECORD };
        row.problem(
            field,
            Msg::new("import-duplicate-record").num("first", first as i64),
        );
        None
    }

    /// The record a row describes, under its key; None when a cell it cannot do without is
    /// wrong, or an earlier row has the key.
    fn record(&self, row: &mut Row<'_>) -> Option<(String, Record)> {
        let household = self.household(row);
        let content = parsed(
            row,
            CONTENT,
            catalogue::get,
            Msg::new("import-unknown-content"),
        );
        let status = parsed(
            row,
            STATUS,
            Status::parse,
            Msg::new("import-unknown-status"),
        );
        let quantity_milli = quantity(row);
        let unit = unit(row, content);
        let date = parsed(row, DATE, parse::date, Msg::new("import-bad-date"));
        let note = Some(row.get(NOTE))
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        let reason = reason(row, status, &note);
        let (household_id, content, status, date) = (household?, content?, status?, date?);
        let key = self.key(row, content, date)?;
        let record = Record {
            household_id,
            content: content.code,
            status,
            reason,
            quantity_milli,
            unit,
            date,
            note,
        };
        Some((key, record))
    }
}

impl Importer for Support {
    type Item = Item;
    const FIELDS: &'static [Field] = FIELDS;

    async fn load(db: &Db, _cells: &Cells<'_>) -> Result<Self, sqlx::Error> {
        Ok(Support {
            households: crate::features::households::store::ids_by_key(db).await?,
            stored: records::records_by_key(db).await?,
        })
    }

    fn check(&mut self, row: &mut Row<'_>) -> Checked<Item> {
        let Some((key, record)) = self.record(row) else {
            return Checked::Skip;
        };
        let stored = self.stored.get(&key);
        if let Some(old) = stored {
            if old.status != record.status && !old.status.can_move_to(record.status) {
                let problem = Msg::new("import-bad-transition")
                    .arg_msg("from", old.status.msg_id())
                    .arg_msg("to", record.status.msg_id());
                row.problem(STATUS, problem);
            }
        }
        if row.has_problems() {
            return Checked::Skip;
        }
        let from = stored.map(|old| old.status);
        match stored {
            None => Checked::Created(Item { key, record, from }),
            Some(old) if *old == record => Checked::Unchanged,
            Some(_) => Checked::Updated(Item { key, record, from }),
        }
    }

    /// The records in multi-row statements, then a history line for each whose status changed.
    async fn write_chunk(
        &mut self,
        items: &[Item],
        w: &mut Writing<'_>,
    ) -> Result<(), sqlx::Error> {
        let rows: Vec<(&str, &Record)> = items
            .iter()
            .map(|it| (it.key.as_str(), &it.record))
            .collect();
        let ids = records::save_records(&mut w.tx, &rows, w.now).await?;
        let moved: Vec<(&Item, i64)> = items
            .iter()
            .filter(|it| it.from != Some(it.record.status))
            .map(|it| Ok((it, *ids.get(&it.key).ok_or(sqlx::Error::RowNotFound)?)))
            .collect::<Result<_, sqlx::Error>>()?;
        let lines: Vec<History> = moved
            .iter()
            .map(|(it, record_id)| History {
                record_id: *record_id,
                from: it.from,
                to: it.record.status,
                reason: it.record.reason.as_deref(),
                changed_by: w.actor,
                changed_at: w.now,
                announce: announces(it),
            })
            .collect();
        let history_ids = records::append_histories(&mut w.tx, &lines).await?;
        for (it, record_id) in moved.into_iter().filter(|(it, _)| announces(it)) {
            let r = &it.record;
            w.changes.push(StatusChange {
                history_id: *history_ids
                    .get(&record_id)
                    .ok_or(sqlx::Error::RowNotFound)?,
                record_id,
                household_id: r.household_id,
                content_code: r.content.to_string(),
                from: it.from,
                to: r.status,
                reason: r.reason.clone(),
            });
        }
        Ok(())
    }
}

/// Whether the household hears of a row's status change. A record's first appearance tells no
/// one: the first import of an office's back catalogue would otherwise send years of old
/// decisions as new.
fn announces(it: &Item) -> bool {
    it.from.is_some() && it.record.status.notifies()
}
