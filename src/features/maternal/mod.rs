//! Maternal care (Project 7.3): pregnancies registered by village health workers, checkup reminders, births, losses, the workers' digest and campaigns.
//!
//! Rules here; SQL in [`store`]; the schedules are data ([`schedule`], `schedules.toml`); the
//! daily job is [`reminders`], the Monday digest [`digest`], workers' campaigns [`campaign`].
//! Pregnancy data are health data (Decree 13/2023/NĐ-CP): only the mother's health workers,
//! commune health staff and admins see them, every staff read and change goes to the audit log,
//! and no SMS carries more than a household code or the end of a phone number.

pub mod campaign;
pub mod dates;
pub mod digest;
pub mod reminders;
pub mod schedule;
pub mod store;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use crate::config::{AncSchedule, MaternalConfig};
use crate::db::Db;
use crate::features::consent::{self, Action, Source};
use crate::features::staff::{Role, Scope, Staff};
use crate::features::{audit, contacts, households};
use crate::i18n::{Locales, Msg};
use crate::outbox::{NewMessage, Outbox, OutboxError, Priority};
use crate::phone::Msisdn;

pub use store::Pregnancy;

/// What SMS parts cost, for a campaign's preview: the same lookup the notices use, wired in
/// `app.rs` from the gateways' prices, so that nothing below the edge holds gateways.
pub type Prices = Arc<dyn crate::features::notices::Prices>;

/// The deployment's choices (configuration key `maternal`) and the price lookup.
#[derive(Clone)]
pub struct Settings {
    pub schedule: AncSchedule,
    pub window_start: NaiveTime,
    pub window_end: NaiveTime,
    pub prices: Prices,
}

impl Settings {
    pub fn new(cfg: &MaternalConfig, prices: Prices) -> Settings {
        Settings {
            schedule: cfg.schedule,
            window_start: cfg.window_start,
            window_end: cfg.window_end,
            prices,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        // No gateway, no price: every cost is 0 ("unknown").
        let unknown: Prices = Arc::new(crate::gateway::Gateways::default());
        Settings::new(&MaternalConfig::default(), unknown)
    }
}

/// What the feature's functions work with (the dialog builds it from its `Services`).
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub db: &'a Db,
    pub locales: &'a Locales,
    pub outbox: &'a Outbox,
    pub tz: Tz,
    pub settings: &'a Settings,
}

impl Ctx<'_> {
    /// The local calendar day of `now`.
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.tz).date_naive()
    }

    /// `day` at the local time `t`, as UTC.
    pub fn at(&self, day: NaiveDate, t: NaiveTime) -> DateTime<Utc> {
        self.tz
            .from_local_datetime(&day.and_time(t))
            .earliest()
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_else(|| day.and_time(t).and_utc())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MaternalError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("outbox: {0}")]
    Outbox(#[from] OutboxError),
}

/// Why a registration or a report was refused: each has its words in the dialog and the API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Only village health workers, midwives, commune health staff and admins.
    NotHealthStaff,
    BadPhone,
    /// No date, or one that is no date.
    BadDate,
    EddPast,
    EddTooFar,
    LmpFuture,
    /// The phone is in no household: name the village.
    NeedsVillage,
    UnknownVillage(String),
    /// The mother's village is not the worker's.
    OutsideArea,
    /// No open pregnancy registered for this phone.
    NoPregnancy,
    /// A birth date in the future, or long before today.
    BadBirthDate,
    /// Every visit is done or past.
    NoVisit,
}

/// The date the worker gave: the EDD, or the last menstrual period (`KC`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dating {
    Edd(NaiveDate),
    Lmp(NaiveDate),
}

/// A registration as the SMS, USSD, API and import give it.
#[derive(Clone, Debug)]
pub struct Registration {
    pub phone: Msisdn,
    pub dating: Dating,
    pub village: Option<String>,
}

/// Where a registration came from (the worker's SMS, with its inbound id; USSD; the staff API),
/// as the consent ledger records its opt-in. An import writes its own rows
/// (`store::upsert_in`) and records its opt-in as from `api`.
#[derive(Clone, Copy, Debug)]
pub enum RegistrationSource {
    Sms(i64),
    Ussd,
    Api,
}

