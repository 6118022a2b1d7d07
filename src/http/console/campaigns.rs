//! Campaigns in the console: the list, a form to create one (name, the API's audience, steps by day offset), a campaign's page with its delivery figures, and start, pause, resume and stop.
//!
//! The same paths as `/api/v1/campaigns…` (`http::campaigns`): commune officers and admins run
//! campaigns (monitors read them), `campaigns::create` checks the form as it checks the API's
//! body, and the buttons are `http::campaigns::acted`. A campaign outside the caller's areas is
//! 404. Quizzes and shipped content are made through the API.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};

use super::notice_form::{refusal_of, ComposeForm, Errors, Fields};
use super::{page, Console, Layout, Texts};
use crate::app::AppState;
use crate::features::campaigns::{
    self, store, Campaign, CampaignError, Kind, NewCampaign, NewStep, Status,
};
use crate::features::notices::{self, NoticeError};
use crate::features::staff::Role;
use crate::http::campaigns::{acted, action_of, visible};
use crate::http::error::ApiError;
use crate::http::notices::may_broadcast;
use crate::i18n::msg_id;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/campaigns", get(list).post(create))
        .route("/console/campaigns/{id}", get(show))
        .route("/console/campaigns/{id}/{action}", post(act))
}

/// Who sees the campaigns pages: those who run them, and monitors (figures only).
pub const ROLES: &[Role] = &[Role::CommuneOfficer, Role::Admin, Role::Monitor];

/// Campaigns listed on the page.
const LISTED: i64 = 30;
/// Step rows the form offers (empty rows are no step).
const STEP_ROWS: usize = 6;

fn may_read(c: &Console) -> Result<(), ApiError> {
    if c.caller.staff.role == Role::Monitor {
        return Ok(());
    }
    may_broadcast(&c.caller)
}

fn status_words(t: &Texts, s: Status) -> (String, &'static str) {
    let (id, badge) = match s {
        Status::Draft => (msg_id("console-campaign-status-draft"), "warn"),
        Status::Running => (msg_id("console-campaign-status-running"), "good"),
        Status::Paused => (msg_id("console-campaign-status-paused"), "warn"),
        Status::Stopped => (msg_id("console-campaign-status-stopped"), "bad"),
    };
    (t.msg_id(id), badge)
}

/// One step row of the form: its day and text as typed.
#[derive(Default, Clone)]
struct StepRow {
    n: usize,
    day: String,
    text: String,
}

/// The create form as typed, and what to fix.
struct Draft {
    name: String,
    name_error: Option<String>,
    audience: Fields,
    errors: Errors,
    steps: Vec<StepRow>,
    steps_error: Option<String>,
}

struct Row {
    id: i64,
    name: String,
    status: String,
    badge: &'static str,
    steps: usize,
    members: String,
    delivered: String,
}

#[derive(Template)]
#[template(path = "campaigns.html")]
struct CampaignsPage {
    t: Texts,
    l: Layout,
    may_run: bool,
    d: Draft,
    rows: Vec<Row>,
}

fn read_steps(pairs: &[(String, String)]) -> Vec<StepRow> {
    let mut rows: Vec<StepRow> = (1..=STEP_ROWS)
        .map(|n| StepRow {
            n,
            ..StepRow::default()
        })
        .collect();
    for (k, v) in pairs {
        let Some((field, n)) = k.rsplit_once('-') else {
            continue;
        };
        let Some(row) = n
            .parse::<usize>()
            .ok()
            .and_then(|n| rows.get_mut(n.wrapping_sub(1)))
        else {
            continue;
        };
        match field {
            "step-day" => row.day = v.trim().to_string(),
            "step-text" => row.text = v.clone(),
            _ => {}
        }
    }
    rows
}

fn empty_draft(t: &Texts) -> Draft {
    Draft {
        name: String::new(),
        name_error: None,
        audience: Fields::new(t, ComposeForm::default()),
        errors: Errors::default(),
        steps: read_steps(&[]),
        steps_error: None,
    }
}

async fn list(State(app): State<AppState>, c: Console) -> Response {
    let d = empty_draft(&c.t);
    c.answer(campaigns_page(&app, &c, d, StatusCode::OK).await)
}

