//! Campaigns in the console: the list, a form to create one (name, the API's audience, and steps by day offset, a quiz with its right answers and closing time, or loa's shipped content) with its recipients/parts/cost preview, a campaign's page with its delivery figures (and a quiz's results by commune), and start, pause, resume and stop.
//!
//! The same paths as `/api/v1/campaigns…` (`http::campaigns`): commune officers and admins run
//! campaigns (monitors read them), `campaigns::create` checks the form as it checks the API's
//! body and `campaigns::preview::preview` previews it the same way, and the buttons are
//! `http::campaigns::acted`. A campaign outside the caller's areas is 404. The audience fields
//! are the notice form's (`notice_form`); the live preview is the notices' `preview.js`.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};

use super::notice_form::{
    audience_refusal, checked_audience, live_answer, local_time, Choice, ComposeForm, Errors,
    Fields, Shown,
};
use super::{page, Console, Layout, Texts};
use crate::app::AppState;
use crate::features::campaigns::preview::{preview, CampaignPreview};
use crate::features::campaigns::{
    self, content, quiz, run, store, Campaign, CampaignError, Kind, NewCampaign, NewStep, Status,
};
use crate::features::contacts::Script;
use crate::features::notices;
use crate::features::staff::Role;
use crate::http::campaigns::{acted, action_of, visible};
use crate::http::error::ApiError;
use crate::http::notices::may_broadcast;
use crate::i18n::{msg_id, Msg};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/campaigns", get(list).post(create))
        .route("/console/campaigns/preview", post(live_preview))
        .route("/console/campaigns/{id}", get(show))
        .route("/console/campaigns/{id}/{action}", post(act))
}

/// Who sees the campaigns pages: those who run them, and monitors (figures only).
pub const ROLES: &[Role] = &[Role::CommuneOfficer, Role::Admin, Role::Monitor];

/// Campaigns listed on the page.
const LISTED: i64 = 30;
/// Step rows the form offers (empty rows are no step).
const STEP_ROWS: usize = 6;

/// What a campaign may send: steps written in the form, a quiz written there, or shipped
/// content by its name in `content::CONTENT`.
const SOURCES: &[(&str, &str)] = &[
    ("messages", msg_id("console-campaign-kind-messages")),
    ("quiz", msg_id("console-campaign-kind-quiz")),
    (
        "child-marriage",
        msg_id("console-campaign-kind-child-marriage"),
    ),
    (
        "child-marriage-quiz",
        msg_id("console-campaign-kind-child-marriage-quiz"),
    ),
];

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

/// One step row of the form: its day, text and (a quiz's) right answer as typed.
#[derive(Default, Clone)]
struct StepRow {
    n: usize,
    day: String,
    text: String,
    answer: String,
}

/// What to fix in the campaign's own fields (the audience's are `Errors`).
#[derive(Default)]
struct Fixes {
    name: Option<String>,
    source: Option<String>,
    steps: Option<String>,
    closes: Option<String>,
}

/// The create form as typed, what to fix, and the preview when it was asked for.
struct Draft {
    name: String,
    source: String,
    sources: Vec<Choice>,
    audience: Fields,
    errors: Errors,
    steps: Vec<StepRow>,
    closes: String,
    fixes: Fixes,
    preview: Option<Shown>,
}

impl Draft {
    fn any(&self) -> bool {
        let f = &self.fixes;
        self.errors.any()
            || [&f.name, &f.source, &f.steps, &f.closes]
                .iter()
                .any(|e| e.is_some())
    }

    /// Each field's fix by the field's name (the live preview's answer).
    fn by_field(&self) -> BTreeMap<&'static str, String> {
        let f = &self.fixes;
        let mut out = self.errors.by_field();
        for (k, v) in [
            ("name", &f.name),
            ("source", &f.source),
            ("steps", &f.steps),
            ("closes", &f.closes),
        ] {
            if let Some(v) = v {
                out.insert(k, v.clone());
            }
        }
        out
    }
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
    /// The earliest closing time the form offers (now, local, as `datetime-local` takes it).
    now: String,
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
            "step-answer" => row.answer = v.trim().to_string(),
            _ => {}
        }
    }
    rows
}

