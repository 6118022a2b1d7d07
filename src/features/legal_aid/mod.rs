//! Legal aid requests (Project 10, sub-project 1): intake by SMS or USSD, the officers' queue, its status machine and history.
//!
//! Under the Law on Legal Aid 2017 a request needs form 02-TP-TGPL, proof of eligibility and the
//! case's papers; an SMS or a USSD session only opens a case for an officer to call back. A phone
//! may be shared and a request may be about the person holding it, so each request has a contact
//! mode (SMS updates, call only, nothing at all) that decides every SMS ever sent about it, and the
//! description is never sent back or logged. Nothing here knows SMS words or USSD screens.

pub mod figures;
pub mod remind;
pub(crate) mod store;

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use rand::Rng;
use serde::Serialize;

use crate::db::Db;
use crate::features::contacts;
use crate::gateway::Channel;
use crate::i18n::{msg_id, Locales, Msg};
use crate::outbox::{NewMessage, Outbox, OutboxError, Priority};
use crate::phone::Msisdn;

pub use store::{
    add_note, by_reference, forget_expired_drafts, hints, history, list, notes, set_eligibility,
    FigureRow, Hints, HistoryLine, Note, Query,
};

/// What the request is about, numbered as the person chooses it (1 to 8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = LegalAidCategory)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Land,
    Family,
    DomesticViolence,
    Labour,
    SocialPolicy,
    Administrative,
    Criminal,
    Other,
}

/// In the order of their numbers.
pub const CATEGORIES: [Category; 8] = [
    Category::Land,
    Category::Family,
    Category::DomesticViolence,
    Category::Labour,
    Category::SocialPolicy,
    Category::Administrative,
    Category::Criminal,
    Category::Other,
];

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Land => "land",
            Category::Family => "family",
            Category::DomesticViolence => "domestic_violence",
            Category::Labour => "labour",
            Category::SocialPolicy => "social_policy",
            Category::Administrative => "administrative",
            Category::Criminal => "criminal",
            Category::Other => "other",
        }
    }

    pub fn from_db(s: &str) -> Option<Category> {
        CATEGORIES.into_iter().find(|c| c.as_str() == s)
    }

    /// The category numbered `n` (from 1).
    pub fn numbered(n: u32) -> Option<Category> {
        numbered(&CATEGORIES, n)
    }

    /// Its name in words, for the requester's own SMS-mode intake reply and the USSD list.
    pub fn label(self) -> &'static str {
        match self {
            Category::Land => msg_id("legal-aid-category-land"),
            Category::Family => msg_id("legal-aid-category-family"),
            Category::DomesticViolence => msg_id("legal-aid-category-violence"),
            Category::Labour => msg_id("legal-aid-category-labour"),
            Category::SocialPolicy => msg_id("legal-aid-category-social"),
            Category::Administrative => msg_id("legal-aid-category-administrative"),
            Category::Criminal => msg_id("legal-aid-category-criminal"),
            Category::Other => msg_id("legal-aid-category-other"),
        }
    }
}

/// Item `n` (from 1) of a list as a person numbers it.
fn numbered<T: Copy>(list: &[T], n: u32) -> Option<T> {
    let i = usize::try_from(n).ok()?.checked_sub(1)?;
    list.get(i).copied()
}

/// How the requester may be reached: it decides every SMS ever sent about the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = LegalAidMode)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Status updates by SMS (they name the status, never the description).
    Sms,
    /// One neutral line that names no category is the only SMS; the officer calls.
    CallOnly,
    /// Nothing is ever sent about the request; the officer calls.
    None,
}

/// In the order of their numbers (1 to 3).
pub const MODES: [Mode; 3] = [Mode::Sms, Mode::CallOnly, Mode::None];

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Sms => "sms",
            Mode::CallOnly => "call_only",
            Mode::None => "none",
        }
    }

    pub fn from_db(s: &str) -> Option<Mode> {
        MODES.into_iter().find(|m| m.as_str() == s)
    }

    pub fn numbered(n: u32) -> Option<Mode> {
        numbered(&MODES, n)
    }
}

/// received → assigned → contacted → in progress → resolved / referred; withdrawn from any open step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = LegalAidStatus)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Received,
    Assigned,
    Contacted,
    InProgress,
    Resolved,
    Referred,
    Withdrawn,
}

