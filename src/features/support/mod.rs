//! Support records (household × catalogue content): the status machine, the append-only history, and who may read them.

pub mod announce;
pub(crate) mod store;
pub mod words;

pub use store::{amount_of, village_of_record};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::db::tx::Tx;
use crate::db::{time, Db};
use crate::features::households::{self, Household};
use crate::features::staff::{self, Role};
use crate::i18n::msg_id;
use crate::phone::Msisdn;
use crate::with_tx;

/// registered → approved → in progress → disbursed / completed; or rejected (with a reason).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Registered,
    Approved,
    InProgress,
    Disbursed,
    Completed,
    Rejected,
}

const ALL: [Status; 6] = [
    Status::Registered,
    Status::Approved,
    Status::InProgress,
    Status::Disbursed,
    Status::Completed,
    Status::Rejected,
];

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Registered => "registered",
            Status::Approved => "approved",
            Status::InProgress => "in_progress",
            Status::Disbursed => "disbursed",
            Status::Completed => "completed",
            Status::Rejected => "rejected",
        }
    }

    pub fn from_db(s: &str) -> Option<Status> {
        ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// As offices write it (`đăng ký`, `đã duyệt`, `đang thực hiện`, `đã giải ngân`,
    /// `hoàn thành`, `từ chối` and their usual variants), or in English.
    pub fn parse(s: &str) -> Option<Status> {
        let w = crate::features::import::parse::words(s).replace(['_', '-'], " ");
        let w = w.trim_start_matches("da ").trim();
        Some(match w {
            "dang ky" | "dk" | "moi dang ky" | "registered" => Status::Registered,
            "duyet" | "phe duyet" | "duoc duyet" | "approved" => Status::Approved,
            "dang thuc hien" | "dang trien khai" | "dang lam" | "in progress" => Status::InProgress,
            "giai ngan" | "chi tra" | "cap" | "nhan tien" | "disbursed" | "paid" => {
                Status::Disbursed
            }
            "hoan thanh" | "xong" | "completed" | "done" => Status::Completed,
            "tu choi" | "khong duyet" | "khong du dieu kien" | "rejected" => Status::Rejected,
            _ => return None,
        })
    }

    fn rank(self) -> u8 {
        match self {
            Status::Registered => 0,
            Status::Approved => 1,
            Status::InProgress => 2,
            Status::Disbursed => 3,
            Status::Completed => 4,
            Status::Rejected => 5,
        }
    }

    /// Whether a record may go from `self` to `to`. Offices skip steps (a record may be entered
    /// once it is disbursed), so any forward move is allowed; nothing leaves completed or
    /// rejected, and a record can be rejected until money or goods were handed over.
    pub fn can_move_to(self, to: Status) -> bool {
        match (self, to) {
            (Status::Completed | Status::Rejected, _) => false,
            (Status::Disbursed, Status::Completed) => true,
            (Status::Disbursed, _) => false,
            (_, Status::Rejected) => true,
            (from, to) => to.rank() > from.rank(),
        }
    }

    /// The changes the household hears about by SMS.
    pub fn notifies(self) -> bool {
        matches!(
            self,
            Status::Approved | Status::Disbursed | Status::Rejected
        )
    }

    /// The fluent id of the status word.
    pub fn msg_id(self) -> &'static str {
        match self {
            Status::Registered => msg_id("support-status-registered"),
            Status::Approved => msg_id("support-status-approved"),
            Status::InProgress => msg_id("support-status-in-progress"),
            Status::Disbursed => msg_id("support-status-disbursed"),
            Status::Completed => msg_id("support-status-completed"),
            Status::Rejected => msg_id("support-status-rejected"),
        }
    }
}

/// Units a quantity is counted in.
pub const UNITS: &[&str] = &["VND", "kg", "m2", "ha"];

/// As written in the `Đơn vị` column.
pub fn parse_unit(s: &str) -> Option<&'static str> {
    let w = crate::features::import::parse::words(s);
    Some(match w.as_str() {
        "vnd" | "d" | "dong" | "vnd/ho" => "VND",
        "kg" | "kg gao" | "kilogam" | "kg/thang" => "kg",
        "m2" | "m²" | "met vuong" => "m2",
        "ha" | "hecta" | "hec ta" | "ha rung" => "ha",
        _ => return None,
    })
}

