//! The gateways of this instance, their rate limiters, and which one a recipient goes through.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::Serialize;

use super::breaker::{Breaker, BreakerConfig, BreakerState};
use super::{Gateway, SendError};

/// A gateway with what the dispatcher needs around it.
pub struct GatewayHandle {
    pub gateway: Arc<dyn Gateway>,
    /// E.164 prefixes (e.g. `+8486`, `+8496`) this gateway is preferred for.
    pub prefixes: Vec<String>,
    /// Higher is tried first when no prefix matches.
    pub priority: i32,
    /// VND per SMS part (0: unknown).
    pub price_per_part: u32,
    rate: NonZeroU32,
    limiter: DefaultDirectRateLimiter,
    pub breaker: Breaker,
    pub counters: Counters,
    last_error: Mutex<Option<String>>,
}

/// What happened to this gateway's sends since start, for the API and `/metrics`.
#[derive(Default)]
pub struct Counters {
    pub sent: AtomicU64,
    pub parts_sent: AtomicU64,
    pub transient_errors: AtomicU64,
    pub permanent_errors: AtomicU64,
    pub reports: AtomicU64,
    pub inbound: AtomicU64,
    pub webhook_rejected: AtomicU64,
}

/// One gateway as the console and `GET /api/v1/gateways` show it.
#[derive(Clone, Debug, Serialize)]
pub struct GatewayStatus {
    pub id: String,
    pub kind: &'static str,
    pub rate: u32,
    pub priority: i32,
    pub price_per_part: u32,
    pub prefixes: Vec<String>,
    pub state: BreakerState,
    /// Seconds until an open circuit lets traffic through again.
    pub open_for_seconds: Option<f64>,
    pub recent_failures: usize,
    pub times_opened: u64,
    pub breaker: BreakerConfig,
    pub sent: u64,
    pub parts_sent: u64,
    pub transient_errors: u64,
    pub permanent_errors: u64,
    pub reports: u64,
    pub inbound: u64,
    pub webhook_rejected: u64,
    pub last_error: Option<String>,
}

impl GatewayHandle {
    /// `rate` is in SMS parts per second; bursts are one part, so the rate holds at every instant.
    pub fn new(
        gateway: Arc<dyn Gateway>,
        rate: NonZeroU32,
        prefixes: Vec<String>,
        priority: i32,
    ) -> Self {
        let quota = Quota::per_second(rate).allow_burst(NonZeroU32::MIN);
        GatewayHandle {
            gateway,
            prefixes,
            priority,
            price_per_part: 0,
            rate,
            limiter: RateLimiter::direct(quota),
            breaker: Breaker::new(BreakerConfig::default()),
            counters: Counters::default(),
            last_error: Mutex::new(None),
        }
    }

    pub fn with_breaker(mut self, config: BreakerConfig) -> Self {
        self.breaker = Breaker::new(config);
        self
    }

    pub fn with_price(mut self, vnd_per_part: u32) -> Self {
        self.price_per_part = vnd_per_part;
        self
    }

    pub fn id(&self) -> &str {
        self.gateway.id()
    }

    /// Records the outcome of one send: counters, the breaker, the last error.
    pub fn record(&self, parts: u32, outcome: Result<(), &SendError>) {
        let c = &self.counters;
        match outcome {
            Ok(()) => {
                c.sent.fetch_add(1, Ordering::Relaxed);
                c.parts_sent.fetch_add(u64::from(parts), Ordering::Relaxed);
                self.breaker.record_success();
            }
            Err(err) => {
                if let Ok(mut last) = self.last_error.lock() {
                    *last = Some(err.to_string());
                }
                match err {
                    SendError::Transient(_) => {
                        c.transient_errors.fetch_add(1, Ordering::Relaxed);
                        if self.breaker.record_failure() {
                            tracing::warn!(gateway = %self.id(), "circuit opened: gateway skipped for its cool-down");
                        }
                    }
                    // The provider answered and refused one message: the gateway itself works.
                    SendError::Permanent(_) => {
                        c.permanent_errors.fetch_add(1, Ordering::Relaxed);
                        self.breaker.record_success();
                    }
                }
            }
        }
    }

