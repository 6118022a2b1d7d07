//! The SMS a household's phones get when one of its support records is approved, disbursed or rejected.

use crate::db::Db;
use crate::features::{contacts, households};
use crate::i18n::{Locales, Msg};
use crate::outbox::{NewMessage, Outbox, OutboxError, Priority};
use crate::phone::Msisdn;

use super::words::{amount, content_name, short_reason};
use super::{Status, StatusChange};

/// Queues the SMS each linked phone of the household gets for `changes`: one per change and
/// phone, keyed on the history row and the phone, so announcing the same change again sends
/// nothing. Personal service messages: priority reminder (held in quiet hours), no consent topic
/// (only an opt-out of everything stops them). Returns how many new messages were queued.
pub async fn announce(
    db: &Db,
    locales: &Locales,
    outbox: &Outbox,
    changes: &[StatusChange],
) -> Result<usize, OutboxError> {
    let mut queued = 0;
    for ch in changes.iter().filter(|c| c.to.notifies()) {
        let Some(code) = households::code_of(db, ch.household_id).await? else {
            continue;
        };
        let amount_of = super::amount_of(db, ch.record_id).await?;
        for phone in households::phones(db, ch.household_id).await? {
            let Ok(msisdn) = Msisdn::parse(&phone) else {
                continue;
            };
            let contact = contacts::find_or_create(db, &msisdn).await?;
            let lang = contact.lang();
            let content = content_name(locales, lang, &ch.content_code);
            let amount = match &amount_of {
                Some((q, u)) => format!(" {}", amount(locales, lang, *q, u)),
                None => String::new(),
            };
            let msg = match ch.to {
                Status::Approved => Msg::new("support-notice-approved").arg("amount", amount),
                Status::Disbursed
                    if super::words::is_goods(
                        &ch.content_code,
                        amount_of.as_ref().map(|(_, u)| u.as_str()),
                    ) =>
                {
                    Msg::new("support-notice-delivered").arg("amount", amount)
                }
                Status::Disbursed => Msg::new("support-notice-disbursed").arg("amount", amount),
                _ => Msg::new("support-notice-rejected")
                    .arg("reason", short_reason(ch.reason.as_deref())),
            };
            let msg = msg.arg("code", code.clone()).arg("content", content);
            let e = outbox
                .enqueue(NewMessage {
                    recipient: msisdn.clone(),
                    text: contact.render(locales, &msg),
                    priority: Priority::Reminder,
                    topic: None,
                    origin: format!("support:{}", ch.history_id),
                    idempotency_key: format!("support:{}:{}", ch.history_id, msisdn.as_str()),
                    not_before: None,
                    expires_at: None,
                })
                .await?;
            if e.created {
                queued += 1;
            }
        }
        super::mark_announced(db, ch.history_id).await?;
    }
    Ok(queued)
}
