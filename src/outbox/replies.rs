//! Replies with group commit: the budget count and the insert of every reply waiting at the same
//! moment go in one transaction, each reply counted exactly as if it were alone.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::{store, Enqueued, NewMessage, RecentReplies, Ttl};
use crate::db::lock::xact_lock;
use crate::db::tx::Tx;
use crate::db::{time, Db};
use crate::phone::Msisdn;
use crate::with_tx;

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

/// Counts and queues `writes` in one transaction. Each recipient's lock is taken once, in
/// recipient order (two instances' batches never wait on each other crosswise); replies to the
/// same recipient keep their order, so the second counts the first.
pub async fn write_batch(db: &Db, writes: &[&ReplyWrite]) -> Result<Vec<ReplyDone>, sqlx::Error> {
    let mut order: Vec<usize> = (0..writes.len()).collect();
    order.sort_by_key(|i| writes[*i].recipient.as_str());
    let mut done: Vec<Option<ReplyDone>> = vec![None; writes.len()];
    with_tx!(db, tx => {
        let mut tx = Tx::from(tx);
        let mut locked = HashSet::new();
        for i in order {
            let w = writes[i];
            let to = w.recipient.as_str();
            if locked.insert(to) {
                xact_lock(&mut tx, &format!("reply:{to}")).await?;
            }
            let (same_since, all_since) = w.windows;
            let recent = store::recent_replies_tx(&mut tx, to, &w.text, same_since, all_since).await?;
            let queued = match (w.choose)(recent) {
                Some(msg) => {
                    let row = w.ttl.row(&msg, time::now());
                    Some(store::insert_tx(&mut tx, &row).await?)
                }
                None => None,
            };
            done[i] = Some((recent, queued));
        }
    });
    done.into_iter()
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| sqlx::Error::Protocol("a reply got no answer".into()))
}
