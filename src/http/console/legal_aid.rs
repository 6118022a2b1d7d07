//! The legal aid queue in the console: the requests of the officer's province with status, category and age, a request's page (each read audited as the API's), and its status form (with the API's "notify the requester", which the requester's contact mode may refuse).
//!
//! The same checks as `/api/v1/legal-aid/…` (`http::legal_aid`): a request outside the
//! officer's areas is 404; the console's rule for a wrong role is 403, before any of that.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{page, Console, Layout, Texts};
use crate::app::AppState;
use crate::db::time;
use crate::features::legal_aid::{self, LegalAidError, Request, Status};
use crate::features::staff;
use crate::features::staff::Role;
use crate::http::error::ApiError;
use crate::http::legal_aid::{actor, assign_officer, audit, changed, visible, visible_request};
use crate::i18n::Msg;
use crate::phone::Msisdn;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/legal-aid", get(list))
        .route("/console/legal-aid/{reference}", get(show))
        .route("/console/legal-aid/{reference}/status", post(set_status))
        .route("/console/legal-aid/{reference}/assign", post(assign))
}

/// Who works the queue (as `http::legal_aid::queue_role`).
pub const ROLES: &[Role] = &[Role::LegalAid, Role::Admin];

/// Requests listed on the page.
const LISTED: usize = 100;

fn may_work(c: &Console) -> Result<(), ApiError> {
    if ROLES.contains(&c.caller.staff.role) {
        Ok(())
    } else {
        Err(ApiError::forbidden("forbidden", "legal aid officers only"))
    }
}

struct Row {
    reference: String,
    status: String,
    category: String,
    age: String,
}

#[derive(Template)]
#[template(path = "legal_aid.html")]
struct QueuePage {
    t: Texts,
    l: Layout,
    rows: Vec<Row>,
}

fn age(t: &Texts, r: &Request) -> String {
    let days = (time::now() - r.created_at).num_days().max(0);
    t.render(&Msg::new("console-legal-age-days").num("days", days))
}

async fn list(State(app): State<AppState>, c: Console) -> Response {
    let r = async {
        may_work(&c)?;
        let all = legal_aid::list(&app.services.db, &legal_aid::Query::default()).await?;
        let shown: Vec<Request> = all
            .into_iter()
            .filter(|r| visible(&c.caller, r))
            .take(LISTED)
            .collect();
        // One entry per request shown, as the API's list: the log says which each officer saw.
        for r in &shown {
            audit(&app, &c.caller, "list", Some(&r.reference), None).await?;
        }
        let t = &c.t;
        let rows = shown
            .iter()
            .map(|r| Row {
                reference: r.reference.clone(),
                status: t.msg_id(r.status.words()),
                category: t.msg_id(r.category.label()),
                age: age(t, r),
            })
            .collect();
        let tpl = QueuePage {
            l: Layout::new(&app, &c, "/console/legal-aid"),
            t: t.clone(),
            rows,
        };
        Ok(page(StatusCode::OK, &tpl, Vec::new()))
    }
    .await;
    c.answer(r)
}