/// One status change that people should hear about (see [`Status::notifies`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatusChange {
    pub history_id: i64,
    pub record_id: i64,
    pub household_id: i64,
    pub content_code: String,
    pub from: Option<Status>,
    pub to: Status,
    pub reason: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SupportError {
    #[error("no support record {0}")]
    NotFound(i64),
    #[error("a record cannot go from {from} to {to}")]
    Transition {
        from: &'static str,
        to: &'static str,
    },
    #[error("a rejection needs a reason")]
    ReasonRequired,
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// Moves record `record_id` to `to`, appending to its history. Returns the change when the
/// status moved (None when it already was `to`: asking twice changes nothing).
pub async fn set_status(
    db: &Db,
    record_id: i64,
    to: Status,
    reason: Option<&str>,
    actor: &str,
) -> Result<Option<StatusChange>, SupportError> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if to == Status::Rejected && reason.is_none() {
        return Err(SupportError::ReasonRequired);
    }
    let change = with_tx!(db, tx => {
        move_status(&mut Tx::from(tx), record_id, to, reason, actor).await?
    });
    Ok(change)
}

/// The body of [`set_status`], inside its transaction.
async fn move_status(
    tx: &mut Tx<'_>,
    record_id: i64,
    to: Status,
    reason: Option<&str>,
    actor: &str,
) -> Result<Option<StatusChange>, SupportError> {
    let Some((from, household_id, content_code)) = store::record_head(tx, record_id).await? else {
        return Err(SupportError::NotFound(record_id));
    };
    if from == to {
        return Ok(None);
    }
    if !from.can_move_to(to) {
        return Err(SupportError::Transition {
            from: from.as_str(),
            to: to.as_str(),
        });
    }
    let now = time::now();
    store::set_record_status(tx, record_id, to, reason, now).await?;
    let history = store::History {
        record_id,
        from: Some(from),
        to,
        reason,
        changed_by: actor,
        changed_at: now,
        announce: to.notifies(),
    };
    let history_id = store::append_history(tx, &history).await?;
    Ok(Some(StatusChange {
        history_id,
        record_id,
        household_id,
        content_code,
        from: Some(from),
        to,
        reason: reason.map(str::to_string),
    }))
}

/// Changes whose SMS were never queued (the process stopped between the change and its
/// announcement), older than `older_than`, oldest first.
pub async fn pending_announcements(
    db: &Db,
    older_than: chrono::TimeDelta,
) -> Result<Vec<StatusChange>, sqlx::Error> {
    store::pending(db, time::now() - older_than).await
}

/// Records that every SMS of change `history_id` is in the outbox.
pub async fn mark_announced(db: &Db, history_id: i64) -> Result<(), sqlx::Error> {
    store::mark_announced(db, history_id).await
}

/// One line of a record's history.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct HistoryRow {
    pub id: i64,
    pub from_status: Option<String>,
    pub to_status: String,
    pub reason: Option<String>,
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
}

/// A record's history, oldest first.
pub async fn history(db: &Db, record_id: i64) -> Result<Vec<HistoryRow>, sqlx::Error> {
    store::history(db, record_id).await
}

/// A support record as a household sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RecordView {
    pub id: i64,
    pub content_code: String,
    pub status: Status,
    pub reason: Option<String>,
    /// Thousandths of `unit`.
    pub quantity_milli: Option<i64>,
    pub unit: Option<String>,
    pub date: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HouseholdStatus {
    pub code: String,
    /// Newest first.
    pub records: Vec<RecordView>,
}

/// What a phone may learn when it asks for support status.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Lookup {
    /// The phone is linked to no household (and is no commune officer): it learns nothing and
    /// should register at the commune office.
    NotRegistered,
    /// A commune officer asked without a household code and has no household of its own.
    OfficerNeedsCode,
    /// The phone may not see the household it named (or no such household exists: the answer
    /// does not say which).
    NoAccess { code: String },
    /// The households it may see, by code, each with its records newest first.
    Households(Vec<HouseholdStatus>),
}

/// The most records returned per household (a household has a handful; this bounds the answer).
const MAX_RECORDS: i64 = 100;

