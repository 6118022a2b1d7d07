//! Figures for monitoring, without personal data: requests by month, commune, category and status.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::store::{self, FigureRow};
use crate::db::Db;

/// A month as `YYYY-MM`.
pub fn parse_month(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d").ok()
}

/// The first instant of local day `day` in `tz`.
fn start_of(tz: Tz, day: NaiveDate) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// Month, province, commune, category, status.
type Cell = (String, Option<String>, Option<String>, String, String);

/// Counts of requests created in local month `month` (every month when None), one row per
/// month, province, commune, category and status, in that order.
pub async fn figures(
    db: &Db,
    tz: Tz,
    month: Option<NaiveDate>,
) -> Result<Vec<FigureRow>, sqlx::Error> {
    let range = month.map(|m| {
        let next = m
            .with_day(1)
            .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
            .unwrap_or(m);
        (start_of(tz, m), start_of(tz, next))
    });
    let (from, to) = range.unwrap_or((None, None));
    let mut counts: BTreeMap<Cell, i64> = BTreeMap::new();
    for (created, province, commune, category, status) in store::facts(db, from, to).await? {
        let month = created.with_timezone(&tz).format("%Y-%m").to_string();
        *counts
            .entry((month, province, commune, category, status))
            .or_default() += 1;
    }
    Ok(counts
        .into_iter()
        .map(
            |((month, province, commune, category, status), requests)| FigureRow {
                month,
                province,
                commune,
                category,
                status,
                requests,
            },
        )
        .collect())
}

/// The figures as CSV (`loa report legal-aid`), a header line first.
pub fn to_csv(rows: &[FigureRow]) -> String {
    let mut out = String::from("month,province,commune,category,status,requests\n");
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            r.month,
            r.province.as_deref().unwrap_or(""),
            r.commune.as_deref().unwrap_or(""),
            r.category,
            r.status,
            r.requests
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_read_as_written() {
        assert_eq!(parse_month("2026-05"), NaiveDate::from_ymd_opt(2026, 5, 1));
        assert_eq!(parse_month("2026-13"), None);
        assert_eq!(parse_month("May"), None);
    }
}
