//! The console in a real browser (headless Chromium through chromedriver, as `browser.rs`): sign in, upload a spreadsheet and read its report, confirm it, change a support status and see it, and screenshots of the dashboard and a household's page at laptop (1366×768) and phone (390×844) sizes.
//!
//! Without chromium and chromedriver the test prints a loud SKIPPED line (and fails under
//! `CI=true`), as the simulator's browser tests do. Screenshots go to `target/screenshots/`
//! (`CARGO_TARGET_DIR/screenshots/` when that is set); the test prints their paths.

use std::path::PathBuf;

use fantoccini::{Client, Locator};
use serde_json::{json, Value};

use crate::browser::{browser, cdp, driver, Driver};
use crate::common::{self, TestApp, PASSWORD};

fn screenshots_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join("screenshots")
}

/// Waits until `script` returns something other than null or false in the page; on a time-out,
/// fails with the page's text.
async fn until(c: &Client, what: &str, script: &str) -> Value {
    let shown = common::try_eventually(common::PATIENCE, what, async || {
        let v = c.execute(script, vec![]).await.expect("script");
        common::done_if(!(v.is_null() || v == json!(false)), v)
    })
    .await;
    match shown {
        Ok(v) => v,
        Err(timed_out) => {
            let text = c
                .execute("return document.body.innerText;", vec![])
                .await
                .unwrap_or_default();
            panic!("{timed_out}; the page says: {text}");
        }
    }
}

/// The page at `path`, once its `ready` element is there.
async fn open(c: &Client, t: &TestApp, path: &str, ready: &str) {
    c.goto(&t.url(path)).await.expect("open");
    let script = format!("return document.querySelector('{ready}') !== null;");
    until(c, &format!("{path} to show {ready}"), &script).await;
}

/// The viewport as a device of `width`×`height` CSS pixels (a phone: `mobile`, which honours
/// the page's viewport meta tag).
async fn viewport(d: &Driver, c: &Client, width: u32, height: u32, mobile: bool) {
    let metrics =
        json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile });
    cdp(d, c, "Emulation.setDeviceMetricsOverride", metrics).await;
}

async fn screenshot(c: &Client, name: &str) -> PathBuf {
    let png = c.screenshot().await.expect("screenshot");
    let dir = screenshots_dir();
    std::fs::create_dir_all(&dir).expect("screenshots dir");
    let path = dir.join(name);
    std::fs::write(&path, png).expect("save screenshot");
    eprintln!("screenshot: {}", path.display());
    path
}

async fn sign_in(c: &Client, t: &TestApp, username: &str) {
    open(c, t, "/login?lang=en", "#username").await;
    c.find(Locator::Id("username"))
        .await
        .expect("username")
        .send_keys(username)
        .await
        .expect("type");
    c.find(Locator::Id("password"))
        .await
        .expect("password")
        .send_keys(PASSWORD)
        .await
        .expect("type");
    c.find(Locator::Css("form[action='/login'] button"))
        .await
        .expect("button")
        .click()
        .await
        .expect("sign in");
    until(
        c,
        "the dashboard",
        "return document.getElementById('messages') !== null;",
    )
    .await;
}

/// Chooses `file` in the upload form and sends it; waits for the report.
async fn upload(c: &Client, t: &TestApp, file: &std::path::Path) {
    open(c, t, "/console/imports", "#upload").await;
    c.find(Locator::Id("file"))
        .await
        .expect("file field")
        .send_keys(&file.display().to_string())
        .await
        .expect("choose the file");
    c.find(Locator::Css("#upload button"))
        .await
        .expect("check")
        .click()
        .await
        .expect("send");
    until(
        c,
        "the report",
        "return document.getElementById('report') !== null;",
    )
    .await;
}

/// Some traffic, so the dashboard has something to draw: requests and replies, a legal aid
/// request, all delivered.
async fn traffic(t: &TestApp) {
    for phone in ["0912001001", "0912001002", "0912001003"] {
        t.ask(phone, "HD").await;
        t.ask(phone, "TT").await;
    }
    t.ask("0912001001", "TGPL 1").await;
    t.settle_with(common::Settle {
        delivery_reports: true,
        ..Default::default()
    })
    .await;
}