impl RegistrationSource {
    fn ledger(self) -> (Source, Option<i64>) {
        match self {
            RegistrationSource::Sms(id) => (Source::Sms, Some(id)),
            RegistrationSource::Ussd => (Source::Ussd, None),
            RegistrationSource::Api => (Source::Api, None),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registered {
    pub id: i64,
    pub created: bool,
    pub edd: NaiveDate,
    /// The next visit from today: its number and day.
    pub next_visit: Option<(u32, NaiveDate)>,
    /// The mother had opted out of reminders: her choice stands, nothing is sent.
    pub opted_out: bool,
}

/// The EDD should lie between today and this many weeks ahead.
pub const MAX_WEEKS_AHEAD: i64 = 42;

/// The EDD a registration gives, or why the date is refused (checked against `today`).
pub fn check_dating(dating: Dating, today: NaiveDate) -> Result<NaiveDate, Refusal> {
    let edd = match dating {
        Dating::Lmp(lmp) if lmp > today => return Err(Refusal::LmpFuture),
        Dating::Lmp(lmp) => schedule::edd_of(lmp),
        Dating::Edd(edd) => edd,
    };
    if edd < today {
        return Err(Refusal::EddPast);
    }
    if edd > today + TimeDelta::weeks(MAX_WEEKS_AHEAD) {
        return Err(Refusal::EddTooFar);
    }
    Ok(edd)
}

/// Whether `staff` works with pregnancies at all.
pub fn is_health_staff(staff: &Staff) -> bool {
    staff.role.is_village_health() || matches!(staff.role, Role::CommuneHealth | Role::Admin)
}

/// The mother's household and village as `staff` may register them.
async fn place(
    db: &Db,
    scope: &Scope,
    phone: &Msisdn,
    village: Option<&str>,
) -> Result<Result<(Option<i64>, String), Refusal>, sqlx::Error> {
    let homes = households::of_phone(db, phone).await?;
    if !homes.is_empty() {
        return Ok(homes
            .into_iter()
            .find(|h| scope.covers(&h.village_code))
            .map(|h| (Some(h.id), h.village_code))
            .ok_or(Refusal::OutsideArea));
    }
    let Some(code) = village.map(str::to_uppercase) else {
        return Ok(Err(Refusal::NeedsVillage));
    };
    if !store::is_village(db, &code).await? {
        return Ok(Err(Refusal::UnknownVillage(code)));
    }
    Ok(if scope.covers(&code) {
        Ok((None, code))
    } else {
        Err(Refusal::OutsideArea)
    })
}

/// Registers (or updates) the mother's pregnancy for `staff`, on `today`.
pub async fn register(
    ctx: &Ctx<'_>,
    staff: &Staff,
    scope: &Scope,
    reg: &Registration,
    from: RegistrationSource,
    now: DateTime<Utc>,
) -> Result<Result<Registered, Refusal>, MaternalError> {
    if !is_health_staff(staff) {
        return Ok(Err(Refusal::NotHealthStaff));
    }
    let today = ctx.today(now);
    let edd = match check_dating(reg.dating, today) {
        Ok(edd) => edd,
        Err(r) => return Ok(Err(r)),
    };
    let (household_id, village) =
        match place(ctx.db, scope, &reg.phone, reg.village.as_deref()).await? {
            Ok(p) => p,
            Err(r) => return Ok(Err(r)),
        };
    let contact = contacts::find_or_create(ctx.db, &reg.phone).await?;
    let new = store::NewPregnancy {
        contact_id: contact.id,
        village_code: &village,
        household_id,
        edd,
        schedule: ctx.settings.schedule.as_str(),
        // An account without a staff row (an admin) acts as a negative id no staff row has.
        registered_by: (staff.id > 0).then_some(staff.id),
        now,
    };
    let (id, created) = store::upsert(ctx.db, &new).await?;
    if !created {
        // A corrected EDD moves every date: what was queued for the old ones goes.
        ctx.outbox.cancel(&format!("pregnancy:{id}:anc")).await?;
    }
    let opted_out = consent::blocks(ctx.db, reg.phone.as_str(), Some("reminder")).await?;
    if !opted_out {
        let (source, inbound) = from.ledger();
        consent::record(
            ctx.db,
            contact.id,
            Action::OptIn,
            "reminder",
            source,
            inbound,
        )
        .await?;
        welcome(ctx, &contact, id).await?;
    }
    audit_change(
        ctx.db,
        staff,
        if created { "register" } else { "update" },
        id,
    )
    .await?;
    let weeks = schedule::schedules().weeks(ctx.settings.schedule);
    let next_visit = schedule::visits_from(edd, weeks, today).into_iter().next();
    Ok(Ok(Registered {
        id,
        created,
        edd,
        next_visit,
        opted_out,
    }))
}

/// The mother's welcome: what loa will send and how to stop it. Once per pregnancy.
async fn welcome(ctx: &Ctx<'_>, mother: &contacts::Contact, id: i64) -> Result<(), OutboxError> {
    let text = mother.render(ctx.locales, &Msg::new("maternal-welcome"));
    let recipient = Msisdn::parse(&mother.msisdn).map_err(|_| sqlx::Error::RowNotFound)?;
    ctx.outbox
        .enqueue(NewMessage {
            recipient,
            text,
            priority: Priority::Reminder,
            topic: Some("reminder".into()),
            origin: format!("pregnancy:{id}:welcome"),
            idempotency_key: format!("pregnancy:{id}:welcome"),
            not_before: None,
            expires_at: None,
        })
        .await?;
    Ok(())
}

async fn audit_change(db: &Db, staff: &Staff, action: &str, id: i64) -> Result<(), sqlx::Error> {
    audit::record(
        db,
        &audit::Entry {
            actor: &format!("staff:{}", staff.id),
            action,
            subject_kind: "pregnancy",
            subject_id: Some(&id.to_string()),
            detail: None,
        },
    )
    .await
}

/// The open pregnancy of `phone` if `staff` may act on it.
async fn followed_by(
    db: &Db,
    staff: &Staff,
    scope: &Scope,
    phone: &Msisdn,
    open_only: bool,
) -> Result<Result<Pregnancy, Refusal>, sqlx::Error> {
    if !is_health_staff(staff) {
        return Ok(Err(Refusal::NotHealthStaff));
    }
    let found = if open_only {
        store::active_of(db, phone.as_str()).await?
    } else {
        store::followed_of(db, phone.as_str()).await?
    };
    Ok(match found {
        None => Err(Refusal::NoPregnancy),
        Some(p) if !scope.covers(&p.village_code) => Err(Refusal::OutsideArea),
        Some(p) => Ok(p),
    })
}

/// A visit marked done: its number, and the next one's number and day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    pub visit: u32,
    pub next: Option<(u32, NaiveDate)>,
}

/// The visit a checkup on `today` counts for: the first not yet done whose day is at most two
/// weeks past (a late checkup still counts for the visit it was meant for).
pub fn current_visit(p: &Pregnancy, weeks: &[u32], today: NaiveDate) -> Option<(u32, NaiveDate)> {
    schedule::visits_from(p.edd, weeks, today - TimeDelta::days(14))
        .into_iter()
        .find(|(n, _)| i64::from(*n) > p.visits_done)
}

pub fn weeks_of(p: &Pregnancy) -> &'static [u32] {
    let s = if p.schedule == "who" {
        AncSchedule::Who
    } else {
        AncSchedule::Moh
    };
    schedule::schedules().weeks(s)
}

/// `KHAM <phone>` by a worker: the current visit done, its reminders cancelled.
pub async fn checkup_by_staff(
    ctx: &Ctx<'_>,
    staff: &Staff,
    scope: &Scope,
    phone: &Msisdn,
    now: DateTime<Utc>,
) -> Result<Result<Checked, Refusal>, MaternalError> {
    let p = match followed_by(ctx.db, staff, scope, phone, true).await? {
        Ok(p) => p,
        Err(r) => return Ok(Err(r)),
    };
    let done = checkup(ctx, &p, now).await?;
    if done.is_ok() {
        audit_change(ctx.db, staff, "checkup", p.id).await?;
    }
    Ok(done)
}

/// `DA KHAM` by the mother herself.
pub async fn checkup_by_mother(
    ctx: &Ctx<'_>,
    phone: &Msisdn,
    now: DateTime<Utc>,
) -> Result<Result<Checked, Refusal>, MaternalError> {
    match store::active_of(ctx.db, phone.as_str()).await? {
        Some(p) => checkup(ctx, &p, now).await,
        None => Ok(Err(Refusal::NoPregnancy)),
    }
}

async fn checkup(
    ctx: &Ctx<'_>,
    p: &Pregnancy,
    now: DateTime<Utc>,
) -> Result<Result<Checked, Refusal>, MaternalError> {
    let today = ctx.today(now);
    let weeks = weeks_of(p);
    let Some((n, _)) = current_visit(p, weeks, today) else {
        return Ok(Err(Refusal::NoVisit));
    };
    store::mark_visit(ctx.db, p.id, i64::from(n), now).await?;
    // Every visit up to this one: reminders of an earlier one still queued are moot too.
    for k in 1..=n {
        ctx.outbox
            .cancel(&format!("pregnancy:{}:anc:visit:{k}", p.id))
            .await?;
    }
    let next = schedule::visits_from(p.edd, weeks, today + TimeDelta::days(1))
        .into_iter()
        .find(|(k, _)| *k > n);
    Ok(Ok(Checked { visit: n, next }))
}

/// `SINH <phone> <date>`: the birth ends the antenatal schedule and starts postnatal checks and
/// the newborn's vaccinations.
pub async fn birth(
    ctx: &Ctx<'_>,
    staff: &Staff,
    scope: &Scope,
    phone: &Msisdn,
    born: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Result<i64, Refusal>, MaternalError> {
    let today = ctx.today(now);
    if born > today || born < today - TimeDelta::days(60) {
        return Ok(Err(Refusal::BadBirthDate));
    }
    let p = match followed_by(ctx.db, staff, scope, phone, true).await? {
        Ok(p) => p,
        Err(r) => return Ok(Err(r)),
    };
    store::mark_born(ctx.db, p.id, born, now).await?;
    ctx.outbox
        .cancel(&format!("pregnancy:{}:anc", p.id))
        .await?;
    audit_change(ctx.db, staff, "birth", p.id).await?;
    Ok(Ok(p.id))
}

/// `MAT <phone>`: a loss. Every message about the pregnancy stops at once, queued ones included.
pub async fn loss(
    ctx: &Ctx<'_>,
    staff: &Staff,
    scope: &Scope,
    phone: &Msisdn,
    now: DateTime<Utc>,
) -> Result<Result<i64, Refusal>, MaternalError> {
    let p = match followed_by(ctx.db, staff, scope, phone, false).await? {
        Ok(p) => p,
        Err(r) => return Ok(Err(r)),
    };
    // Status first: a job page read before this sees `active` once more at most, and its rows
    // are cancelled by the line after (a job page after it finds nothing).
    store::mark_lost(ctx.db, p.id, now).await?;
    ctx.outbox.cancel(&format!("pregnancy:{}", p.id)).await?;
    audit_change(ctx.db, staff, "loss", p.id).await?;
    Ok(Ok(p.id))
}

/// How a pregnancy is named to a worker: the household code, else the phone's last four digits.
pub fn label(p: &Pregnancy) -> String {
    match &p.household_code {
        Some(code) => code.clone(),
        None => phone_tail(&p.msisdn),
    }
}

/// The household code and the phone's last four digits (`CG-0001 …1001`), or the digits alone:
/// enough for a worker to find her in their book, never the whole number.
pub fn label_with_tail(p: &Pregnancy) -> String {
    match &p.household_code {
        Some(code) => format!("{code} {}", phone_tail(&p.msisdn)),
        None => phone_tail(&p.msisdn),
    }
}

/// `…` and the last four digits of a phone number.
pub fn phone_tail(msisdn: &str) -> String {
    let digits = msisdn.len().saturating_sub(4);
    format!("…{}", msisdn.get(digits..).unwrap_or_default())
}

/// Records which pregnancies a staff read or a message to a worker showed: one entry per
/// pregnancy (`subject_id`), so that the log answers "who saw this record". `detail` says where
/// (the API's list, the console's due list, the Monday digest, the overdue question), never
/// what was shown. A read that showed none is one entry without a subject.
pub async fn audit_shown(
    db: &Db,
    actor: &str,
    action: &str,
    ids: &[i64],
    detail: &str,
) -> Result<(), sqlx::Error> {
    let none = [None];
    let subjects: Vec<Option<String>> = if ids.is_empty() {
        none.to_vec()
    } else {
        ids.iter().map(|id| Some(id.to_string())).collect()
    };
    for subject in &subjects {
        let entry = audit::Entry {
            actor,
            action,
            subject_kind: "pregnancy",
            subject_id: subject.as_deref(),
            detail: Some(detail),
        };
        audit::record(db, &entry).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn dates_are_checked_against_today() {
        let today = d(2026, 3, 1);
        assert_eq!(
            check_dating(Dating::Edd(d(2026, 9, 1)), today),
            Ok(d(2026, 9, 1))
        );
        assert_eq!(check_dating(Dating::Edd(today), today), Ok(today));
        assert_eq!(
            check_dating(Dating::Edd(d(2026, 2, 28)), today),
            Err(Refusal::EddPast)
        );
        let far = today + TimeDelta::weeks(MAX_WEEKS_AHEAD) + TimeDelta::days(1);
        assert_eq!(
            check_dating(Dating::Edd(far), today),
            Err(Refusal::EddTooFar)
        );
        assert_eq!(
            check_dating(Dating::Lmp(d(2026, 1, 1)), today),
            Ok(d(2026, 10, 8))
        );
        assert_eq!(
            check_dating(Dating::Lmp(d(2026, 3, 2)), today),
            Err(Refusal::LmpFuture)
        );
        assert_eq!(
            check_dating(Dating::Lmp(d(2025, 5, 1)), today),
            Err(Refusal::EddPast)
        );
    }
}
