//! The daily reminder: requests nobody was assigned for two working days, to the legal aid officers of their province (admins for a request of no province).

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

use super::{is_working_day, send_to, store, working_days_between, Outgoing};
use crate::db::Db;
use crate::i18n::{Locales, Msg};
use crate::outbox::{Outbox, OutboxError, Priority};

/// A request waits this many whole working days for an officer before the reminders start.
pub const UNASSIGNED_WORKING_DAYS: i64 = 2;

/// References named in one reminder; the count says how many there are in all.
const REFS_SHOWN: usize = 5;

/// Queues, on a working day, one SMS per officer listing the requests of their areas left
/// unassigned for [`UNASSIGNED_WORKING_DAYS`] whole working days (weekends and `holidays` do not
/// count). Keyed on the officer and the local date, so it goes once a day however often it runs;
/// on a weekend or a holiday nothing goes. Returns how many SMS were queued.
pub async fn remind_unassigned(
    db: &Db,
    locales: &Locales,
    outbox: &Outbox,
    tz: Tz,
    holidays: &[chrono::NaiveDate],
    now: DateTime<Utc>,
) -> Result<usize, OutboxError> {
    let today = now.with_timezone(&tz).date_naive();
    if !is_working_day(today, holidays) {
        return Ok(0);
    }
    // Nothing created in the last two calendar days can have waited two whole working days.
    let candidates = store::unassigned_before(db, now - TimeDelta::days(2)).await?;
    let mut by_officer: std::collections::BTreeMap<(i64, String), Vec<String>> = Default::default();
    for req in candidates {
        let received = req.created_at.with_timezone(&tz).date_naive();
        if working_days_between(received, today, holidays) < UNASSIGNED_WORKING_DAYS {
            continue;
        }
        let area = req.village_code.as_deref().or(req.province_code.as_deref());
        for officer in store::officers_for(db, area).await? {
            by_officer
                .entry(officer)
                .or_default()
                .push(req.reference.clone());
        }
    }
    let mut queued = 0;
    for ((staff_id, phone), refs) in by_officer {
        let out = Outgoing {
            phone: &phone,
            priority: Priority::Reminder,
            origin: "legal-aid:remind".into(),
            key: format!("legal-aid:remind:{staff_id}:{today}"),
        };
        let shown = refs.iter().take(REFS_SHOWN).cloned().collect::<Vec<_>>();
        let msg = Msg::new("legal-aid-remind")
            .num("count", refs.len() as i64)
            .num("days", UNASSIGNED_WORKING_DAYS)
            .arg("refs", shown.join(", "));
        if send_to(db, locales, outbox, out, |_| Some(msg)).await? {
            queued += 1;
        }
    }
    Ok(queued)
}
