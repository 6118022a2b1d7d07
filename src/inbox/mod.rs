//! The inbox: an inbound message is stored (once) before its webhook is answered, then handled.

use chrono::TimeDelta;

use crate::app::App;
use crate::db::{time, Db};
use crate::gateway::Inbound;
use crate::hash::text_hash;
use crate::phone::Sender;
use crate::{execute, with_db, with_tx};

/// A message without a provider id counts as a repeat of one with the same sender and text
/// received this recently (providers that give no id still retry).
const NO_ID_WINDOW_SECONDS: i64 = 5;

/// Longest text accepted from a gateway: ten concatenated GSM-7 parts.
pub const MAX_TEXT_CHARS: usize = 1530;

#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("outbox: {0}")]
    Outbox(#[from] crate::outbox::OutboxError),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Received {
    pub id: i64,
    /// True when this message was already stored; it is not handled again.
    pub duplicate: bool,
}

/// Stores `msg` unless it is a repeat. Returns once it is on disk.
pub async fn receive(db: &Db, msg: &Inbound) -> Result<Received, InboxError> {
    let sender = sender_column(&msg.sender);
    let hash = text_hash(&msg.text);
    let now = time::now();
    const INSERT: &str = "INSERT INTO inbound_messages
            (gateway_id, provider_id, channel, sender, text, text_hash, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT DO NOTHING
         RETURNING id";
    if let Some(provider_id) = &msg.provider_id {
        let id: Option<i64> = with_db!(db, |pool| sqlx::query_scalar(INSERT)
            .bind(&msg.gateway_id)
            .bind(provider_id)
            .bind(msg.channel.as_str())
            .bind(&sender)
            .bind(&msg.text)
            .bind(&hash)
            .bind(now)
            .fetch_optional(pool)
            .await)?;
        if let Some(id) = id {
            return Ok(Received {
                id,
                duplicate: false,
            });
        }
        let id: i64 = with_db!(db, |pool| sqlx::query_scalar(
            "SELECT id FROM inbound_messages WHERE gateway_id = $1 AND provider_id = $2"
        )
        .bind(&msg.gateway_id)
        .bind(provider_id)
        .fetch_one(pool)
        .await)?;
        return Ok(Received {
            id,
            duplicate: true,
        });
    }
    let since = now - TimeDelta::seconds(NO_ID_WINDOW_SECONDS);
    let received = with_tx!(db, |tx| {
        let seen: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM inbound_messages
              WHERE gateway_id = $1 AND sender = $2 AND text_hash = $3 AND received_at >= $4
              LIMIT 1",
        )
        .bind(&msg.gateway_id)
        .bind(&sender)
        .bind(&hash)
        .bind(since)
        .fetch_optional(&mut *tx)
        .await?;
        match seen {
            Some(id) => Received {
                id,
                duplicate: true,
            },
            None => {
                let id: i64 = sqlx::query_scalar(INSERT)
                    .bind(&msg.gateway_id)
                    .bind(None::<String>)
                    .bind(msg.channel.as_str())
                    .bind(&sender)
                    .bind(&msg.text)
                    .bind(&hash)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                Received {
                    id,
                    duplicate: false,
                }
            }
        }
    });
    Ok(received)
}

/// The sender as stored: E.164 for a mobile, the raw sender id otherwise.
fn sender_column(sender: &Sender) -> String {
    match sender {
        Sender::Mobile(m) => m.as_str().to_string(),
        Sender::ShortCode(s) | Sender::Alphanumeric(s) => s.clone(),
    }
}

#[derive(sqlx::FromRow)]
struct Pending {
    sender: String,
    text: Option<String>,
    status: String,
}

/// Handles a stored SMS: the dialog answers, then the row is marked. Handling the same row twice
/// (a crash between the two) is safe: replies and consent records are keyed on the inbound id.
pub async fn handle(app: &App, id: i64) -> Result<(), InboxError> {
    let row: Option<Pending> = with_db!(&app.db, |pool| sqlx::query_as(
        "SELECT sender, text, status FROM inbound_messages WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?;
    let Some(row) = row.filter(|r| r.status == "new") else {
        return Ok(());
    };
    let (status, note) = match (Sender::classify(&row.sender), row.text) {
        (Ok(Sender::Mobile(msisdn)), Some(text)) => {
            let note = crate::dialog::sms::handle(app, &msisdn, &text, id).await?;
            ("handled", note)
        }
        (Ok(_), _) => ("ignored", "sender is not a mobile number: never answered"),
        (Err(_), _) => ("ignored", "sender is not a valid number"),
    };
    execute!(&app.db, |pool| sqlx::query(
        "UPDATE inbound_messages SET status = $2, note = $3, handled_at = $4 WHERE id = $1"
    )
    .bind(id)
    .bind(status)
    .bind(note)
    .bind(time::now())
    .execute(pool)
    .await)?;
    Ok(())
}

/// Messages stored but never handled (the process died between storing and answering), oldest first.
pub async fn unhandled(db: &Db, older_than: TimeDelta) -> Result<Vec<i64>, InboxError> {
    let before = time::now() - older_than;
    let ids = with_db!(db, |pool| sqlx::query_scalar(
        "SELECT id FROM inbound_messages WHERE status = 'new' AND channel = 'sms'
            AND received_at < $1 ORDER BY id LIMIT 500"
    )
    .bind(before)
    .fetch_all(pool)
    .await)?;
    Ok(ids)
}

/// Deletes the bodies of messages older than `before`; who sent what when stays.
pub async fn forget_bodies(
    db: &Db,
    before: chrono::DateTime<chrono::Utc>,
) -> Result<u64, InboxError> {
    let done = execute!(db, |pool| sqlx::query(
        "UPDATE inbound_messages SET text = NULL
          WHERE received_at < $1 AND text IS NOT NULL AND status <> 'new'"
    )
    .bind(before)
    .execute(pool)
    .await)?;
    Ok(done)
}
