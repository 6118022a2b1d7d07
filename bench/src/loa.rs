//! One `loa serve` process of the release build, on its own database, configuration file and
//! gateway folder, started the way an operator starts it (as tests/crash.rs does).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::db::Db;
use crate::report::Report;
use crate::sys::{self, Proc};

/// The gateway id in every gateway file and URL: the shipped kannel.conf's get-url names it.
pub const GATEWAY: &str = "kannel-viettel";
pub const USSD_GATEWAY: &str = "ussd-bench";
/// Webhook secret and sendsms password; the gateway files name the variables that hold them.
pub const SECRET: &str = "bench-webhook-secret";
pub const SENDSMS_PASSWORD: &str = "bench-sendsms-secret";
pub const API_TOKEN: &str = "bench-api-token";

/// Where this instance's SMS go: a Kannel smsbox's sendsms (a real one, or the baseline
/// server's null one), at `rate` parts a second.
pub struct Sendsms {
    pub port: u16,
    pub rate: u32,
}

pub struct Spec<'a> {
    pub label: &'a str,
    pub db: &'a Db,
    pub sendsms: Sendsms,
    /// Quiet hours (local "HH:MM" start and end): bulk messages are queued but not sent while
    /// they last (replies still go). None: no quiet hours.
    pub quiet: Option<(String, String)>,
}

pub struct Loa {
    pub proc: Proc,
    pub port: u16,
    pub log: PathBuf,
}

impl Loa {
    /// Writes the configuration and gateway files under `dir/label`, starts `loa serve` and
    /// waits for `/healthz`. The same `label` on the same database is the same instance again.
    pub fn start(bin: &Path, dir: &Path, spec: &Spec) -> Result<Loa> {
        let home = dir.join(spec.label);
        let gateways = home.join("gateways");
        std::fs::create_dir_all(&gateways)?;
        let port = sys::free_port()?;
        std::fs::write(
            gateways.join("kannel.toml"),
            kannel_file(port, &spec.sendsms),
        )?;
        std::fs::write(gateways.join("ussd.toml"), ussd_file())?;
        let config = home.join("loa.toml");
        std::fs::write(&config, config_file(spec, port, &gateways))?;
        let log = home.join(format!("loa-{}.log", std::process::id()));
        let mut cmd = Command::new(bin);
        // Nothing of the caller's LOA_* reaches the instance: the file is its whole configuration.
        for (name, _) in std::env::vars().filter(|(k, _)| k.starts_with("LOA_")) {
            cmd.env_remove(name);
        }
        cmd.arg("serve")
            .arg("--config")
            .arg(&config)
            .current_dir(&home)
            .env("BENCH_WEBHOOK_SECRET", SECRET)
            .env("BENCH_KANNEL_PASSWORD", SENDSMS_PASSWORD)
            .env("RUST_LOG", "warn");
        let proc = Proc::spawn(&format!("loa ({})", spec.label), cmd, &log)?;
        let mut loa = Loa { proc, port, log };
        loa.wait_healthy()?;
        Ok(loa)
    }

    fn wait_healthy(&mut self) -> Result<()> {
        let port = self.port;
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if let Some(status) = self.proc.exited() {
                bail!(
                    "loa exited ({status}) before answering; log:\n{}",
                    self.log_tail()
                );
            }
            if matches!(sys::http(port, "GET", "/healthz", &[], ""), Ok((200, _))) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!(
            "loa did not answer /healthz in 60 s; log:\n{}",
            self.log_tail()
        )
    }

    pub fn pid(&self) -> u32 {
        self.proc.pid()
    }

    /// The path of the Kannel MO webhook, with the secret as its last segment.
    pub fn mo_path() -> String {
        format!("/webhooks/{GATEWAY}/mo/{SECRET}")
    }

    pub fn ussd_path() -> String {
        format!("/webhooks/{USSD_GATEWAY}/ussd/{SECRET}")
    }