async fn campaigns_page(
    app: &AppState,
    c: &Console,
    d: Draft,
    status: StatusCode,
) -> Result<Response, ApiError> {
    may_read(c)?;
    let t = &c.t;
    let svc = &app.services;
    let mut rows = Vec::new();
    for k in store::recent(&svc.db, LISTED * 4).await? {
        if rows.len() as i64 >= LISTED {
            break;
        }
        if campaigns::visible_to(&k, &c.caller.staff, &c.caller.scope) {
            rows.push(row(app, t, k).await?);
        }
    }
    let tpl = CampaignsPage {
        l: Layout::new(app, c, "/console/campaigns"),
        t: t.clone(),
        may_run: c.caller.staff.role != Role::Monitor,
        d,
        rows,
    };
    Ok(page(status, &tpl, Vec::new()))
}

async fn row(app: &AppState, t: &Texts, k: Campaign) -> Result<Row, ApiError> {
    let svc = &app.services;
    let f = campaigns::figures(&svc.outbox, k.id).await?;
    let (status, badge) = status_words(t, k.status);
    Ok(Row {
        id: k.id,
        status,
        badge,
        steps: k.steps.len(),
        members: t.int(store::members(&svc.db, k.id).await?),
        delivered: t.int(f.delivered),
        name: k.name,
    })
}

async fn create(
    State(app): State<AppState>,
    c: Console,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    c.answer(created(&app, &c, pairs).await)
}

/// The steps typed, as the API's; Err when a day is no whole number.
fn new_steps(rows: &[StepRow]) -> Result<Vec<NewStep>, ()> {
    rows.iter()
        .filter(|r| !(r.day.is_empty() && r.text.trim().is_empty()))
        .map(|r| {
            let day = if r.day.is_empty() {
                Ok(0)
            } else {
                r.day.parse().map_err(|_| ())
            }?;
            Ok(NewStep {
                day,
                texts: notices::Texts {
                    text: r.text.clone(),
                    ..notices::Texts::default()
                },
                answer: None,
            })
        })
        .collect()
}