async fn with_records(db: &Db, hs: Vec<Household>) -> Result<Lookup, sqlx::Error> {
    let mut out = Vec::with_capacity(hs.len());
    for h in hs {
        out.push(HouseholdStatus {
            records: store::records_of(db, h.id, MAX_RECORDS).await?,
            code: h.code,
        });
    }
    Ok(Lookup::Households(out))
}

/// The records of one household, for staff (who are checked against their areas by the caller).
pub async fn status_for_household(db: &Db, h: &Household) -> Result<Lookup, sqlx::Error> {
    with_records(db, vec![h.clone()]).await
}

/// Whether `officer` covers the household's village or its commune.
async fn officer_covers(db: &Db, areas: &[String], h: &Household) -> Result<bool, sqlx::Error> {
    if areas.contains(&h.village_code) {
        return Ok(true);
    }
    let parent = crate::features::areas::store::parent(db, &h.village_code).await?;
    Ok(parent.is_some_and(|c| areas.contains(&c)))
}

/// The support status `phone` may see: the households it is linked to, or (`household`
/// given) that one household if the phone is linked to it or is a commune officer of its
/// commune. The SMS `TT` keyword and the USSD "support status" option both call this.
pub async fn status_for(
    db: &Db,
    phone: &Msisdn,
    household: Option<&str>,
) -> Result<Lookup, sqlx::Error> {
    let own = households::of_phone(db, phone).await?;
    let Some(code) = household.map(str::trim).filter(|c| !c.is_empty()) else {
        if !own.is_empty() {
            return with_records(db, own).await;
        }
        let officer = staff::by_phone(db, phone).await?;
        return Ok(if officer.is_some_and(|s| s.role == Role::CommuneOfficer) {
            Lookup::OfficerNeedsCode
        } else {
            Lookup::NotRegistered
        });
    };
    let wanted = households::by_code(db, code).await?;
    if let Some(h) = &wanted {
        if own.iter().any(|o| o.id == h.id) {
            return with_records(db, vec![h.clone()]).await;
        }
    }
    let officer = staff::by_phone(db, phone)
        .await?
        .filter(|s| s.role == Role::CommuneOfficer);
    if let (Some(h), Some(s)) = (&wanted, &officer) {
        if officer_covers(db, &s.areas, h).await? {
            return with_records(db, vec![h.clone()]).await;
        }
    }
    Ok(if own.is_empty() && officer.is_none() {
        Lookup::NotRegistered
    } else {
        Lookup::NoAccess {
            code: code.to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_as_offices_write_them() {
        let cases = [
            ("đăng ký", Status::Registered),
            ("Đã duyệt", Status::Approved),
            ("đang thực hiện", Status::InProgress),
            ("đã giải ngân", Status::Disbursed),
            ("HOÀN THÀNH", Status::Completed),
            ("từ chối", Status::Rejected),
            ("in_progress", Status::InProgress),
        ];
        for (s, want) in cases {
            assert_eq!(Status::parse(s), Some(want), "{s}");
        }
        assert_eq!(Status::parse("chờ"), None);
        for s in ALL {
            assert_eq!(Status::from_db(s.as_str()), Some(s));
        }
    }

    #[test]
    fn the_machine_moves_forward_and_stops_at_the_end() {
        use Status::*;
        assert!(Registered.can_move_to(Approved));
        assert!(Registered.can_move_to(Disbursed), "offices skip steps");
        assert!(Approved.can_move_to(Rejected));
        assert!(Disbursed.can_move_to(Completed));
        assert!(!Disbursed.can_move_to(Rejected));
        assert!(!Approved.can_move_to(Registered));
        assert!(!Completed.can_move_to(Disbursed));
        assert!(!Rejected.can_move_to(Approved));
        assert!(Approved.notifies() && Disbursed.notifies() && Rejected.notifies());
        assert!(!InProgress.notifies() && !Completed.notifies() && !Registered.notifies());
    }

    #[test]
    fn units_as_written() {
        assert_eq!(parse_unit("VND"), Some("VND"));
        assert_eq!(parse_unit("đồng"), Some("VND"));
        assert_eq!(parse_unit("kg gạo"), Some("kg"));
        assert_eq!(parse_unit("m²"), Some("m2"));
        assert_eq!(parse_unit("ha"), Some("ha"));
        assert_eq!(parse_unit("con"), None);
    }
}
