//! End to end through a real Kannel: fakesmsc (the phone network) → bearerbox → smsbox → loa's
//! webhook → dialog → outbox → sendsms → bearerbox → fakesmsc, and Kannel's DLR back to loa.
//!
//! Needs Debian's `kannel` and `kannel-extras` (`.ci/run` installs them). Without them the test
//! says loudly that it skipped, except under `CI=true`, where it fails.

#[path = "common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{done_if, eventually, try_eventually, TestDb};

const BEARERBOX: &str = "bearerbox";
const SMSBOX: &str = "smsbox";
const FAKESMSC: &str = "/usr/lib/kannel/test/fakesmsc";
const GATEWAY_ID: &str = "kannel-viettel";
const PHONE: &str = "84912001001";
const E164: &str = "+84912001001";
/// The shipped kannel.conf's admin password, which the test keeps.
const ADMIN_PASSWORD: &str = "CHANGE-ME-ADMIN";

/// Child processes killed when the test ends, however it ends.
struct Procs(Vec<(String, Child)>);

impl Drop for Procs {
    fn drop(&mut self) {
        for (_, child) in self.0.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Kannel's binaries: in `LOA_KANNEL_BIN_DIR` when set (a Kannel built elsewhere), else where
/// Debian puts them.
fn find(bin: &str) -> Option<PathBuf> {
    let dirs: Vec<PathBuf> = match std::env::var_os("LOA_KANNEL_BIN_DIR") {
        Some(d) => vec![PathBuf::from(d)],
        None => ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"]
            .iter()
            .map(PathBuf::from)
            .collect(),
    };
    dirs.into_iter().map(|d| d.join(bin)).find(|p| p.exists())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

async fn wait_for_port(port: u16, what: &str, deadline: Duration) {
    eventually(
        deadline,
        format!("{what} to open port {port}"),
        async || {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .map(drop)
        },
    )
    .await;
}

fn spawn_logged(bin: &Path, args: &[&str], log: &Path) -> Child {
    let out = std::fs::File::create(log).expect("log file");
    let err = out.try_clone().expect("log file");
    Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()))
}

/// Whether bearerbox's status page (on its admin port) lists the fake SMSC as online: what
/// fakesmsc's connection looks like from the other end.
async fn smsc_online(admin: u16) -> Result<(), String> {
    let url = format!("http://127.0.0.1:{admin}/status.txt?password={ADMIN_PASSWORD}");
    let page = reqwest::get(&url)
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    let line = page
        .lines()
        .find(|l| l.trim_start().starts_with("fake"))
        .unwrap_or("no fake SMSC on the status page");
    done_if(line.contains("(online"), line.trim().to_string()).map(drop)
}

/// fakesmsc in interactive mode: lines written to its stdin are MO messages; every MT it gets
/// is logged as `Got message N: <sender receiver type data>` on stderr. Started again while it
/// exits at once (bearerbox's SMSC listener opens a moment after its admin port), and handed
/// over once bearerbox reports the SMSC online.
async fn start_fakesmsc(port: u16, admin: u16) -> (Child, ChildStdin, mpsc::Receiver<String>) {
    // Each attempt starts fakesmsc and waits for bearerbox to see it online; an attempt that
    // exits or never comes online is stopped, and `eventually` paces the next one.
    let mut child = eventually(
        Duration::from_secs(10),
        "fakesmsc to connect to bearerbox",
        async || {
            let mut child = Command::new(FAKESMSC)
                .args(["-H", "127.0.0.1", "-r", &port.to_string(), "-v", "0"])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start fakesmsc");
            let online = try_eventually(
                Duration::from_secs(5),
                "bearerbox to report fakesmsc online, or fakesmsc to give up",
                async || match child.try_wait() {
                    Ok(Some(exit)) => Ok(Err(exit)),
                    _ => smsc_online(admin).await.map(Ok),
                },
            )
            .await;
            if let Ok(Ok(())) = online {
                return Ok(child);
            }
            let _ = child.kill();
            let _ = child.wait();
            Err(format!("{online:?}"))
        },
    )
    .await;
    let stdin = child.stdin.take().expect("stdin");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, stdin, rx)
}

