//! The dispatcher: claims due rows, sends them through their gateway at its rate, and settles them.

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveTime, TimeDelta, Timelike};
use chrono_tz::Tz;
use futures::channel::mpsc;
use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;
use futures::StreamExt;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::claim::{self, Claimed, Settle};
use super::{lease, retry, Priority};
use crate::db::{time, Db};
use crate::gateway::{Gateways, Outbound, SendError};
use crate::text::Encoding;

/// Asked before a bulk or scheduled message goes out: whether the recipient opted out of it.
/// The consent feature answers; the outbox does not read its tables.
pub trait SendGuard: Send + Sync {
    fn blocks<'a>(
        &'a self,
        recipient: &'a str,
        topic: Option<&'a str>,
    ) -> BoxFuture<'a, Result<bool, sqlx::Error>>;
}

/// How the dispatcher paces itself, from the configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    pub batch_size: u32,
    pub lease: TimeDelta,
    /// How long a hold on sending lasts unless renewed (`outbox::lease`).
    pub hold: TimeDelta,
    pub poll: Duration,
    pub concurrency: usize,
    pub max_backoff: TimeDelta,
    /// Local times between which only replies go out; equal times: no quiet hours.
    pub quiet: (NaiveTime, NaiveTime),
    pub tz: Tz,
}

/// Everything one dispatcher needs, and nothing else of the application.
pub struct Dispatcher {
    pub db: Db,
    pub gateways: Arc<Gateways>,
    /// Notified on every enqueue.
    pub wake: Arc<Notify>,
    pub settings: Settings,
    /// Names this process in leases.
    pub holder: String,
    pub guard: Arc<dyn SendGuard>,
}

