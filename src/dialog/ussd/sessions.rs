//! The `ussd_sessions` table: where a session last started, for expiry and auditing.

use chrono::{DateTime, TimeDelta, Utc};

use super::{Step, KEEP_EXPIRED_HOURS, SESSION_SECONDS};
use crate::db::tx::{on_tx, Tx};
use crate::db::Db;
use crate::{execute, with_db};

/// A phone's contact and a session, either of which may not exist yet.
#[derive(sqlx::FromRow)]
pub struct Found {
    pub contact_id: Option<i64>,
    pub language: Option<String>,
    pub input_offset: Option<i64>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The step's contact and session in one round trip.
pub async fn find(db: &Db, step: &Step<'_>) -> Result<Found, sqlx::Error> {
    with_db!(db, pool => sqlx::query_as(
        "SELECT c.id AS contact_id, c.language, s.input_offset, s.expires_at
           FROM (SELECT 1 AS one) AS x
           LEFT JOIN contacts c ON c.msisdn = $1
           LEFT JOIN ussd_sessions s ON s.gateway_id = $2 AND s.session_id = $3"
    )
    .bind(step.phone.as_str())
    .bind(step.gateway_id)
    .bind(step.session_id)
    .fetch_one(pool)
    .await)
}

/// What one step did to its session.
pub struct Visit<'a> {
    /// Where the session's inputs start counting (after its last restart).
    pub offset: usize,
    pub restarted: bool,
    pub screen_id: &'a str,
    pub now: DateTime<Utc>,
    pub ended: bool,
}

/// A step's session write, owned, for the group-commit writer (`Services::ussd_sessions`).
pub struct Record {
    gateway_id: String,
    session_id: String,
    msisdn: String,
    service_code: String,
    network_code: Option<String>,
    offset: i64,
    restarted: bool,
    screen_id: String,
    now: DateTime<Utc>,
    ended: bool,
}

impl Record {
    pub fn new(step: &Step<'_>, visit: &Visit<'_>) -> Record {
        Record {
            gateway_id: step.gateway_id.to_string(),
            session_id: step.session_id.to_string(),
            msisdn: step.phone.as_str().to_string(),
            service_code: step.service_code.to_string(),
            network_code: step.network_code.map(str::to_string),
            offset: i64::try_from(visit.offset).unwrap_or(i64::MAX),
            restarted: visit.restarted,
            screen_id: visit.screen_id.to_string(),
            now: visit.now,
            ended: visit.ended,
        }
    }
}

/// Creates or moves the session rows of the steps waiting at once, in the writer's transaction
/// and in their order; the first end of a session is kept.
pub async fn record_batch(tx: &mut Tx<'_>, records: &[&Record]) -> Result<Vec<()>, sqlx::Error> {
    for r in records {
        record_tx(tx, r).await?;
    }
    Ok(vec![(); records.len()])
}

async fn record_tx(tx: &mut Tx<'_>, r: &Record) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO ussd_sessions (gateway_id, session_id, msisdn, service_code, network_code,
                input_offset, steps, restarts, last_screen, created_at, updated_at, expires_at, ended_at)
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, $9, $10, $11)
         ON CONFLICT (gateway_id, session_id) DO UPDATE SET
                input_offset = excluded.input_offset,
                steps = ussd_sessions.steps + 1,
                restarts = ussd_sessions.restarts + excluded.restarts,
                last_screen = excluded.last_screen,
                updated_at = excluded.updated_at,
                expires_at = excluded.expires_at,
                ended_at = COALESCE(ussd_sessions.ended_at, excluded.ended_at)"
    )
    .bind(&r.gateway_id)
    .bind(&r.session_id)
    .bind(&r.msisdn)
    .bind(&r.service_code)
    .bind(&r.network_code)
    .bind(r.offset)
    .bind(i64::from(r.restarted))
    .bind(&r.screen_id)
    .bind(r.now)
    .bind(r.now + TimeDelta::seconds(SESSION_SECONDS))
    .bind(r.ended.then_some(r.now))
    .execute(conn)
    .await
    .map(drop))
}

/// Deletes session rows that expired before `now` minus [`KEEP_EXPIRED_HOURS`].
pub async fn forget_expired(db: &Db, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    execute!(db, pool => sqlx::query("DELETE FROM ussd_sessions WHERE expires_at < $1")
        .bind(now - TimeDelta::hours(KEEP_EXPIRED_HOURS))
        .execute(pool)
        .await)
}
