//! When to try a failed send again: exponential backoff with jitter, capped.

use chrono::TimeDelta;
use rand::Rng;

const BASE_SECONDS: f64 = 5.0;

/// Delay before attempt `attempts + 1`: 5 s, 10 s, 20 s, … up to `max`, each drawn between half and
/// the whole of that step, so that many messages failing together do not retry together.
pub fn backoff(attempts: i64, max: TimeDelta) -> TimeDelta {
    let exp = attempts.clamp(1, 30) - 1;
    let step = (BASE_SECONDS * 2f64.powi(exp as i32)).min(max.as_seconds_f64());
    let secs = rand::rng().random_range(step / 2.0..=step);
    TimeDelta::milliseconds((secs * 1000.0) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_within_jitter_and_is_capped() {
        let max = TimeDelta::seconds(900);
        for attempts in 1..12 {
            let step = (5.0 * 2f64.powi(attempts as i32 - 1)).min(900.0);
            for _ in 0..50 {
                let d = backoff(attempts, max).as_seconds_f64();
                assert!(
                    d >= step / 2.0 - 0.001 && d <= step + 0.001,
                    "{attempts}: {d}"
                );
            }
        }
        assert!(backoff(1_000, max) <= max);
    }
}
