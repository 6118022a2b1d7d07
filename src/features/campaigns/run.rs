//! The campaign job: new members join, and each member's next step goes out when it is due.
//!
//! Per running campaign: everyone now in the audience and not yet a member joins (step 0, one
//! `INSERT … SELECT … ON CONFLICT DO NOTHING`); then, from the last step down, the members whose
//! previous step is old enough get this one. A step is due `day_offset` difference days after the
//! previous one reached the contact (after joining, for step one), or, in a cron campaign, at the
//! first fire after it. Messages are enqueued before their progress rows are written: a crash in
//! between leaves the step due, and queuing it again adds nothing (the outbox key).

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use croner::Cron;

use super::{content, origin, store, Campaign, CampaignError, Kind, Step, TOPIC};
use crate::db::sql::{Bind, Sql};
use crate::db::Db;
use crate::features::audiences::store::insert_select;
use crate::features::contacts::Script;
use crate::i18n::{Locales, Msg};
use crate::outbox::{NewMessage, Outbox, Priority, BATCH};
use crate::phone::Msisdn;
use crate::{bind_all, execute, with_db};

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

/// Adds everyone now in the audience who is not a member yet, joined at `now`.
async fn join(db: &Db, c: &Campaign, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let mut sql = Sql::default();
    let id = sql.bind(Bind::Int(c.id));
    let at = sql.bind(Bind::Time(now));
    sql.text = format!(
        "INSERT INTO campaign_progress (campaign_id, step_no, contact_id, at)
         SELECT {id}, 0, c.id, {at} FROM contacts c WHERE"
    );
    insert_select(db, sql, &c.audience, TOPIC, "ON CONFLICT DO NOTHING").await
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

/// A member due for a step, with what rendering needs.
#[derive(sqlx::FromRow)]
struct Due {
    id: i64,
    msisdn: String,
    language: Option<String>,
    script: String,
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
        let page = due(cx.db, c.id, step.no, cutoff, after).await?;
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
            record(cx.db, c.id, step.no, chunk, now).await?;
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

/// Members whose previous step reached them at or before `cutoff` and who have not had step
/// `no`, by contact id after `after`.
async fn due(
    db: &Db,
    id: i64,
    no: i64,
    cutoff: DateTime<Utc>,
    after: i64,
) -> Result<Vec<Due>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_as(
        "SELECT c.id, c.msisdn, c.language, c.script
           FROM campaign_progress p JOIN contacts c ON c.id = p.contact_id
          WHERE p.campaign_id = $1 AND p.step_no = $2 - 1 AND p.at <= $3 AND p.contact_id > $4
            AND NOT EXISTS (SELECT 1 FROM campaign_progress q
                             WHERE q.campaign_id = $1 AND q.step_no = $2 AND q.contact_id = p.contact_id)
          ORDER BY c.id LIMIT $5"
    )
    .bind(id)
    .bind(no)
    .bind(cutoff)
    .bind(after)
    .bind(PAGE)
    .fetch_all(pool)
    .await)
}

/// Writes that step `no` reached `contacts` at `now` (a row already there stays as it was).
async fn record(
    db: &Db,
    id: i64,
    no: i64,
    contacts: &[i64],
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let mut sql = Sql::default();
    let (c, n, at) = (
        sql.bind(Bind::Int(id)),
        sql.bind(Bind::Int(no)),
        sql.bind(Bind::Time(now)),
    );
    let values: Vec<String> = contacts
        .iter()
        .map(|contact| format!("({c}, {n}, {contact}, {at})"))
        .collect();
    sql.text = format!(
        "INSERT INTO campaign_progress (campaign_id, step_no, contact_id, at) VALUES {}
         ON CONFLICT DO NOTHING",
        values.join(", ")
    );
    execute!(db, pool => bind_all!(sqlx::query(&sql.text), sql).execute(pool).await)
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
