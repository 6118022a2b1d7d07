//! The real `loa` binary as child processes: `loa serve` instances that can be killed, the CLI
//! (`loa import`, `loa user add`) that fills the database the way an office does, and the
//! gateway files that point loa at the fake gateway.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};
use serde_json::{json, Value};

use crate::common::{done_if, try_eventually};

use crate::fake::ANDROID_PASSWORD;

/// The environment variable the Android gateway files name for their password.
const ANDROID_PASSWORD_ENV: &str = "LOA_FAULTS_ANDROID_PASSWORD";
/// Gateway ids in the files below.
pub const ANDROID_ID: &str = "android-fault";
pub const KANNEL_ID: &str = "kannel-fault";

/// A command for the `loa` binary with none of the test runner's `LOA_*` variables, working in
/// `dir`, on `db_url`.
fn command(dir: &Path, db_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_loa"));
    for (name, _) in std::env::vars().filter(|(k, _)| k.starts_with("LOA_")) {
        cmd.env_remove(name);
    }
    cmd.current_dir(dir)
        .env("LOA_DATABASE_URL", db_url)
        .env("LOA_GATEWAY_DIR", dir.join("gateways"))
        .env(ANDROID_PASSWORD_ENV, ANDROID_PASSWORD)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    cmd
}

/// Runs a `loa` command to its end: its standard output, or an error with both outputs.
pub fn run_cli(dir: &Path, db_url: &str, args: &[&str]) -> Result<String> {
    let out = command(dir, db_url)
        .args(args)
        .output()
        .with_context(|| format!("run loa {args:?}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    ensure!(
        out.status.success(),
        "loa {args:?} exited with {}:\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(stdout)
}

/// The folder of gateway files, made empty.
pub fn gateway_dir(dir: &Path) -> Result<PathBuf> {
    let gw = dir.join("gateways");
    std::fs::create_dir_all(&gw)?;
    Ok(gw)
}

/// An SMS Gateway for Android file for the fake at `url`. The circuit opens after 3 failures
/// and is tried again after 1 s, so an outage of seconds is seen through promptly.
pub fn android_file(dir: &Path, url: &str, rate: u32, priority: i32) -> Result<()> {
    let body = format!(
        r#"id = "{ANDROID_ID}"
kind = "android"
rate = {rate}
priority = {priority}
timeout_seconds = 5

[android]
url = "{url}"
username = "{user}"
password_env = "{ANDROID_PASSWORD_ENV}"

[webhook]
allowed_ips = ["127.0.0.1"]

[circuit]
failures = 3
window_seconds = 10
cooldown_seconds = 1
"#,
        user = crate::fake::ANDROID_USER,
    );
    std::fs::write(gateway_dir(dir)?.join("android.toml"), body)?;
    Ok(())
}

/// A Kannel file whose sendsms is the fake's; its webhooks (`mo`, `dlr`) take calls from
/// 127.0.0.1 (the test, playing smsbox).
pub fn kannel_file(dir: &Path, url: &str, rate: u32, priority: i32) -> Result<()> {
    let body = format!(
        r#"id = "{KANNEL_ID}"
kind = "kannel"
rate = {rate}
priority = {priority}
sender = "9029"
timeout_seconds = 5

[kannel]
sendsms_url = "{url}/cgi-bin/sendsms"
username = "loa"
password_env = "{ANDROID_PASSWORD_ENV}"
dlr_url = "http://127.0.0.1:9/webhooks/{KANNEL_ID}/dlr"
dlr_mask = 0

[webhook]
allowed_ips = ["127.0.0.1"]
"#
    );
    std::fs::write(gateway_dir(dir)?.join("kannel.toml"), body)?;
    Ok(())
}

/// A running `loa serve`. Killed on drop, so a failing assertion leaves no process behind.
pub struct Loa {
    child: Child,
    pub base: String,
    /// The `instance_id` it names itself with in leases.
    pub instance: String,
    log: PathBuf,
}

impl Loa {
    /// Starts `loa serve` in `dir` on `db_url`, with the dispatcher settings every fault test
    /// uses and `env` over them, and waits until it answers.
    pub async fn start(
        label: &str,
        dir: &Path,
        db_url: &str,
        env: &[(&str, String)],
    ) -> Result<Loa> {
        let port = free_port()?;
        let instance = format!(
            "{label}-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let log = dir.join(format!("{instance}.log"));
        let log_file = std::fs::File::create(&log).context("create log file")?;
        let mut cmd = command(dir, db_url);
        cmd.arg("serve")
            .env("LOA_LISTEN", format!("127.0.0.1:{port}"))
            .env("LOA_INSTANCE_ID", &instance)
            .env("LOA_QUIET_HOURS__START", "00:00")
            .env("LOA_QUIET_HOURS__END", "00:00")
            // A row left in `sending` by a killed process is claimed again after 2 s; another
            // process takes over sending 3 s after the holder stopped renewing.
            .env("LOA_DISPATCHER__LEASE_SECONDS", "2")
            .env("LOA_DISPATCHER__HOLD_SECONDS", "3")
            .env("LOA_DISPATCHER__POLL_MILLIS", "50")
            // Retries within a second while a gateway is down, instead of 5 s, 10 s, 20 s ….
            .env("LOA_DISPATCHER__MAX_BACKOFF_SECONDS", "1")
            .stdout(log_file.try_clone().context("clone log file")?)
            .stderr(log_file);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().context("spawn loa serve")?;
        let mut loa = Loa {
            child,
            base: format!("http://127.0.0.1:{port}"),
            instance,
            log,
        };
        loa.wait_healthy().await?;
        Ok(loa)
    }

    async fn wait_healthy(&mut self) -> Result<()> {
        let client = reqwest::Client::new();
        let url = format!("{}/healthz", self.base);
        let child = &mut self.child;
        // Some(status): the child exited instead of answering.
        let state = try_eventually(
            Duration::from_secs(30),
            "loa to answer /healthz",
            async || {
                if let Ok(Some(status)) = child.try_wait() {
                    return Ok(Some(status));
                }
                let up = matches!(client.get(&url).send().await, Ok(r) if r.status() == 200);
                done_if(up, None)
            },
        )
        .await;
        match state {
            Ok(None) => Ok(()),
            Ok(Some(status)) => bail!(
                "loa exited before answering ({status}); log:\n{}",
                self.log_tail()
            ),
            Err(waited) => bail!("{waited}; log:\n{}", self.log_tail()),
        }
    }

    /// SIGKILL: no handler runs, nothing is flushed or released.
    pub fn kill_hard(&mut self) -> Result<()> {
        self.child.kill().context("SIGKILL")?;
        self.child.wait().context("reap killed child")?;
        Ok(())
    }

    /// The last lines of its log, for a failure's message.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for Loa {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A port nothing listens on right now.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("bind port 0")?;
    Ok(listener.local_addr()?.port())
}

/// `n` households with one phone each, in one village, imported with `loa import` as an office
/// imports its spreadsheets: their phones (E.164), in file order.
pub fn import_households(dir: &Path, db_url: &str, n: usize) -> Result<Vec<String>> {
    let areas = dir.join("dia-ban.csv");
    std::fs::write(
        &areas,
        "Mã,Tên,Cấp,Mã cấp trên,Đặc biệt khó khăn,Khu vực\n\
         FT,Tỉnh Thử,tỉnh,,,\n\
         FT01,Xã Thử,xã,FT,không,I\n\
         FT0101,Thôn Thử,thôn,FT01,,\n",
    )?;
    let mut csv = String::from(
        "Mã hộ,Họ tên chủ hộ,Thôn/bản,Dân tộc,Phân loại hộ,Năm phân loại,Số nhân khẩu,Số điện thoại\n",
    );
    let mut phones = Vec::with_capacity(n);
    for i in 0..n {
        csv.push_str(&format!(
            "FT-{i:05},Hộ thử {i},FT0101,Tày,không,2025,4,0913{i:06}\n"
        ));
        phones.push(format!("+84913{i:06}"));
    }
    let households = dir.join("ho-gia-dinh.csv");
    std::fs::write(&households, csv)?;
    let areas = areas.to_string_lossy();
    let households = households.to_string_lossy();
    run_cli(dir, db_url, &["import", "areas", &areas, "--lang", "en"])?;
    let out = run_cli(
        dir,
        db_url,
        &["import", "households", &households, "--lang", "en"],
    )?;
    ensure!(
        out.contains(&format!("Imported {n} rows")),
        "households import: {out}"
    );
    Ok(phones)
}

/// An admin account made with `loa user add`, and an API token of it (made as the console
/// makes one, through the accounts feature).
pub async fn admin_token(dir: &Path, db_url: &str) -> Result<String> {
    let name = "fault-admin";
    run_cli(dir, db_url, &["user", "add", name, "--role", "admin"])?;
    let db = loa::db::connect(db_url).await?;
    let (account, _) = loa::features::accounts::store::by_username(&db, name)
        .await?
        .context("the account just made")?;
    let (_, token) =
        loa::features::accounts::tokens::create(&db, account.id, "fault tests").await?;
    db.close().await;
    Ok(token)
}

/// Writes a notice to every household through the staff API and sends it now: its id.
pub async fn send_notice(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    text: &str,
) -> Result<i64> {
    let res = client
        .post(format!("{base}/api/v1/notices"))
        .bearer_auth(token)
        .json(&json!({ "text": text }))
        .send()
        .await?;
    let status = res.status();
    let body: Value = res.json().await?;
    ensure!(status == 201, "create notice: {status} {body}");
    let id = body["notice"]["id"].as_i64().context("notice id")?;
    let res = client
        .post(format!("{base}/api/v1/notices/{id}/send"))
        .bearer_auth(token)
        .send()
        .await?;
    let status = res.status();
    ensure!(status == 202, "send notice: {status} {}", res.text().await?);
    Ok(id)
}

/// The notice's status and its outbox rows by status, as the staff API shows them.
pub async fn notice_state(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    id: i64,
) -> Result<(String, Value)> {
    let res = client
        .get(format!("{base}/api/v1/notices/{id}"))
        .bearer_auth(token)
        .send()
        .await?;
    let status = res.status();
    let body: Value = res.json().await?;
    ensure!(status == 200, "show notice: {status} {body}");
    let state = body["notice"]["status"].as_str().unwrap_or("").to_string();
    Ok((state, body["figures"].clone()))
}