const BAD: &str =
    "Mã hộ,Họ tên chủ hộ,Thôn/bản,Dân tộc,Phân loại hộ,Năm phân loại,Số nhân khẩu,Số điện thoại\n\
                   CG-0401,Hoàng Văn D,B010201,Tày,giàu,2025,4,0912401401\n";
const GOOD: &str =
    "Mã hộ,Họ tên chủ hộ,Thôn/bản,Dân tộc,Phân loại hộ,Năm phân loại,Số nhân khẩu,Số điện thoại\n\
                    CG-0401,Hoàng Văn D,B010201,Tày,nghèo,2025,4,0912401401\n";

#[tokio::test]
async fn an_officer_signs_in_uploads_confirms_changes_a_status_and_the_pages_fit_laptop_and_phone()
{
    let Some(d) = driver().await else { return };
    let t = common::spawn().await;
    traffic(&t).await;
    let c = browser(&d).await;
    viewport(&d, &c, 1366, 768, false).await;
    let officer = t.account(Some("0912009003")).await;
    sign_in(&c, &t, &officer).await;

    // A file with a problem: its report names the row and the column; nothing to confirm.
    let dir = tempfile::tempdir().expect("dir");
    let bad = dir.path().join("ho-gia-dinh-loi.csv");
    std::fs::write(&bad, BAD).expect("write");
    upload(&c, &t, &bad).await;
    let problem = until(
        &c,
        "the problem's row",
        "const td = document.querySelector('#problems tbody td'); return td && td.textContent;",
    )
    .await;
    assert_eq!(problem, json!("2"), "the row as the spreadsheet counts it");
    let confirm = c
        .execute(
            "return document.getElementById('confirm') !== null;",
            vec![],
        )
        .await;
    assert_eq!(confirm.expect("script"), json!(false));

    // The fixed file: checked, then imported on confirmation.
    let good = dir.path().join("ho-gia-dinh.csv");
    std::fs::write(&good, GOOD).expect("write");
    upload(&c, &t, &good).await;
    c.find(Locator::Css("#confirm button"))
        .await
        .expect("confirm")
        .click()
        .await
        .expect("confirm");
    let done = until(
        &c,
        "the import",
        "const e = document.querySelector('#done .note'); return e && e.textContent;",
    )
    .await;
    assert!(
        done.as_str().unwrap_or("").starts_with("Imported: 1 new"),
        "{done}"
    );
    let db = &t.app.services.db;
    let h = loa::features::households::by_code(db, "CG-0401")
        .await
        .expect("db");
    assert!(h.is_some(), "the household is in");

    // A support status: chosen in the record's form, saved, shown, and texted to the household.
    let id = crate::console::record_id(&t, "CG0001|DA1.ND4|").await;
    let before = t.messages(common::DEMO_PHONE).await.len();
    open(
        &c,
        &t,
        "/console/households/CG-0001",
        &format!("#record-{id}"),
    )
    .await;
    c.execute(
        "document.getElementById(arguments[0]).value = 'disbursed';",
        vec![json!(format!("status-{id}"))],
    )
    .await
    .expect("choose");
    c.find(Locator::Css(&format!("#record-{id} form button")))
        .await
        .expect("save")
        .click()
        .await
        .expect("save");
    until(
        &c,
        "the saved note",
        "return document.getElementById('note') !== null;",
    )
    .await;
    let badge = c
        .execute(
            "return document.querySelector('#record-' + arguments[0] + ' .badge').textContent;",
            vec![json!(id)],
        )
        .await
        .expect("badge");
    assert_eq!(badge, json!("paid"));
    t.wait_for_messages(common::DEMO_PHONE, before + 1).await;

    // Screenshots, in Vietnamese (the default), at a laptop's size and a phone's.
    open(&c, &t, "/console?lang=vi", "#messages").await;
    let mut shots = Vec::new();
    for (size, w, h, mobile) in [("laptop", 1366, 768, false), ("phone", 390, 844, true)] {
        viewport(&d, &c, w, h, mobile).await;
        open(&c, &t, "/console", "#messages").await;
        // The page fits the width: no sideways scrolling.
        let wide = c
            .execute(
                "return document.documentElement.scrollWidth <= window.innerWidth;",
                vec![],
            )
            .await
            .expect("width");
        assert_eq!(wide, json!(true), "the dashboard scrolls sideways at {w}px");
        shots.push(screenshot(&c, &format!("dashboard-{size}.png")).await);
        open(&c, &t, "/console/households/CG-0001", "#records").await;
        let wide = c
            .execute(
                "return document.documentElement.scrollWidth <= window.innerWidth;",
                vec![],
            )
            .await
            .expect("width");
        assert_eq!(
            wide,
            json!(true),
            "the household page scrolls sideways at {w}px"
        );
        shots.push(screenshot(&c, &format!("household-{size}.png")).await);
    }
    // The narrowest phones (360 px): the nav wraps; no link is cut off or scrolled to.
    viewport(&d, &c, 360, 740, true).await;
    open(&c, &t, "/console/households/CG-0001", "#records").await;
    let nav = c
        .execute(
            "const m = document.querySelector('.menu');
             const out = [...m.querySelectorAll('a')]
               .filter((a) => { const r = a.getBoundingClientRect();
                                return r.left < 0 || r.right > window.innerWidth; })
               .map((a) => a.textContent);
             return { overflow: m.scrollWidth > m.clientWidth, out,
                      page: document.documentElement.scrollWidth > window.innerWidth,
                      links: m.querySelectorAll('a').length };",
            vec![],
        )
        .await
        .expect("nav");
    assert_eq!(
        nav["overflow"],
        json!(false),
        "the nav scrolls sideways: {nav}"
    );
    assert_eq!(nav["out"], json!([]), "nav links outside the screen: {nav}");
    assert_eq!(
        nav["page"],
        json!(false),
        "the page scrolls sideways: {nav}"
    );
    assert!(nav["links"].as_u64() > Some(4), "the officer's nav: {nav}");
    // A phone's touch targets: the nav links and the form's controls are at least 44 px tall.
    let small = c
        .execute(
            "return [...document.querySelectorAll('.menu a, #records select, #records button')]
               .filter((e) => e.getBoundingClientRect().height < 44)
               .map((e) => e.outerHTML.slice(0, 80));",
            vec![],
        )
        .await
        .expect("targets");
    assert_eq!(small, json!([]), "touch targets under 44 px");
    for s in &shots {
        assert!(
            std::fs::metadata(s).expect("saved").len() > 10_000,
            "{}",
            s.display()
        );
    }
    c.close().await.expect("close");
    t.stop().await;
}

