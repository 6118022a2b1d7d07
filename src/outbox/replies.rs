//! Replies with group commit: the budget count and the insert of every reply waiting at the same
//! moment go in one transaction, each reply counted exactly as if it were alone.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{store, Enqueued, NewMessage, RecentReplies, Ttl};
use crate::db::lock::xact_lock;
use crate::db::time;
use crate::db::tx::Tx;
use crate::hash::text_hash;
use crate::phone::Msisdn;

/// Picks the message to queue, if any, from the replies the recipient got lately. A batch that
/// fails is written again one reply at a time, so it may be asked more than once.
pub type Choose = Box<dyn Fn(RecentReplies) -> Option<NewMessage> + Send + Sync>;

/// One reply waiting for the writer.
pub struct ReplyWrite {
    pub recipient: Msisdn,
    /// Counted against the loop guard: replies with this text since `windows.0`.
    pub text: String,
    /// (same text since, all replies since).
    pub windows: (DateTime<Utc>, DateTime<Utc>),
    pub choose: Choose,
    pub ttl: Ttl,
}

/// What the count found, and the row queued (none when `choose` held the reply back).
pub type ReplyDone = (RecentReplies, Option<Enqueued>);

/// Counts and queues `writes` inside the open transaction `tx`, in three statements whatever
/// their number: one count of the recipients' recent replies, one multi-row insert (and on
/// PostgreSQL a lock per recipient, in recipient order, so two instances' batches never wait on
/// each other crosswise). Replies to the same recipient keep their order, and each counts the
/// ones before it in the batch as it would count them stored.
pub async fn write_batch(
    tx: &mut Tx<'_>,
    writes: &[&ReplyWrite],
) -> Result<Vec<ReplyDone>, sqlx::Error> {
    if writes.is_empty() {
        return Ok(Vec::new());
    }
    let mut order: Vec<usize> = (0..writes.len()).collect();
    order.sort_by_key(|i| writes[*i].recipient.as_str());
    let mut recipients: Vec<&str> = order
        .iter()
        .map(|i| writes[*i].recipient.as_str())
        .collect();
    recipients.dedup();
    for to in &recipients {
        xact_lock(tx, &format!("reply:{to}")).await?;
    }
    let since = writes.iter().map(|w| w.windows.0.min(w.windows.1)).min();
    let since = since.unwrap_or_else(time::now);
    let mut seen: HashMap<String, Vec<(String, DateTime<Utc>)>> = HashMap::new();
    for (to, hash, at) in store::recent_replies_many_tx(tx, &recipients, since).await? {
        seen.entry(to).or_default().push((hash, at));
    }
    let now = time::now();
    let mut counted = Vec::with_capacity(writes.len());
    let mut chosen: Vec<(usize, NewMessage)> = Vec::new();
    for &i in &order {
        let w = writes[i];
        let theirs = seen.entry(w.recipient.as_str().to_string()).or_default();
        let recent = count(theirs, &text_hash(&w.text), w.windows);
        if let Some(msg) = (w.choose)(recent) {
            theirs.push((text_hash(&msg.text), now));
            chosen.push((i, msg));
        }
        counted.push((i, recent));
    }
    let rows: Vec<store::Row> = chosen
        .iter()
        .map(|(i, msg)| writes[*i].ttl.row(msg, now))
        .collect();
    let created = store::insert_many_tx(tx, &rows).await?;
    let mut done: Vec<ReplyDone> = vec![(RecentReplies::default(), None); writes.len()];
    for (i, recent) in counted {
        done[i].0 = recent;
    }
    for (n, (i, msg)) in chosen.iter().enumerate() {
        let enqueued = match created.get(&msg.idempotency_key) {
            Some(id) => Enqueued {
                id: *id,
                created: true,
            },
            None => {
                // Counted above as queued, and it was not: a later reply to the same number in
                // this batch counted one too many. Alone, each reply counts exactly.
                if chosen[n + 1..]
                    .iter()
                    .any(|(_, m)| m.recipient == msg.recipient)
                {
                    return Err(sqlx::Error::Protocol(
                        "a reply's key was taken: the batch is counted again one by one".into(),
                    ));
                }
                Enqueued {
                    id: store::id_of_key_tx(tx, &msg.idempotency_key).await?,
                    created: false,
                }
            }
        };
        done[*i].1 = Some(enqueued);
    }
    Ok(done)
}

/// The replies among `theirs` (text hash, when queued) that the guards count for a reply of
/// the text hashed `hash`.
fn count(
    theirs: &[(String, DateTime<Utc>)],
    hash: &str,
    (same_since, all_since): (DateTime<Utc>, DateTime<Utc>),
) -> RecentReplies {
    let same_text = theirs
        .iter()
        .filter(|(h, at)| h == hash && *at >= same_since)
        .count();
    let total = theirs.iter().filter(|(_, at)| *at >= all_since).count();
    RecentReplies {
        same_text: i64::try_from(same_text).unwrap_or(i64::MAX),
        total: i64::try_from(total).unwrap_or(i64::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn the_guards_count_by_window_and_text() {
        let now = time::now();
        let ago = |m| now - TimeDelta::minutes(m);
        let theirs = vec![
            ("a".to_string(), ago(1)),
            ("a".to_string(), ago(20)),
            ("b".to_string(), ago(2)),
            ("a".to_string(), ago(90)),
        ];
        let recent = count(&theirs, "a", (ago(10), ago(60)));
        assert_eq!(
            recent,
            RecentReplies {
                same_text: 1,
                total: 3
            }
        );
    }
}