pub const STATUSES: [Status; 7] = [
    Status::Received,
    Status::Assigned,
    Status::Contacted,
    Status::InProgress,
    Status::Resolved,
    Status::Referred,
    Status::Withdrawn,
];

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Assigned => "assigned",
            Status::Contacted => "contacted",
            Status::InProgress => "in_progress",
            Status::Resolved => "resolved",
            Status::Referred => "referred",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn from_db(s: &str) -> Option<Status> {
        STATUSES.into_iter().find(|x| x.as_str() == s)
    }

    fn rank(self) -> u8 {
        match self {
            Status::Received => 0,
            Status::Assigned => 1,
            Status::Contacted => 2,
            Status::InProgress => 3,
            Status::Resolved | Status::Referred | Status::Withdrawn => 4,
        }
    }

    pub fn is_closed(self) -> bool {
        self.rank() == 4
    }

    /// Forward only, never out of a closed status. Steps may be skipped (a call can settle a
    /// matter at once), and `assigned` is reached by assigning, never by a bare move.
    pub fn may_move_to(self, to: Status) -> bool {
        !self.is_closed() && to.rank() > self.rank() && to != Status::Assigned
    }

    /// The status in the neutral words an SMS may carry (no category, no description).
    pub fn words(self) -> &'static str {
        match self {
            Status::Received => msg_id("legal-aid-status-received"),
            Status::Assigned => msg_id("legal-aid-status-assigned"),
            Status::Contacted => msg_id("legal-aid-status-contacted"),
            Status::InProgress => msg_id("legal-aid-status-in-progress"),
            Status::Resolved => msg_id("legal-aid-status-resolved"),
            Status::Referred => msg_id("legal-aid-status-referred"),
            Status::Withdrawn => msg_id("legal-aid-status-withdrawn"),
        }
    }
}

/// The groups the Law on Legal Aid 2017, art. 7 entitles (clause, then point for clause 7), as
/// the officer records them once known.
pub const ELIGIBILITY: &[&str] = &[
    "meritorious_person",             // 1: người có công với cách mạng
    "poor_household",                 // 2: người thuộc hộ nghèo
    "child",                          // 3: trẻ em
    "ethnic_minority_difficult_area", // 4: DTTS cư trú ở vùng ĐBKK
    "accused_aged_16_to_18",          // 5
    "accused_near_poor",              // 6
    "hardship_martyr_family",         // 7a
    "hardship_agent_orange",          // 7b
    "hardship_elderly",               // 7c
    "hardship_disability",            // 7d
    "hardship_minor_victim",          // 7đ
    "hardship_domestic_violence",     // 7e
    "hardship_trafficking",           // 7g
    "hardship_hiv",                   // 7h
    "not_eligible",
];

