//! The dashboard (`/console`), for every role: messages per day sent and delivered over the last 14 days, failures, reply times, and legal aid requests by commune. Figures only, never a phone, a name or a message.
//!
//! The message figures are those of the messages to the phones of the households in the caller's
//! villages (the whole installation's for admins and monitors); the requests are the caller's communes, by the rule of `GET /api/v1/legal-aid/figures`, and only
//! for the roles that read those figures. The SQL lives with the tables: `outbox::store` (sent,
//! delivered, failed), `inbox::store` (reply times), `legal_aid::figures` (requests).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use super::charts::{self, Series};
use super::{page, Console, Layout, Texts};
use crate::app::AppState;
use crate::db::time;
use crate::db::Db;
use crate::features::staff::Role;
use crate::features::{areas, households, legal_aid};
use crate::http::error::ApiError;
use crate::http::legal_aid::{figure_visible, FIGURE_ROLES};

/// Days the dashboard looks back, today included.
pub const DAYS: u32 = 14;
/// Replies whose times are read at most (the newest): enough for a median, bounded in memory.
const MAX_REPLIES: i64 = 50_000;

pub fn router() -> Router<AppState> {
    Router::new().route("/console", get(dashboard))
}

/// The last `n` local days up to today, and the `n + 1` instants that bound them.
pub fn last_days(tz: Tz, now: DateTime<Utc>, n: u32) -> (Vec<NaiveDate>, Vec<DateTime<Utc>>) {
    let today = now.with_timezone(&tz).date_naive();
    let days: Vec<NaiveDate> = (0..n)
        .rev()
        .filter_map(|back| today.checked_sub_days(chrono::Days::new(u64::from(back))))
        .collect();
    let start = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| tz.from_local_datetime(&t).earliest())
            .map_or_else(
                || d.and_time(chrono::NaiveTime::MIN).and_utc(),
                |t| t.with_timezone(&Utc),
            )
    };
    let mut bounds: Vec<DateTime<Utc>> = days.iter().map(|d| start(*d)).collect();
    bounds.push(start(today + TimeDelta::days(1)));
    (days, bounds)
}

/// The value at fraction `p` of `sorted` (nearest rank), 0 for none.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Reply delays in seconds, per window of `bounds` (by when the reply went), each sorted.
pub fn delays_by_window(
    times: &[(DateTime<Utc>, DateTime<Utc>)],
    bounds: &[DateTime<Utc>],
) -> Vec<Vec<f64>> {
    let mut out = vec![Vec::new(); bounds.len().saturating_sub(1)];
    for (asked, sent) in times {
        let w = bounds.partition_point(|b| b <= sent);
        if let Some(slot) = w.checked_sub(1).and_then(|w| out.get_mut(w)) {
            slot.push((*sent - *asked).num_milliseconds().max(0) as f64 / 1000.0);
        }
    }
    for d in &mut out {
        d.sort_by(f64::total_cmp);
    }
    out
}

/// `f` of the delays, or a dash when there are none.
fn when_any(delays: &[f64], f: impl Fn(&[f64]) -> String) -> String {
    if delays.is_empty() {
        "–".to_string()
    } else {
        f(delays)
    }
}

/// One day's line of the table under the charts.
struct Day {
    label: String,
    sent: String,
    delivered: String,
    failed: String,
    expired: String,
    replies: String,
    median: String,
}

struct Totals {
    sent: String,
    delivered: String,
    delivered_share: String,
    failed: String,
    expired: String,
    replies: String,
    median: String,
    p90: String,
}

struct Place {
    name: String,
    open: String,
    closed: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    t: Texts,
    l: Layout,
    period: String,
    totals: Totals,
    days: Vec<Day>,
    sent_chart: String,
    failed_chart: String,
    reply_chart: String,
    /// Requests by commune, for the roles that read legal aid figures.
    requests: Option<(String, Vec<Place>)>,
}

async fn dashboard(State(app): State<AppState>, c: Console) -> Response {
    c.answer(render(&app, &c).await)
}

