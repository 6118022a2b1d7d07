//! The week's due list of prenatal checkups in the console: the active pregnancies of the caller's villages whose next checkup falls in the coming seven days, as the maternal API's list gives each one's next visit.
//!
//! The same checks as `/api/v1/pregnancies` (`http::maternal`): health workers, midwives,
//! commune health staff and admins (403 for anyone else), their villages only (an admin's: every
//! village, [`PAGE`] checkups a page); the read is
//! audited as the API's list is: one `pregnancy` `list` entry per pregnancy shown.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{NaiveDate, TimeDelta};
use serde::Deserialize;

use super::{page, Console, Layout, Texts};
use crate::app::AppState;
use crate::db::time;
use crate::features::maternal::{self, Pregnancy};
use crate::features::staff::Role;
use crate::http::error::ApiError;
use crate::http::maternal::{health_only, listed, own_villages, page_of};
use crate::phone::Msisdn;

pub fn router() -> Router<AppState> {
    Router::new().route("/console/due", get(due))
}

/// Who sees pregnancies (as `maternal::is_health_staff`).
pub const ROLES: &[Role] = &[
    Role::VillageHealthWorker,
    Role::VillageMidwife,
    Role::CommuneHealth,
    Role::Admin,
];

/// Rows read from the store at a time.
const BATCH: i64 = 500;
/// Checkups shown on a page (an admin's list covers every village).
const PAGE: usize = 100;

struct Row {
    date: String,
    visit: i64,
    phone: String,
    village: String,
    household: String,
    edd: String,
}

#[derive(Template)]
#[template(path = "due.html")]
struct DuePage {
    t: Texts,
    l: Layout,
    from: String,
    to: String,
    rows: Vec<Row>,
    /// The next page's link, when there may be more.
    next: Option<String>,
}

/// The next checkup of `p` if it falls in `[today, today + 7 days)`.
fn due_this_week(p: &Pregnancy, today: NaiveDate) -> Option<(u32, NaiveDate)> {
    if p.status != "active" {
        return None;
    }
    maternal::current_visit(p, maternal::weeks_of(p), today)
        .filter(|(_, d)| *d >= today && *d < today + TimeDelta::days(7))
}

#[derive(Deserialize, Default)]
struct DueQuery {
    /// The last pregnancy id the previous page looked at.
    after: Option<i64>,
}

async fn due(State(app): State<AppState>, c: Console, q: Query<DueQuery>) -> Response {
    c.answer(due_page(&app, &c, q.after.unwrap_or(0)).await)
}

/// Up to [`PAGE`] checkups due this week among the pregnancies after id `after`, and the id to
/// go on after when there may be more.
async fn due_rows(
    db: &crate::db::Db,
    villages: Option<&[String]>,
    today: NaiveDate,
    mut after: i64,
) -> Result<(Vec<(NaiveDate, u32, Pregnancy)>, Option<i64>), sqlx::Error> {
    let mut found = Vec::new();
    loop {
        let batch = page_of(db, villages, after, BATCH).await?;
        let full = batch.len() as i64 == BATCH;
        for p in batch {
            after = p.id;
            if let Some((n, d)) = due_this_week(&p, today) {
                found.push((d, n, p));
                if found.len() == PAGE {
                    return Ok((found, Some(after)));
                }
            }
        }
        if !full {
            return Ok((found, None));
        }
    }
}

async fn due_page(app: &AppState, c: &Console, after: i64) -> Result<Response, ApiError> {
    health_only(&c.caller)?;
    let db = &app.services.db;
    let today = time::now().with_timezone(&app.services.tz).date_naive();
    let villages = own_villages(db, &c.caller).await?;
    let (mut found, next) = due_rows(db, villages.as_deref(), today, after).await?;
    found.sort_by_key(|(d, _, p)| (*d, p.id));
    let ids: Vec<i64> = found.iter().map(|(_, _, p)| p.id).collect();
    listed(app, &c.caller, &ids, "due list (console)").await?;
    let rows = found
        .into_iter()
        .map(|(d, n, p)| Row {
            date: d.format("%d/%m/%Y").to_string(),
            visit: n.into(),
            phone: Msisdn::stored(&p.msisdn).map_or_else(|| p.msisdn.clone(), |m| m.national()),
            village: p.village_code,
            household: p.household_code.unwrap_or_default(),
            edd: p.edd.format("%d/%m/%Y").to_string(),
        })
        .collect();
    let tpl = DuePage {
        l: Layout::new(app, c, "/console/due"),
        t: c.t.clone(),
        from: today.format("%d/%m/%Y").to_string(),
        to: (today + TimeDelta::days(6)).format("%d/%m/%Y").to_string(),
        rows,
        next: next.map(|id| format!("/console/due?after={id}")),
    };
    Ok(page(StatusCode::OK, &tpl, Vec::new()))
}
