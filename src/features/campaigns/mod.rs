//! Awareness campaigns (Project 9.2): a named sequence of messages, or a quiz, to an audience, step by step from each contact's joining.
//!
//! A campaign's steps go out by day offset from the day a contact joined the audience (or one a
//! fire of the campaign's cron); a contact who joins later starts at step one. Progress is a row per
//! (campaign, step, contact), step 0 being the joining, and each message's outbox key is
//! `campaign:<id>:<step>:<contact>`: whatever the restarts or instances, a step reaches a contact
//! once. The `broadcasts` job calls [`run_due`]; start, pause, resume and stop are one atomic
//! update each. Shipped content (the child-marriage campaign and its quiz) is in [`content`],
//! the questions `HOI` answers in [`questions`], answers and results in [`quiz`].

pub mod content;
pub mod preview;
pub mod questions;
pub mod quiz;
pub mod run;
pub mod store;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::db::{time, Db};
use crate::features::audiences::{Audience, AudienceError};
use crate::features::notices::{self, Texts};
use crate::features::staff::{Role, Scope, Staff};
use crate::outbox::Outbox;

pub use run::run_due;
pub use store::{Campaign, Step};

/// The consent topic of campaigns (`HUY VD`).
pub const TOPIC: &str = "campaign";
/// Most steps in one campaign.
const MAX_STEPS: usize = 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Messages,
    Quiz,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Messages => "messages",
            Kind::Quiz => "quiz",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = CampaignStatus)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Running,
    Paused,
    Stopped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Running => "running",
            Status::Paused => "paused",
            Status::Stopped => "stopped",
        }
    }

    fn from_db(s: &str) -> Status {
        match s {
            "running" => Status::Running,
            "paused" => Status::Paused,
            "stopped" => Status::Stopped,
            _ => Status::Draft,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("outbox: {0}")]
    Outbox(#[from] crate::outbox::OutboxError),
    #[error("{0}")]
    Audience(#[from] AudienceError),
    #[error("{0}")]
    Invalid(String),
}

fn invalid(msg: impl Into<String>) -> CampaignError {
    CampaignError::Invalid(msg.into())
}

/// A step as staff write it: its day offset, its texts, and for a quiz the right answer.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStep {
    #[serde(default)]
    pub day: i64,
    #[serde(flatten)]
    pub texts: Texts,
    pub answer: Option<String>,
}

/// A campaign to create: staff-written steps, or shipped content by name.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCampaign {
    pub name: String,
    #[serde(default = "messages")]
    pub kind: Kind,
    #[serde(default)]
    pub audience: Audience,
    /// `child-marriage` or `child-marriage-quiz` (see [`content`]).
    pub content: Option<String>,
    #[serde(default)]
    pub steps: Vec<NewStep>,
    /// Steps at this cron's fire times (seconds first, local time) instead of by day offset.
    pub cron: Option<String>,
    /// A quiz takes answers until then.
    pub closes_at: Option<DateTime<Utc>>,
}

fn messages() -> Kind {
    Kind::Messages
}

/// Checks `c` (steps, answers, cron, audience within the caller's areas) into the rows to store.
fn checked(
    c: NewCampaign,
    staff: &Staff,
    scope: &Scope,
) -> Result<(NewCampaign, Vec<Step>), CampaignError> {
    let name = c.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(invalid("name: 1 to 200 characters"));
    }
    if let Some(cron) = &c.cron {
        run::parse_cron(cron)
            .ok_or_else(|| invalid("cron: not a cron expression (seconds first)"))?;
    }
    let steps = match c.content.as_deref() {
        Some(name) => content::steps(name).ok_or_else(|| invalid("content: unknown"))?,
        None => own_steps(&c.steps)?,
    };
    let quiz = steps.iter().any(|s| s.answer.is_some());
    let kind = if c.content.is_some() && quiz {
        Kind::Quiz
    } else {
        c.kind
    };
    if steps.is_empty() || steps.len() > MAX_STEPS {
        return Err(invalid(format!("steps: 1 to {MAX_STEPS}")));
    }
    if (kind == Kind::Quiz) != steps.iter().all(|s| s.answer.is_some()) {
        return Err(invalid(
            "a quiz's steps, and only a quiz's, have an answer A, B or C",
        ));
    }
    if kind == Kind::Quiz && c.closes_at.is_none() {
        return Err(invalid("closes_at: a quiz needs a closing date"));
    }
    let audience = c.audience.clone().checked_for(staff, scope)?;
    Ok((
        NewCampaign {
            name,
            kind,
            audience,
            ..c
        },
        steps,
    ))
}

fn own_steps(steps: &[NewStep]) -> Result<Vec<Step>, CampaignError> {
    let mut last = 0;
    let mut out = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        if s.day < last || s.day > 3_650 {
            return Err(invalid("steps: days from 0 to 3650, in order"));
        }
        last = s.day;
        let answer = match s.answer.as_deref().map(str::trim) {
            None => None,
            Some(a @ ("A" | "B" | "C")) => Some(a.to_string()),
            Some(_) => return Err(invalid("answer: A, B or C")),
        };
        let texts = s
            .texts
            .clone()
            .checked()
            .map_err(|e| invalid(e.to_string()))?;
        out.push(Step {
            no: i as i64 + 1,
            day_offset: s.day,
            message_id: None,
            texts: Some(texts),
            answer,
        });
    }
    Ok(out)
}

/// Stores a draft campaign for `staff`.
pub async fn create(
    db: &Db,
    staff: &Staff,
    scope: &Scope,
    c: NewCampaign,
) -> Result<Campaign, CampaignError> {
    let (c, steps) = checked(c, staff, scope)?;
    let id = store::insert(db, &c, &steps, &format!("staff:{}", staff.id), time::now()).await?;
    Ok(store::get(db, id).await?.ok_or(sqlx::Error::RowNotFound)?)
}

/// What staff may ask of a campaign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Start,
    Pause,
    Resume,
    Stop,
}

/// Moves the campaign; false when its status does not allow it. Stopping cancels what is still
/// queued of it.
pub async fn act(db: &Db, outbox: &Outbox, id: i64, action: Action) -> Result<bool, CampaignError> {
    let (from, to): (&[Status], Status) = match action {
        Action::Start => (&[Status::Draft], Status::Running),
        Action::Pause => (&[Status::Running], Status::Paused),
        Action::Resume => (&[Status::Paused], Status::Running),
        Action::Stop => (
            &[Status::Draft, Status::Running, Status::Paused],
            Status::Stopped,
        ),
    };
    let moved = store::set_status(db, id, from, to, time::now()).await?;
    if moved && to == Status::Stopped {
        outbox.cancel(&origin(id)).await?;
    }
    Ok(moved)
}

/// Whether the caller may see the campaign: an admin always; others when its areas are theirs.
pub fn visible_to(c: &Campaign, staff: &Staff, scope: &Scope) -> bool {
    staff.role == Role::Admin
        || (!c.audience.areas.is_empty() && c.audience.areas.iter().all(|a| scope.covers(a)))
}

/// The outbox origin of campaign `id`'s messages.
pub fn origin(id: i64) -> String {
    format!("campaign:{id}")
}

/// Delivery figures of the campaign's messages, by outbox status.
pub async fn figures(outbox: &Outbox, id: i64) -> Result<notices::Figures, CampaignError> {
    Ok(notices::figures(outbox, &origin(id)).await?)
}
