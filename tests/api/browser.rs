//! The simulator page in a real browser (headless Chromium through chromedriver): Vietnamese
//! drawn whole, and the page telling the truth about duplicates, USSD screens and held messages.
//!
//! Needs `chromium` and `chromedriver` (Debian: `apt-get install chromium chromium-driver`;
//! `.ci/run` installs them). Without them the tests print a loud SKIPPED line, and fail under
//! `CI=true`. `LOA_CHROMEDRIVER` and `LOA_CHROMIUM` point at other binaries. The screenshot of
//! the Vietnamese reply is saved as `target/browser/simulator-vietnamese.png`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::common::{self, TestApp};

/// Every Vietnamese vowel with every tone (and đ), lower and upper case, as a reply carries them.
const VOWELS: &str = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ";

fn every_letter() -> String {
    format!("{VOWELS} {} Đất Số", VOWELS.to_uppercase())
}

fn find_binary(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env).map(PathBuf::from) {
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path).chain([PathBuf::from("/usr/bin")]) {
        for name in names {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// A chromedriver of our own on a free port, stopped when dropped.
pub struct Driver {
    child: Child,
    url: String,
    _profile: tempfile::TempDir,
    chromium: Option<PathBuf>,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The browser, or None (after saying so loudly) when it is not installed; under `CI=true` a
/// missing browser fails the test.
pub async fn driver() -> Option<Driver> {
    let chromedriver = find_binary("LOA_CHROMEDRIVER", &["chromedriver"]);
    let chromium = find_binary(
        "LOA_CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    );
    let Some(chromedriver) = chromedriver.filter(|_| chromium.is_some()) else {
        let msg = "chromium and chromedriver are not installed (apt-get install -y chromium \
                   chromium-driver): the browser tests (simulator page, console) did not run";
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("FAIL: {msg}; CI requires them");
        }
        eprintln!("\n!!! SKIPPED: {msg}. !!!\n");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let url = format!("http://127.0.0.1:{port}");
    let driver = Driver {
        child,
        url,
        _profile: tempfile::tempdir().expect("profile dir"),
        chromium,
    };
    let status = format!("{}/status", driver.url);
    common::eventually(
        Duration::from_secs(20),
        "chromedriver to start",
        async || {
            let ready = reqwest::get(&status).await.map(|r| r.status().is_success());
            common::done_if(matches!(ready, Ok(true)), format!("{ready:?}"))
        },
    )
    .await;
    Some(driver)
}

pub async fn browser(d: &Driver) -> Client {
    let mut options = json!({
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--window-size=900,1000",
            format!("--user-data-dir={}", d._profile.path().display()),
        ],
    });
    if let Some(bin) = &d.chromium {
        options["binary"] = json!(bin.display().to_string());
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&d.url)
        .await
        .expect("browser session")
}

/// Runs `script` in the page until it returns something other than null or false.
async fn until(c: &Client, what: &str, script: &str, args: Vec<Value>) -> Value {
    let shown = common::try_eventually(common::PATIENCE, what, async || {
        let v = c.execute(script, args.clone()).await.expect("script");
        common::done_if(!(v.is_null() || v == json!(false)), v)
    })
    .await;
    match shown {
        Ok(v) => v,
        Err(timed_out) => {
            let screen = c
                .execute(
                    "return document.getElementById('body').textContent;",
                    vec![],
                )
                .await
                .unwrap_or_default();
            panic!("{timed_out}; the page's screen: {screen}");
        }
    }
}

/// A chromedriver extension: one Chrome DevTools Protocol command in the session.
pub async fn cdp(d: &Driver, c: &Client, cmd: &str, params: Value) -> Value {
    let session = c
        .session_id()
        .await
        .expect("session")
        .expect("a session id");
    let res = reqwest::Client::new()
        .post(format!("{}/session/{session}/goog/cdp/execute", d.url))
        .json(&json!({ "cmd": cmd, "params": params }))
        .send()
        .await
        .expect("cdp");
    let v: Value = res.json().await.expect("cdp json");
    v["value"].clone()
}

async fn open_page(c: &Client, t: &TestApp, phone: &str) {
    c.goto(&t.url("/simulator?lang=vi"))
        .await
        .expect("open the page");
    c.execute(
        "const n = document.getElementById('num'); n.value = arguments[0];
         n.dispatchEvent(new Event('input'));",
        vec![json!(phone)],
    )
    .await
    .expect("set the number");
}

fn screenshot_path() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("browser").join("simulator-vietnamese.png")
}

#[tokio::test]
async fn the_phone_screen_draws_every_vietnamese_letter_whole() {
    let Some(d) = driver().await else { return };
    let t = common::spawn().await;
    let c = browser(&d).await;
    let phone = "0912001003";
    let text = every_letter();
    t.broadcast(&[phone], &text, None).await;
    open_page(&c, &t, phone).await;
    until(
        &c,
        "the reply",
        "const tx = [...document.querySelectorAll('#body .msg.in .tx')];
         return tx.some((e) => e.textContent === arguments[0]);",
        vec![json!(text)],
    )
    .await;
    c.execute(
        "const e = [...document.querySelectorAll('#body .msg.in .tx')]
           .find((e) => e.textContent === arguments[0]);
         e.id = 'letters';",
        vec![json!(text)],
    )
    .await
    .expect("mark the reply");

    let shot = c.screenshot().await.expect("screenshot");
    let path = screenshot_path();
    std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
    std::fs::write(&path, shot).expect("save screenshot");
    eprintln!("screenshot of the Vietnamese reply: {}", path.display());

    // The fonts Chromium drew the reply with: one font for every letter, no fallback.
    cdp(&d, &c, "DOM.enable", json!({})).await;
    cdp(&d, &c, "CSS.enable", json!({})).await;
    let root = cdp(&d, &c, "DOM.getDocument", json!({ "depth": 0 })).await;
    let node = cdp(
        &d,
        &c,
        "DOM.querySelector",
        json!({ "nodeId": root["root"]["nodeId"], "selector": "#letters" }),
    )
    .await;
    let fonts = cdp(
        &d,
        &c,
        "CSS.getPlatformFontsForNode",
        json!({ "nodeId": node["nodeId"] }),
    )
    .await;
    let fonts = fonts["fonts"].as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = fonts
        .iter()
        .filter_map(|f| f["familyName"].as_str())
        .collect();
    let glyphs: i64 = fonts.iter().filter_map(|f| f["glyphCount"].as_i64()).sum();
    eprintln!(
        "the phone screen's font: {names:?}, {glyphs} glyphs for {} characters",
        text.chars().count()
    );
    assert_eq!(
        names.len(),
        1,
        "the reply needed fallback fonts, so the first font lacks letters: {fonts:#?}"
    );
    // One glyph per letter: a font lacking "ắ" gets it drawn as "ă" plus a separate acute, the
    // mark beside the letter (DejaVu Sans Mono: 202 glyphs for these 154 characters).
    assert_eq!(
        glyphs as usize,
        text.chars().count(),
        "letters drawn as a base and separate marks: {fonts:#?}"
    );

    // And each letter with a tone is as wide as the letter without it: no mark drawn beside.
    let widths = c
        .execute(
            "const box = document.getElementById('letters');
             const w = (s) => { const e = document.createElement('span'); e.textContent = s;
               box.append(e); const x = e.getBoundingClientRect().width; e.remove(); return x; };
             return [...arguments[0]].map((ch) => {
               const bare = ch.normalize('NFD').replace(/[\\u0300\\u0301\\u0303\\u0309\\u0323]/g, '')
                 .normalize('NFC');
               return [ch, bare, w(ch), w(bare)];
             });",
            vec![json!(VOWELS)],
        )
        .await
        .expect("widths");
    let wider: Vec<&Value> = widths
        .as_array()
        .expect("list")
        .iter()
        .filter(|v| (v[2].as_f64().unwrap_or(0.0) - v[3].as_f64().unwrap_or(0.0)).abs() > 0.01)
        .collect();
    assert!(
        wider.is_empty(),
        "letters drawn wider than without their tone: {wider:?}"
    );
    c.close().await.expect("close");
    t.stop().await;
}

#[tokio::test]
async fn the_page_tells_duplicates_ussd_prompts_and_held_messages_as_they_are() {
    let Some(d) = driver().await else { return };
    let c = browser(&d).await;

    // A repeat of the same text within the window: shown as a duplicate, with why.
    let t = common::spawn().await;
    let phone = "0912001001";
    open_page(&c, &t, phone).await;
    let ed = c.find(Locator::Id("ed")).await.expect("editor");
    ed.send_keys("HD\n").await.expect("type");
    ed.send_keys("HD\n").await.expect("type again");
    let note = until(
        &c,
        "the duplicate",
        "const e = document.querySelector('#body .meta.dup'); return e && e.textContent;",
        vec![],
    )
    .await;
    let want = t.app.services.locales.render(
        "vi",
        &loa::i18n::Msg::new("sim-duplicate").num("seconds", 5),
    );
    assert_eq!(note, json!(want));

    // USSD: a menu that wants a choice does not say "any key"; the closing screen does.
    c.execute("document.getElementById('m-ussd').click();", vec![])
        .await
        .expect("USSD mode");
    let ed = c.find(Locator::Id("ed")).await.expect("editor");
    ed.send_keys("*123#\n").await.expect("dial");
    let menu = until(
        &c,
        "the USSD menu",
        "const b = document.getElementById('body').textContent;
         return b.includes('Bam so') && b;",
        vec![],
    )
    .await;
    assert!(!menu.as_str().unwrap_or("").contains("[any key]"), "{menu}");
    ed.send_keys("0\n").await.expect("exit");
    let bye = until(
        &c,
        "the closing screen",
        "const b = document.getElementById('body').textContent;
         return b.includes('Cam on') && b;",
        vec![],
    )
    .await;
    assert!(bye.as_str().unwrap_or("").contains("[any key]"), "{bye}");
    t.stop().await;

    // Quiet hours now: a bulk message waits, and the page says until when.
    let now = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .time();
    let t = common::spawn_with(|cfg| {
        cfg.quiet_hours.start = now - chrono::TimeDelta::hours(1);
        cfg.quiet_hours.end = now + chrono::TimeDelta::hours(2);
    })
    .await;
    let phone = "0912001002";
    t.broadcast(&[phone], "Hop thon toi nay", Some("notice"))
        .await;
    let got: Value = t
        .client
        .get(t.url("/simulator/api/messages"))
        .query(&[("to", phone), ("lang", "vi")])
        .send()
        .await
        .expect("messages")
        .json()
        .await
        .expect("json");
    let held = got["waiting"][0]["note"].as_str().unwrap_or("").to_string();
    let end = (now + chrono::TimeDelta::hours(2))
        .format("%H:%M")
        .to_string();
    assert!(held.contains(&end), "{got}");
    c.execute("localStorage.clear();", vec![])
        .await
        .expect("reset");
    open_page(&c, &t, phone).await;
    c.execute("document.getElementById('m-sms').click();", vec![])
        .await
        .expect("SMS mode");
    let shown = until(
        &c,
        "the held message",
        "const e = document.querySelector('#body .meta.held'); return e && e.textContent;",
        vec![],
    )
    .await;
    assert_eq!(shown, json!(held));
    c.close().await.expect("close");
    t.stop().await;
}