impl Dispatcher {
    /// Runs until `shutdown` fires; then finishes the sends in flight, puts back what it had
    /// claimed but not started, and gives up the dispatch lease. It sends only while this
    /// instance holds the lease; otherwise it stands by and tries again at each poll.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        let mut hold = Hold::default();
        let mut sweep = tokio::time::Instant::now();
        while !shutdown.is_cancelled() {
            if self.keep_hold(&mut hold).await {
                self.expire_overdue(&mut sweep).await;
                if self.tick(&shutdown).await > 0 {
                    continue;
                }
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(self.settings.poll) => {}
                _ = shutdown.cancelled() => break,
            }
        }
        if hold.until.is_some() {
            if let Err(err) = lease::release(&self.db, &self.holder).await {
                tracing::warn!(%err, "releasing the dispatch lease");
            }
        }
        tracing::info!("dispatcher stopped");
    }

    /// Whether this instance may send now: renews its hold once a third of it has passed, or
    /// tries to take it. A database error counts as not holding (nothing could be claimed anyway).
    async fn keep_hold(&self, hold: &mut Hold) -> bool {
        let now = tokio::time::Instant::now();
        let length = self
            .settings
            .hold
            .to_std()
            .unwrap_or(Duration::from_secs(15));
        if hold.until.is_some_and(|u| u > now + length / 3) {
            return true;
        }
        let held = lease::acquire(&self.db, &self.holder, time::now(), self.settings.hold).await;
        let was = hold.until.is_some();
        // Stop a third early: the database counts from this instance's clock, another instance
        // from its own.
        hold.until = match held {
            Ok(true) => Some(now + length * 2 / 3),
            Ok(false) => None,
            Err(err) => {
                tracing::error!(%err, "dispatch lease");
                None
            }
        };
        match (was, hold.until.is_some()) {
            (false, true) => tracing::debug!(instance = %self.holder, "this instance sends now"),
            (true, false) => tracing::warn!(instance = %self.holder, "another instance sends now"),
            _ => {}
        }
        hold.until.is_some()
    }

    /// Marks rows whose time ran out while they waited (a gateway down, a retry due after the
    /// expiry), at most once per [`EXPIRY_SWEEP`]: the claim skips them, and without this they
    /// would read `queued` until the hourly housekeeping.
    async fn expire_overdue(&self, next: &mut tokio::time::Instant) {
        let now = tokio::time::Instant::now();
        if now < *next {
            return;
        }
        *next = now + EXPIRY_SWEEP;
        match super::store::expire_due(&self.db, time::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(expired = n, "outbox rows expired unsent"),
            Err(err) => tracing::warn!(%err, "expiring outbox rows"),
        }
    }

    /// Claims one batch of due rows, sends them and settles the batch: returns how many it
    /// claimed, so a caller (the loop above, or a test draining the queue) knows whether there
    /// was work.
    pub async fn tick(&self, shutdown: &CancellationToken) -> usize {
        let batch = match self.claim().await {
            Ok(batch) => batch,
            Err(err) => {
                tracing::error!(%err, "claiming outbox rows");
                return 0;
            }
        };
        let n = batch.len();
        let (done, settled) = mpsc::unbounded::<(i64, Settle)>();
        // Whatever finished together is settled together, in one transaction, while the other
        // sends go on: a slow send does not hold back the record of those already made. The two
        // run side by side (not one after the other) so a send that holds a connection mid-query
        // is never left unpolled while the settle waits for one.
        futures::join!(
            self.send_all(by_recipient(batch), shutdown, done),
            self.settle_all(settled)
        );
        n
    }

    /// Sends the groups, a few at a time; `done` is dropped at the end, which ends `settle_all`.
    async fn send_all(
        &self,
        groups: Vec<Vec<Claimed>>,
        shutdown: &CancellationToken,
        done: mpsc::UnboundedSender<(i64, Settle)>,
    ) {
        let mut running = FuturesUnordered::new();
        for rows in groups {
            if running.len() >= self.settings.concurrency.max(1) {
                running.next().await;
            }
            running.push(self.send_group(rows, shutdown, done.clone()));
        }
        while running.next().await.is_some() {}
    }

    /// Settles outcomes as they come, all those waiting at once.
    async fn settle_all(&self, mut settled: mpsc::UnboundedReceiver<(i64, Settle)>) {
        while let Some(first) = settled.next().await {
            let mut outcomes = vec![first];
            while let Ok(more) = settled.try_recv() {
                outcomes.push(more);
            }
            if let Err(err) = self.settle(&outcomes).await {
                // The rows stay `sending` until their lease runs out, then go again.
                tracing::error!(%err, rows = outcomes.len(), "settling sent rows");
            }
        }
    }

    /// Sends one phone's rows one after another, so a villager reads "assigned" before
    /// "resolved"; different phones go side by side.
    async fn send_group(
        &self,
        rows: Vec<Claimed>,
        shutdown: &CancellationToken,
        done: mpsc::UnboundedSender<(i64, Settle)>,
    ) {
        for row in rows {
            let outcome = if shutdown.is_cancelled() {
                Settle::Release
            } else {
                self.send_one(&row).await
            };
            // The receiver lives until every sender is dropped.
            let _ = done.unbounded_send((row.id, outcome));
        }
    }

    async fn claim(&self) -> Result<Vec<Claimed>, sqlx::Error> {
        let min_priority = if self.in_quiet_hours() {
            Priority::Reply.rank()
        } else {
            Priority::Bulk.rank()
        };
        let limit = claim_limit(self.gateways.total_rate(), self.settings.batch_size);
        claim::claim(
            &self.db,
            &self.holder,
            self.settings.lease,
            min_priority,
            (i64::from(self.settings.batch_size.max(1)), limit),
        )
        .await
    }

    fn in_quiet_hours(&self) -> bool {
        let now = chrono::Utc::now().with_timezone(&self.settings.tz).time();
        let (start, end) = self.settings.quiet;
        is_quiet(now, start, end)
    }

    /// One transaction for the batch's outcomes; then reports that overtook these sends (kept
    /// while the send was unrecorded) find them.
    async fn settle(&self, outcomes: &[(i64, Settle)]) -> Result<(), sqlx::Error> {
        let sent = claim::settle_many(&self.db, &self.holder, outcomes).await?;
        super::report::apply_early_many(&self.db, &sent).await?;
        Ok(())
    }

    /// Sends one row and says how to settle it; nothing is written here.
    async fn send_one(&self, row: &Claimed) -> Settle {
        let Some(text) = row.text.as_deref() else {
            let error = "body deleted by retention".into();
            return Settle::Failed { error };
        };
        let is_reply = row.priority >= Priority::Reply.rank();
        if !is_reply {
            match self
                .guard
                .blocks(&row.recipient, row.topic.as_deref())
                .await
            {
                Ok(true) => {
                    let reason = "recipient opted out".into();
                    return Settle::Cancelled { reason };
                }
                Ok(false) => {}
                Err(err) => return self.retry_later(row, &format!("consent lookup: {err}")),
            }
        }
        // The first gateway for this number whose circuit is closed: failing gateways are skipped
        // for their cool-down, and this message goes to the next one by prefix and priority.
        let handle = match self.gateways.route_available(&row.recipient) {
            Ok(h) => h.clone(),
            Err(err) => {
                // Never marked sent: the message waits in the queue for a gateway.
                self.gateways.record_unroutable();
                return self.retry_later(row, &err.to_string());
            }
        };
        let parts = u32::try_from(row.parts).unwrap_or(1);
        handle.wait_for_rate(parts).await;
        let msg = Outbound {
            id: row.id,
            to: &row.recipient,
            text,
            encoding: Encoding::parse(&row.encoding).unwrap_or(Encoding::Ucs2),
            parts,
        };
        let result = handle.gateway.send(&msg).await;
        handle.record(parts, result.as_ref().map(|_| ()));
        match result {
            Ok(receipt) => Settle::Sent {
                gateway_id: handle.gateway.id().to_string(),
                provider_id: receipt.provider_id,
            },
            Err(SendError::Transient(e)) => self.retry_later(row, &e),
            Err(SendError::Permanent(error)) => Settle::Failed { error },
        }
    }

    fn retry_later(&self, row: &Claimed, error: &str) -> Settle {
        let at = crate::db::time::now() + retry::backoff(row.attempts, self.settings.max_backoff);
        let error = error.to_string();
        if at >= row.expires_at {
            return Settle::Expired { error };
        }
        tracing::info!(outbox_id = row.id, attempts = row.attempts, %error, "send failed; will retry");
        Settle::Retry { at, error }
    }
}

