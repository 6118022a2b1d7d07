//! The daily reminder job: visit reminders the day before and the morning of each visit, weekly stage messages, postnatal checks, the newborn's vaccinations, and the question to the worker two weeks past the EDD.
//!
//! Nothing is stored per reminder but its outbox row: what is due today follows from the dates
//! (a visit in week `w` of a pregnancy with EDD `e` falls on `e - 280 + 7w`), so the job asks,
//! for each date that can be due today, for the rows with that EDD or birth date, one indexed page
//! of at most [`PAGE`] rows at a time, and enqueues a page's messages in one batch. Each message has
//! an idempotency key (pregnancy, visit or week, kind), so a second run, a restart or a second
//! instance queues nothing twice. Messages go out only in the morning window (default 07:00–11:00)
//! of the day they are for, and expire at its end.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use super::schedule::{self, schedules};
use super::store::{self, Due, On};
use super::{Ctx, MaternalError};
use crate::config::AncSchedule;
use crate::features::consent;
use crate::features::contacts::{self, Contact, Script};
use crate::i18n::{msg_id, Msg};
use crate::outbox::{NewMessage, Priority};
use crate::phone::Msisdn;

/// Rows read and messages enqueued at once.
pub const PAGE: i64 = 500;

/// A pregnancy two weeks past its EDD with no birth recorded: the worker is asked.
pub const OVERDUE_DAYS: i64 = 14;

/// Weekly messages by stage: (first week, last week, messages in turn).
const STAGES: &[(u32, u32, &[&str])] = &[
    (
        4,
        13,
        &[
            msg_id("maternal-week-t1-nutrition"),
            msg_id("maternal-week-t1-danger"),
            msg_id("maternal-week-t1-checkup"),
        ],
    ),
    (
        14,
        27,
        &[
            msg_id("maternal-week-t2-nutrition"),
            msg_id("maternal-week-t2-danger"),
            msg_id("maternal-week-t2-tetanus"),
            msg_id("maternal-week-t2-rest"),
        ],
    ),
    (
        28,
        42,
        &[
            msg_id("maternal-week-t3-facility"),
            msg_id("maternal-week-t3-danger"),
            msg_id("maternal-week-t3-plan"),
            msg_id("maternal-week-t3-breastfeeding"),
            msg_id("maternal-week-t3-thousand-days"),
        ],
    ),
];

/// The stage message of gestational week `week`, if that week has one.
pub fn stage_message(week: u32) -> Option<&'static str> {
    STAGES
        .iter()
        .find(|(from, to, _)| (*from..=*to).contains(&week))
        .map(|(from, _, msgs)| msgs[((week - from) as usize) % msgs.len()])
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum When {
    /// The day before.
    Eve,
    /// The morning of.
    Day,
}

impl When {
    fn as_str(self) -> &'static str {
        match self {
            When::Eve => "eve",
            When::Day => "day",
        }
    }
}

/// Something due today for the rows found on one date.
#[derive(Clone, Debug)]
enum Task {
    Visit {
        schedule: AncSchedule,
        n: u32,
        day: NaiveDate,
        when: When,
    },
    Week(u32),
    Overdue,
    Postnatal {
        n: u32,
        day: NaiveDate,
        when: When,
    },
    Dose {
        months: u32,
        vaccines: &'static str,
        day: NaiveDate,
        when: When,
    },
}

/// What can be due on `today`, by the date the rows are looked up on.
fn plan(today: NaiveDate) -> BTreeMap<(u8, NaiveDate), Vec<Task>> {
    let s = schedules();
    let mut plan: BTreeMap<(u8, NaiveDate), Vec<Task>> = BTreeMap::new();
    let mut add = |on: On, date: NaiveDate, t: Task| {
        let key = match on {
            On::Edd => 0,
            On::Birth => 1,
        };
        plan.entry((key, date)).or_default().push(t);
    };
    let tomorrow = today + TimeDelta::days(1);
    for sched in [AncSchedule::Moh, AncSchedule::Who] {
        for (n, w) in (1u32..).zip(s.weeks(sched)) {
            for (day, when) in [(tomorrow, When::Eve), (today, When::Day)] {
                let edd = schedule::edd_with_visit_on(day, *w);
                let t = Task::Visit {
                    schedule: sched,
                    n,
                    day,
                    when,
                };
                add(On::Edd, edd, t);
            }
        }
    }
    for week in STAGES.first().map_or(0, |s| s.0)..=STAGES.last().map_or(0, |s| s.1) {
        add(
            On::Edd,
            schedule::edd_with_visit_on(today, week),
            Task::Week(week),
        );
    }
    add(
        On::Edd,
        today - TimeDelta::days(OVERDUE_DAYS),
        Task::Overdue,
    );
    for (n, d) in (1u32..).zip(&s.postnatal) {
        for (day, when) in [(tomorrow, When::Eve), (today, When::Day)] {
            let birth = day - TimeDelta::days(i64::from(*d));
            add(On::Birth, birth, Task::Postnatal { n, day, when });
        }
    }
    for (months, vaccines) in &s.epi {
        for (day, when) in [(tomorrow, When::Eve), (today, When::Day)] {
            for birth in schedule::births_with_dose_on(day, *months) {
                let t = Task::Dose {
                    months: *months,
                    vaccines,
                    day,
                    when,
                };
                add(On::Birth, birth, t);
            }
        }
    }
    plan
}