/// A request as officers see it. The description is here for officers only.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = LegalAidRequest)]
pub struct Request {
    pub id: i64,
    pub reference: String,
    /// The requester's phone (E.164): officers call it.
    pub msisdn: String,
    pub category: Category,
    pub description: Option<String>,
    pub contact_mode: Mode,
    pub channel: String,
    pub household_id: Option<i64>,
    pub village_code: Option<String>,
    pub commune_code: Option<String>,
    pub province_code: Option<String>,
    pub status: Status,
    pub assigned_to: Option<i64>,
    pub eligibility: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum LegalAidError {
    #[error("a request cannot go from {from} to {to}")]
    Transition {
        from: &'static str,
        to: &'static str,
    },
    #[error("assign an officer before moving the request on")]
    NotAssigned,
    #[error("the request changed meanwhile; read it again")]
    Conflict,
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// Letters and digits that cannot be misread for each other on a small screen (no 0/O, 1/I/L).
const REFERENCE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const REFERENCE_LEN: usize = 6;
pub const REFERENCE_PREFIX: &str = "TG-";

/// A fresh reference: six characters from the operating system's random source, so knowing one
/// reference says nothing about any other (31^6, about 890 million).
pub fn new_reference() -> String {
    let mut rng = rand::rng();
    let tail: String = (0..REFERENCE_LEN)
        .map(|_| REFERENCE_ALPHABET[rng.random_range(0..REFERENCE_ALPHABET.len())] as char)
        .collect();
    format!("{REFERENCE_PREFIX}{tail}")
}

/// A reference as typed (`tg-4k7p2q`, `TG 4K7P2Q`, `TG4K7P2Q`, `4k7p2q`) in its stored form; the
/// words are already upper case and without punctuation (the keyword parser's form). None for
/// anything else: only a well-formed code may be repeated in a reply, never other words.
pub fn reference_from_words(words: &[String]) -> Option<String> {
    let tail = match words {
        [one] => one
            .strip_prefix("TG")
            .filter(|t| t.len() == REFERENCE_LEN)
            .unwrap_or(one),
        [tg, tail] if tg == "TG" => tail,
        _ => return None,
    };
    let well_formed =
        tail.len() == REFERENCE_LEN && tail.bytes().all(|b| REFERENCE_ALPHABET.contains(&b));
    well_formed.then(|| format!("{REFERENCE_PREFIX}{tail}"))
}

/// Saturday and Sunday, and the configured public holidays, are not working days.
pub fn is_working_day(day: NaiveDate, holidays: &[NaiveDate]) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !holidays.contains(&day)
}

/// Working days strictly after `from` and strictly before `to`: the whole working days a request
/// received on `from` has waited when `to` begins.
pub fn working_days_between(from: NaiveDate, to: NaiveDate, holidays: &[NaiveDate]) -> i64 {
    from.iter_days()
        .skip(1)
        .take_while(|d| *d < to)
        .filter(|d| is_working_day(*d, holidays))
        .count() as i64
}

/// Working days an officer has to call back, said in the intake reply.
pub const CALL_BACK_WORKING_DAYS: i64 = 2;

/// Longest description kept (characters); the rest is cut.
pub const MAX_DESCRIPTION: usize = 480;

/// A new request as the dialog hands it over.
#[derive(Clone, Debug)]
pub struct Intake<'a> {
    pub phone: &'a Msisdn,
    pub category: Category,
    pub description: Option<&'a str>,
    pub mode: Mode,
    /// How it arrived (the request keeps `sms` or `ussd`).
    pub channel: Channel,
    /// `sms:<inbound id>` or `ussd:<gateway>:<session>`: the same source makes one request.
    pub source_key: &'a str,
}

/// A deployment's legal aid settings (`legal_aid` in the configuration).
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// The province whose officers take the requests of phones in no household (see
    /// [`home_province`]).
    pub home_province: Option<String>,
}

impl Settings {
    pub fn new(config: &crate::config::LegalAidConfig) -> Settings {
        Settings {
            home_province: config.home_province.clone(),
        }
    }
}

