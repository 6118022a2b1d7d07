//! The dispatcher: claims due rows, sends them through their gateway at its rate, and settles them.

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveTime, TimeDelta, Timelike};
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use super::claim::{self, Claimed, Settle};
use super::{retry, Priority};
use crate::app::App;
use crate::features::consent;
use crate::gateway::{Outbound, SendError};
use crate::text::Encoding;

/// Runs until `shutdown` fires; then finishes the sends in flight and puts back what it had
/// claimed but not started.
pub async fn run(app: Arc<App>, shutdown: CancellationToken) {
    let wake = app.outbox.wake_signal();
    let cfg = &app.config.dispatcher;
    let poll = Duration::from_millis(cfg.poll_millis);
    let lease = TimeDelta::seconds(cfg.lease_seconds as i64);
    let quiet = app.config.quiet_window();
    loop {
        if shutdown.is_cancelled() {
            break;
        }
        let min_priority = if in_quiet_hours(&app, quiet) {
            Priority::Reply.rank()
        } else {
            Priority::Bulk.rank()
        };
        let batch = match claim::claim(
            &app.db,
            &app.instance,
            lease,
            min_priority,
            claim_limit(app.gateways.total_rate(), cfg.batch_size),
        )
        .await
        {
            Ok(batch) => batch,
            Err(err) => {
                tracing::error!(%err, "claiming outbox rows");
                Vec::new()
            }
        };
        if batch.is_empty() {
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(poll) => {}
                _ = shutdown.cancelled() => break,
            }
            continue;
        }
        futures::stream::iter(batch)
            .for_each_concurrent(cfg.concurrency, |row| {
                let app = &app;
                let shutdown = &shutdown;
                async move {
                    let id = row.id;
                    let outcome = if shutdown.is_cancelled() {
                        settle(app, id, Settle::Release).await
                    } else {
                        send_one(app, row).await
                    };
                    if let Err(err) = outcome {
                        tracing::error!(%err, outbox_id = id, "settling an outbox row");
                    }
                }
            })
            .await;
    }
    tracing::info!("dispatcher stopped");
}

/// Rows to claim at once: what the gateways can send in about a quarter of a second. A larger
/// claim would hold bulk rows waiting on the rate limit while a reply waits behind them.
fn claim_limit(total_rate: u32, batch_size: u32) -> i64 {
    i64::from((total_rate / 4).clamp(1, batch_size.max(1)))
}

/// Quiet hours hold everything but replies; a window may wrap midnight (21:00–07:00), and a
/// window whose start equals its end holds nothing.
fn in_quiet_hours(app: &App, (start, end): (NaiveTime, NaiveTime)) -> bool {
    let now = chrono::Utc::now().with_timezone(&app.tz).time();
    is_quiet(now, start, end)
}

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

async fn settle(app: &App, id: i64, outcome: Settle<'_>) -> Result<(), sqlx::Error> {
    claim::settle(&app.db, id, &app.instance, outcome).await
}

async fn send_one(app: &App, row: Claimed) -> Result<(), sqlx::Error> {
    let Some(text) = row.text.as_deref() else {
        return settle(
            app,
            row.id,
            Settle::Failed {
                error: "body deleted by retention",
            },
        )
        .await;
    };
    let is_reply = row.priority >= Priority::Reply.rank();
    if !is_reply && consent::blocks(&app.db, &row.recipient, row.topic.as_deref()).await? {
        return settle(
            app,
            row.id,
            Settle::Cancelled {
                reason: "recipient opted out",
            },
        )
        .await;
    }
    // The first gateway for this number whose circuit is closed: failing gateways are skipped
    // for their cool-down, and this message goes to the next one by prefix and priority.
    let handle = match app.gateways.route_available(&row.recipient) {
        Ok(h) => h.clone(),
        Err(err) => return retry_later(app, &row, &err.to_string()).await,
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
        Ok(receipt) => {
            settle(
                app,
                row.id,
                Settle::Sent {
                    gateway_id: handle.gateway.id(),
                    provider_id: &receipt.provider_id,
                },
            )
            .await
        }
        Err(SendError::Transient(e)) => retry_later(app, &row, &e).await,
        Err(SendError::Permanent(e)) => settle(app, row.id, Settle::Failed { error: &e }).await,
    }
}

async fn retry_later(app: &App, row: &Claimed, error: &str) -> Result<(), sqlx::Error> {
    let max = TimeDelta::seconds(app.config.dispatcher.max_backoff_seconds as i64);
    let at = crate::db::time::now() + retry::backoff(row.attempts, max);
    if at >= row.expires_at {
        return settle(app, row.id, Settle::Expired { error }).await;
    }
    tracing::info!(outbox_id = row.id, attempts = row.attempts, %error, "send failed; will retry");
    settle(app, row.id, Settle::Retry { at, error }).await
}

#[cfg(test)]
mod tests {
    use super::is_quiet;
    use chrono::NaiveTime;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
    }

    #[test]
    fn claims_are_sized_to_a_quarter_second_of_sending() {
        assert_eq!(super::claim_limit(1, 50), 1);
        assert_eq!(super::claim_limit(20, 50), 5);
        assert_eq!(super::claim_limit(1000, 50), 50);
        assert_eq!(super::claim_limit(0, 50), 1);
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
