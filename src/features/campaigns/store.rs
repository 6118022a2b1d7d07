//! The campaign tables: campaigns, their steps, each contact's progress, quiz answers.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Kind, NewCampaign, Status};
use crate::db::Db;
use crate::features::audiences::Audience;
use crate::features::notices::Texts;
use crate::{execute, with_db, with_tx};

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