    pub fn status(&self) -> GatewayStatus {
        let c = &self.counters;
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        GatewayStatus {
            id: self.id().to_string(),
            kind: self.gateway.kind(),
            rate: self.rate(),
            priority: self.priority,
            price_per_part: self.price_per_part,
            prefixes: self.prefixes.clone(),
            state: self.breaker.state(),
            open_for_seconds: self.breaker.open_for().map(|d| d.as_secs_f64()),
            recent_failures: self.breaker.recent_failures(),
            times_opened: self.breaker.times_opened(),
            breaker: self.breaker.config(),
            sent: load(&c.sent),
            parts_sent: load(&c.parts_sent),
            transient_errors: load(&c.transient_errors),
            permanent_errors: load(&c.permanent_errors),
            reports: load(&c.reports),
            inbound: load(&c.inbound),
            webhook_rejected: load(&c.webhook_rejected),
            last_error: self.last_error.lock().ok().and_then(|l| l.clone()),
        }
    }

    pub fn rate(&self) -> u32 {
        self.rate.get()
    }

    /// Waits until this gateway may take `parts` more parts.
    pub async fn wait_for_rate(&self, parts: u32) {
        for _ in 0..parts.max(1) {
            self.limiter.until_ready().await;
        }
    }
}

/// Cloning shares the handles (their rates, breakers and counters): a clone routes and prices
/// exactly as the original did when it was made.
#[derive(Clone, Default)]
pub struct Gateways {
    list: Vec<Arc<GatewayHandle>>,
}

#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    #[error("no gateway is configured")]
    NoGateway,
    #[error("every gateway for this number is failing (circuit open)")]
    AllOpen,
}

impl Gateways {
    pub fn add(&mut self, handle: GatewayHandle) {
        self.list.push(Arc::new(handle));
        self.list.sort_by_key(|g| std::cmp::Reverse(g.priority));
    }

    pub fn get(&self, id: &str) -> Option<&Arc<GatewayHandle>> {
        self.list.iter().find(|g| g.gateway.id() == id)
    }

    /// Parts per second over the gateways taking traffic (an open circuit's rate is not there
    /// to be used, and claims are sized to what can actually go out).
    pub fn total_rate(&self) -> u32 {
        self.list
            .iter()
            .filter(|g| g.breaker.state() != BreakerState::Open)
            .map(|g| g.rate())
            .sum()
    }

    pub fn all(&self) -> &[Arc<GatewayHandle>] {
        &self.list
    }

    /// Every gateway in the order `to` should try them: those whose prefix matches (longest
    /// prefix first, then priority), then the others by priority.
    pub fn candidates(&self, to: &str) -> Vec<&Arc<GatewayHandle>> {
        let matched = |g: &GatewayHandle| {
            g.prefixes
                .iter()
                .filter(|p| to.starts_with(p.as_str()))
                .map(|p| p.len())
                .max()
                .unwrap_or(0)
        };
        let mut list: Vec<&Arc<GatewayHandle>> = self.list.iter().collect();
        // `list` is already by priority; a stable sort keeps that order among equal prefixes.
        list.sort_by_key(|g| std::cmp::Reverse((matched(g), g.priority)));
        list
    }

    /// The first candidate whose circuit is not open: the gateway a message goes through now.
    pub fn route_available(&self, to: &str) -> Result<&Arc<GatewayHandle>, RouteError> {
        if self.list.is_empty() {
            return Err(RouteError::NoGateway);
        }
        self.candidates(to)
            .into_iter()
            .find(|g| g.breaker.try_acquire())
            .ok_or(RouteError::AllOpen)
    }

    /// What `parts` SMS parts to `to` cost in VND through the gateway that would take them
    /// (0 when that gateway's price is unknown or no gateway is configured).
    pub fn cost(&self, to: &str, parts: u64) -> u64 {
        self.route(to)
            .map(|g| u64::from(g.price_per_part) * parts)
            .unwrap_or(0)
    }