/// What a run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Rows read from the pregnancies table.
    pub rows: u64,
    /// Messages new in the outbox (repeats of an earlier run are not counted).
    pub queued: u64,
    /// Pages read (each one indexed look-up).
    pub pages: u64,
}

/// Finds and enqueues everything due on the local day of `now`.
pub async fn run(ctx: &Ctx<'_>, now: DateTime<Utc>) -> Result<Counts, MaternalError> {
    let today = ctx.today(now);
    let window = (
        ctx.at(today, ctx.settings.window_start),
        ctx.at(today, ctx.settings.window_end),
    );
    let mut counts = Counts::default();
    if now >= window.1 {
        tracing::info!(%today, "maternal reminders: today's window is over; nothing queued");
        return Ok(counts);
    }
    for ((key, date), tasks) in plan(today) {
        let on = if key == 0 { On::Edd } else { On::Birth };
        let mut after = 0;
        loop {
            let rows = store::due_page(ctx.db, on, date, after, PAGE).await?;
            counts.pages += 1;
            counts.rows += rows.len() as u64;
            let Some(last) = rows.last() else { break };
            after = last.id;
            let (msgs, asked) = messages(ctx, &rows, &tasks, window).await?;
            counts.queued += asked + ctx.outbox.enqueue_many(&msgs).await?;
            if (rows.len() as i64) < PAGE {
                break;
            }
        }
    }
    Ok(counts)
}

/// The mothers' messages of one page of rows for the tasks due on their date, and how many
/// questions to workers were queued (each on its own, to audit what it discloses).
async fn messages(
    ctx: &Ctx<'_>,
    rows: &[Due],
    tasks: &[Task],
    window: (DateTime<Utc>, DateTime<Utc>),
) -> Result<(Vec<NewMessage>, u64), MaternalError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.contact_id).collect();
    let blocked = consent::blocked_among(ctx.db, &ids, Some("reminder")).await?;
    let mut out = Vec::new();
    let mut asked = 0;
    for row in rows {
        for task in tasks {
            if let Task::Overdue = task {
                asked += u64::from(overdue(ctx, row, window).await?);
                continue;
            }
            if blocked.contains(&row.contact_id) {
                continue;
            }
            let contact = contact_of(row);
            if let Some((msg, key, origin)) = mother_message(ctx, &contact, row, task) {
                out.extend(to_mother(ctx, &contact, &msg, key, origin, window));
            }
        }
    }
    Ok((out, asked))
}

