//! Households in the console: the list of the caller's villages (paged, searchable by code), a household's page with its phones and support records, and the support status form.
//!
//! The same checks as `/api/v1/households…` (`http::households`): commune officers and admins
//! only (403), their villages only (404); reading a household's phones is audited as the API's
//! read is; a status change goes through `http::households::change_status`, the API's own
//! path (the status machine, the history, the SMS to the household's phones).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{page, Console, Layout, Texts};
use crate::app::AppState;
use crate::features::households::{self, Household};
use crate::features::support::{self, words, RecordView, Status};
use crate::http::error::ApiError;
use crate::http::households::{
    audit_phones, change_status, household_records, villages_of, visible_household, StatusRefusal,
};
use crate::i18n::{msg_id, Msg};
use crate::phone::Msisdn;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/households", get(list))
        .route("/console/households/{code}", get(show))
        .route(
            "/console/households/{code}/records/{id}/status",
            post(set_status),
        )
}

/// Households per page.
const PAGE: i64 = 50;

pub fn poverty_msg(class: &str) -> &'static str {
    match class {
        "poor" => msg_id("console-poverty-poor"),
        "near_poor" => msg_id("console-poverty-near-poor"),
        _ => msg_id("console-poverty-none"),
    }
}

#[derive(Deserialize, Default)]
struct ListQuery {
    village: Option<String>,
    q: Option<String>,
    page: Option<i64>,
}

struct Row {
    code: String,
    head: String,
    village: String,
    poverty: String,
    members: String,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "households.html")]
struct ListPage {
    t: Texts,
    l: Layout,
    villages: Vec<Choice>,
    q: String,
    rows: Vec<Row>,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
}

/// `/console/households?…` with these parameters.
fn list_href(village: &str, q: &str, page: i64) -> String {
    let params = [("village", village), ("q", q), ("page", &page.to_string())];
    let kept: Vec<(&str, &str)> = params.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    format!(
        "/console/households?{}",
        serde_urlencoded::to_string(kept).unwrap_or_default()
    )
}

async fn list(State(app): State<AppState>, c: Console, Query(q): Query<ListQuery>) -> Response {
    c.answer(list_page(&app, &c, q).await)
}

async fn list_page(app: &AppState, c: &Console, q: ListQuery) -> Result<Response, ApiError> {
    let t = &c.t;
    let village = q
        .village
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let all = villages_of(app, &c.caller, None).await?;
    if village.is_some_and(|v| !all.iter().any(|a| a.code == v)) {
        return Err(ApiError::NotFound);
    }
    let names: HashMap<&str, &str> = all
        .iter()
        .map(|a| (a.code.as_str(), a.name.as_str()))
        .collect();
    let wanted: Vec<String> = all
        .iter()
        .filter(|a| village.is_none_or(|v| v == a.code))
        .map(|a| a.code.clone())
        .collect();
    let search: String = q.q.unwrap_or_default().trim().chars().take(32).collect();
    let page_no = q.page.unwrap_or(1).clamp(1, 100_000);
    let code = Some(search.as_str()).filter(|s| !s.is_empty());
    let db = &app.services.db;
    let mut found = households::search(db, &wanted, code, PAGE + 1, (page_no - 1) * PAGE).await?;
    let more = found.len() as i64 > PAGE;
    found.truncate(PAGE as usize);
    let rows = found
        .into_iter()
        .map(|h| Row {
            village: names
                .get(h.village_code.as_str())
                .map_or(h.village_code.clone(), |n| {
                    format!("{n} ({})", h.village_code)
                }),
            poverty: t.msg_id(poverty_msg(&h.poverty_class)),
            members: h.members.map(|m| m.to_string()).unwrap_or_default(),
            code: h.code,
            head: h.head_name,
        })
        .collect();
    let v = village.unwrap_or("");
    let villages = all
        .iter()
        .map(|a| Choice {
            label: format!("{} ({})", a.name, a.code),
            selected: a.code == v,
            value: a.code.clone(),
        })
        .collect();
    let tpl = ListPage {
        l: Layout::new(app, c, "/console/households"),
        t: t.clone(),
        villages,
        rows,
        page: page_no,
        prev: (page_no > 1).then(|| list_href(v, &search, page_no - 1)),
        next: more.then(|| list_href(v, &search, page_no + 1)),
        q: search,
    };
    Ok(page(StatusCode::OK, &tpl, Vec::new()))
}

