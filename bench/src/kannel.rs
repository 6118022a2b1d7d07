//! The Kannel row: fakesmsc (the phones) → bearerbox → smsbox → loa's webhook → loa's outbox →
//! sendsms → bearerbox → fakesmsc, with Kannel's delivery reports back to loa; beside it the
//! same Kannel answering by itself (an `sms-service` with a static text), with its delivery
//! reports to the baseline server. Kannel runs the shipped gateway-config/kannel/kannel.conf with
//! its ports, secrets and loa's address moved, as tests/kannel.rs does.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};

use crate::db::Db;
use crate::loa::{Loa, Sendsms, Spec, SECRET, SENDSMS_PASSWORD};
use crate::report::Report;
use crate::rows::{now_epoch, rate, ratio, thousands};
use crate::sys::{self, Proc};
use crate::Ctx;

const FAKESMSC: &str = "/usr/lib/kannel/test/fakesmsc";
/// loa's Kannel gateway rate here: far above what the pipeline reaches, so the figure is loa's
/// and Kannel's, not a configured limit's.
const RATE: u32 = 5_000;

fn find(bin: &str) -> Result<PathBuf> {
    ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"]
        .iter()
        .map(|d| Path::new(d).join(bin))
        .find(|p| p.exists())
        .with_context(|| format!("{bin} not found: apt-get install kannel kannel-extras"))
}

/// Ports for one Kannel: admin, smsbox link, sendsms, fake SMSC; all free at once.
struct Ports {
    admin: u16,
    boxes: u16,
    sendsms: u16,
    fake: u16,
}

impl Ports {
    fn new() -> Result<Ports> {
        let held: Vec<std::net::TcpListener> = (0..4)
            .map(|_| std::net::TcpListener::bind("127.0.0.1:0"))
            .collect::<std::io::Result<_>>()?;
        let p: Vec<u16> = held
            .iter()
            .map(|l| l.local_addr().map(|a| a.port()))
            .collect::<std::io::Result<_>>()?;
        Ok(Ports {
            admin: p[0],
            boxes: p[1],
            sendsms: p[2],
            fake: p[3],
        })
    }
}

/// The shipped kannel.conf with this run's ports, secrets and loa address.
fn moved(shipped: &str, ports: &Ports, loa: &str) -> Result<String> {
    let conf = shipped
        .replace(
            "admin-port = 13000",
            &format!("admin-port = {}", ports.admin),
        )
        .replace(
            "smsbox-port = 13001",
            &format!("smsbox-port = {}", ports.boxes),
        )
        .replace(
            "sendsms-port = 13013",
            &format!("sendsms-port = {}", ports.sendsms),
        )
        .replace("port = 10000", &format!("port = {}", ports.fake))
        .replace("http://127.0.0.1:8080", loa)
        .replace("CHANGE-ME-SENDSMS", SENDSMS_PASSWORD)
        .replace("CHANGE-ME-WEBHOOK", SECRET)
        .replace("CHANGE-ME-ADMIN", "bench-admin");
    ensure!(
        conf.contains(&format!("sendsms-port = {}", ports.sendsms)) && conf.contains(loa),
        "the shipped kannel.conf no longer has the lines the harness moves"
    );
    Ok(conf)
}

/// Kannel by itself: the same configuration, its `sms-service` answering every MO with `text`
/// and asking for the same delivery reports (mask 31), sent to the baseline server.
fn alone(conf: &str, text: &str, baseline_port: u16) -> Result<String> {
    let at = conf
        .find("group = sms-service")
        .context("no sms-service group in kannel.conf")?;
    let text = text.replace(['"', '\\'], "'").replace(['\n', '\r'], " ");
    Ok(format!(
        "{}group = sms-service\nkeyword = default\ncatch-all = true\ntext = \"{text}\"\n\
         max-messages = 10\nconcatenation = true\nomit-empty = true\n\
         dlr-mask = 31\ndlr-url = \"http://127.0.0.1:{baseline_port}/dlr?status=%d\"\n",
        &conf[..at]
    ))
}