async fn created(
    app: &AppState,
    c: &Console,
    pairs: Vec<(String, String)>,
) -> Result<Response, ApiError> {
    let form = ComposeForm::read(pairs.clone());
    c.check_csrf(&form.csrf)?;
    may_broadcast(&c.caller)?;
    let t = &c.t;
    let name = pairs
        .iter()
        .find(|(k, _)| k == "name")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let mut d = Draft {
        name: name.clone(),
        name_error: None,
        audience: Fields::new(t, form.clone()),
        errors: Errors::default(),
        steps: read_steps(&pairs),
        steps_error: None,
    };
    let steps_bad = t.msg_id("console-campaign-steps-bad");
    // What the form itself can tell, every field at once; the rest is `campaigns::create`'s.
    if name.trim().is_empty() {
        d.name_error = Some(t.msg_id("console-campaign-name-bad"));
    }
    let steps = new_steps(&d.steps);
    if steps.is_err() {
        d.steps_error = Some(steps_bad.clone());
    }
    let (Ok(steps), None) = (steps, &d.name_error) else {
        return campaigns_page(app, c, d, StatusCode::BAD_REQUEST).await;
    };
    let new = NewCampaign {
        name,
        kind: Kind::Messages,
        audience: form.audience(),
        content: None,
        steps,
        cron: None,
        closes_at: None,
    };
    let caller = &c.caller;
    match campaigns::create(&app.services.db, &caller.staff, &caller.scope, new).await {
        Ok(k) => Ok(Redirect::to(&format!("/console/campaigns/{}", k.id)).into_response()),
        Err(CampaignError::Audience(e)) => {
            refusal_of(t, NoticeError::Audience(e), &form, &mut d.errors)?;
            campaigns_page(app, c, d, StatusCode::BAD_REQUEST).await
        }
        Err(CampaignError::Invalid(why)) => {
            if why.starts_with("name") {
                d.name_error = Some(t.msg_id("console-campaign-name-bad"));
            } else {
                d.steps_error = Some(steps_bad);
            }
            campaigns_page(app, c, d, StatusCode::BAD_REQUEST).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A step as the campaign page shows it.
struct StepView {
    day: i64,
    text: String,
}

#[derive(Template)]
#[template(path = "campaign.html")]
struct CampaignPage {
    t: Texts,
    l: Layout,
    id: i64,
    name: String,
    status: String,
    badge: &'static str,
    areas: String,
    members: String,
    steps: Vec<StepView>,
    /// The buttons the campaign's status allows: `(action, label)`; none for monitors.
    actions: Vec<(&'static str, String)>,
    figures: Vec<(String, String)>,
}

async fn show(State(app): State<AppState>, c: Console, Path(id): Path<i64>) -> Response {
    c.answer(campaign_page(&app, &c, id).await)
}

/// What may be done to a campaign in status `s`.
fn actions_for(s: Status) -> &'static [(&'static str, &'static str)] {
    const START: (&str, &str) = ("start", msg_id("console-campaign-start"));
    const PAUSE: (&str, &str) = ("pause", msg_id("console-campaign-pause"));
    const RESUME: (&str, &str) = ("resume", msg_id("console-campaign-resume"));
    const STOP: (&str, &str) = ("stop", msg_id("console-campaign-stop"));
    match s {
        Status::Draft => &[START, STOP],
        Status::Running => &[PAUSE, STOP],
        Status::Paused => &[RESUME, STOP],
        Status::Stopped => &[],
    }
}

async fn campaign_page(app: &AppState, c: &Console, id: i64) -> Result<Response, ApiError> {
    may_read(c)?;
    let k = visible(app, &c.caller, id).await?;
    let t = &c.t;
    let svc = &app.services;
    let f = campaigns::figures(&svc.outbox, id).await?;
    let figures = [
        ("console-notice-queued", f.queued),
        ("console-notice-sent", f.sent),
        ("console-notice-delivered", f.delivered),
        ("console-notice-failed", f.failed),
        ("console-notice-cancelled", f.cancelled),
        ("console-notice-expired", f.expired),
    ]
    .into_iter()
    .map(|(label, n)| (t.msg_id(msg_id(label)), t.int(n)))
    .collect();
    let actions = if c.caller.staff.role == Role::Monitor {
        Vec::new()
    } else {
        actions_for(k.status)
            .iter()
            .map(|(a, label)| (*a, t.msg_id(label)))
            .collect()
    };
    let steps = k
        .steps
        .iter()
        .map(|s| StepView {
            day: s.day_offset,
            text: s
                .texts
                .as_ref()
                .map(|x| x.text.clone())
                .or_else(|| s.message_id.clone())
                .unwrap_or_default(),
        })
        .collect();
    let (status, badge) = status_words(t, k.status);
    let tpl = CampaignPage {
        l: Layout::new(app, c, "/console/campaigns"),
        t: t.clone(),
        id,
        status,
        badge,
        areas: k.audience.areas.join(", "),
        members: t.int(store::members(&svc.db, id).await?),
        steps,
        actions,
        figures,
        name: k.name,
    };
    Ok(page(StatusCode::OK, &tpl, Vec::new()))
}

async fn act(
    State(app): State<AppState>,
    c: Console,
    Path((id, action)): Path<(i64, String)>,
    Form(form): Form<super::CsrfForm>,
) -> Response {
    let r = async {
        c.check_csrf(&form.csrf)?;
        let action = action_of(&action).ok_or(ApiError::NotFound)?;
        acted(&app, &c.caller, id, action).await?;
        Ok(Redirect::to(&format!("/console/campaigns/{id}")).into_response())
    }
    .await;
    c.answer(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn step_rows_become_the_apis_steps_and_a_bad_day_is_refused() {
        let rows = read_steps(&pairs(&[
            ("step-day-1", "0"),
            ("step-text-1", "Chào"),
            ("step-day-3", " 7 "),
            ("step-text-3", "Tuần sau"),
            ("step-day-99", "1"),
        ]));
        assert_eq!(rows.len(), STEP_ROWS);
        let steps = new_steps(&rows).expect("steps");
        let days: Vec<i64> = steps.iter().map(|s| s.day).collect();
        assert_eq!(days, [0, 7], "empty rows are no step");
        assert_eq!(steps[1].texts.text, "Tuần sau");
        let rows = read_steps(&pairs(&[("step-day-1", "two"), ("step-text-1", "x")]));
        assert!(new_steps(&rows).is_err());
    }
}
