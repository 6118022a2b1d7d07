//! Sending a reply to a person: rendered in their language and script, guarded against loops.

use chrono::TimeDelta;

use super::Services;
use crate::features::contacts::Contact;
use crate::i18n::Msg;
use crate::outbox::{NewMessage, OutboxError, Priority};
use crate::phone::Msisdn;

/// Never the same text to the same number more than this many times in the window: a loop with
/// another automated sender would otherwise cost money without end.
const LOOP_LIMIT: i64 = 3;
const LOOP_WINDOW_MINUTES: i64 = 10;

/// Queues the reply to inbound message `inbound_id`. Returns false when the loop guard held it back.
pub async fn reply(
    svc: &Services,
    to: &Msisdn,
    contact: &Contact,
    msg: &Msg,
    inbound_id: i64,
) -> Result<bool, OutboxError> {
    send(svc, to, contact.render(&svc.locales, msg), inbound_id).await
}

/// Queues an already rendered reply (several messages joined, as a `TT` page is).
pub async fn send(
    svc: &Services,
    to: &Msisdn,
    text: String,
    inbound_id: i64,
) -> Result<bool, OutboxError> {
    let since = crate::db::time::now() - TimeDelta::minutes(LOOP_WINDOW_MINUTES);
    if svc.outbox.recent_replies(to, &text, since).await? >= LOOP_LIMIT {
        tracing::info!(to = %to, "loop guard: reply not sent");
        return Ok(false);
    }
    svc.outbox
        .enqueue(NewMessage {
            recipient: to.clone(),
            text,
            priority: Priority::Reply,
            topic: None,
            origin: format!("reply:{inbound_id}"),
            idempotency_key: format!("reply:{inbound_id}"),
            not_before: None,
            expires_at: None,
        })
        .await?;
    Ok(true)
}
