//! The load generators: wrk for closed loop (a fixed number of connections, each sending its next
//! request when the answer is in: the ceiling), oha for open loop (a fixed offered rate, latency
//! counted from when each request was due, so a stall is not hidden: coordinated omission).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::sys::output;

/// What one load run measured. Latencies in milliseconds.
#[derive(Clone, Debug, Default)]
pub struct Load {
    /// Requests answered as expected.
    pub ok: u64,
    /// Requests that failed (status, body, connection, time-out).
    pub errors: u64,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Open loop: the rate asked for.
    pub offered: Option<u32>,
}

impl Load {
    pub fn rate(&self) -> f64 {
        if self.seconds > 0.0 {
            self.ok as f64 / self.seconds
        } else {
            0.0
        }
    }
}

#[derive(Deserialize)]
struct WrkLine {
    requests: u64,
    duration_us: u64,
    connect: u64,
    read: u64,
    write: u64,
    status: u64,
    timeout: u64,
    bad: u64,
    p50_us: f64,
    p99_us: f64,
}

/// `wrk -s script` with `connections` over 2 threads for `duration`; `args` go to the script.
pub fn wrk(
    script: &Path,
    url: &str,
    connections: u32,
    duration: Duration,
    args: &[String],
) -> Result<Load> {
    let out = output(
        Command::new("wrk")
            .arg("-t2")
            .arg(format!("-c{connections}"))
            .arg(format!("-d{}s", duration.as_secs().max(1)))
            .arg("--timeout")
            .arg("30s")
            .arg("-s")
            .arg(script)
            .arg(url)
            .arg("--")
            .args(args),
    )?;
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix("WRK "))
        .with_context(|| format!("no WRK line in wrk's output:\n{out}"))?;
    let w: WrkLine = serde_json::from_str(line).context("wrk's WRK line")?;
    let failed = w.status.max(w.bad);
    Ok(Load {
        ok: w.requests.saturating_sub(failed),
        errors: failed + w.connect + w.read + w.write + w.timeout,
        seconds: w.duration_us as f64 / 1e6,
        p50_ms: w.p50_us / 1e3,
        p99_ms: w.p99_us / 1e3,
        offered: None,
    })
}

#[derive(Deserialize)]
struct OhaOut {
    summary: OhaSummary,
    metrics: OhaMetrics,
    #[serde(rename = "statusCodeDistribution")]
    status_codes: std::collections::BTreeMap<String, u64>,
    #[serde(rename = "errorDistribution")]
    errors: std::collections::BTreeMap<String, u64>,
}

#[derive(Deserialize)]
struct OhaSummary {
    total: f64,
}

#[derive(Deserialize)]
struct OhaMetrics {
    latency_ms: OhaLatency,
}

#[derive(Deserialize)]
struct OhaLatency {
    p50: f64,
    p99: f64,
}

/// `oha` at a fixed `rate` for `duration` over up to `connections`, each request's URL drawn from
/// `url_regex` (rand_regex syntax), with latency correction.
pub fn oha_open(url_regex: &str, rate: u32, connections: u32, duration: Duration) -> Result<Load> {
    let out = output(
        Command::new("oha")
            .args([
                "--no-tui",
                "--output-format",
                "json",
                "--latency-correction",
            ])
            .arg("-q")
            .arg(rate.to_string())
            .arg("-c")
            .arg(connections.to_string())
            .arg("-z")
            .arg(format!("{}s", duration.as_secs().max(1)))
            .arg("-t")
            .arg("30s")
            .arg("--rand-regex-url")
            .arg(url_regex),
    )?;
    let o: OhaOut = serde_json::from_str(&out)
        .with_context(|| format!("oha's JSON: {}", out.chars().take(400).collect::<String>()))?;
    let ok = o.status_codes.get("200").copied().unwrap_or(0);
    let other: u64 = o
        .status_codes
        .iter()
        .filter(|(k, _)| k.as_str() != "200")
        .map(|(_, v)| v)
        .sum();
    // Requests still in flight when the time is up are cut off by oha, not failed by the server.
    let failed: u64 = o
        .errors
        .iter()
        .filter(|(k, _)| !k.contains("deadline"))
        .map(|(_, v)| v)
        .sum();
    if ok == 0 {
        bail!("oha: no request answered 200: {out}");
    }
    Ok(Load {
        ok,
        errors: other + failed,
        seconds: o.summary.total,
        p50_ms: o.metrics.latency_ms.p50,
        p99_ms: o.metrics.latency_ms.p99,
        offered: Some(rate),
    })
}

/// The Kannel MO URL as a rand_regex pattern (oha takes dots as dots): a random sender, text
/// and Kannel id per request.
/// `tag` keeps ids apart between runs against the same instance.
pub fn mo_regex(port: u16, path: &str, tag: &str) -> String {
    format!(
        "http://127.0.0.1:{port}{path}\\?from=8494[0-9]{{7}}&to=9029&text=HD\\+[0-9]{{6}}&id=oha-{tag}-[0-9a-f]{{20}}&coding=0&charset=UTF-8"
    )
}