/// How often the sending instance marks overdue rows expired.
const EXPIRY_SWEEP: Duration = Duration::from_secs(5);

/// Until when this instance may send without renewing its lease.
#[derive(Default)]
struct Hold {
    until: Option<tokio::time::Instant>,
}

/// Parts to claim at once: what the gateways can send in about a quarter of a second (their
/// rates count parts), and never more than `batch_size`. A larger claim would hold bulk rows
/// waiting on the rate limit while a reply waits behind them.
fn claim_limit(total_rate: u32, batch_size: u32) -> i64 {
    i64::from((total_rate / 4).clamp(1, batch_size.max(1)))
}

/// Quiet hours hold everything but replies; a window may wrap midnight (21:00–07:00), and a
/// window whose start equals its end holds nothing.
pub(crate) fn is_quiet(now: NaiveTime, start: NaiveTime, end: NaiveTime) -> bool {
    let now = now.with_nanosecond(0).unwrap_or(now);
    if start == end {
        false
    } else if start < end {
        now >= start && now < end
    } else {
        now >= start || now < end
    }
}

/// When a message of `priority`, due at `due`, may go at the earliest, given quiet hours
/// (`start`–`end` local time in `tz`): `due` itself, or the end of the quiet hours it falls in.
/// Replies are never held.
pub fn may_go_at(
    due: chrono::DateTime<chrono::Utc>,
    priority: i64,
    tz: chrono_tz::Tz,
    (start, end): (NaiveTime, NaiveTime),
) -> chrono::DateTime<chrono::Utc> {
    let local = due.with_timezone(&tz);
    if priority >= Priority::Reply.rank() || !is_quiet(local.time(), start, end) {
        return due;
    }
    // The quiet hours end at `end` today, or tomorrow when that is already past.
    let mut day = local.date_naive();
    if local.time() >= end {
        day = day.succ_opt().unwrap_or(day);
    }
    day.and_time(end)
        .and_local_timezone(tz)
        .earliest()
        .map_or(due, |t| t.with_timezone(&chrono::Utc))
}

