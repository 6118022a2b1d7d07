//! The simulated phones' inboxes (`simulator_received`): what each phone got, kept across restarts.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::{time, Db};
use crate::gateway::Outbound;
use crate::{execute, with_db};

/// One SMS as a simulated phone received it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PhoneMessage {
    pub id: i64,
    pub outbox_id: i64,
    pub to: String,
    pub text: Option<String>,
    pub encoding: String,
    pub parts: i64,
    pub created_at: DateTime<Utc>,
}

/// Stores what the phone `msg.to` receives.
pub async fn receive(db: &Db, msg: &Outbound<'_>, provider_id: &str) -> Result<(), sqlx::Error> {
    execute!(db, pool => sqlx::query(
        "INSERT INTO simulator_received
                (outbox_id, recipient, text, encoding, parts, provider_id, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(msg.id)
    .bind(msg.to)
    .bind(msg.text)
    .bind(msg.encoding.as_str())
    .bind(i64::from(msg.parts))
    .bind(provider_id)
    .bind(time::now())
    .execute(pool)
    .await)?;
    Ok(())
}

/// What the phone `to` received, oldest first (the newest `limit`).
pub async fn received_by(db: &Db, to: &str, limit: i64) -> Result<Vec<PhoneMessage>, sqlx::Error> {
    let mut rows: Vec<PhoneMessage> = with_db!(db, pool => sqlx::query_as(
        "SELECT id, outbox_id, recipient AS \"to\", text, encoding, parts, received_at AS created_at
           FROM simulator_received WHERE recipient = $1
          ORDER BY id DESC LIMIT $2"
    )
    .bind(to)
    .bind(limit)
    .fetch_all(pool)
    .await)?;
    rows.reverse();
    Ok(rows)
}

/// Deletes bodies the simulator kept longer than the retention.
pub async fn forget_bodies(db: &Db, before: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    execute!(db, pool => sqlx::query(
        "UPDATE simulator_received SET text = NULL WHERE received_at < $1 AND text IS NOT NULL"
    )
    .bind(before)
    .execute(pool)
    .await)
}
