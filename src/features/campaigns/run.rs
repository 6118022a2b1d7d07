//! The campaign job: new members join, and each member's next step goes out when it is due.
//!
//! Per running campaign: everyone now in the audience and not yet a member joins (step 0, an
//! `INSERT … SELECT … ON CONFLICT DO NOTHING` per span of contact ids); then, from the last step
//! down, the members whose previous step is old enough get this one. `day_offset` counts from
//! joining: a step is due the difference of its offset and the previous step's after that step
//! reached the contact (after joining, for step one), or, in a cron campaign, at the first fire
//! after it. Messages are enqueued before their progress rows are written: a crash in
//! between leaves the step due, and queuing it again adds nothing (the outbox key).

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use croner::Cron;

use super::{content, origin, store, Campaign, CampaignError, Kind, Step, TOPIC};
use crate::db::Db;
use crate::features::audiences;
use crate::features::contacts::Script;
use crate::i18n::{Locales, Msg};
use crate::outbox::{NewMessage, Outbox, Priority, BATCH};
use crate::phone::Msisdn;

/// Members read per query.
const PAGE: i64 = 5_000;

/// A cron expression, seconds first (as the scheduler's own jobs are written).
pub fn parse_cron(expr: &str) -> Option<Cron> {
    Cron::from_str(expr).ok()
}

/// What campaign texts are rendered with.
pub struct Context<'a> {
    pub db: &'a Db,
    pub outbox: &'a Outbox,
    pub locales: &'a Locales,
    pub tz: Tz,
}

/// Runs every running campaign at `now`; returns how many messages were queued.
pub async fn run_due(cx: &Context<'_>, now: DateTime<Utc>) -> Result<u64, CampaignError> {
    let mut queued = 0;
    for id in store::running(cx.db).await? {
        if let Some(c) = store::get(cx.db, id).await? {
            queued += run_one(cx, &c, now).await?;
        }
    }
    Ok(queued)
}

async fn run_one(cx: &Context<'_>, c: &Campaign, now: DateTime<Utc>) -> Result<u64, CampaignError> {
    if c.kind == Kind::Quiz && c.closes_at.is_some_and(|t| t <= now) {
        return Ok(0);
    }
    join(cx.db, c, now).await?;
    let mut queued = 0;
    for (i, step) in c.steps.iter().enumerate().rev() {
        let Some(cutoff) = cutoff(c, i, now, cx.tz) else {
            continue;
        };
        queued += run_step(cx, c, step, cutoff, now).await?;
    }
    Ok(queued)
}

/// Adds everyone now in the audience who is not a member yet, joined at `now`: span by span of
/// contact ids, each its own short statement, so a large audience never holds the SQLite writer
/// long enough to delay a villager's reply.
async fn join(db: &Db, c: &Campaign, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let last = audiences::store::last_contact_id(db).await?;
    let (mut after, mut joined) = (0, 0);
    while after < last {
        let upto = after + store::JOIN_SPAN;
        joined += store::join_span(db, c, (after, upto), now).await?;
        after = upto;
    }
    Ok(joined)
}

/// The latest time the previous step may have reached a contact for step `i` (0-based) to be
/// due at `now`; None when no cron fire has happened yet.
fn cutoff(c: &Campaign, i: usize, now: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
    if let Some(cron) = c.cron.as_deref().and_then(parse_cron) {
        let local = now.with_timezone(&tz);
        let fire = cron.find_previous_occurrence(&local, true).ok()?;
        // Strictly before the fire: a step that went out at this fire waits for the next one.
        return Some(fire.with_timezone(&Utc) - TimeDelta::microseconds(1));
    }
    let prev = if i == 0 { 0 } else { c.steps[i - 1].day_offset };
    Some(now - TimeDelta::days(c.steps[i].day_offset - prev))
}