/// The province a request from a phone in no household belongs to: the configured one, else
/// the database's only province. None when neither says (several provinces, none configured):
/// such a request is for admins only.
pub async fn home_province(db: &Db, settings: &Settings) -> Result<Option<String>, sqlx::Error> {
    if let Some(code) = &settings.home_province {
        return Ok(Some(code.clone()));
    }
    let codes = store::province_codes(db).await?;
    Ok(match codes.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum HomeError {
    #[error(
        "legal_aid.home_province: `{code}` is no province of the database (its provinces: {known})"
    )]
    NotAProvince { code: String, known: String },
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// The start-up check of the home province: a configured code must name one of the database's
/// provinces once it has any (a database with none yet is still being set up). Returns the
/// province requests from phones in no household go to now, if any.
pub async fn check_home(db: &Db, settings: &Settings) -> Result<Option<String>, HomeError> {
    let codes = store::province_codes(db).await?;
    if let Some(code) = &settings.home_province {
        if !codes.is_empty() && !codes.contains(code) {
            return Err(HomeError::NotAProvince {
                code: code.clone(),
                known: codes.join(", "),
            });
        }
    }
    Ok(home_province(db, settings).await?)
}

/// Opens a request (or finds the one this source already opened). A phone in no household has
/// no village: its request belongs to the home province.
pub async fn submit(
    db: &Db,
    settings: &Settings,
    intake: &Intake<'_>,
) -> Result<Request, sqlx::Error> {
    let description = intake
        .description
        .map(|d| d.trim().chars().take(MAX_DESCRIPTION).collect::<String>())
        .filter(|d| !d.is_empty());
    let mut place = store::place_of(db, intake.phone).await?;
    if place.village.is_none() {
        place.province = home_province(db, settings).await?;
    }
    store::insert(db, intake, description.as_deref(), &place).await
}

/// The request `reference` made from `phone`; None for an unknown reference and for another
/// phone's request alike, found by one statement either way.
pub async fn of_requester(
    db: &Db,
    reference: &str,
    phone: &Msisdn,
) -> Result<Option<Request>, sqlx::Error> {
    store::by_reference_and_phone(db, reference, phone).await
}

/// What a requester's withdrawal did.
#[derive(Clone, Debug)]
pub enum Withdrawal {
    Done(Request),
    /// Already resolved, referred or withdrawn: nothing changed.
    Closed(Request),
    /// No request of this phone has this reference.
    NotFound,
}

/// `phone` withdraws its request `reference`.
pub async fn withdraw(db: &Db, reference: &str, phone: &Msisdn) -> Result<Withdrawal, sqlx::Error> {
    let Some(req) = of_requester(db, reference, phone).await? else {
        return Ok(Withdrawal::NotFound);
    };
    if req.status.is_closed() {
        return Ok(Withdrawal::Closed(req));
    }
    // A conflict means it moved meanwhile (an officer closed it): what it is now is reported.
    let change = store::change(db, &req, Status::Withdrawn, req.assigned_to, "requester");
    if let Err(LegalAidError::Db(e)) = change.await {
        return Err(e);
    }
    let now = store::by_id(db, req.id).await?.unwrap_or(req);
    Ok(if now.status == Status::Withdrawn {
        Withdrawal::Done(now)
    } else {
        Withdrawal::Closed(now)
    })
}

/// One step of the history, as the change made it.
#[derive(Clone, Copy, Debug)]
pub struct Change {
    pub history_id: i64,
    pub to: Status,
}

/// Assigns `request` to officer `officer_id` (an assignment in any open status; `received`
/// becomes `assigned`), appending to the history.
pub async fn assign(
    db: &Db,
    request: &Request,
    officer_id: i64,
    actor: &str,
) -> Result<Change, LegalAidError> {
    if request.status.is_closed() {
        return Err(LegalAidError::Transition {
            from: request.status.as_str(),
            to: Status::Assigned.as_str(),
        });
    }
    let to = if request.status == Status::Received {
        Status::Assigned
    } else {
        request.status
    };
    store::change(db, request, to, Some(officer_id), actor).await
}

/// Moves `request` to `to` (see [`Status::may_move_to`]), appending to the history.
pub async fn move_to(
    db: &Db,
    request: &Request,
    to: Status,
    actor: &str,
) -> Result<Change, LegalAidError> {
    if !request.status.may_move_to(to) {
        return Err(LegalAidError::Transition {
            from: request.status.as_str(),
            to: to.as_str(),
        });
    }
    if request.assigned_to.is_none() && to != Status::Withdrawn {
        return Err(LegalAidError::NotAssigned);
    }
    store::change(db, request, to, request.assigned_to, actor).await
}

/// The SMS the requester gets for `change`, as its mode allows: only in SMS mode, in the
/// contact's language and script, naming the status and the reference only. Keyed on the history
/// row, so notifying twice sends once. Returns whether a message was queued.
pub async fn notify(
    db: &Db,
    locales: &Locales,
    outbox: &Outbox,
    request: &Request,
    change: Change,
) -> Result<bool, OutboxError> {
    if request.contact_mode != Mode::Sms {
        return Ok(false);
    }
    let out = Outgoing {
        phone: &request.msisdn,
        priority: Priority::Reminder,
        origin: format!("legal-aid:{}", request.id),
        key: format!("legal-aid:{}:{}", request.id, change.history_id),
    };
    send_to(db, locales, outbox, out, |contact| {
        let words = contact.render(locales, &Msg::new(change.to.words()));
        Some(
            Msg::new("legal-aid-update")
                .arg("ref", request.reference.clone())
                .arg("status", words),
        )
    })
    .await
}

/// The one SMS an intake sends, by mode (the description never): SMS mode names the category and
/// what happens next; call-only is one neutral line; no-messages sends nothing (None).
pub fn intake_msg(request: &Request, locales: &Locales, lang: &str) -> Option<Msg> {
    let msg = match request.contact_mode {
        Mode::Sms => Msg::new("legal-aid-received").arg(
            "category",
            locales.render(lang, &Msg::new(request.category.label())),
        ),
        Mode::CallOnly => Msg::new("legal-aid-received-neutral"),
        Mode::None => return None,
    };
    Some(
        msg.arg("ref", request.reference.clone())
            .num("days", CALL_BACK_WORKING_DAYS),
    )
}

/// Where one SMS about legal aid goes, and its key (the same key queues nothing twice).
struct Outgoing<'a> {
    phone: &'a str,
    priority: Priority,
    origin: String,
    key: String,
}