/// Whose messages the caller's figures count: everyone's for admins and monitors (None), else
/// the phones of the households in the caller's villages.
async fn recipients(db: &Db, c: &Console) -> Result<Option<Vec<String>>, ApiError> {
    if matches!(c.caller.staff.role, Role::Admin | Role::Monitor) {
        return Ok(None);
    }
    let villages: Vec<String> = areas::all(db)
        .await?
        .into_iter()
        .filter(|a| a.level == areas::Level::Village && c.caller.scope.covers(&a.code))
        .map(|a| a.code)
        .collect();
    Ok(Some(households::phones_in_villages(db, &villages).await?))
}

async fn render(app: &AppState, c: &Console) -> Result<Response, ApiError> {
    let db = &app.services.db;
    let t = &c.t;
    let (days, bounds) = last_days(app.services.tz, time::now(), DAYS);
    let whose = recipients(db, c).await?;
    let whose = whose.as_deref();
    let sent = crate::outbox::store::sent_by_window(db, &bounds, whose).await?;
    let failed = crate::outbox::store::failed_by_window(db, &bounds, whose).await?;
    let (from, to) = (bounds[0], bounds[bounds.len() - 1]);
    let times = crate::inbox::reply_times(db, from, to, MAX_REPLIES, whose).await?;
    let delays = delays_by_window(&times, &bounds);
    let labels: Vec<String> = days.iter().map(|d| d.format("%d").to_string()).collect();
    let medians: Vec<i64> = delays
        .iter()
        .map(|d| (percentile(d, 0.5) * 1000.0).round() as i64)
        .collect();
    let mut all: Vec<f64> = delays.iter().flatten().copied().collect();
    all.sort_by(f64::total_cmp);
    let col = |f: fn(&(i64, i64)) -> i64, v: &[(i64, i64)]| v.iter().map(f).collect::<Vec<i64>>();
    let (sent_n, delivered_n) = (col(|x| x.0, &sent), col(|x| x.1, &sent));
    let (failed_n, expired_n) = (col(|x| x.0, &failed), col(|x| x.1, &failed));
    let total = |v: &[i64]| v.iter().sum::<i64>();
    let share = match total(&sent_n) {
        0 => "–".to_string(),
        n => format!("{} %", total(&delivered_n) * 100 / n),
    };
    let totals = Totals {
        sent: t.int(total(&sent_n)),
        delivered: t.int(total(&delivered_n)),
        delivered_share: share,
        failed: t.int(total(&failed_n)),
        expired: t.int(total(&expired_n)),
        replies: t.int(all.len() as i64),
        median: when_any(&all, |v| t.duration(percentile(v, 0.5))),
        p90: when_any(&all, |v| t.duration(percentile(v, 0.9))),
    };
    let count = |v: i64| t.int(v);
    let (sent_name, delivered_name) = (
        t.msg_id("console-dash-sent"),
        t.msg_id("console-dash-delivered"),
    );
    let (failed_name, expired_name) = (
        t.msg_id("console-dash-failed"),
        t.msg_id("console-dash-expired"),
    );
    let sent_chart = charts::columns(
        &t.msg_id("console-dash-messages"),
        &labels,
        &[
            Series {
                class: "s1",
                name: &sent_name,
                values: &sent_n,
            },
            Series {
                class: "s2",
                name: &delivered_name,
                values: &delivered_n,
            },
        ],
        &count,
    );
    let failed_chart = charts::columns(
        &t.msg_id("console-dash-failures"),
        &labels,
        &[
            Series {
                class: "s3",
                name: &failed_name,
                values: &failed_n,
            },
            Series {
                class: "s1",
                name: &expired_name,
                values: &expired_n,
            },
        ],
        &count,
    );
    let median_name = t.msg_id("console-dash-median");
    let reply_chart = charts::columns(
        &t.msg_id("console-dash-reply-times"),
        &labels,
        &[Series {
            class: "s2",
            name: &median_name,
            values: &medians,
        }],
        &|ms| t.duration(ms as f64 / 1000.0),
    );
    let rows = days
        .iter()
        .enumerate()
        .map(|(i, d)| Day {
            label: d.format("%d/%m").to_string(),
            sent: t.int(sent_n[i]),
            delivered: t.int(delivered_n[i]),
            failed: t.int(failed_n[i]),
            expired: t.int(expired_n[i]),
            replies: t.int(delays[i].len() as i64),
            median: when_any(&delays[i], |v| t.duration(percentile(v, 0.5))),
        })
        .collect();
    let period = format!(
        "{} – {}",
        days.first()
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default(),
        days.last()
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default()
    );
    let tpl = DashboardPage {
        requests: requests(app, c, from).await?,
        l: Layout::new(app, c, "/console"),
        t: t.clone(),
        period,
        totals,
        days: rows,
        sent_chart,
        failed_chart,
        reply_chart,
    };
    Ok(page(StatusCode::OK, &tpl, Vec::new()))
}

