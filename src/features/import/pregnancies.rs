//! `loa import pregnancies`: the mother's phone, the EDD or the last period, her village when her phone is in no household, and the health worker who follows her.
//!
//! The same rules as `THAI` by SMS (dates checked against today in the deployment's timezone,
//! the deployment's schedule, one open pregnancy per mother: a row for a registered mother
//! updates hers), written in the import's one transaction. An import is an office's records, not
//! a worker's new registration: it sends no welcome SMS (a first import would otherwise text
//! every mother at once); reminders start with the next morning's job, and the registration is
//! recorded in the consent ledger as from `api`, except for a mother who had opted out of
//! reminders (`HUY NH`): as with `THAI`, her choice stands and no opt-in is written.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use super::driver::{Cells, Checked, Importer, Row, Writing};
use super::parse;
use super::places::Places;
use super::table::Field;
use super::Options;
use crate::config::AncSchedule;
use crate::db::Db;
use crate::features::areas::Level;
use crate::features::consent;
use crate::features::maternal::{self, store as mstore, Dating, Refusal};
use crate::i18n::Msg;

const PHONE: usize = 0;
const EDD: usize = 1;
const LMP: usize = 2;
const VILLAGE: usize = 3;
const WORKER: usize = 4;

pub const FIELDS: &[Field] = &[
    Field::required(
        "phone",
        &[
            "Số điện thoại",
            "SĐT",
            "Điện thoại",
            "Số điện thoại bà mẹ",
            "Phone",
        ],
    ),
    Field::optional("edd", &["Ngày dự sinh", "Dự sinh", "EDD", "Due date"]),
    Field::optional(
        "lmp",
        &["Ngày đầu kỳ kinh cuối", "Kỳ kinh cuối", "KC", "LMP"],
    ),
    Field::optional(
        "village",
        &["Thôn/bản", "Thôn", "Bản", "Mã thôn", "Village"],
    ),
    Field::optional(
        "worker",
        &[
            "Cán bộ phụ trách",
            "Người phụ trách",
            "SĐT cán bộ",
            "Worker",
        ],
    ),
];

pub(crate) struct Item {
    phone: String,
    edd: NaiveDate,
    village: String,
    household: Option<i64>,
    worker: Option<i64>,
}

pub(crate) struct Pregnancies {
    places: Places,
    /// A phone's first household: (household id, village).
    homes: HashMap<String, (i64, String)>,
    /// Health staff by phone.
    workers: HashMap<String, i64>,
    /// Open pregnancies by phone: (EDD, village).
    open: HashMap<String, (NaiveDate, String)>,
    /// The local day dates are checked against, and the schedule new rows follow: the
    /// deployment's, set by `configure`.
    today: NaiveDate,
    schedule: AncSchedule,
    /// Mothers (by phone) whose reminders are opted out, found by `prepare`.
    opted_out: HashSet<String>,
}

impl Pregnancies {
    fn dating(&self, row: &mut Row<'_>) -> Option<NaiveDate> {
        let (edd, lmp) = (row.get(EDD), row.get(LMP));
        let (field, dating) = match (edd.is_empty(), lmp.is_empty()) {
            (false, true) => (EDD, parse::date(edd).map(Dating::Edd)),
            (true, false) => (LMP, parse::date(lmp).map(Dating::Lmp)),
            _ => {
                row.problem(EDD, Msg::new("import-pregnancy-one-date"));
                return None;
            }
        };
        let Some(dating) = dating else {
            row.invalid(field, Msg::new("import-bad-date"));
            return None;
        };
        match maternal::check_dating(dating, self.today) {
            Ok(edd) => Some(edd),
            Err(r) => {
                let msg = match r {
                    Refusal::EddPast => Msg::new("import-pregnancy-edd-past"),
                    Refusal::LmpFuture => Msg::new("import-pregnancy-lmp-future"),
                    _ => Msg::new("import-pregnancy-edd-too-far")
                        .num("weeks", maternal::MAX_WEEKS_AHEAD),
                };
                row.invalid(field, msg);
                None
            }
        }
    }