fn sources(t: &Texts, chosen: &str) -> Vec<Choice> {
    SOURCES
        .iter()
        .map(|(value, label)| Choice {
            value: (*value).to_string(),
            label: t.msg_id(label),
            checked: *value == chosen,
        })
        .collect()
}

fn empty_draft(t: &Texts) -> Draft {
    Draft {
        name: String::new(),
        source: SOURCES[0].0.to_string(),
        sources: sources(t, SOURCES[0].0),
        audience: Fields::new(t, ComposeForm::default()),
        errors: Errors::default(),
        steps: read_steps(&[]),
        closes: String::new(),
        fixes: Fixes::default(),
        preview: None,
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
        now: crate::db::time::now()
            .with_timezone(&svc.tz)
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
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

/// The steps typed, as the API's; Err with the fix's id when a day is no whole number, a
/// quiz's question has no right answer, or there is no step.
fn new_steps(rows: &[StepRow], quiz: bool) -> Result<Vec<NewStep>, &'static str> {
    let steps_bad = msg_id("console-campaign-steps-bad");
    let steps = rows
        .iter()
        .filter(|r| !(r.day.is_empty() && r.text.trim().is_empty()))
        .map(|r| {
            let day = if r.day.is_empty() {
                Ok(0)
            } else {
                r.day.parse().map_err(|_| steps_bad)
            }?;
            let answer = match (quiz, r.answer.as_str()) {
                (false, _) => None,
                (true, a @ ("A" | "B" | "C")) => Some(a.to_string()),
                (true, _) => return Err(msg_id("console-campaign-answers-bad")),
            };
            Ok(NewStep {
                day,
                texts: notices::Texts {
                    text: r.text.clone(),
                    ..notices::Texts::default()
                },
                answer,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if steps.is_empty() {
        return Err(steps_bad);
    }
    Ok(steps)
}

/// The form read and checked as far as the form can tell (every field at once): the campaign
/// it asks for, or None and the draft with what to fix. `campaigns::create` checks the rest.
fn read_form(
    c: &Console,
    tz: chrono_tz::Tz,
    pairs: &[(String, String)],
) -> (Draft, Option<NewCampaign>) {
    let t = &c.t;
    let form = ComposeForm::read(pairs.to_vec());
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let source = Some(field("source"))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| SOURCES[0].0.to_string());
    let mut d = Draft {
        name: field("name"),
        sources: sources(t, &source),
        audience: Fields::new(t, form.clone()),
        errors: Errors::default(),
        steps: read_steps(pairs),
        closes: field("closes").trim().to_string(),
        fixes: Fixes::default(),
        preview: None,
        source,
    };
    if d.name.trim().is_empty() {
        d.fixes.name = Some(t.msg_id("console-campaign-name-bad"));
    }
    let shipped = content::steps(&d.source);
    let quiz = d.source == "quiz"
        || shipped
            .as_ref()
            .is_some_and(|s| s.iter().any(|x| x.answer.is_some()));
    if !SOURCES.iter().any(|(s, _)| *s == d.source) {
        d.fixes.source = Some(t.msg_id("console-campaign-kind-bad"));
    }
    let steps = match shipped {
        Some(_) => Vec::new(),
        None => new_steps(&d.steps, quiz).unwrap_or_else(|fix| {
            d.fixes.steps = Some(t.msg_id(fix));
            Vec::new()
        }),
    };
    let closes_at = match local_time(&d.closes, tz) {
        Ok(Some(at)) if quiz => Some(at),
        Ok(_) if !quiz => None,
        _ => {
            d.fixes.closes = Some(t.msg_id("console-campaign-closes-bad"));
            None
        }
    };
    let audience = checked_audience(c, &form, &mut d.errors);
    let (Some(audience), false) = (audience, d.any()) else {
        return (d, None);
    };
    let new = NewCampaign {
        name: d.name.clone(),
        kind: if quiz { Kind::Quiz } else { Kind::Messages },
        audience,
        content: content::steps(&d.source).map(|_| d.source.clone()),
        steps,
        cron: None,
        closes_at,
    };
    (d, Some(new))
}

/// What `campaigns::create` refused, by the field it belongs to; Err for an error that is not
/// the form's.
fn refusal_of(t: &Texts, e: CampaignError, d: &mut Draft) -> Result<(), ApiError> {
    let (slot, id) = match e {
        CampaignError::Audience(e) => {
            audience_refusal(t, e, &d.audience.f, &mut d.errors);
            return Ok(());
        }
        CampaignError::Invalid(why) if why.starts_with("name") => {
            (&mut d.fixes.name, "console-campaign-name-bad")
        }
        CampaignError::Invalid(why) if why.starts_with("closes_at") => {
            (&mut d.fixes.closes, "console-campaign-closes-bad")
        }
        CampaignError::Invalid(why) if why.starts_with("content") => {
            (&mut d.fixes.source, "console-campaign-kind-bad")
        }
        CampaignError::Invalid(_) => (&mut d.fixes.steps, "console-campaign-steps-bad"),
        other => return Err(other.into()),
    };
    *slot = Some(t.msg_id(msg_id(id)));
    Ok(())
}

/// A campaign's preview in words: recipients today, and each step's parts.
fn preview_view(t: &Texts, p: &CampaignPreview) -> Shown {
    let each = p
        .steps
        .iter()
        .map(|s| {
            let msg = Msg::new("console-campaign-step-parts")
                .num("day", s.day)
                .num("full", s.full_parts as i64)
                .num("unaccented", s.unaccented_parts as i64)
                .num("parts", s.total_parts as i64);
            t.render(&msg)
        })
        .collect();
    let totals = notices::Preview {
        recipients: p.recipients,
        full_recipients: p.full_recipients,
        unaccented_recipients: p.unaccented_recipients,
        versions: Vec::new(),
        total_parts: p.total_parts,
        cost: p.cost,
    };
    Shown::new(t, &totals, each)
}

/// The campaign `new` previewed for the caller.
async fn previewed(app: &AppState, c: &Console, new: NewCampaign) -> Result<Shown, CampaignError> {
    let svc = &app.services;
    let (staff, scope) = (&c.caller.staff, &c.caller.scope);
    let p = preview(
        &svc.db,
        svc.prices.as_ref(),
        &svc.locales,
        staff,
        scope,
        new,
    )
    .await?;
    Ok(preview_view(&c.t, &p))
}

async fn create(
    State(app): State<AppState>,
    c: Console,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    c.answer(created(&app, &c, pairs).await)
}

async fn created(
    app: &AppState,
    c: &Console,
    pairs: Vec<(String, String)>,
) -> Result<Response, ApiError> {
    let form = ComposeForm::read(pairs.clone());
    c.check_csrf(&form.csrf)?;
    may_broadcast(&c.caller)?;
    let (mut d, new) = read_form(c, app.services.tz, &pairs);
    if let Some(new) = new {
        let caller = &c.caller;
        let made = if form.action == "preview" {
            previewed(app, c, new).await.map(|p| {
                d.preview = Some(p);
                None
            })
        } else {
            let db = &app.services.db;
            let made = campaigns::create(db, &caller.staff, &caller.scope, new).await;
            made.map(|k| Some(k.id))
        };
        match made {
            Ok(Some(id)) => {
                return Ok(Redirect::to(&format!("/console/campaigns/{id}")).into_response())
            }
            Ok(None) => return campaigns_page(app, c, d, StatusCode::OK).await,
            Err(e) => refusal_of(&c.t, e, &mut d)?,
        }
    }
    campaigns_page(app, c, d, StatusCode::BAD_REQUEST).await
}

/// The create form's figures as JSON, for `preview.js`: the same check and preview as the
/// Preview button, or the fixes by field (400).
async fn live_preview(
    State(app): State<AppState>,
    c: Console,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let r: Result<Response, ApiError> = async {
        c.check_csrf(&ComposeForm::read(pairs.clone()).csrf)?;
        may_broadcast(&c.caller)?;
        let (mut d, new) = read_form(&c, app.services.tz, &pairs);
        if let Some(new) = new {
            match previewed(&app, &c, new).await {
                Ok(shown) => return Ok(live_answer(Ok(shown))),
                Err(e) => refusal_of(&c.t, e, &mut d)?,
            }
        }
        Ok(live_answer(Err(d.by_field())))
    }
    .await;
    r.unwrap_or_else(IntoResponse::into_response)
}

/// A step as the campaign page shows it (shipped content in the page's language).
struct StepView {
    day: i64,
    text: String,
    answer: String,
}

/// A quiz's answers to one question in one commune, as the page shows them.
struct ResultView {
    commune: String,
    question: i64,
    answers: String,
    correct: String,
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
    /// A quiz's closing time and its results by commune; None for other campaigns.
    quiz: Option<(String, Vec<ResultView>)>,
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
            text: run::render(t.locales(), s, t.lang, Script::Full),
            answer: s.answer.clone().unwrap_or_default(),
        })
        .collect();
    let quiz = match k.kind {
        Kind::Quiz => Some(quiz_view(app, c, &k).await?),
        Kind::Messages => None,
    };
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
        quiz,
        name: k.name,
    };
    Ok(page(StatusCode::OK, &tpl, Vec::new()))
}

/// A quiz's closing time and its results in the caller's communes (the API's rows: no
/// phone numbers, no names).
async fn quiz_view(
    app: &AppState,
    c: &Console,
    k: &Campaign,
) -> Result<(String, Vec<ResultView>), ApiError> {
    let t = &c.t;
    let closes = k.closes_at.map_or_else(String::new, |at| {
        let at = at.with_timezone(&app.services.tz);
        at.format("%d/%m/%Y %H:%M").to_string()
    });
    let rows = crate::http::campaigns::rows(app, &c.caller, k.id).await?;
    let rows = rows
        .into_iter()
        .map(|r: quiz::ResultRow| ResultView {
            commune: if r.commune_code.is_empty() {
                t.msg_id("console-campaign-no-commune")
            } else {
                format!("{} ({})", r.commune_name, r.commune_code)
            },
            question: r.question,
            answers: t.int(r.answers),
            correct: t.int(r.correct),
        })
        .collect();
    Ok((closes, rows))
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
            ("step-answer-3", "B"),
            ("step-day-99", "1"),
        ]));
        assert_eq!(rows.len(), STEP_ROWS);
        let steps = new_steps(&rows, false).expect("steps");
        let days: Vec<i64> = steps.iter().map(|s| s.day).collect();
        assert_eq!(days, [0, 7], "empty rows are no step");
        assert_eq!(steps[1].texts.text, "Tuần sau");
        assert!(steps.iter().all(|s| s.answer.is_none()), "not a quiz");
        let rows = read_steps(&pairs(&[("step-day-1", "two"), ("step-text-1", "x")]));
        assert_eq!(
            new_steps(&rows, false).err(),
            Some("console-campaign-steps-bad")
        );
        assert_eq!(
            new_steps(&read_steps(&[]), false).err(),
            Some("console-campaign-steps-bad")
        );
    }

    #[test]
    fn a_quiz_needs_each_questions_right_answer() {
        let rows = read_steps(&pairs(&[
            ("step-text-1", "1?"),
            ("step-answer-1", "C"),
            ("step-day-2", "1"),
            ("step-text-2", "2?"),
        ]));
        let refused = new_steps(&rows, true).err();
        assert_eq!(refused, Some("console-campaign-answers-bad"));
        let rows = read_steps(&pairs(&[("step-text-1", "1?"), ("step-answer-1", "C")]));
        let steps = new_steps(&rows, true).expect("a quiz");
        assert_eq!(steps[0].answer.as_deref(), Some("C"));
    }

    #[test]
    fn every_shipped_content_can_be_chosen() {
        for (name, _) in content::CONTENT {
            assert!(SOURCES.iter().any(|(s, _)| s == name), "{name}");
        }
    }
}