struct Choice {
    value: &'static str,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "legal_aid_request.html")]
struct RequestPage {
    t: Texts,
    l: Layout,
    reference: String,
    status: String,
    category: String,
    age: String,
    phone: String,
    description: String,
    choices: Vec<Choice>,
    status_error: Option<String>,
    /// Whether the requester gets status updates by SMS (their contact mode); call-only and
    /// no-messages requesters never do, so the form offers none.
    sms_updates: bool,
    /// The "notify the requester" box, as sent with a refused form.
    notify: bool,
    /// After a change: whether the requester was sent the update.
    notified: Option<bool>,
    officers: Vec<(i64, String)>,
    assign_error: Option<String>,
}

/// A refused status form: what was chosen, what to fix, and the notify box.
struct Typed {
    status: String,
    error: String,
    notify: bool,
}

#[derive(Deserialize, Default)]
struct ShowQuery {
    /// `1` after a change that sent the requester an SMS, `0` after one that did not.
    notified: Option<String>,
}

const STATUSES: [Status; 7] = [
    Status::Received,
    Status::Assigned,
    Status::Contacted,
    Status::InProgress,
    Status::Resolved,
    Status::Referred,
    Status::Withdrawn,
];

async fn show(
    State(app): State<AppState>,
    c: Console,
    Path(reference): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Response {
    let notified = q.notified.map(|n| n == "1");
    c.answer(answer_page(&app, &c, &reference, None, None, notified).await)
}

/// The legal aid officers whose areas hold `r`, by id and name.
async fn officers_for(app: &AppState, r: &Request) -> Result<Vec<(i64, String)>, ApiError> {
    let db = &app.services.db;
    let mut out = Vec::new();
    for id in staff::ids(db).await? {
        let Some(s) = staff::by_id(db, id)
            .await?
            .filter(|s| s.role == Role::LegalAid)
        else {
            continue;
        };
        let scope = staff::scope(db, &s).await?;
        let name = s.name.clone();
        if visible(&crate::http::households::Caller { staff: s, scope }, r) {
            out.push((id, name));
        }
    }
    Ok(out)
}

/// The request's page with a refused status form again, with what to fix (400).
async fn request_page(
    app: &AppState,
    c: &Console,
    reference: &str,
    typed: Typed,
) -> Result<Response, ApiError> {
    answer_page(app, c, reference, Some(typed), None, None).await
}

/// The request's page, with a refused status form (`typed`) or assign form (`assign_error`).
async fn answer_page(
    app: &AppState,
    c: &Console,
    reference: &str,
    typed: Option<Typed>,
    assign_error: Option<String>,
    notified: Option<bool>,
) -> Result<Response, ApiError> {
    may_work(c)?;
    let r = visible_request(app, &c.caller, reference).await?;
    audit(app, &c.caller, "read", Some(&r.reference), Some("console")).await?;
    let t = &c.t;
    let chosen = typed.as_ref().map(|t| t.status.as_str());
    let choices = STATUSES
        .into_iter()
        .filter(|s| r.status.may_move_to(*s))
        .map(|s| Choice {
            value: s.as_str(),
            label: t.msg_id(s.words()),
            selected: chosen == Some(s.as_str()),
        })
        .collect();
    let officers = officers_for(app, &r).await?;
    let status = if typed.is_some() || assign_error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let tpl = RequestPage {
        l: Layout::new(app, c, "/console/legal-aid"),
        t: t.clone(),
        status: t.msg_id(r.status.words()),
        category: t.msg_id(r.category.label()),
        age: age(t, &r),
        phone: Msisdn::stored(&r.msisdn).map_or_else(|| r.msisdn.clone(), |m| m.national()),
        description: r.description.clone().unwrap_or_default(),
        reference: r.reference,
        choices,
        sms_updates: r.contact_mode == legal_aid::Mode::Sms,
        notify: typed.as_ref().is_some_and(|t| t.notify),
        notified,
        status_error: typed.map(|t| t.error),
        officers,
        assign_error,
    };
    Ok(page(status, &tpl, Vec::new()))
}

#[derive(Deserialize)]
struct StatusForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    /// The "notify the requester" box: present when ticked.
    #[serde(default)]
    notify: Option<String>,
}

async fn set_status(
    State(app): State<AppState>,
    c: Console,
    Path(reference): Path<String>,
    Form(form): Form<StatusForm>,
) -> Response {
    c.answer(change(&app, &c, &reference, form).await)
}

async fn change(
    app: &AppState,
    c: &Console,
    reference: &str,
    form: StatusForm,
) -> Result<Response, ApiError> {
    c.check_csrf(&form.csrf)?;
    may_work(c)?;
    let req = visible_request(app, &c.caller, reference).await?;
    let t = &c.t;
    let notify = form.notify.is_some();
    let refused = |error: String| Typed {
        status: form.status.clone(),
        error,
        notify,
    };
    let Some(to) = Status::from_db(form.status.trim()) else {
        let e = refused(t.msg_id("console-legal-status-choose"));
        return request_page(app, c, reference, e).await;
    };
    match legal_aid::move_to(&app.services.db, &req, to, &actor(&c.caller)).await {
        Ok(change) => {
            let detail = format!("{} -> {}", req.status.as_str(), to.as_str());
            // The API's own path: the audit line, and the SMS only if asked for and the
            // requester's contact mode allows it.
            let now = changed(app, &c.caller, &req, change, notify, &detail).await?;
            let sent = now.0["message_queued"] == serde_json::Value::Bool(true);
            let to = format!(
                "/console/legal-aid/{}?notified={}",
                req.reference,
                u8::from(sent)
            );
            Ok(Redirect::to(&to).into_response())
        }
        Err(LegalAidError::NotAssigned) => {
            let e = refused(t.msg_id("console-legal-status-assign-first"));
            request_page(app, c, reference, e).await
        }
        Err(LegalAidError::Transition { .. }) => {
            let msg = Msg::new("console-legal-status-not-allowed")
                .arg("from", t.msg_id(req.status.words()))
                .arg("to", t.msg_id(to.words()));
            request_page(app, c, reference, refused(t.render(&msg))).await
        }
        Err(e) => Err(crate::http::legal_aid::change_error(e)),
    }
}

#[derive(Deserialize)]
struct AssignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    officer: String,
}

async fn assign(
    State(app): State<AppState>,
    c: Console,
    Path(reference): Path<String>,
    Form(form): Form<AssignForm>,
) -> Response {
    let r = async {
        c.check_csrf(&form.csrf)?;
        may_work(&c)?;
        let req = visible_request(&app, &c.caller, &reference).await?;
        let choose = Some(c.t.msg_id("console-legal-assign-choose"));
        let Ok(officer) = form.officer.trim().parse::<i64>() else {
            return answer_page(&app, &c, &reference, None, choose, None).await;
        };
        match assign_officer(&app, &c.caller, &req, officer).await {
            Ok((change, id)) => {
                let detail = format!("assigned to staff:{id}");
                let _now = changed(&app, &c.caller, &req, change, false, &detail).await?;
                Ok(Redirect::to(&format!("/console/legal-aid/{}", req.reference)).into_response())
            }
            Err(ApiError::BadRequest { .. }) => {
                answer_page(&app, &c, &reference, None, choose, None).await
            }
            Err(e) => Err(e),
        }
    }
    .await;
    c.answer(r)
}