fn date_text(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The message, key and origin of `task` for `row`, or None when it does not apply to it.
fn mother_message(
    ctx: &Ctx<'_>,
    contact: &Contact,
    row: &Due,
    task: &Task,
) -> Option<(Msg, String, String)> {
    let id = row.id;
    match task {
        Task::Visit {
            schedule,
            n,
            day,
            when,
        } => {
            if row.schedule != schedule.as_str() || row.visits_done >= i64::from(*n) {
                return None;
            }
            let msg = match when {
                When::Eve => Msg::new("maternal-visit-eve"),
                When::Day => Msg::new("maternal-visit-day"),
            };
            let origin = format!("pregnancy:{id}:anc:visit:{n}");
            let key = format!("{origin}:{day}:{}", when.as_str());
            Some((
                msg.num("n", i64::from(*n)).arg("date", date_text(*day)),
                key,
                origin,
            ))
        }
        Task::Week(w) => {
            let msg = Msg::new(stage_message(*w)?).num("week", i64::from(*w));
            let origin = format!("pregnancy:{id}:anc:week:{w}");
            Some((msg, format!("{origin}:{}", row.edd), origin))
        }
        Task::Postnatal { n, day, when } => {
            let msg = match when {
                When::Eve => Msg::new("maternal-pnc-eve"),
                When::Day => Msg::new("maternal-pnc-day"),
            };
            let origin = format!("pregnancy:{id}:pnc:{n}");
            let key = format!("{origin}:{}", when.as_str());
            Some((msg.arg("date", date_text(*day)), key, origin))
        }
        Task::Dose {
            months,
            vaccines,
            day,
            when,
        } => {
            let msg = match when {
                When::Eve => Msg::new("maternal-epi-eve"),
                When::Day => Msg::new("maternal-epi-day"),
            };
            let origin = format!("pregnancy:{id}:epi:{months}");
            let key = format!("{origin}:{}", when.as_str());
            // The vaccines' names are a message of their own, in the mother's language.
            let names = ctx.locales.render(contact.lang(), &Msg::new(vaccines));
            let msg = msg.arg("date", date_text(*day)).arg("vaccines", names);
            Some((msg, key, origin))
        }
        Task::Overdue => None,
    }
}

fn contact_of(row: &Due) -> Contact {
    Contact {
        id: row.contact_id,
        msisdn: row.msisdn.clone(),
        language: row.language.clone(),
        script: if row.script == "unaccented" {
            Script::Unaccented
        } else {
            Script::Full
        },
        created_at: Utc::now(),
    }
}

fn to_mother(
    ctx: &Ctx<'_>,
    contact: &Contact,
    msg: &Msg,
    key: String,
    origin: String,
    window: (DateTime<Utc>, DateTime<Utc>),
) -> Option<NewMessage> {
    Some(NewMessage {
        recipient: Msisdn::parse(&contact.msisdn).ok()?,
        text: contact.render(ctx.locales, msg),
        priority: Priority::Reminder,
        topic: Some("reminder".into()),
        origin,
        idempotency_key: key,
        not_before: Some(window.0),
        expires_at: Some(window.1),
    })
}

/// Two weeks past the EDD and no birth: the worker who registered her is asked, once. The text
/// names her by household code and the end of her phone number, never the whole number (the
/// worker replies with the number from their own records); what it disclosed is audited.
/// Returns whether the question was new.
async fn overdue(
    ctx: &Ctx<'_>,
    row: &Due,
    window: (DateTime<Utc>, DateTime<Utc>),
) -> Result<bool, MaternalError> {
    let Some(staff_id) = row.registered_by else {
        return Ok(false);
    };
    let (Some(phone), Some(p)) = (
        store::staff_phone(ctx.db, staff_id).await?,
        store::by_id(ctx.db, row.id).await?,
    ) else {
        return Ok(false);
    };
    let Ok(recipient) = Msisdn::parse(&phone) else {
        return Ok(false);
    };
    let worker = contacts::find_or_create(ctx.db, &recipient).await?;
    let msg = Msg::new("maternal-overdue").arg("who", super::label_with_tail(&p));
    let done = ctx
        .outbox
        .enqueue(NewMessage {
            recipient,
            text: worker.render(ctx.locales, &msg),
            priority: Priority::Reminder,
            topic: None,
            origin: format!("pregnancy:{}:worker", row.id),
            idempotency_key: format!("pregnancy:{}:overdue:{}", row.id, row.edd),
            not_before: Some(window.0),
            expires_at: Some(window.1),
        })
        .await?;
    if done.created {
        let detail = format!("overdue question to staff:{staff_id}");
        super::audit_shown(ctx.db, "system", "disclose", &[row.id], &detail).await?;
    }
    Ok(done.created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_week_of_a_stage_has_a_message_and_none_outside() {
        assert_eq!(stage_message(3), None);
        for w in 4..=42 {
            assert!(stage_message(w).is_some(), "{w}");
        }
        assert_eq!(stage_message(43), None);
    }

    #[test]
    fn the_plan_has_each_visit_twice_and_every_week_once() {
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
        let p = plan(today);
        let visits = p
            .values()
            .flatten()
            .filter(|t| matches!(t, Task::Visit { .. }))
            .count();
        let s = schedules();
        assert_eq!(
            visits,
            2 * (s.weeks(AncSchedule::Moh).len() + s.weeks(AncSchedule::Who).len())
        );
        let weeks = p
            .values()
            .flatten()
            .filter(|t| matches!(t, Task::Week(_)))
            .count();
        assert_eq!(weeks, 39);
        // Dates looked up: a few dozen index seeks, whatever the number of pregnancies.
        assert!(p.len() < 120, "{}", p.len());
    }
}
