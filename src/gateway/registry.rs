//! The gateways of this instance, their rate limiters, and which one a recipient goes through.

use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use super::Gateway;

/// A gateway with what the dispatcher needs around it.
pub struct GatewayHandle {
    pub gateway: Arc<dyn Gateway>,
    /// E.164 prefixes (e.g. `+8486`, `+8496`) this gateway is preferred for.
    pub prefixes: Vec<String>,
    /// Higher is tried first when no prefix matches.
    pub priority: i32,
    rate: NonZeroU32,
    limiter: DefaultDirectRateLimiter,
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
            rate,
            limiter: RateLimiter::direct(quota),
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

#[derive(Default)]
pub struct Gateways {
    list: Vec<Arc<GatewayHandle>>,
}

#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    #[error("no gateway is configured")]
    NoGateway,
}

impl Gateways {
    pub fn add(&mut self, handle: GatewayHandle) {
        self.list.push(Arc::new(handle));
        self.list.sort_by_key(|g| std::cmp::Reverse(g.priority));
    }

    pub fn get(&self, id: &str) -> Option<&Arc<GatewayHandle>> {
        self.list.iter().find(|g| g.gateway.id() == id)
    }

    /// Parts per second over all gateways.
    pub fn total_rate(&self) -> u32 {
        self.list.iter().map(|g| g.rate()).sum()
    }

    pub fn all(&self) -> &[Arc<GatewayHandle>] {
        &self.list
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
}