/// loa's reply as a GSM-7 text of `parts` parts (letters outside ASCII as `?`, padded or cut),
/// so that Kannel by itself sends as many parts a message as it does for loa: a static text with
/// Vietnamese letters would leave Kannel's hands as one lossy 7-bit part.
fn static_text(reply: &str, parts: usize) -> String {
    let ascii: String = reply
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c
            } else {
                '?'
            }
        })
        .collect();
    let (min, max) = match parts {
        1 => (1, 160),
        p => ((153 * (p - 1) + 1).max(161), 153 * p),
    };
    let mut text: String = ascii.chars().take(max).collect();
    while text.chars().count() < min {
        text.push_str(" .");
    }
    text.chars().take(max).collect()
}

/// fakesmsc playing the phones: it sends `n` MO as fast as it can, each drawn at random from
/// [`CHOICES`] × `n` different messages (each its own number and text: a number that sends twice
/// is rare, three times rarer still, far below loa's loop guard and reply budget), and counts
/// every MT part it receives. Its interactive mode (lines on stdin) is not used: it reads stdin
/// with `select` and `fgets`, so lines already in stdio's buffer wait for more input, and a fast
/// writer loses messages (373 of 400 in a try).
struct Fake {
    child: Child,
    /// When the fakesmsc that is sending was started: the clock of the row starts here.
    t0: f64,
    mt: Arc<AtomicU64>,
    last_mt: Arc<Mutex<f64>>,
}

/// Distinct messages per MO sent, for fakesmsc to draw from.
const CHOICES: usize = 10;

