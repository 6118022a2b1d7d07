//! The campaign tables: campaigns, their steps, each contact's progress, quiz answers.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Kind, NewCampaign, Status, TOPIC};
use crate::db::sql::{Bind, Sql};
use crate::db::Db;
use crate::features::audiences::store::insert_select;
use crate::features::audiences::Audience;
use crate::features::notices::Texts;
use crate::{bind_all, execute, with_db, with_tx};

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Campaign {
    pub id: i64,
    pub name: String,
    pub kind: Kind,
    pub audience: Audience,
    pub cron: Option<String>,
    pub status: Status,
    pub closes_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub steps: Vec<Step>,
}

/// One step: shipped content names its fluent message, a staff-written one has its texts.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = CampaignStep)]
pub struct Step {
    pub no: i64,
    pub day_offset: i64,
    pub message_id: Option<String>,
    pub texts: Option<Texts>,
    /// A quiz question's right answer, `A`, `B` or `C`.
    pub answer: Option<String>,
}

type CampaignRow = (
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<DateTime<Utc>>,
    String,
);
type StepRow = (
    i64,
    i64,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
);

fn json_err(e: serde_json::Error) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}

/// Stores the campaign and its steps in one transaction; returns its id.
pub async fn insert(
    db: &Db,
    c: &NewCampaign,
    steps: &[Step],
    created_by: &str,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let audience = serde_json::to_string(&c.audience).map_err(json_err)?;
    let id = with_tx!(db, tx => {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO campaigns (name, kind, audience, cron, closes_at, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        )
        .bind(&c.name)
        .bind(c.kind.as_str())
        .bind(&audience)
        .bind(&c.cron)
        .bind(c.closes_at)
        .bind(created_by)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        for s in steps {
            let (text, versions) = match &s.texts {
                Some(t) => (Some(t.text.clone()), serde_json::to_string(&t.versions).map_err(json_err)?),
                None => (None, "{}".to_string()),
            };
            sqlx::query(
                "INSERT INTO campaign_steps (campaign_id, step_no, day_offset, message_id, text, versions, answer)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(s.no)
            .bind(s.day_offset)
            .bind(&s.message_id)
            .bind(text)
            .bind(versions)
            .bind(&s.answer)
            .execute(&mut *tx)
            .await?;
        }
        id
    });
    Ok(id)
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Campaign>, sqlx::Error> {
    let row: Option<CampaignRow> = with_db!(db, pool => sqlx::query_as(
        "SELECT id, name, kind, audience, cron, status, closes_at, created_by FROM campaigns WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?;
    let Some((id, name, kind, audience, cron, status, closes_at, created_by)) = row else {
        return Ok(None);
    };
    Ok(Some(Campaign {
        id,
        name,
        kind: if kind == "quiz" {
            Kind::Quiz
        } else {
            Kind::Messages
        },
        audience: serde_json::from_str(&audience).map_err(json_err)?,
        cron,
        status: Status::from_db(&status),
        closes_at,
        created_by,
        steps: steps(db, id).await?,
    }))
}

async fn steps(db: &Db, id: i64) -> Result<Vec<Step>, sqlx::Error> {
    let rows: Vec<StepRow> = with_db!(db, pool => sqlx::query_as(
        "SELECT step_no, day_offset, message_id, text, versions, answer FROM campaign_steps
          WHERE campaign_id = $1 ORDER BY step_no"
    )
    .bind(id)
    .fetch_all(pool)
    .await)?;
    rows.into_iter()
        .map(|(no, day_offset, message_id, text, versions, answer)| {
            let texts = match text {
                Some(text) => Some(Texts {
                    text,
                    versions: serde_json::from_str(&versions).map_err(json_err)?,
                }),
                None => None,
            };
            Ok(Step {
                no,
                day_offset,
                message_id,
                texts,
                answer,
            })
        })
        .collect()
}

/// The newest `limit` campaigns, newest first.
pub async fn recent(db: &Db, limit: i64) -> Result<Vec<Campaign>, sqlx::Error> {
    let ids: Vec<i64> = with_db!(db, pool => sqlx::query_scalar(
        "SELECT id FROM campaigns ORDER BY id DESC LIMIT $1"
    )
    .bind(limit)
    .fetch_all(pool)
    .await)?;
    let mut out = Vec::new();
    for id in ids {
        out.extend(get(db, id).await?);
    }
    Ok(out)
}

/// Moves campaign `id` from one of `from` to `to`, atomically; false when it was in none of them.
pub async fn set_status(
    db: &Db,
    id: i64,
    from: &[Status],
    to: Status,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    // The statuses are loa's own words, written into the statement; the id and times are bound.
    let list: Vec<String> = from.iter().map(|s| format!("'{}'", s.as_str())).collect();
    let sql = format!(
        "UPDATE campaigns SET status = $2, updated_at = $3 WHERE id = $1 AND status IN ({})",
        list.join(", ")
    );
    let n = execute!(db, pool => sqlx::query(&sql)
        .bind(id)
        .bind(to.as_str())
        .bind(now)
        .execute(pool)
        .await)?;
    Ok(n == 1)
}

/// Campaigns the job works on now.
pub async fn running(db: &Db) -> Result<Vec<i64>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_scalar(
        "SELECT id FROM campaigns WHERE status = 'running' ORDER BY id"
    )
    .fetch_all(pool)
    .await)
}

/// How many contacts joined campaign `id`.
pub async fn members(db: &Db, id: i64) -> Result<i64, sqlx::Error> {
    with_db!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM campaign_progress WHERE campaign_id = $1 AND step_no = 0"
    )
    .bind(id)
    .fetch_one(pool)
    .await)
}