/// Queues the message `build` makes for the contact of `out.phone`, in their language and
/// script; nothing when `build` gives none. Returns whether a row was added.
async fn send_to(
    db: &Db,
    locales: &Locales,
    outbox: &Outbox,
    out: Outgoing<'_>,
    build: impl FnOnce(&contacts::Contact) -> Option<Msg>,
) -> Result<bool, OutboxError> {
    let Ok(phone) = Msisdn::parse(out.phone) else {
        return Ok(false);
    };
    let contact = contacts::find_or_create(db, &phone).await?;
    let Some(msg) = build(&contact) else {
        return Ok(false);
    };
    let e = outbox
        .enqueue(NewMessage {
            recipient: phone,
            text: contact.render(locales, &msg),
            priority: out.priority,
            topic: None,
            origin: out.origin,
            idempotency_key: out.key,
            not_before: None,
            expires_at: None,
        })
        .await?;
    Ok(e.created)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn references_are_random_and_read_back_in_any_spelling() {
        let a = new_reference();
        let b = new_reference();
        assert_ne!(a, b);
        assert_eq!(a.len(), 9);
        assert!(a.starts_with("TG-"));
        // The keyword parser's words: upper case, split at punctuation.
        let words = |s: &str| -> Vec<String> { s.split(' ').map(str::to_string).collect() };
        let read = |s: &str| reference_from_words(&words(s));
        assert_eq!(read("TG 4K7P2Q").as_deref(), Some("TG-4K7P2Q"));
        assert_eq!(read("TG4K7P2Q").as_deref(), Some("TG-4K7P2Q"));
        assert_eq!(read("4K7P2Q").as_deref(), Some("TG-4K7P2Q"));
        assert_eq!(read("TGABCD").as_deref(), Some("TG-TGABCD"));
        // Anything else is no reference, so that no other words are ever repeated.
        for not_one in [
            "CHONG TOI DANH TOI",
            "CHONGTOIDANHTOI",
            "TG CHONG",
            "4K7P2Q CAM ON",
            "TG 4K7P2Q X",
            "4K7P2",
            "4K7P2QQ",
            "TG 4K7P20",
            "DATDAI",
            "ÀK7P2Q",
        ] {
            assert_eq!(read(not_one), None, "{not_one}");
        }
        assert_eq!(reference_from_words(&[]), None);
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        // Wed 29 April 2026; 30 April and 1 May are holidays, 2–3 May a weekend.
        let holidays = [d("2026-04-30"), d("2026-05-01")];
        let from = d("2026-04-29");
        assert_eq!(working_days_between(from, d("2026-05-04"), &holidays), 0);
        assert_eq!(working_days_between(from, d("2026-05-05"), &holidays), 1);
        assert_eq!(working_days_between(from, d("2026-05-06"), &holidays), 2);
        assert_eq!(working_days_between(from, d("2026-05-06"), &[]), 4);
        assert!(!is_working_day(d("2026-05-02"), &[]));
        assert!(!is_working_day(d("2026-04-30"), &holidays));
        assert!(is_working_day(d("2026-05-04"), &holidays));
    }

    #[test]
    fn the_status_machine_goes_forward_only() {
        use Status::*;
        assert!(Received.may_move_to(Contacted));
        assert!(Contacted.may_move_to(Resolved));
        assert!(InProgress.may_move_to(Withdrawn));
        assert!(!Received.may_move_to(Assigned), "assigning does that");
        assert!(!Contacted.may_move_to(Received));
        assert!(!Resolved.may_move_to(Withdrawn));
        assert!(!Withdrawn.may_move_to(Resolved));
        for s in STATUSES {
            assert_eq!(Status::from_db(s.as_str()), Some(s));
        }
        for (i, c) in CATEGORIES.into_iter().enumerate() {
            assert_eq!(Category::numbered(i as u32 + 1), Some(c));
            assert_eq!(Category::from_db(c.as_str()), Some(c));
        }
        assert_eq!(Category::numbered(0), None);
        assert_eq!(Category::numbered(9), None);
        assert_eq!(Mode::numbered(3), Some(Mode::None));
    }
}