    /// The gateway whose prefix matches `to` (longest prefix wins), else the highest priority one.
    pub fn route(&self, to: &str) -> Result<&Arc<GatewayHandle>, RouteError> {
        self.list
            .iter()
            .filter_map(|g| {
                g.prefixes
                    .iter()
                    .filter(|p| to.starts_with(p.as_str()))
                    .map(|p| p.len())
                    .max()
                    .map(|len| (len, g))
            })
            .max_by_key(|(len, g)| (*len, g.priority))
            .map(|(_, g)| g)
            .or_else(|| self.list.first())
            .ok_or(RouteError::NoGateway)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::{Outbound, Receipt, SendError};
    use futures::future::BoxFuture;

    struct Named(&'static str);
    impl Gateway for Named {
        fn id(&self) -> &str {
            self.0
        }
        fn kind(&self) -> &'static str {
            "test"
        }
        fn send<'a>(&'a self, _: &'a Outbound<'a>) -> BoxFuture<'a, Result<Receipt, SendError>> {
            Box::pin(async { Err(SendError::Permanent("test".into())) })
        }
    }

    fn handle(id: &'static str, prefixes: &[&str], priority: i32) -> GatewayHandle {
        let rate = NonZeroU32::new(10).expect("non-zero");
        let prefixes = prefixes.iter().map(|p| p.to_string()).collect();
        GatewayHandle::new(Arc::new(Named(id)), rate, prefixes, priority)
    }

    #[test]
    fn routes_by_longest_prefix_then_priority() {
        let mut g = Gateways::default();
        g.add(handle("default", &[], 10));
        g.add(handle(
            "viettel",
            &["+8486", "+8496", "+8497", "+8498", "+843"],
            1,
        ));
        g.add(handle("vina", &["+8491", "+8494"], 1));
        let id = |to| g.route(to).expect("route").gateway.id().to_string();
        assert_eq!(id("+84961234567"), "viettel");
        assert_eq!(id("+84912345678"), "vina");
        assert_eq!(id("+84701234567"), "default");
        assert!(Gateways::default().route("+84912345678").is_err());
    }

    #[test]
    fn an_open_circuit_sends_traffic_to_the_next_candidate_and_back() {
        use crate::gateway::breaker::BreakerConfig;
        let mut g = Gateways::default();
        let cfg = BreakerConfig {
            failures: 2,
            window_seconds: 60,
            cooldown_seconds: 0,
        };
        g.add(handle("a", &["+8491"], 1).with_breaker(cfg));
        g.add(handle("b", &[], 5));
        let order: Vec<&str> = g
            .candidates("+84912345678")
            .iter()
            .map(|h| h.id())
            .collect();
        assert_eq!(order, ["a", "b"]);
        let a = g.get("a").expect("a");
        let fail = SendError::Transient("503".into());
        a.record(1, Err(&fail));
        assert_eq!(g.route_available("+84912345678").expect("route").id(), "a");
        a.record(1, Err(&fail));
        // Cool-down 0: the very next look half-opens it; one trial message goes to it, the
        // next to b until the trial's outcome is known.
        assert_eq!(g.route_available("+84912345678").expect("route").id(), "a");
        assert_eq!(a.status().state, crate::gateway::BreakerState::HalfOpen);
        assert_eq!(g.route_available("+84912345678").expect("route").id(), "b");
        a.record(1, Ok(()));
        assert_eq!(g.route_available("+84912345678").expect("route").id(), "a");
        assert_eq!(a.status().state, crate::gateway::BreakerState::Closed);
    }

    #[test]
    fn while_open_the_gateway_is_skipped() {
        use crate::gateway::breaker::BreakerConfig;
        let mut g = Gateways::default();
        g.add(handle("a", &[], 9).with_breaker(BreakerConfig {
            failures: 1,
            window_seconds: 60,
            cooldown_seconds: 600,
        }));
        g.add(handle("b", &[], 1));
        let fail = SendError::Transient("timeout".into());
        g.get("a").expect("a").record(1, Err(&fail));
        assert_eq!(g.route_available("+84912345678").expect("route").id(), "b");
        assert_eq!(
            g.get("a").expect("a").status().state,
            crate::gateway::BreakerState::Open
        );
    }
}