/// Legal aid requests by commune since `since`: the chart and its rows, for the roles that read
/// legal aid figures, of the places the API would show them.
async fn requests(
    app: &AppState,
    c: &Console,
    since: DateTime<Utc>,
) -> Result<Option<(String, Vec<Place>)>, ApiError> {
    if !FIGURE_ROLES.contains(&c.caller.staff.role) {
        return Ok(None);
    }
    let db = &app.services.db;
    let t = &c.t;
    let mut places = legal_aid::figures::by_commune(db, since).await?;
    places.retain(|p| figure_visible(&c.caller, p.commune.as_deref(), p.province.as_deref()));
    let names: std::collections::HashMap<String, String> = areas::all(db)
        .await?
        .into_iter()
        .map(|a| (a.code, a.name))
        .collect();
    let name_of = |code: &Option<String>| match code {
        Some(code) => names.get(code).cloned().unwrap_or_else(|| code.clone()),
        None => t.msg_id("console-dash-no-commune"),
    };
    let rows: Vec<(String, Vec<i64>)> = places
        .iter()
        .map(|p| (name_of(&p.commune), vec![p.open, p.closed]))
        .collect();
    let (open, closed) = (
        t.msg_id("console-dash-open"),
        t.msg_id("console-dash-closed"),
    );
    let chart = charts::bars(
        &t.msg_id("console-dash-requests"),
        &rows,
        &[("s2", &open), ("s1", &closed)],
    );
    let list = rows
        .into_iter()
        .map(|(name, v)| Place {
            name,
            open: t.int(v[0]),
            closed: t.int(v[1]),
        })
        .collect();
    Ok(Some((chart, list)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fourteen_local_days_end_with_today_in_vietnam() {
        // 20:00 UTC on 1 March is 03:00 on 2 March in Hà Nội.
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 20, 0, 0).unwrap();
        let (days, bounds) = last_days(chrono_tz::Asia::Ho_Chi_Minh, now, 14);
        assert_eq!(days.len(), 14);
        assert_eq!(days[13], NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
        assert_eq!(days[0], NaiveDate::from_ymd_opt(2026, 2, 17).unwrap());
        assert_eq!(bounds.len(), 15);
        // Local midnight is 17:00 UTC the day before.
        assert_eq!(
            bounds[13],
            Utc.with_ymd_and_hms(2026, 3, 1, 17, 0, 0).unwrap()
        );
        assert_eq!(bounds[14] - bounds[0], TimeDelta::days(14));
    }

    #[test]
    fn reply_delays_fall_in_the_day_the_reply_went() {
        let at = |h, m, s| Utc.with_ymd_and_hms(2026, 3, 1, h, m, s).unwrap();
        let bounds = [at(0, 0, 0), at(12, 0, 0), at(23, 0, 0)];
        let times = [
            (at(1, 0, 0), at(1, 0, 2)),
            (at(11, 59, 59), at(12, 0, 1)),
            (at(13, 0, 0), at(13, 0, 1)),
            (at(23, 0, 0), at(23, 0, 5)),
        ];
        let d = delays_by_window(&times, &bounds);
        assert_eq!(d, vec![vec![2.0], vec![1.0, 2.0]]);
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let v = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert_eq!(percentile(&v, 0.5), 3.0);
        assert_eq!(percentile(&v, 0.9), 10.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }
}
