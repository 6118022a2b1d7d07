//! Job leases: the first instance to insert a job's slot row runs it; the others skip that slot.

use chrono::{DateTime, TimeZone, Utc};

use crate::app::App;
use crate::db::time;
use crate::with_db;

/// The start of the slot `now` falls in, for slots of `seconds` length.
pub fn slot_of(now: DateTime<Utc>, seconds: i64) -> DateTime<Utc> {
    let secs = now.timestamp();
    let start = secs - secs.rem_euclid(seconds.max(1));
    Utc.timestamp_opt(start, 0).single().unwrap_or(now)
}

/// Whether this instance won the current slot of `job`.
pub async fn claim_slot(app: &App, job: &str, slot_seconds: i64) -> Result<bool, sqlx::Error> {
    let now = time::now();
    let slot = slot_of(now, slot_seconds).to_rfc3339();
    let won: Option<String> = with_db!(&app.db, |pool| sqlx::query_scalar(
        "INSERT INTO job_runs (job, slot, holder, started_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING holder"
    )
    .bind(job)
    .bind(&slot)
    .bind(&app.instance)
    .bind(now)
    .fetch_optional(pool)
    .await)?;
    Ok(won.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_round_down() {
        let t = Utc
            .with_ymd_and_hms(2026, 11, 25, 10, 31, 52)
            .single()
            .expect("time");
        assert_eq!(slot_of(t, 60).to_rfc3339(), "2026-11-25T10:31:00+00:00");
        assert_eq!(slot_of(t, 30).to_rfc3339(), "2026-11-25T10:31:30+00:00");
    }
}
