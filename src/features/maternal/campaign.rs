//! Health workers' campaigns (`NHAC`): a vaccination or checkup day announced to the pregnant women and mothers of children under two in the worker's villages, previewed with its cost and sent on `OK`.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::store::{self, Pregnancy};
use super::{is_health_staff, Ctx, MaternalError, Refusal};
use crate::features::confirm;
use crate::features::consent;
use crate::features::contacts::{self, Contact};
use crate::features::staff::{Scope, Staff};
use crate::i18n::Msg;
use crate::outbox::{NewMessage, Priority};
use crate::phone::Msisdn;

/// The kind of a campaign's waiting confirmation (`features::confirm`).
pub const KIND: &str = "health_campaign";
/// Most recipients of one campaign; a worker's villages hold far fewer.
pub const MAX_RECIPIENTS: usize = 5_000;
/// Longest campaign text a worker may type (two UCS-2 parts' worth with the date).
pub const MAX_TEXT: usize = 300;

/// Which villages: one, or all of the sender's (`*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Village(String),
    All,
}

/// What `OK` will do, as stored in the confirmation row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub staff_id: i64,
    pub villages: Vec<String>,
    pub day: NaiveDate,
    pub text: String,
}

/// The preview: recipients, SMS parts in all, and the cost in VND (0: unknown price).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Preview {
    pub recipients: usize,
    pub parts: u64,
    pub cost_vnd: u64,
}

/// The villages `target` names for `staff`, or why not.
pub async fn villages(
    ctx: &Ctx<'_>,
    staff: &Staff,
    scope: &Scope,
    target: &Target,
) -> Result<Result<Vec<String>, Refusal>, MaternalError> {
    if !is_health_staff(staff) {
        return Ok(Err(Refusal::NotHealthStaff));
    }
    Ok(match target {
        Target::All => Ok(store::villages_under(ctx.db, &staff.areas).await?),
        Target::Village(code) => {
            let code = code.to_uppercase();
            if !store::is_village(ctx.db, &code).await? {
                Err(Refusal::UnknownVillage(code))
            } else if !scope.covers(&code) {
                Err(Refusal::OutsideArea)
            } else {
                Ok(vec![code])
            }
        }
    })
}

/// Pregnant women and mothers of children under two in `villages`, not opted out of campaigns.
async fn recipients(
    ctx: &Ctx<'_>,
    villages: &[String],
    today: NaiveDate,
) -> Result<Vec<Contact>, MaternalError> {
    let two_years_ago = today - TimeDelta::days(2 * 365 + 1);
    let mut out: Vec<Contact> = Vec::new();
    let mut after = 0;
    loop {
        let page = store::in_villages(ctx.db, villages, after, 500).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let wanted: Vec<&Pregnancy> = page
            .iter()
            .filter(|p| p.status == "active" || p.birth_date.is_some_and(|b| b >= two_years_ago))
            .collect();
        let ids: Vec<i64> = wanted.iter().map(|p| p.contact_id).collect();
        let blocked = consent::blocked_among(ctx.db, &ids, Some("campaign")).await?;
        for p in wanted
            .into_iter()
            .filter(|p| !blocked.contains(&p.contact_id))
        {
            if out.iter().any(|c| c.id == p.contact_id) {
                continue;
            }
            let Ok(phone) = Msisdn::parse(&p.msisdn) else {
                continue;
            };
            out.push(contacts::find_or_create(ctx.db, &phone).await?);
        }
        if out.len() >= MAX_RECIPIENTS || page.len() < 500 {
            break;
        }
    }
    out.truncate(MAX_RECIPIENTS);
    Ok(out)
}

fn text_for(ctx: &Ctx<'_>, c: &Contact, plan: &Plan) -> String {
    let msg = Msg::new("maternal-campaign-text")
        .arg("date", plan.day.format("%d/%m").to_string())
        .arg("text", plan.text.clone());
    c.render(ctx.locales, &msg)
}

/// Counts recipients, parts and cost of `plan` on `now`.
pub async fn preview(
    ctx: &Ctx<'_>,
    plan: &Plan,
    now: DateTime<Utc>,
) -> Result<Preview, MaternalError> {
    let people = recipients(ctx, &plan.villages, ctx.today(now)).await?;
    let mut parts = 0;
    let mut cost = 0;
    for c in &people {
        let n = crate::text::analyze(&text_for(ctx, c, plan)).parts as u64;
        parts += n;
        cost += ctx.settings.prices.cost(&c.msisdn, n);
    }
    Ok(Preview {
        recipients: people.len(),
        parts,
        cost_vnd: cost,
    })
}

/// Stores `plan` to wait for `phone`'s `OK`.
pub async fn propose(ctx: &Ctx<'_>, phone: &Msisdn, plan: &Plan) -> Result<i64, MaternalError> {
    let payload = serde_json::to_string(plan).unwrap_or_default();
    Ok(confirm::propose(ctx.db, phone, KIND, &payload).await?)
}

/// Sends the campaign a confirmation held (its payload): see [`send`].
pub async fn send_confirmed(
    ctx: &Ctx<'_>,
    id: i64,
    payload: &str,
    now: DateTime<Utc>,
) -> Result<u64, MaternalError> {
    let Ok(plan) = serde_json::from_str::<Plan>(payload) else {
        tracing::warn!(confirmation = id, "health campaign: unreadable plan");
        return Ok(0);
    };
    send(ctx, &format!("health_campaign:{id}"), &plan, now).await
}

/// Sends `plan` under `origin` (one key per origin and phone): bulk priority, the `campaign`
/// consent topic, held in quiet hours by the dispatcher, expiring at noon of its day. Returns how
/// many messages were queued (a repeat queues none).
pub async fn send(
    ctx: &Ctx<'_>,
    origin: &str,
    plan: &Plan,
    now: DateTime<Utc>,
) -> Result<u64, MaternalError> {
    let plan = plan.clone();
    let people = recipients(ctx, &plan.villages, ctx.today(now)).await?;
    let noon = NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default();
    let expires = ctx.at(plan.day, noon).max(now + TimeDelta::hours(1));
    let msgs: Vec<NewMessage> = people
        .iter()
        .filter_map(|c| {
            Some(NewMessage {
                recipient: Msisdn::parse(&c.msisdn).ok()?,
                text: text_for(ctx, c, &plan),
                priority: Priority::Bulk,
                topic: Some("campaign".into()),
                origin: origin.to_string(),
                idempotency_key: format!("{origin}:{}", c.msisdn),
                not_before: None,
                expires_at: Some(expires),
            })
        })
        .collect();
    Ok(ctx.outbox.enqueue_many(&msgs).await?)
}