    fn place(&self, row: &mut Row<'_>, phone: &str) -> Option<(String, Option<i64>)> {
        if let Some((id, village)) = self.homes.get(phone) {
            return Some((village.clone(), Some(*id)));
        }
        let raw = row.get(VILLAGE);
        if raw.is_empty() {
            row.problem(VILLAGE, Msg::new("import-pregnancy-needs-village"));
            return None;
        }
        match row.place(&self.places, VILLAGE, &raw.trim().to_uppercase()) {
            Some(code)
                if self
                    .places
                    .get(&code)
                    .is_some_and(|p| p.level == Level::Village) =>
            {
                Some((code, None))
            }
            _ => {
                row.invalid(VILLAGE, Msg::new("import-unknown-area"));
                None
            }
        }
    }

    fn worker(&self, row: &mut Row<'_>) -> Result<Option<i64>, ()> {
        let raw = row.get(WORKER);
        if raw.is_empty() {
            return Ok(None);
        }
        let found = match parse::phones(raw).as_slice() {
            [Ok(m)] => self.workers.get(m.as_str()).copied(),
            _ => None,
        };
        match found {
            Some(id) => Ok(Some(id)),
            None => {
                row.invalid(WORKER, Msg::new("import-pregnancy-unknown-worker"));
                Err(())
            }
        }
    }
}

impl Importer for Pregnancies {
    type Item = Item;
    const FIELDS: &'static [Field] = FIELDS;

    async fn load(db: &Db, _cells: &Cells<'_>) -> Result<Self, sqlx::Error> {
        Ok(Pregnancies {
            places: Places::load(db).await?,
            homes: mstore::homes_by_phone(db).await?,
            workers: mstore::health_staff_by_phone(db).await?,
            open: mstore::open_by_phone(db).await?,
            today: Options::default().today(),
            schedule: AncSchedule::Moh,
            opted_out: HashSet::new(),
        })
    }

    fn configure(&mut self, opts: &Options) {
        self.today = opts.today();
        self.schedule = opts.schedule;
    }

    fn check(&mut self, row: &mut Row<'_>) -> Checked<Item> {
        let phone = match parse::phones(row.get(PHONE)).as_slice() {
            [Ok(m)] => m.as_str().to_string(),
            _ => {
                row.invalid(PHONE, Msg::new("import-bad-phone"));
                return Checked::Skip;
            }
        };
        if let Some(first) = row.repeats(&phone) {
            let problem = Msg::new("import-duplicate")
                .arg("value", row.get(PHONE))
                .num("first", first as i64);
            row.problem(PHONE, problem);
            return Checked::Skip;
        }
        let edd = self.dating(row);
        let place = self.place(row, &phone);
        let worker = self.worker(row);
        let (Some(edd), Some((village, household)), Ok(worker)) = (edd, place, worker) else {
            return Checked::Skip;
        };
        let item = Item {
            phone,
            edd,
            village,
            household,
            worker,
        };
        match self.open.get(&item.phone) {
            None => Checked::Created(item),
            Some((e, v)) if *e == item.edd && *v == item.village => Checked::Unchanged,
            Some(_) => Checked::Updated(item),
        }
    }

    /// Finds the mothers who opted out of reminders, as the ledger replays today: the import
    /// must never opt them back in.
    async fn prepare(&mut self, db: &Db, items: &mut Vec<Item>) -> Result<(), sqlx::Error> {
        let phones: Vec<&str> = items.iter().map(|i| i.phone.as_str()).collect();
        let ids = mstore::contacts_of(db, &phones).await?;
        let by_id: HashMap<i64, &String> = ids.iter().map(|(p, id)| (*id, p)).collect();
        let all: Vec<i64> = by_id.keys().copied().collect();
        for chunk in all.chunks(500) {
            for (id, scopes) in consent::opted_out(db, chunk).await? {
                let blocked = scopes
                    .iter()
                    .any(|s| *s == consent::ALL || *s == "reminder");
                if let (true, Some(phone)) = (blocked, by_id.get(&id)) {
                    self.opted_out.insert((*phone).clone());
                }
            }
        }
        Ok(())
    }

    async fn write(&mut self, it: &Item, w: &mut Writing<'_>) -> Result<(), sqlx::Error> {
        super::store::ensure_contact(&mut w.tx, &it.phone, w.now).await?;
        let row = mstore::Imported {
            phone: &it.phone,
            village: &it.village,
            household: it.household,
            edd: it.edd,
            schedule: self.schedule.as_str(),
            worker: it.worker,
            opt_in: !self.opted_out.contains(&it.phone),
        };
        mstore::upsert_in(&mut w.tx, &row, w.now).await
    }
}