/// The bytes of one MT line as smsc_fake writes it: `S R text T`, `S R ucs-2 %XX…`, or for a
/// concatenated part `S R udh %XX… data %XX…` (the UDH's last two octets: total, sequence).
fn mt_part(line: &str) -> Option<(u8, u8, Vec<u8>, bool)> {
    let body = line.split_once("Got message")?.1;
    let inner = body.split_once('<')?.1.rsplit_once('>')?.0;
    let mut words = inner.splitn(4, ' ');
    let (_from, to, kind, rest) = (words.next()?, words.next()?, words.next()?, words.next()?);
    assert_eq!(to, PHONE, "MT to the phone that asked: {line}");
    let decode = |s: &str| {
        loa::gateway::http::form_pairs(format!("x={s}").as_bytes())
            .remove(0)
            .1
    };
    match kind {
        "text" => Some((1, 1, rest.as_bytes().to_vec(), false)),
        "ucs-2" => Some((1, 1, decode(rest), true)),
        "data" => Some((1, 1, decode(rest), false)),
        "udh" => {
            let (udh, data) = rest.split_once(" data ")?;
            let udh = decode(udh);
            let n = udh.len();
            Some((udh[n - 2], udh[n - 1], decode(data), true))
        }
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sms_goes_through_kannel_and_the_vietnamese_reply_comes_back() {
    let (Some(bearerbox), Some(smsbox)) = (find(BEARERBOX), find(SMSBOX)) else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("Kannel (bearerbox/smsbox) is not installed; CI requires the Kannel test");
        }
        eprintln!(
            "\n!!! SKIPPED: Kannel is not installed (apt-get install kannel kannel-extras); \
             the end-to-end Kannel test did not run. !!!\n"
        );
        return;
    };
    assert!(
        Path::new(FAKESMSC).exists(),
        "kannel-extras' fakesmsc missing"
    );

    let (admin, boxes, sendsms, fake) = (free_port(), free_port(), free_port(), free_port());
    // SAFETY of set_var: this test binary has this one test; nothing else reads the environment.
    std::env::set_var("LOA_TEST_KANNEL_PASSWORD", "sendsms-secret");
    std::env::set_var("LOA_TEST_KANNEL_WEBHOOK", "hook-secret");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let loa = format!("http://{}", listener.local_addr().expect("addr"));
    let dir = tempfile::tempdir().expect("dir");
    let gw_dir = dir.path().join("gateways");
    std::fs::create_dir(&gw_dir).expect("mkdir");
    std::fs::write(
        gw_dir.join("kannel.toml"),
        format!(
            r#"id = "{GATEWAY_ID}"
kind = "kannel"
rate = 50
sender = "9029"
timeout_seconds = 5
[kannel]
sendsms_url = "http://127.0.0.1:{sendsms}/cgi-bin/sendsms"
username = "loa"
password_env = "LOA_TEST_KANNEL_PASSWORD"
dlr_url = "{loa}/webhooks/{GATEWAY_ID}/dlr?secret=hook-secret"
[webhook]
secret_env = "LOA_TEST_KANNEL_WEBHOOK"
allowed_ips = ["127.0.0.1"]
"#
        ),
    )
    .expect("gateway file");

    // The shipped configuration, with its ports, secrets and loa's address moved.
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("gateway-config/kannel/kannel.conf");
    let conf = std::fs::read_to_string(&shipped)
        .expect("shipped kannel.conf")
        .replace("admin-port = 13000", &format!("admin-port = {admin}"))
        .replace("smsbox-port = 13001", &format!("smsbox-port = {boxes}"))
        .replace("sendsms-port = 13013", &format!("sendsms-port = {sendsms}"))
        .replace("port = 10000", &format!("port = {fake}"))
        .replace("http://127.0.0.1:8080", &loa)
        .replace("CHANGE-ME-SENDSMS", "sendsms-secret")
        .replace("CHANGE-ME-WEBHOOK", "hook-secret");
    assert!(conf.contains(&format!("sendsms-port = {sendsms}")) && conf.contains(&loa));
    let conf_path = dir.path().join("kannel.conf");
    std::fs::write(&conf_path, conf).expect("write kannel.conf");
    let conf_arg = conf_path.to_str().expect("utf-8 path");

    let db = TestDb::new().await;
    let mut config = common::test_config(&db);
    config.simulator.enabled = false;
    config.gateway_dir = gw_dir;
    let app = loa::server::open(config).await.expect("open");
    loa::demo::load(&app.services.db).await.expect("demo");
    let t = common::start_on(app, db, listener).await;

    let mut procs = Procs(Vec::new());
    let bb = spawn_logged(
        &bearerbox,
        &["-v", "1", conf_arg],
        &dir.path().join("bearerbox.log"),
    );
    procs.0.push(("bearerbox".into(), bb));
    wait_for_port(admin, "bearerbox", Duration::from_secs(10)).await;
    let (fakesmsc, mut phone, lines) = start_fakesmsc(fake, admin).await;
    procs.0.push(("fakesmsc".into(), fakesmsc));
    let sb = spawn_logged(
        &smsbox,
        &["-v", "1", conf_arg],
        &dir.path().join("smsbox.log"),
    );
    procs.0.push(("smsbox".into(), sb));
    wait_for_port(sendsms, "smsbox", Duration::from_secs(10)).await;

    let started = Instant::now();
    writeln!(phone, "{PHONE} 9029 text HD").expect("MO to fakesmsc");
    phone.flush().expect("flush");

    // The reply, as the phone network received it (one or more parts).
    let mut parts: Vec<(u8, Vec<u8>)> = Vec::new();
    let mut total = 0u8;
    let mut ucs2 = false;
    let until = Instant::now() + Duration::from_secs(20);
    while total == 0 || parts.len() < total as usize {
        let left = until.saturating_duration_since(Instant::now());
        let line = match lines.recv_timeout(left) {
            Ok(l) => l,
            Err(_) => {
                let log = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap_or_default();
                panic!(
                    "no reply at fakesmsc after 20 s\n--- smsbox.log\n{}\n--- bearerbox.log\n{}",
                    log("smsbox.log"),
                    log("bearerbox.log")
                );
            }
        };
        if let Some((n, seq, bytes, is_ucs2)) = mt_part(&line) {
            total = n;
            ucs2 |= is_ucs2;
            parts.push((seq, bytes));
        }
    }
    let elapsed = started.elapsed();
    parts.sort_by_key(|(seq, _)| *seq);
    let bytes: Vec<u8> = parts.into_iter().flat_map(|(_, b)| b).collect();
    assert!(ucs2, "a Vietnamese reply travels as UCS-2");
    let got = loa::gateway::http::from_utf16be(&bytes).expect("valid UTF-16BE");

    // What loa meant to send: the reply row in the outbox.
    let (id, text): (i64, String) = loa::with_db!(&t.app.services.db, pool => sqlx::query_as(
        "SELECT id, text FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1"
    )
    .bind(E164)
    .fetch_one(pool)
    .await)
    .expect("reply row");
    assert_eq!(got, text, "the reply arrived intact");
    assert!(
        got.chars()
            .any(|c| "ăâđêôơưáàảãạấầẩẫậếềểễệốồổỗộớờởỡợúùủũụứừửữự".contains(c)),
        "{got}"
    );
    eprintln!(
        "Kannel round trip: HD in, {} UCS-2 characters back in {elapsed:?}",
        got.chars().count()
    );

    // The inbound message came through Kannel's get-url, stored under this gateway.
    let inbound: String = loa::with_db!(&t.app.services.db, pool => sqlx::query_scalar(
        "SELECT text FROM inbound_messages WHERE gateway_id = $1"
    )
    .bind(GATEWAY_ID)
    .fetch_one(pool)
    .await)
    .expect("inbound row");
    assert_eq!(inbound, "HD");

    // Kannel's DLR (%d = 1 from the fake SMSC) moves the message to delivered.
    eventually(common::PATIENCE, "Kannel's DLR", async || {
        let status = common::outbox_status(&t.app, id).await;
        done_if(status == "delivered", status)
    })
    .await;
    let gw: String = loa::with_db!(&t.app.services.db, pool => sqlx::query_scalar(
        "SELECT gateway_id FROM outbox WHERE id = $1"
    )
    .bind(id)
    .fetch_one(pool)
    .await)
    .expect("gateway");
    assert_eq!(gw, GATEWAY_ID);

    // A DLR without the secret is refused and changes nothing.
    let res = t
        .client
        .get(t.url(&format!("/webhooks/{GATEWAY_ID}/dlr?ref=loa-{id}&status=2")))
        .send()
        .await
        .expect("dlr");
    assert_eq!(res.status(), 401);
    assert_eq!(common::outbox_status(&t.app, id).await, "delivered");

    drop(phone);
    drop(procs);
    t.stop().await;
}