#[tokio::test]
async fn an_officer_composes_a_notice_sees_its_preview_sends_it_and_a_phone_receives_it() {
    let Some(d) = driver().await else { return };
    let t = common::spawn().await;
    let c = browser(&d).await;
    viewport(&d, &c, 1366, 768, false).await;
    let officer = t.account(Some("0912009003")).await;
    sign_in(&c, &t, &officer).await;
    let text = "Họp thôn lúc 8 giờ sáng thứ Bảy tại nhà văn hóa.";

    open(&c, &t, "/console/notices", "#compose").await;
    c.find(Locator::Id("text"))
        .await
        .expect("text field")
        .send_keys(text)
        .await
        .expect("type");
    c.find(Locator::Id("preview-button"))
        .await
        .expect("preview")
        .click()
        .await
        .expect("preview");
    let shown = until(
        &c,
        "the preview",
        "const f = (id) => { const e = document.getElementById(id); return e && e.textContent; };
         const r = f('preview-recipients');
         return r && [r, f('preview-parts'), f('preview-cost')];",
    )
    .await;
    // The demo's officer reaches 5 household phones, one part each; the demo's gateways have
    // no price, so the cost is 0.
    assert_eq!(shown, json!(["5", "5", "0 ₫"]));
    let kept = c
        .execute("return document.getElementById('text').value;", vec![])
        .await
        .expect("text");
    assert_eq!(kept, json!(text), "the text is kept under the preview");

    c.find(Locator::Id("send-button"))
        .await
        .expect("send")
        .click()
        .await
        .expect("send");
    until(
        &c,
        "the notice's page",
        "return document.getElementById('figures') !== null;",
    )
    .await;

    // The simulated phone of one recipient shows it arriving.
    c.goto(&t.url("/simulator?lang=en"))
        .await
        .expect("simulator");
    c.execute(
        "const n = document.getElementById('num'); n.value = arguments[0];
         n.dispatchEvent(new Event('input'));",
        vec![json!("0912001002")],
    )
    .await
    .expect("the number");
    let script = format!(
        "return [...document.querySelectorAll('#body .msg.in .tx')].some((e) => e.textContent === {});",
        json!(text)
    );
    until(&c, "the notice on the phone", &script).await;
    c.close().await.expect("close");
    t.stop().await;
}

