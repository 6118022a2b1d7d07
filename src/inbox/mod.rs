//! The inbox: an inbound message is stored (once) before its webhook is answered, then handled.
//!
//! [`Inbox`] is what the HTTP edge uses: it stores and marks through a group-commit writer
//! (`db::group`), so concurrent webhooks share their commits. `receive` is all a webhook waits for
//! before its message is safe; `handle` hands a stored SMS to the dialog and marks the row, and
//! the inbox sweep calls it again for rows a crash left unhandled.

mod store;

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use crate::db::group::{batch, Group, GroupError};
use crate::db::{time, Db};
use crate::dialog::{self, DialogError, Services};
use crate::gateway::{Channel, Inbound};
use crate::hash::text_hash;
use crate::phone::Sender;
use store::{Done, NewRow, Write};

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
    #[error(transparent)]
    Writer(#[from] GroupError),
}

/// The inbox's answer to a webhook: the stored row, and whether it was there already.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Stored {
    pub id: i64,
    /// True when this message was already stored; it is not handled again.
    pub duplicate: bool,
}

/// The inbox of one process: the services its dialog answers with and the writer its stores and
/// marks share.
#[derive(Clone)]
pub struct Inbox {
    svc: Services,
    writer: Group<Write, Done>,
}

impl Inbox {
    pub fn new(svc: Services) -> Inbox {
        let shared = Arc::new(svc.clone());
        let writer = Group::new(
            svc.outbox.writer(),
            batch(move |tx, writes| {
                let svc = shared.clone();
                Box::pin(async move { store::write_batch(&svc, tx, writes).await })
            }),
        );
        Inbox { svc, writer }
    }

    /// Stores `msg` unless it is a repeat. Returns once it is on disk (committed with whatever
    /// else was waiting).
    pub async fn receive(&self, msg: &Inbound) -> Result<Stored, InboxError> {
        match self.writer.write(Write::Store(new_row(msg))).await? {
            Done::Stored(stored) => Ok(stored),
            _ => Err(sqlx::Error::Protocol("a store answered as another write".into()).into()),
        }
    }

    /// Stores `msg` and, when it is new, answers it. A message whose answer needs nothing but its
    /// sender's contact (`HD`) is stored, answered and marked in one transaction with whatever
    /// else was waiting; any other is stored first and answered after. A failure after storing
    /// is left to the inbox sweep, so the caller (a webhook) still answers 200: the message is
    /// safe.
    pub async fn receive_and_handle(&self, msg: &Inbound) -> Result<Stored, InboxError> {
        if let Some(stored) = self.answer_at_once(msg).await? {
            return Ok(stored);
        }
        let stored = self.receive(msg).await?;
        if !stored.duplicate {
            if let Err(err) = self.handle_new(stored.id, msg).await {
                tracing::warn!(%err, inbound_id = stored.id, "handling deferred to the inbox sweep");
            }
        }
        Ok(stored)
    }

    /// Stores and answers `msg` in one transaction when its command is pure (see
    /// `dialog::sms::pure`); None when it is not, or when that transaction failed for something
    /// other than the database being away (the message then takes the two-step way).
    async fn answer_at_once(&self, msg: &Inbound) -> Result<Option<Stored>, InboxError> {
        let (Sender::Mobile(from), Channel::Sms) = (&msg.sender, &msg.channel) else {
            return Ok(None);
        };
        let Some(pure) = dialog::sms::pure(&self.svc, &msg.text) else {
            return Ok(None);
        };
        let write = Write::Answer {
            row: new_row(msg),
            from: from.clone(),
            pure,
        };
        match self.writer.write(write).await {
            Ok(Done::Answered(stored)) => {
                if !stored.duplicate {
                    self.svc.outbox.wake();
                }
                Ok(Some(stored))
            }
            Ok(_) => {
                Err(sqlx::Error::Protocol("an answer came back as another write".into()).into())
            }
            Err(GroupError::Db(err)) if crate::db::unavailable(&err) => Err(err.into()),
            Err(GroupError::Stopped) => Err(GroupError::Stopped.into()),
            Err(err) => {
                tracing::warn!(%err, "answering with the store failed: stored, then answered");
                Ok(None)
            }
        }
    }

    /// (writes, commits) of the group-commit writer so far.
    pub fn write_counts(&self) -> (u64, u64) {
        self.writer.counts()
    }

    /// Handles a message this process has just stored: no need to read it back.
    async fn handle_new(&self, id: i64, msg: &Inbound) -> Result<(), InboxError> {
        let (status, note) =
            answer(&self.svc, id, Ok::<_, ()>(&msg.sender), Some(&msg.text)).await?;
        self.writer.write(Write::Mark { id, status, note }).await?;
        Ok(())
    }
}

fn new_row(msg: &Inbound) -> NewRow {
    let now = time::now();
    NewRow {
        gateway_id: msg.gateway_id.clone(),
        provider_id: msg.provider_id.clone(),
        channel: msg.channel.as_str(),
        sender: sender_column(&msg.sender),
        text: msg.text.clone(),
        hash: text_hash(&msg.text),
        now,
        since: now - TimeDelta::seconds(NO_ID_WINDOW_SECONDS),
    }
}

/// Stores `msg` unless it is a repeat, in a transaction of its own (no writer: for callers with
/// only a database, such as tests). Returns once it is on disk.
pub async fn receive(db: &Db, msg: &Inbound) -> Result<Stored, InboxError> {
    Ok(store::store(db, &new_row(msg)).await?)
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
    let sender = Sender::classify(&row.sender);
    let (status, note) = answer(svc, id, sender.as_ref(), row.text.as_deref()).await?;
    store::mark(&svc.db, id, status, note).await?;
    Ok(())
}

/// The dialog's answer to message `id`, and the status and note its row gets.
async fn answer<E>(
    svc: &Services,
    id: i64,
    sender: Result<&Sender, E>,
    text: Option<&str>,
) -> Result<(&'static str, &'static str), InboxError> {
    Ok(match (sender, text) {
        (Ok(Sender::Mobile(msisdn)), Some(text)) => {
            ("handled", dialog::sms::handle(svc, msisdn, text, id).await?)
        }
        (Ok(_), _) => ("ignored", "sender is not a mobile number: never answered"),
        (Err(_), _) => ("ignored", "sender is not a valid number"),
    })
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