/// What a status form was sent with, and what to fix, when it was refused.
#[derive(Default)]
struct Typed {
    record: i64,
    status: String,
    reason: String,
    status_error: Option<String>,
    reason_error: Option<String>,
}

struct HistoryLine {
    at: String,
    from: String,
    to: String,
    by: String,
    reason: String,
}

struct RecordRow {
    id: i64,
    content: String,
    status: String,
    badge: &'static str,
    amount: String,
    date: String,
    reason: String,
    history: Vec<HistoryLine>,
    choices: Vec<Choice>,
    typed_reason: String,
    status_error: Option<String>,
    reason_error: Option<String>,
}

#[derive(Template)]
#[template(path = "household.html")]
struct HouseholdPage {
    t: Texts,
    l: Layout,
    h: Household,
    village: String,
    poverty: String,
    phones: Vec<String>,
    records: Vec<RecordRow>,
    note: Option<String>,
    action_base: String,
}

#[derive(Deserialize, Default)]
struct ShowQuery {
    changed: Option<i64>,
    queued: Option<i64>,
}

async fn show(
    State(app): State<AppState>,
    c: Console,
    Path(code): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Response {
    c.answer(household_page(&app, &c, &code, q, None).await)
}

fn status_label(t: &Texts, r: &RecordView, s: Status) -> String {
    t.msg_id(words::status_id(s, &r.content_code, r.unit.as_deref()))
}

fn badge(s: Status) -> &'static str {
    match s {
        Status::Approved | Status::Disbursed | Status::Completed => "good",
        Status::Rejected => "bad",
        Status::Registered | Status::InProgress => "warn",
    }
}

const STATUSES: [Status; 6] = [
    Status::Registered,
    Status::Approved,
    Status::InProgress,
    Status::Disbursed,
    Status::Completed,
    Status::Rejected,
];

async fn record_row(
    app: &AppState,
    t: &Texts,
    r: &RecordView,
    typed: Option<&Typed>,
) -> Result<RecordRow, ApiError> {
    let tz = app.services.tz;
    let typed = typed.filter(|f| f.record == r.id);
    let word =
        |s: &str| Status::from_db(s).map_or_else(|| s.to_string(), |s| status_label(t, r, s));
    let history = support::history(&app.services.db, r.id)
        .await?
        .into_iter()
        .map(|h| HistoryLine {
            at: h
                .changed_at
                .with_timezone(&tz)
                .format("%d/%m/%Y %H:%M")
                .to_string(),
            from: h.from_status.as_deref().map(word).unwrap_or_default(),
            to: word(&h.to_status),
            by: h.changed_by,
            reason: h.reason.unwrap_or_default(),
        })
        .collect();
    let choices = STATUSES
        .into_iter()
        .filter(|s| r.status.can_move_to(*s))
        .map(|s| Choice {
            value: s.as_str().to_string(),
            label: status_label(t, r, s),
            selected: typed.is_some_and(|f| f.status == s.as_str()),
        })
        .collect();
    let amount = match (r.quantity_milli, r.unit.as_deref()) {
        (Some(q), Some(unit)) => words::amount(t.locales(), t.lang, q, unit),
        _ => String::new(),
    };
    Ok(RecordRow {
        id: r.id,
        content: words::content_name(t.locales(), t.lang, &r.content_code),
        status: status_label(t, r, r.status),
        badge: badge(r.status),
        amount,
        date: r.date.format("%d/%m/%Y").to_string(),
        reason: r.reason.clone().unwrap_or_default(),
        history,
        choices,
        typed_reason: typed.map(|f| f.reason.clone()).unwrap_or_default(),
        status_error: typed.and_then(|f| f.status_error.clone()),
        reason_error: typed.and_then(|f| f.reason_error.clone()),
    })
}