#[tokio::test]
async fn the_notice_preview_follows_the_form_as_it_is_typed_without_submitting() {
    let Some(d) = driver().await else { return };
    let t = common::spawn().await;
    let c = browser(&d).await;
    viewport(&d, &c, 1366, 768, false).await;
    let officer = t.account(Some("0912009003")).await;
    sign_in(&c, &t, &officer).await;
    open(&c, &t, "/console/notices", "#compose").await;
    // A mark on this page: a submit would load a new page without it.
    c.execute("window.stayed = true;", vec![])
        .await
        .expect("mark");
    let hidden = c
        .execute("return document.getElementById('preview').hidden;", vec![])
        .await
        .expect("hidden");
    assert_eq!(hidden, json!(true), "no figures before anything is typed");

    c.find(Locator::Id("text"))
        .await
        .expect("text field")
        .send_keys("Họp thôn lúc 8 giờ sáng thứ Bảy.")
        .await
        .expect("type");
    let figures = "const f = (id) => document.getElementById(id).textContent;
         return !document.getElementById('preview').hidden && window.stayed === true
           && [f('preview-recipients'), f('preview-parts'), f('preview-cost')];";
    let shown = until(&c, "the live figures", figures).await;
    assert_eq!(shown, json!(["5", "5", "0 ₫"]));
    let send_hidden = "return document.getElementById('send-button').hidden;";
    let hidden = c.execute(send_hidden, vec![]).await.expect("send");
    assert_eq!(
        hidden,
        json!(false),
        "live figures reveal 'Confirm and send'"
    );

    // Only poor households: the figures follow the tick.
    c.find(Locator::Css("#more > summary"))
        .await
        .expect("more")
        .click()
        .await
        .expect("open");
    c.find(Locator::Css("input[name='poverty'][value='poor']"))
        .await
        .expect("poor")
        .click()
        .await
        .expect("tick");
    let script = format!(
        "const r = document.getElementById('preview-recipients').textContent;
         return r === '3' && window.stayed === true && {figures_fn};",
        figures_fn = "[r, document.getElementById('preview-parts').textContent]"
    );
    let shown = until(&c, "the figures of poor households", &script).await;
    assert_eq!(shown, json!(["3", "3"]));

    // An area outside the officer's: what to fix, no figures.
    c.find(Locator::Id("areas"))
        .await
        .expect("areas")
        .send_keys("B010301")
        .await
        .expect("type");
    let problem = until(
        &c,
        "the problem",
        "const p = document.getElementById('preview-problem');
         return !p.hidden && window.stayed === true && p.textContent;",
    )
    .await;
    assert_eq!(problem, json!("Area B010301 is not one of your areas."));
    let recipients = c
        .execute(
            "return document.getElementById('preview-recipients').textContent;",
            vec![],
        )
        .await
        .expect("recipients");
    assert_eq!(recipients, json!("–"));
    let hidden = c.execute(send_hidden, vec![]).await.expect("send");
    assert_eq!(
        hidden,
        json!(true),
        "nothing to confirm while the form is refused"
    );
    c.close().await.expect("close");
    t.stop().await;
}