/// Contacts (by id) that joining reads per statement: one span holds the SQLite writer for a few
/// milliseconds, however large the audience.
pub const JOIN_SPAN: i64 = 2_000;

/// Adds to campaign `c` the contacts with ids in `span` (`(after, upto]`) who are in its audience
/// and not members yet, joined at `now`; returns how many joined.
pub async fn join_span(
    db: &Db,
    c: &Campaign,
    span: (i64, i64),
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let mut sql = Sql::default();
    let id = sql.bind(Bind::Int(c.id));
    let at = sql.bind(Bind::Time(now));
    sql.text = format!(
        "INSERT INTO campaign_progress (campaign_id, step_no, contact_id, at)
         SELECT {id}, 0, c.id, {at} FROM contacts c
          WHERE NOT EXISTS (SELECT 1 FROM campaign_progress j
                             WHERE j.campaign_id = {id} AND j.step_no = 0 AND j.contact_id = c.id)
            AND"
    );
    insert_select(db, sql, &c.audience, TOPIC, span, "ON CONFLICT DO NOTHING").await
}

/// A member due for a step, with what rendering needs.
#[derive(sqlx::FromRow)]
pub struct Due {
    pub id: i64,
    pub msisdn: String,
    pub language: Option<String>,
    pub script: String,
}

/// Up to `limit` members of campaign `id` whose previous step reached them at or before `cutoff`
/// and who have not had step `no`, by contact id after `after`.
pub async fn due(
    db: &Db,
    (id, no): (i64, i64),
    cutoff: DateTime<Utc>,
    after: i64,
    limit: i64,
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
    .bind(limit)
    .fetch_all(pool)
    .await)
}

/// Writes that step `no` of campaign `id` reached `contacts` at `now` (a row already there stays
/// as it was).
pub async fn record(
    db: &Db,
    (id, no): (i64, i64),
    contacts: &[i64],
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let mut sql = Sql::default();
    let (c, n, at) = (
        sql.bind(Bind::Int(id)),
        sql.bind(Bind::Int(no)),
        sql.bind(Bind::Time(now)),
    );
    // Contact ids are loa's own integers, written into the statement; the rest is bound.
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

/// The question a quiz answer from `contact` is for: the latest quiz step that reached them, of a
/// quiz open or closed after `closed_after`, as (campaign, step, closes at, right answer).
pub type OpenQuestion = (i64, i64, Option<DateTime<Utc>>, Option<String>);

pub async fn open_question(
    db: &Db,
    contact: i64,
    closed_after: DateTime<Utc>,
) -> Result<Option<OpenQuestion>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_as(
        "SELECT p.campaign_id, p.step_no, c.closes_at, s.answer
           FROM campaign_progress p
           JOIN campaigns c ON c.id = p.campaign_id AND c.kind = 'quiz'
           JOIN campaign_steps s ON s.campaign_id = p.campaign_id AND s.step_no = p.step_no
          WHERE p.contact_id = $1 AND p.step_no >= 1 AND (c.closes_at IS NULL OR c.closes_at > $2)
          ORDER BY p.at DESC, p.step_no DESC LIMIT 1"
    )
    .bind(contact)
    .bind(closed_after)
    .fetch_optional(pool)
    .await)
}

/// Stores a contact's answer to question `step` of quiz `campaign`; false when they had answered
/// it already (the key keeps the first answer).
pub async fn insert_answer(
    db: &Db,
    (campaign, step, contact): (i64, i64, i64),
    (letter, correct): (&str, bool),
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let n = execute!(db, pool => sqlx::query(
        "INSERT INTO quiz_answers (campaign_id, step_no, contact_id, answer, correct, answered_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING"
    )
    .bind(campaign)
    .bind(step)
    .bind(contact)
    .bind(letter)
    .bind(correct)
    .bind(now)
    .execute(pool)
    .await)?;
    Ok(n == 1)
}

/// Answers to one question in one commune: no phone numbers, no names.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = QuizResultRow)]
pub struct ResultRow {
    /// Empty for contacts in no household (staff).
    pub commune_code: String,
    pub commune_name: String,
    pub question: i64,
    pub answers: i64,
    pub correct: i64,
}

/// Quiz `id`'s answers by commune (the commune of the contact's household's village) and question.
pub async fn results(db: &Db, id: i64) -> Result<Vec<ResultRow>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_as(
        "SELECT COALESCE(co.code, '') AS commune_code, COALESCE(co.name, '') AS commune_name,
                a.step_no AS question, COUNT(*) AS answers,
                SUM(CASE WHEN a.correct THEN 1 ELSE 0 END) AS correct
           FROM quiz_answers a
           LEFT JOIN (SELECT hc.contact_id, MIN(h.village_code) AS village
                        FROM household_contacts hc JOIN households h ON h.id = hc.household_id
                       GROUP BY hc.contact_id) cv ON cv.contact_id = a.contact_id
           LEFT JOIN areas v ON v.code = cv.village
           LEFT JOIN areas co ON co.code = v.parent_code
          WHERE a.campaign_id = $1
          GROUP BY co.code, co.name, a.step_no ORDER BY 1, 3"
    )
    .bind(id)
    .fetch_all(pool)
    .await)
}