    /// SIGTERM and up to 15 s for the ordered stop (loa's own limit is 10 s); then the
    /// warnings and errors it logged go into the report's notes under `what`, so a run that
    /// measured a struggling loa says so.
    pub fn stop(mut self, report: &mut Report, what: &str) {
        self.proc.stop(Duration::from_secs(15));
        let problems = log_problems(&self.log);
        if !problems.is_empty() {
            let list: Vec<String> = problems
                .iter()
                .map(|(n, line)| format!("{n}× `{line}`"))
                .collect();
            report.note(format!("{what}: loa logged {}", list.join("; ")));
        }
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Staff API call with the shared token as staff `staff_id`.
    pub fn api(
        &self,
        method: &str,
        path: &str,
        staff_id: i64,
        body: &str,
    ) -> Result<(u16, String)> {
        let auth = format!("Bearer {API_TOKEN}");
        let staff = staff_id.to_string();
        sys::http(
            self.port,
            method,
            path,
            &[
                ("Authorization", &auth),
                ("x-loa-staff", &staff),
                ("Content-Type", "application/json"),
            ],
            body,
        )
        .with_context(|| format!("{method} {path}"))
    }
}

/// The WARN and ERROR lines of a loa log, numbers blanked so that like lines group, with their
/// counts, most frequent first. SQLx's slow-statement notices are left out: under load they are
/// expected, and the figures already say how slow.
fn log_problems(log: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for line in text.lines() {
        let Some(at) = line.find(" WARN ").or_else(|| line.find(" ERROR ")) else {
            continue;
        };
        if line.contains("slow statement") {
            continue;
        }
        let mut key = String::new();
        let mut last_digit = false;
        for c in line[at + 1..].chars().take(220) {
            if c.is_ascii_digit() {
                if !last_digit {
                    key.push('N');
                }
                last_digit = true;
            } else {
                key.push(c);
                last_digit = false;
            }
        }
        *counts
            .entry(key.split_whitespace().collect::<Vec<_>>().join(" "))
            .or_default() += 1;
    }
    let mut v: Vec<(usize, String)> = counts.into_iter().map(|(k, n)| (n, k)).collect();
    v.sort_by_key(|e| std::cmp::Reverse(e.0));
    v.truncate(5);
    v
}

fn config_file(spec: &Spec, port: u16, gateways: &Path) -> String {
    // Equal times hold nothing.
    let (start, end) = spec
        .quiet
        .clone()
        .unwrap_or_else(|| ("00:00".into(), "00:00".into()));
    format!(
        r#"# Written by bench/run for one benchmark instance.
database_url = "{db}"
listen = "127.0.0.1:{port}"
gateway_dir = "{gateways}"
instance_id = "bench-{label}"
api_token = "{API_TOKEN}"

[quiet_hours]
start = "{start}"
end = "{end}"

[simulator]
enabled = false
rate = 100
"#,
        db = spec.db.url(),
        gateways = gateways.display(),
        label = spec.label,
    )
}

/// The Kannel gateway: sendsms to `sendsms`, delivery reports back to this instance.
fn kannel_file(loa_port: u16, sendsms: &Sendsms) -> String {
    format!(
        r#"id = "{GATEWAY}"
kind = "kannel"
rate = {rate}
sender = "9029"
timeout_seconds = 10

[kannel]
sendsms_url = "http://127.0.0.1:{port}/cgi-bin/sendsms"
username = "loa"
password_env = "BENCH_KANNEL_PASSWORD"
dlr_url = "http://127.0.0.1:{loa_port}/webhooks/{GATEWAY}/dlr?secret={SECRET}"

[webhook]
secret_env = "BENCH_WEBHOOK_SECRET"
allowed_ips = ["127.0.0.1"]
"#,
        rate = sendsms.rate,
        port = sendsms.port,
    )
}

fn ussd_file() -> String {
    format!(
        r#"id = "{USSD_GATEWAY}"
kind = "ussd"

[webhook]
secret_env = "BENCH_WEBHOOK_SECRET"
allowed_ips = ["127.0.0.1"]
"#
    )
}