#[tokio::test]
async fn an_officer_creates_and_starts_a_campaign_on_a_phone() {
    let Some(d) = driver().await else { return };
    let t = common::spawn().await;
    let c = browser(&d).await;
    viewport(&d, &c, 390, 844, true).await;
    let officer = t.account(Some("0912009003")).await;
    sign_in(&c, &t, &officer).await;
    open(&c, &t, "/console/campaigns", "#campaign-form").await;
    for (id, text) in [
        ("name", "Phòng chống tảo hôn"),
        ("step-day-1", "0"),
        ("step-text-1", "Chào bà con, tuần này nói về tảo hôn."),
        ("step-day-2", "3"),
        ("step-text-2", "Tảo hôn là vi phạm pháp luật."),
    ] {
        c.find(Locator::Id(id))
            .await
            .expect(id)
            .send_keys(text)
            .await
            .expect("type");
    }
    c.find(Locator::Id("create-button"))
        .await
        .expect("create")
        .click()
        .await
        .expect("create");
    until(
        &c,
        "the campaign's page",
        "return document.getElementById('start-button') !== null;",
    )
    .await;
    let wide = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            vec![],
        )
        .await
        .expect("width");
    assert_eq!(wide, json!(true), "the campaign page scrolls sideways");
    c.find(Locator::Id("start-button"))
        .await
        .expect("start")
        .click()
        .await
        .expect("start");
    let status = until(
        &c,
        "the running campaign",
        "return document.getElementById('pause-button') !== null
           && document.getElementById('status').textContent;",
    )
    .await;
    assert_eq!(status, json!("Running"));
    let steps = c
        .execute(
            "return document.querySelectorAll('#steps tbody tr').length;",
            vec![],
        )
        .await
        .expect("steps");
    assert_eq!(steps, json!(2));
    c.close().await.expect("close");
    t.stop().await;
}

/// Types `text` into the field `id`.
async fn type_in(c: &Client, id: &str, text: &str) {
    c.find(Locator::Id(id))
        .await
        .expect(id)
        .send_keys(text)
        .await
        .expect("type");
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .expect(css)
        .click()
        .await
        .expect("click");
}

#[tokio::test]
async fn an_officer_on_a_phone_sees_the_campaign_preview_follow_the_quiz_and_creates_it() {
    let Some(d) = driver().await else { return };
    let t = common::spawn().await;
    let c = browser(&d).await;
    viewport(&d, &c, 390, 844, true).await;
    let officer = t.account(Some("0912009003")).await;
    sign_in(&c, &t, &officer).await;
    open(&c, &t, "/console/campaigns", "#campaign-form").await;
    c.execute("window.stayed = true;", vec![])
        .await
        .expect("mark");
    type_in(&c, "name", "Đố vui pháp luật").await;
    click(&c, "input[name='source'][value='quiz']").await;
    type_in(&c, "step-text-1", "Tuoi ket hon cua nu? A. 16 B. 18 C. 20").await;
    click(&c, "#step-answer-1 option[value='B']").await;
    // A date field takes keys by the browser's locale: set as the picker would.
    c.execute(
        "const f = document.getElementById('closes');
         f.value = '2099-01-01T08:00';
         f.dispatchEvent(new Event('change', { bubbles: true }));",
        vec![],
    )
    .await
    .expect("closes");
    let figures = |parts: &str| {
        format!(
            "const f = (id) => document.getElementById(id).textContent;
             return !document.getElementById('preview').hidden && window.stayed === true
               && f('preview-parts') === '{parts}' && [f('preview-recipients'), f('preview-each')];"
        )
    };
    let shown = until(&c, "the quiz's live figures", &figures("5")).await;
    assert_eq!(shown[0], json!("5"), "the commune's household phones");
    // A second question: the figures follow, and the page was never submitted.
    type_in(&c, "step-day-2", "1").await;
    type_in(&c, "step-text-2", "Tuoi ket hon cua nam? A. 18 B. 19 C. 20").await;
    click(&c, "#step-answer-2 option[value='C']").await;
    let shown = until(&c, "two questions' figures", &figures("10")).await;
    let each = shown[1].as_str().expect("each");
    assert!(
        each.contains("Day 0: ") && each.contains("Day 1: "),
        "{each}"
    );
    let wide = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            vec![],
        )
        .await
        .expect("width");
    assert_eq!(wide, json!(true), "the campaign form scrolls sideways");
    click(&c, "#create-button").await;
    let answers = until(
        &c,
        "the quiz's page",
        "return document.getElementById('results') !== null
           && [...document.querySelectorAll('#steps tbody tr td:last-child')].map(td => td.textContent);",
    )
    .await;
    assert_eq!(answers, json!(["B", "C"]));
    c.close().await.expect("close");
    t.stop().await;
}
