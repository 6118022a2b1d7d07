//! The inbox: an inbound message is stored (once) before its webhook is answered, then handled.
//!
//! `receive` is all a webhook waits for; `handle` hands a stored SMS to the dialog and marks the
//! row, and the inbox sweep calls it again for rows a crash left unhandled.

mod store;

use chrono::{DateTime, TimeDelta, Utc};

use crate::db::{time, Db};
use crate::dialog::{self, DialogError, Services};
use crate::gateway::Inbound;
use crate::hash::text_hash;
use crate::phone::Sender;

/// A message without a provider id counts as a repeat of one with the same sender and text
/// received this recently (providers that give no id still retry).
pub const NO_ID_WINDOW_SECONDS: i64 = 5;

/// Longest text accepted from a gateway: ten concatenated GSM-7 parts.
pub const MAX_TEXT_CHARS: usize = 1530;

#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("dialog: {0}")]
    Dialog(#[from] DialogError),
}

/// The inbox's answer to a webhook: the stored row, and whether it was there already.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Stored {
    pub id: i64,
    /// True when this message was already stored; it is not handled again.
    pub duplicate: bool,
}

/// Stores `msg` unless it is a repeat. Returns once it is on disk.
pub async fn receive(db: &Db, msg: &Inbound) -> Result<Stored, InboxError> {
    let row = store::NewRow {
        msg,
        sender: sender_column(&msg.sender),
        hash: text_hash(&msg.text),
        now: time::now(),
    };
    let stored = match &msg.provider_id {
        Some(provider_id) => store::insert_with_id(db, &row, provider_id).await?,
        None => {
            let since = row.now - TimeDelta::seconds(NO_ID_WINDOW_SECONDS);
            store::insert_unless_recent(db, &row, since).await?
        }
    };
    Ok(stored)
}

/// The sender as stored: E.164 for a mobile, the raw sender id otherwise.
fn sender_column(sender: &Sender) -> String {
    match sender {
        Sender::Mobile(m) => m.as_str().to_string(),
        Sender::ShortCode(s) | Sender::Alphanumeric(s) => s.clone(),
    }
}

/// Handles a stored SMS: the dialog answers, then the row is marked. Handling the same row twice
/// (a crash between the two) is safe: replies and consent records are keyed on the inbound id.
pub async fn handle(svc: &Services, id: i64) -> Result<(), InboxError> {
    let Some(row) = store::pending(&svc.db, id).await? else {
        return Ok(());
    };
    let (status, note) = match (Sender::classify(&row.sender), row.text) {
        (Ok(Sender::Mobile(msisdn)), Some(text)) => {
            let note = dialog::sms::handle(svc, &msisdn, &text, id).await?;
            ("handled", note)
        }
        (Ok(_), _) => ("ignored", "sender is not a mobile number: never answered"),
        (Err(_), _) => ("ignored", "sender is not a valid number"),
    };
    store::mark(&svc.db, id, status, note).await?;
    Ok(())
}

/// Stores `msg` and, when it is new, answers it. A failure after storing is left to the inbox
/// sweep, so the caller (a webhook) still answers 200: the message is safe.
pub async fn receive_and_handle(svc: &Services, msg: &Inbound) -> Result<Stored, InboxError> {
    let stored = receive(&svc.db, msg).await?;
    if !stored.duplicate {
        if let Err(err) = handle(svc, stored.id).await {
            tracing::warn!(%err, inbound_id = stored.id, "handling deferred to the inbox sweep");
        }
    }
    Ok(stored)
}

/// Messages stored but never handled (the process died between storing and answering), oldest first.
pub async fn unhandled(db: &Db, older_than: TimeDelta) -> Result<Vec<i64>, InboxError> {
    Ok(store::unhandled(db, time::now() - older_than).await?)
}

/// How long each reply that went in `[from, to)` took, as `(asked, sent)` pairs, the newest
/// `limit` of them (the dashboard's reply times), to `recipients` only when given.
pub async fn reply_times(
    db: &Db,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: i64,
    recipients: Option<&[String]>,
) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>)>, InboxError> {
    Ok(store::reply_times(db, from, to, limit, recipients).await?)
}

/// Deletes the bodies of messages older than `before`; who sent what when stays.
pub async fn forget_bodies(
    db: &Db,
    before: chrono::DateTime<chrono::Utc>,
) -> Result<u64, InboxError> {
    Ok(store::forget_bodies(db, before).await?)
}