impl Fake {
    fn start(port: u16, n: usize, first: usize) -> Result<Fake> {
        let messages: Vec<String> = (first..first + CHOICES * n)
            .map(|k| format!("8491{k:07} 9029 text HD {k}"))
            .collect();
        // Should the fake SMSC's listener not be open yet, fakesmsc exits at once having sent
        // nothing: start it again.
        let until = Instant::now() + Duration::from_secs(15);
        loop {
            let t0 = now_epoch();
            let mut child = Command::new(FAKESMSC)
                .args([
                    "-H",
                    "127.0.0.1",
                    "-r",
                    &port.to_string(),
                    "-i",
                    "0",
                    "-v",
                    "0",
                ])
                .arg("-m")
                .arg(n.to_string())
                .args(&messages)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .context("start fakesmsc")?;
            let stderr = child.stderr.take().context("fakesmsc stderr")?;
            let mt = Arc::new(AtomicU64::new(0));
            let last_mt = Arc::new(Mutex::new(0.0));
            let (count, last) = (mt.clone(), last_mt.clone());
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if line.contains("Got message") {
                        count.fetch_add(1, Ordering::Relaxed);
                        if let Ok(mut t) = last.lock() {
                            *t = now_epoch();
                        }
                    }
                }
            });
            std::thread::sleep(Duration::from_millis(300));
            if child.try_wait()?.is_none() {
                return Ok(Fake {
                    child,
                    t0,
                    mt,
                    last_mt,
                });
            }
            ensure!(
                Instant::now() < until,
                "fakesmsc could not connect to bearerbox"
            );
        }
    }

    fn mt(&self) -> u64 {
        self.mt.load(Ordering::Relaxed)
    }

    fn last_mt(&self) -> f64 {
        self.last_mt.lock().map_or(0.0, |t| *t)
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// bearerbox and smsbox on one configuration, ready for fakesmsc; stopped in reverse when
/// dropped.
struct Boxes {
    fake_port: u16,
    _smsbox: Proc,
    _bearerbox: Proc,
}

impl Boxes {
    fn start(dir: &Path, label: &str, conf: &str, ports: &Ports) -> Result<Boxes> {
        let (bearerbox, smsbox) = (find("bearerbox")?, find("smsbox")?);
        ensure!(
            Path::new(FAKESMSC).exists(),
            "{FAKESMSC} not found: apt-get install kannel-extras"
        );
        let conf_path = dir.join(format!("{label}.conf"));
        std::fs::write(&conf_path, conf)?;
        let mut cmd = Command::new(bearerbox);
        cmd.arg("-v").arg("1").arg(&conf_path);
        let bb = Proc::spawn(
            "bearerbox",
            cmd,
            &dir.join(format!("{label}-bearerbox.log")),
        )?;
        sys::wait_for_port(ports.admin, Duration::from_secs(15), "bearerbox")?;
        let mut cmd = Command::new(smsbox);
        cmd.arg("-v").arg("1").arg(&conf_path);
        let sb = Proc::spawn("smsbox", cmd, &dir.join(format!("{label}-smsbox.log")))?;
        sys::wait_for_port(ports.sendsms, Duration::from_secs(15), "smsbox")?;
        Ok(Boxes {
            fake_port: ports.fake,
            _smsbox: sb,
            _bearerbox: bb,
        })
    }
}

struct Run {
    seconds: f64,
    parts: u64,
    mt: u64,
    /// Replies sent whose report of delivery never took effect.
    undelivered: u64,
    /// Replies queued (the loop guard may hold one back from a phone fakesmsc drew often).
    replies: u64,
}

pub fn pipeline(ctx: &Ctx, report: &mut Report, db: &Db, path: &str) -> Result<()> {
    let n = ctx.sizes.kannel_messages;
    let shipped = std::fs::read_to_string(ctx.root.join("gateway-config/kannel/kannel.conf"))
        .context("gateway-config/kannel/kannel.conf")?;
    let dir = ctx.work.join("kannel");
    std::fs::create_dir_all(&dir)?;

    let ports = Ports::new()?;
    let spec = Spec {
        label: "kannel",
        db,
        sendsms: Sendsms {
            port: ports.sendsms,
            rate: RATE,
        },
        quiet: None,
    };
    let loa = Loa::start(&ctx.loa, &ctx.work, &spec)?;
    let conf = moved(&shipped, &ports, &format!("http://127.0.0.1:{}", loa.port))?;
    let (with_loa, reply) = {
        let boxes = Boxes::start(&dir, "with-loa", &conf, &ports)?;
        let run = through_loa(&boxes, db, n)?;
        let reply = db.scalar("SELECT text FROM outbox ORDER BY id LIMIT 1")?;
        (run, reply)
    };
    loa.stop(report, "Kannel");

    let ports = Ports::new()?;
    let conf = moved(&shipped, &ports, "http://127.0.0.1:9")?;
    let per_reply = with_loa.parts.div_ceil(n as u64).max(1) as usize;
    let conf = alone(&conf, &static_text(&reply, per_reply), ctx.baseline_port)?;
    let boxes = Boxes::start(&dir, "alone", &conf, &ports)?;
    // Kannel alone takes a second or two, where a neighbour's burst weighs much: the median of
    // three runs on the same boxes.
    let mut runs = Vec::new();
    for first in [3_000_000, 5_000_000, 7_000_000] {
        runs.push(kannel_alone(ctx, &boxes, n, first)?);
    }
    drop(boxes);
    runs.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    let spread = format!("{:.2}–{:.2} s", runs[0].seconds, runs[2].seconds);
    let by_itself = runs.swap_remove(1);

    report.note(format!(
        "Kannel: {} MO; loa stored {} and sent {} replies in {} parts (fakesmsc received {}; \
         {} held back by the loop guard: a phone fakesmsc drew a fourth time), {} marked \
         delivered by Kannel's DLRs; Kannel alone answered each MO with loa's reply as \
         a static GSM-7 text of {per_reply} part(s), fakesmsc received {} parts and the baseline \
         server {} reports of delivery",
        thousands(n as u64),
        thousands(n as u64),
        thousands(with_loa.replies),
        thousands(with_loa.parts),
        thousands(with_loa.mt),
        thousands((n as u64).saturating_sub(with_loa.replies)),
        thousands(with_loa.replies - with_loa.undelivered),
        thousands(by_itself.mt),
        thousands(by_itself.parts),
    ));
    if with_loa.undelivered > 0 {
        report.note(format!(
            "Kannel: {} of loa's {} replies stayed `sent`, their reports of delivery not \
             applied, though Kannel's fake SMSC reports every message delivered (as the \
             Kannel-alone run counts); suspected: a report that overtakes the recording of its \
             send is kept, then dropped unapplied when the send is recorded in between",
            with_loa.undelivered,
            thousands(with_loa.replies)
        ));
    }
    let loa_rate = n as f64 / with_loa.seconds;
    let alone_rate = n as f64 / by_itself.seconds;
    report.row(
        path,
        format!(
            "{} msg/s ({:.1} s{})",
            rate(loa_rate),
            with_loa.seconds,
            if with_loa.undelivered > 0 {
                format!("; {} DLRs lost, see notes", with_loa.undelivered)
            } else {
                String::new()
            }
        ),
        format!(
            "Kannel answering by itself (`sms-service` with a static text as long): {} msg/s \
             ({:.2} s, the median of 3 runs: {spread})",
            rate(alone_rate),
            by_itself.seconds
        ),
        ratio(loa_rate, alone_rate),
    );
    Ok(())
}

/// From the first MO written to fakesmsc until every reply is marked delivered in loa (and every
/// part reached fakesmsc).
fn through_loa(boxes: &Boxes, db: &Db, n: usize) -> Result<Run> {
    let fake = Fake::start(boxes.fake_port, n, 1_000_000)?;
    let limit = Duration::from_secs(60 + n as u64 / 10);
    let delivered = || db.count("SELECT COUNT(*) FROM outbox WHERE status = 'delivered'");
    // fakesmsc draws phones at random, so a phone may send the same text a fourth time within
    // ten minutes: loa's loop guard then holds that reply back (the inbound row says so). The
    // replies to wait for are those queued once every MO is handled.
    let handled = || db.count("SELECT COUNT(*) FROM inbound_messages WHERE status <> 'new'");
    let replies = || db.count("SELECT COUNT(*) FROM outbox");
    // Every reply delivered; or, should a report be lost, every reply sent and no report
    // applied for 3 s (the row then says how many stayed `sent`).
    let (mut last, mut since) = (-1, Instant::now());
    sys::wait_until(limit, "every reply delivered", || {
        if (handled()? as usize) < n {
            return Ok(false);
        }
        let want = replies()?;
        let d = delivered()?;
        if d != last {
            (last, since) = (d, Instant::now());
        }
        if d >= want {
            return Ok(true);
        }
        let settled =
            db.count("SELECT COUNT(*) FROM outbox WHERE status IN ('sent', 'delivered')")?;
        Ok(settled >= want && since.elapsed() > Duration::from_secs(3))
    })?;
    let parts = db.count("SELECT SUM(parts) FROM outbox")? as u64;
    sys::wait_until(Duration::from_secs(20), "every part at fakesmsc", || {
        Ok(fake.mt() >= parts)
    })?;
    let stored = db.count("SELECT COUNT(*) FROM inbound_messages")?;
    ensure!(stored as usize == n, "{stored} MO stored of {n}");
    let last_delivered = db.max_epoch("delivered_at", "FROM outbox")?;
    let end = last_delivered.max(fake.last_mt());
    Ok(Run {
        seconds: end - fake.t0,
        parts,
        mt: fake.mt(),
        undelivered: (replies()? - delivered()?) as u64,
        replies: replies()? as u64,
    })
}

/// From the first MO written until the baseline server has every report of delivery.
fn kannel_alone(ctx: &Ctx, boxes: &Boxes, n: usize, first: usize) -> Result<Run> {
    let stat = |key: &str| -> Result<u64> {
        let (status, body) = sys::http(ctx.baseline_port, "GET", "/stats", &[], "")?;
        ensure!(status == 200, "baseline /stats: {status}");
        let v: serde_json::Value = serde_json::from_str(&body)?;
        v[key]
            .as_u64()
            .with_context(|| format!("no {key} in /stats"))
    };
    let before = stat("delivered")?;
    let fake = Fake::start(boxes.fake_port, n, first)?;
    let limit = Duration::from_secs(60 + n as u64 / 10);
    sys::wait_until(limit, "Kannel's own replies delivered", || {
        Ok(stat("delivered")? - before >= n as u64)
    })?;
    // Parts still on their way after the last report would be counted late; give them a moment.
    std::thread::sleep(Duration::from_millis(300));
    let last_dlr = stat("last_delivered_us")? as f64 / 1e6;
    let end = last_dlr.max(fake.last_mt());
    if fake.mt() < n as u64 {
        bail!("fakesmsc received {} parts for {n} MO", fake.mt());
    }
    Ok(Run {
        seconds: end - fake.t0,
        parts: stat("delivered")? - before,
        mt: fake.mt(),
        undelivered: 0,
        replies: 0,
    })
}
