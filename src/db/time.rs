//! Timestamps as the database stores them: UTC, truncated to microseconds so both backends agree.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

/// Now, at the precision PostgreSQL keeps, so a value read back equals the value written.
pub fn now() -> DateTime<Utc> {
    let t = Utc::now();
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}