async fn run_step(
    cx: &Context<'_>,
    c: &Campaign,
    step: &Step,
    cutoff: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<u64, CampaignError> {
    let mut texts: HashMap<(String, Script), String> = HashMap::new();
    let (mut after, mut queued) = (0, 0);
    loop {
        let page = store::due(cx.db, (c.id, step.no), cutoff, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let msgs: Vec<NewMessage> = page
            .iter()
            .filter_map(|m| {
                let lang = m
                    .language
                    .clone()
                    .unwrap_or_else(|| crate::i18n::FALLBACK.into());
                let script = Script::from_db(&m.script);
                let text = texts
                    .entry((lang.clone(), script))
                    .or_insert_with(|| render(cx.locales, step, &lang, script))
                    .clone();
                Some(NewMessage {
                    recipient: Msisdn::stored(&m.msisdn)?,
                    text,
                    priority: Priority::Bulk,
                    topic: Some(TOPIC.into()),
                    origin: origin(c.id),
                    idempotency_key: format!("{}:{}:{}", origin(c.id), step.no, m.id),
                    not_before: None,
                    expires_at: None,
                })
            })
            .collect();
        queued += cx.outbox.enqueue_many(&msgs).await?;
        let ids: Vec<i64> = page.iter().map(|m| m.id).collect();
        for chunk in ids.chunks(BATCH) {
            store::record(cx.db, (c.id, step.no), chunk, now).await?;
        }
    }
    Ok(queued)
}

/// Step `step` of campaign `id` as a contact of `lang` and `script` reads it.
pub fn render(locales: &Locales, step: &Step, lang: &str, script: Script) -> String {
    if let Some(t) = &step.texts {
        return t.for_contact(lang, script);
    }
    let id = step.message_id.as_deref().and_then(content::message);
    let text = locales.render(lang, &Msg::new(id.unwrap_or("unknown-command")));
    match script {
        Script::Full => text,
        Script::Unaccented => crate::text::to_gsm7_lossy(&text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::audiences::Audience;
    use crate::features::campaigns::Status;
    use chrono::TimeZone;

    fn campaign(cron: Option<&str>, days: &[i64]) -> Campaign {
        Campaign {
            id: 1,
            name: "c".into(),
            kind: Kind::Messages,
            audience: Audience::default(),
            cron: cron.map(str::to_string),
            status: Status::Running,
            closes_at: None,
            created_by: "staff:1".into(),
            steps: days
                .iter()
                .enumerate()
                .map(|(i, d)| Step {
                    no: i as i64 + 1,
                    day_offset: *d,
                    message_id: None,
                    texts: None,
                    answer: None,
                })
                .collect(),
        }
    }

    #[test]
    fn a_step_waits_its_days_after_the_previous_one() {
        let c = campaign(None, &[0, 7, 10]);
        let now = Utc
            .with_ymd_and_hms(2025, 3, 20, 12, 0, 0)
            .single()
            .expect("time");
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        assert_eq!(cutoff(&c, 0, now, tz), Some(now));
        assert_eq!(cutoff(&c, 1, now, tz), Some(now - TimeDelta::days(7)));
        assert_eq!(cutoff(&c, 2, now, tz), Some(now - TimeDelta::days(3)));
    }

    #[test]
    fn a_cron_campaign_sends_the_next_step_at_each_fire() {
        // 09:00 every day, Vietnam time (02:00 UTC).
        let c = campaign(Some("0 0 9 * * *"), &[0, 0, 0]);
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        let now = Utc
            .with_ymd_and_hms(2025, 3, 20, 5, 0, 0)
            .single()
            .expect("time");
        let fire = Utc
            .with_ymd_and_hms(2025, 3, 20, 2, 0, 0)
            .single()
            .expect("fire");
        let cut = cutoff(&c, 1, now, tz).expect("a fire happened");
        assert!(cut < fire && fire - cut <= TimeDelta::milliseconds(1));
        // Before today's fire, the cutoff is yesterday's.
        let early = Utc
            .with_ymd_and_hms(2025, 3, 20, 1, 0, 0)
            .single()
            .expect("time");
        assert!(cutoff(&c, 0, early, tz).expect("yesterday") < fire - TimeDelta::hours(23));
        assert!(parse_cron("every day").is_none());
        assert!(parse_cron("0 9 * * MON").is_some());
    }
}
