//! Sending a reply to a person: rendered in their language and script, guarded against loops.

use chrono::TimeDelta;

use crate::app::App;
use crate::contacts::{Contact, Script};
use crate::i18n::Msg;
use crate::outbox::{NewMessage, OutboxError, Priority};
use crate::phone::Msisdn;

/// Never the same text to the same number more than this many times in the window: a loop with
/// another automated sender would otherwise cost money without end.
const LOOP_LIMIT: i64 = 3;
const LOOP_WINDOW_MINUTES: i64 = 10;

/// Renders `msg` for `contact` (language chain, then script).
pub fn render(app: &App, contact: &Contact, msg: &Msg) -> String {
    let text = app.locales.render(contact.lang(), msg);
    match contact.script {
        Script::Full => text,
        Script::Unaccented => crate::text::to_gsm7_lossy(&text),
    }
}

/// Queues the reply to inbound message `inbound_id`. Returns false when the loop guard held it back.
pub async fn reply(
    app: &App,
    to: &Msisdn,
    contact: &Contact,
    msg: &Msg,
    inbound_id: i64,
) -> Result<bool, OutboxError> {
    send(app, to, render(app, contact, msg), inbound_id).await
}

/// Queues an already rendered reply (several messages joined, as a `TT` page is).
pub async fn send(
    app: &App,
    to: &Msisdn,
    text: String,
    inbound_id: i64,
) -> Result<bool, OutboxError> {
    let since = crate::db::time::now() - TimeDelta::minutes(LOOP_WINDOW_MINUTES);
    if app.outbox.recent_replies(to, &text, since).await? >= LOOP_LIMIT {
        tracing::info!(to = %to, "loop guard: reply not sent");
        return Ok(false);
    }
    app.outbox
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
