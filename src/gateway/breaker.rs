//! Circuit breaker per gateway: N failures within a window take it out of routing for a cool-down.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// When a gateway counts as failing, and for how long it is then left alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BreakerConfig {
    /// Transient failures within `window_seconds` that open the circuit.
    pub failures: u32,
    pub window_seconds: u64,
    /// How long an open circuit keeps the gateway out of routing.
    pub cooldown_seconds: u64,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig {
            failures: 5,
            window_seconds: 60,
            cooldown_seconds: 30,
        }
    }
}

/// What the console and metrics show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    /// Taking traffic.
    Closed,
    /// Skipped until the cool-down ends.
    Open,
    /// Cool-down over: taking traffic again; one success closes it, one failure opens it again.
    HalfOpen,
}

impl BreakerState {
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

pub struct Breaker {
    config: BreakerConfig,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    failures: VecDeque<Instant>,
    open_until: Option<Instant>,
    /// Set once a cool-down has passed, until the next outcome decides.
    probing: bool,
    /// While half-open, one message at a time tries the gateway; the others go elsewhere.
    probe_taken: bool,
    opened_total: u64,
}

impl Breaker {
    pub fn new(config: BreakerConfig) -> Breaker {
        Breaker {
            config: BreakerConfig {
                failures: config.failures.max(1),
                ..config
            },
            inner: Mutex::new(Inner::default()),
        }
    }

    pub fn config(&self) -> BreakerConfig {
        self.config
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding this lock leaves plain counters behind; they are still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn state(&self) -> BreakerState {
        self.state_at(Instant::now())
    }

    pub fn state_at(&self, now: Instant) -> BreakerState {
        let mut inner = self.lock();
        match inner.open_until {
            Some(until) if now < until => BreakerState::Open,
            Some(_) => {
                inner.open_until = None;
                inner.probing = true;
                BreakerState::HalfOpen
            }
            None if inner.probing => BreakerState::HalfOpen,
            None => BreakerState::Closed,
        }
    }

    /// Whether routing may use this gateway now. Half-open, only the first caller may (it
    /// carries the trial message) until that send's outcome is recorded.
    pub fn try_acquire(&self) -> bool {
        match self.state() {
            BreakerState::Closed => true,
            BreakerState::Open => false,
            BreakerState::HalfOpen => {
                let mut inner = self.lock();
                !std::mem::replace(&mut inner.probe_taken, true)
            }
        }
    }

    /// When an open circuit closes again, if it is open.
    pub fn open_for(&self) -> Option<Duration> {
        let now = Instant::now();
        self.lock()
            .open_until
            .and_then(|u| u.checked_duration_since(now))
    }

    pub fn recent_failures(&self) -> usize {
        let mut inner = self.lock();
        self.prune(&mut inner, Instant::now());
        inner.failures.len()
    }

    pub fn times_opened(&self) -> u64 {
        self.lock().opened_total
    }

    pub fn record_success(&self) {
        let mut inner = self.lock();
        inner.probing = false;
        inner.probe_taken = false;
        inner.failures.clear();
    }

    /// Returns true when this failure opened the circuit.
    pub fn record_failure(&self) -> bool {
        self.record_failure_at(Instant::now())
    }

    pub fn record_failure_at(&self, now: Instant) -> bool {
        let mut inner = self.lock();
        if inner.open_until.is_some_and(|u| now < u) {
            return false;
        }
        self.prune(&mut inner, now);
        inner.failures.push_back(now);
        let trip = inner.probing || inner.failures.len() >= self.config.failures as usize;
        if trip {
            // Gateway files keep the cool-down within a day; a time past what `Instant` holds
            // would panic here, at every trip, so such a circuit stays open as long as it can.
            let cooldown = Duration::from_secs(self.config.cooldown_seconds);
            inner.open_until = Some(now.checked_add(cooldown).unwrap_or_else(|| far_future(now)));
            inner.probing = false;
            inner.probe_taken = false;
            inner.failures.clear();
            inner.opened_total += 1;
        }
        trip
    }

    fn prune(&self, inner: &mut Inner, now: Instant) {
        let window = Duration::from_secs(self.config.window_seconds);
        while inner
            .failures
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) > window)
        {
            inner.failures.pop_front();
        }
    }
}

/// The latest time after `now` that `Instant` can hold, near enough (halving the step).
fn far_future(now: Instant) -> Instant {
    let mut step = Duration::from_secs(u64::MAX / 2);
    while step > Duration::ZERO {
        if let Some(t) = now.checked_add(step) {
            return t;
        }
        step /= 2;
    }
    now
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> Breaker {
        Breaker::new(BreakerConfig {
            failures: 3,
            window_seconds: 10,
            cooldown_seconds: 5,
        })
    }

    #[test]
    fn opens_after_n_failures_in_the_window_and_half_opens_after_the_cool_down() {
        let b = breaker();
        let t0 = Instant::now();
        assert!(!b.record_failure_at(t0));
        assert!(!b.record_failure_at(t0 + Duration::from_secs(1)));
        assert_eq!(
            b.state_at(t0 + Duration::from_secs(1)),
            BreakerState::Closed
        );
        assert!(b.record_failure_at(t0 + Duration::from_secs(2)));
        assert_eq!(b.state_at(t0 + Duration::from_secs(3)), BreakerState::Open);
        assert_eq!(
            b.state_at(t0 + Duration::from_secs(8)),
            BreakerState::HalfOpen
        );
        // One failure while probing opens it again at once.
        assert!(b.record_failure_at(t0 + Duration::from_secs(8)));
        assert_eq!(b.state_at(t0 + Duration::from_secs(9)), BreakerState::Open);
        assert_eq!(
            b.state_at(t0 + Duration::from_secs(14)),
            BreakerState::HalfOpen
        );
        b.record_success();
        assert_eq!(
            b.state_at(t0 + Duration::from_secs(14)),
            BreakerState::Closed
        );
        assert_eq!(b.times_opened(), 2);
    }

    #[test]
    fn a_cool_down_past_what_time_can_hold_trips_without_a_panic_and_stays_open() {
        let b = Breaker::new(BreakerConfig {
            failures: 1,
            window_seconds: 10,
            cooldown_seconds: u64::MAX,
        });
        assert!(b.record_failure());
        assert_eq!(b.state(), BreakerState::Open);
        assert!(!b.try_acquire());
    }

    #[test]
    fn half_open_lets_one_trial_through_at_a_time() {
        let b = Breaker::new(BreakerConfig {
            failures: 1,
            window_seconds: 10,
            cooldown_seconds: 0,
        });
        b.record_failure();
        assert!(b.try_acquire(), "the trial message");
        assert!(!b.try_acquire(), "others go elsewhere meanwhile");
        b.record_success();
        assert!(b.try_acquire() && b.try_acquire(), "closed again");
    }

    #[test]
    fn failures_outside_the_window_do_not_count() {
        let b = breaker();
        let t0 = Instant::now();
        b.record_failure_at(t0);
        b.record_failure_at(t0 + Duration::from_secs(1));
        assert!(!b.record_failure_at(t0 + Duration::from_secs(30)));
        assert_eq!(
            b.state_at(t0 + Duration::from_secs(30)),
            BreakerState::Closed
        );
    }

    #[test]
    fn a_success_clears_the_count() {
        let b = breaker();
        let t0 = Instant::now();
        b.record_failure_at(t0);
        b.record_failure_at(t0);
        b.record_success();
        assert!(!b.record_failure_at(t0));
    }
}