/// The household page; with `typed`, a refused status form shown again with what to fix (400).
async fn household_page(
    app: &AppState,
    c: &Console,
    code: &str,
    q: ShowQuery,
    typed: Option<Typed>,
) -> Result<Response, ApiError> {
    let t = &c.t;
    let db = &app.services.db;
    let h = visible_household(app, &c.caller, code).await?;
    let phones = households::phones(db, h.id).await?;
    audit_phones(app, &c.caller, "read", Some(&h.code), "household (console)").await?;
    let records = household_records(app, &h).await?;
    let mut rows = Vec::with_capacity(records.len());
    for r in &records {
        rows.push(record_row(app, t, r, typed.as_ref()).await?);
    }
    let note = q
        .changed
        .and_then(|id| records.iter().find(|r| r.id == id))
        .map(|r| {
            let msg = Msg::new("console-status-changed")
                .arg(
                    "content",
                    words::content_name(t.locales(), t.lang, &r.content_code),
                )
                .arg("status", status_label(t, r, r.status))
                .num("messages", q.queued.unwrap_or(0).max(0));
            t.render(&msg)
        });
    let village = crate::features::areas::all(db)
        .await?
        .into_iter()
        .find(|a| a.code == h.village_code)
        .map_or(h.village_code.clone(), |a| {
            format!("{} ({})", a.name, a.code)
        });
    let status = if typed.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let tpl = HouseholdPage {
        l: Layout::new(app, c, "/console/households"),
        t: t.clone(),
        poverty: t.msg_id(poverty_msg(&h.poverty_class)),
        action_base: format!("/console/households/{}/records", path_segment(&h.code)),
        phones: phones
            .iter()
            .map(|p| Msisdn::stored(p).map_or_else(|| p.clone(), |m| m.national()))
            .collect(),
        village,
        h,
        records: rows,
        note,
    };
    Ok(page(status, &tpl, Vec::new()))
}

/// What a path segment keeps as it is: letters, digits and `-._~` (RFC 3986's unreserved).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A household code as one segment of a path.
fn path_segment(code: &str) -> String {
    percent_encoding::utf8_percent_encode(code, SEGMENT).to_string()
}

#[derive(Deserialize)]
struct StatusForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
}

async fn set_status(
    State(app): State<AppState>,
    c: Console,
    Path((code, id)): Path<(String, i64)>,
    Form(form): Form<StatusForm>,
) -> Response {
    c.answer(change(&app, &c, &code, id, form).await)
}

async fn change(
    app: &AppState,
    c: &Console,
    code: &str,
    id: i64,
    form: StatusForm,
) -> Result<Response, ApiError> {
    c.check_csrf(&form.csrf)?;
    let h = visible_household(app, &c.caller, code).await?;
    let records = household_records(app, &h).await?;
    let Some(record) = records.iter().find(|r| r.id == id) else {
        return Err(ApiError::NotFound);
    };
    let reason: String = form.reason.trim().chars().take(500).collect();
    let given = Some(reason.as_str()).filter(|r| !r.is_empty());
    let refused = match change_status(app, &c.caller, id, &form.status, given).await? {
        Ok(done) => {
            let to = format!(
                "/console/households/{}?changed={id}&queued={}",
                path_segment(&h.code),
                done.queued
            );
            return Ok(Redirect::to(&to).into_response());
        }
        Err(refused) => refused,
    };
    let t = &c.t;
    let mut typed = Typed {
        record: id,
        status: form.status.clone(),
        reason,
        ..Typed::default()
    };
    match refused {
        StatusRefusal::Unknown(_) => typed.status_error = Some(t.msg_id("console-status-choose")),
        StatusRefusal::Transition(_) => {
            let to = Status::parse(&form.status)
                .map_or_else(String::new, |s| status_label(t, record, s));
            let msg = Msg::new("console-status-not-allowed")
                .arg("from", status_label(t, record, record.status))
                .arg("to", to);
            typed.status_error = Some(t.render(&msg));
        }
        StatusRefusal::ReasonRequired => {
            typed.reason_error = Some(t.msg_id("console-status-reason-required"))
        }
    }
    household_page(app, c, code, ShowQuery::default(), Some(typed)).await
}
