//! Job leases: the first instance to insert a job's slot row runs it; the others skip that slot.

use chrono::{DateTime, TimeZone, Utc};

use crate::db::{time, Db};
use crate::{execute, with_db};

/// The start of the slot `now` falls in, for slots of `seconds` length.
pub fn slot_of(now: DateTime<Utc>, seconds: i64) -> DateTime<Utc> {
    let secs = now.timestamp();
    let start = secs - secs.rem_euclid(seconds.max(1));
    Utc.timestamp_opt(start, 0).single().unwrap_or(now)
}

/// Whether `holder` (this instance) won the current slot of `job`.
pub async fn claim_slot(
    db: &Db,
    holder: &str,
    job: &str,
    slot_seconds: i64,
) -> Result<bool, sqlx::Error> {
    let now = time::now();
    let slot = slot_of(now, slot_seconds).to_rfc3339();
    let won: Option<String> = with_db!(db, pool => sqlx::query_scalar(
        "INSERT INTO job_runs (job, slot, holder, started_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING holder"
    )
    .bind(job)
    .bind(&slot)
    .bind(holder)
    .bind(now)
    .fetch_optional(pool)
    .await)?;
    Ok(won.is_some())
}

/// Deletes the lease rows of slots that started before `before`.
pub async fn forget_runs(db: &Db, before: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    execute!(db, pool => sqlx::query("DELETE FROM job_runs WHERE started_at < $1")
        .bind(before)
        .execute(pool)
        .await)
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