/// Splits a claimed batch into one list per recipient, each in claim order, the lists in the
/// order their first row was claimed (so a reply still goes before bulk).
fn by_recipient(batch: Vec<Claimed>) -> Vec<Vec<Claimed>> {
    let mut groups: Vec<Vec<Claimed>> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for row in batch {
        match index.get(&row.recipient) {
            Some(&i) => groups[i].push(row),
            None => {
                index.insert(row.recipient.clone(), groups.len());
                groups.push(vec![row]);
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::is_quiet;
    use chrono::NaiveTime;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
    }

    fn row(id: i64, to: &str) -> super::Claimed {
        super::Claimed {
            id,
            recipient: to.into(),
            text: Some("x".into()),
            encoding: "gsm7".into(),
            parts: 1,
            priority: 0,
            topic: None,
            attempts: 1,
            expires_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn a_batch_is_split_per_phone_keeping_each_phones_order() {
        let batch = ["a", "b", "a", "c", "b", "a"]
            .iter()
            .enumerate()
            .map(|(i, to)| row(i as i64, to))
            .collect();
        let groups: Vec<Vec<i64>> = super::by_recipient(batch)
            .into_iter()
            .map(|g| g.into_iter().map(|r| r.id).collect())
            .collect();
        assert_eq!(groups, [vec![0, 2, 5], vec![1, 4], vec![3]]);
    }

    #[test]
    fn claims_are_sized_to_a_quarter_second_of_sending() {
        assert_eq!(super::claim_limit(1, 50), 1);
        assert_eq!(super::claim_limit(20, 50), 5);
        assert_eq!(super::claim_limit(1000, 50), 50);
        assert_eq!(super::claim_limit(0, 50), 1);
    }

    #[test]
    fn held_messages_go_when_the_quiet_hours_end() {
        use super::may_go_at;
        use crate::outbox::Priority;
        use chrono::TimeZone;
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        let window = (t(21, 0), t(7, 0));
        let local = |d, h, m| tz.with_ymd_and_hms(2025, 11, d, h, m, 0).unwrap().to_utc();
        let bulk = Priority::Bulk.rank();
        assert_eq!(
            may_go_at(local(3, 22, 15), bulk, tz, window),
            local(4, 7, 0)
        );
        assert_eq!(may_go_at(local(4, 5, 0), bulk, tz, window), local(4, 7, 0));
        assert_eq!(
            may_go_at(local(4, 12, 0), bulk, tz, window),
            local(4, 12, 0)
        );
        let reply = Priority::Reply.rank();
        assert_eq!(
            may_go_at(local(3, 22, 15), reply, tz, window),
            local(3, 22, 15)
        );
    }

    #[test]
    fn quiet_hours_wrap_midnight() {
        let (s, e) = (t(21, 0), t(7, 0));
        assert!(is_quiet(t(21, 0), s, e));
        assert!(is_quiet(t(23, 59), s, e));
        assert!(is_quiet(t(3, 0), s, e));
        assert!(!is_quiet(t(7, 0), s, e));
        assert!(!is_quiet(t(12, 0), s, e));
        assert!(!is_quiet(t(20, 59), s, e));
    }

    #[test]
    fn a_daytime_window_and_an_empty_one() {
        assert!(is_quiet(t(12, 30), t(12, 0), t(13, 0)));
        assert!(!is_quiet(t(13, 0), t(12, 0), t(13, 0)));
        assert!(!is_quiet(t(3, 0), t(5, 0), t(5, 0)));
    }
}
