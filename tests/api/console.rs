//! The console's pages over real HTTP: what each shows, and to whom. The authorization matrix of every page × role × place is in `authz.rs`; browser tests in `console_browser.rs`.

use loa::features::accounts;
use loa::features::staff::Role;

use crate::common::{self, TestApp, PASSWORD};

/// A signed-in browser without a browser: its session cookie and CSRF token, in English or
/// Vietnamese.
pub struct Page {
    pub cookie: String,
    pub csrf: String,
    client: reqwest::Client,
}

impl Page {
    /// Signs `username` in.
    pub async fn sign_in(t: &TestApp, username: &str, lang: &str) -> Page {
        let (cookie, csrf) = crate::accounts::sign_in(t, username, PASSWORD).await;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Page {
            cookie: format!("{cookie}; loa_lang={lang}"),
            csrf,
            client,
        }
    }

    /// Signs in the account of staff member `phone` (an admin for None).
    pub async fn of(t: &TestApp, phone: Option<&str>) -> Page {
        let username = t.account(phone).await;
        Page::sign_in(t, &username, "en").await
    }

    /// A monitor's account (no staff row) signed in.
    pub async fn monitor(t: &TestApp) -> Page {
        let username = format!("m{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
        let new = accounts::NewAccount {
            username: &username,
            password: PASSWORD,
            staff_id: None,
            role: Some(Role::Monitor),
        };
        accounts::add(&t.app.services.db, &new)
            .await
            .expect("monitor");
        Page::sign_in(t, &username, "en").await
    }

    /// GET: status and body.
    pub async fn get(&self, t: &TestApp, path: &str) -> (u16, String) {
        let res = self
            .client
            .get(t.url(path))
            .header("cookie", &self.cookie)
            .send()
            .await
            .expect("get");
        (res.status().as_u16(), res.text().await.expect("body"))
    }

    /// POST of a form: status, `Location` (on a redirect) and body.
    pub async fn post(
        &self,
        t: &TestApp,
        path: &str,
        form: &[(&str, &str)],
    ) -> (u16, String, String) {
        let res = self
            .client
            .post(t.url(path))
            .header("cookie", &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(form).expect("form"))
            .send()
            .await
            .expect("post");
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        (status, location, res.text().await.expect("body"))
    }
}

impl Page {
    /// POST of a `multipart/form-data` form (`fields`, then a file field `file` when given):
    /// status, `Location` and body.
    pub async fn upload(
        &self,
        t: &TestApp,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
    ) -> (u16, String, String) {
        let boundary = format!("loa{}", uuid::Uuid::new_v4().simple());
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\ncontent-disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some((name, bytes)) = file {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"{name}\"\r\ncontent-type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let res = self
            .client
            .post(t.url(path))
            .header("cookie", &self.cookie)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .expect("upload");
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        (status, location, res.text().await.expect("body"))
    }
}

/// The id of the support record whose key starts with `prefix` (household|content|…).
pub async fn record_id(t: &TestApp, prefix: &str) -> i64 {
    loa::with_db!(&t.app.services.db, pool => sqlx::query_scalar(
        "SELECT id FROM support_records WHERE record_key LIKE $1"
    ).bind(format!("{prefix}%")).fetch_one(pool).await)
    .expect("record")
}

/// The number in `confirm`'s form action (`/console/imports/{id}/confirm`).
fn confirm_id(html: &str) -> String {
    html.split("action=\"/console/imports/")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .expect("a confirm form")
        .to_string()
}

/// Every household phone loa knows, as E.164 and as written nationally.
pub async fn every_phone_spelling(t: &TestApp) -> Vec<String> {
    let phones: Vec<String> = loa::with_db!(&t.app.services.db, pool => sqlx::query_scalar(
        "SELECT msisdn FROM contacts"
    ).fetch_all(pool).await)
    .expect("phones");
    phones
        .into_iter()
        .flat_map(|p| {
            let national = format!("0{}", p.trim_start_matches("+84"));
            [p, national]
        })
        .collect()
}

#[tokio::test]
async fn the_dashboard_counts_messages_replies_and_requests_without_personal_data() {
    let t = common::spawn().await;
    t.ask(common::DEMO_PHONE, "HD").await;
    t.ask(common::DEMO_PHONE, "TGPL 1").await;
    t.settle_with(common::Settle {
        delivery_reports: true,
        ..Default::default()
    })
    .await;
    let sent = common::count(
        &t.app,
        "SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL",
    )
    .await;
    let delivered = common::count(
        &t.app,
        "SELECT COUNT(*) FROM outbox WHERE status = 'delivered'",
    )
    .await;
    assert!(
        sent >= 2 && delivered == sent,
        "{sent} sent, {delivered} delivered"
    );
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .format("%d")
        .to_string();

    let monitor = Page::monitor(&t).await;
    let (status, html) = monitor.get(&t, "/console").await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains(&format!("<title>{today}: sent {sent}</title>")),
        "{html}"
    );
    assert!(
        html.contains(&format!("<title>{today}: delivered {delivered}</title>")),
        "{html}"
    );
    assert!(
        html.contains(&format!("<strong>{sent}</strong>sent")),
        "{html}"
    );
    assert!(html.contains("<strong>0</strong>failed"), "{html}");
    // Two SMS, two replies: their times are counted.
    assert!(html.contains("<strong>2</strong>replies"), "{html}");
    // The request from Cẩm Giàng, by commune name, still open.
    assert!(html.contains("<title>Cẩm Giàng: open 1</title>"), "{html}");
    for phone in every_phone_spelling(&t).await {
        assert!(!html.contains(&phone), "the dashboard shows {phone}");
    }

    // A village health worker sees the message figures, not the requests.
    let worker = Page::of(&t, Some("0912009001")).await;
    let (status, html) = worker.get(&t, "/console").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!("<title>{today}: sent {sent}</title>")),
        "{html}"
    );
    assert!(!html.contains("id=\"requests\""), "{html}");

    // The legal aid officer of the province sees the request; in Vietnamese by default.
    let username = t.account(Some("0912009004")).await;
    let officer = Page::sign_in(&t, &username, "vi").await;
    let (_, html) = officer.get(&t, "/console").await;
    assert!(
        html.contains("<title>Cẩm Giàng: đang xử lý 1</title>"),
        "{html}"
    );
    assert!(html.contains("Tổng quan"), "{html}");
    t.stop().await;
}

#[tokio::test]
async fn households_are_listed_in_the_officers_villages_and_found_by_code() {
    let t = common::spawn().await;
    let officer = Page::of(&t, Some("0912009003")).await;
    let (status, html) = officer.get(&t, "/console/households").await;
    assert_eq!(status, 200, "{html}");
    for code in ["CG-0001", "CG-0002", "CG-0003", "CG-0004"] {
        assert!(html.contains(code), "{code} listed: {html}");
    }
    assert!(
        !html.contains("VT-0001"),
        "another commune's household: {html}"
    );
    let (_, html) = officer.get(&t, "/console/households?q=cg+0002").await;
    assert!(
        html.contains("CG-0002") && !html.contains("CG-0001"),
        "{html}"
    );
    let (_, html) = officer.get(&t, "/console/households?village=B010202").await;
    assert!(
        html.contains("CG-0003") && !html.contains("CG-0002"),
        "{html}"
    );
    // A village outside the officer's communes is not there.
    let (status, _) = officer.get(&t, "/console/households?village=B010301").await;
    assert_eq!(status, 404);
    // The list shows no phone (those are on a household's page, audited).
    for phone in every_phone_spelling(&t).await {
        assert!(!html.contains(&phone), "the list shows {phone}");
    }
    let admin = Page::of(&t, None).await;
    let (_, html) = admin.get(&t, "/console/households").await;
    assert!(
        html.contains("VT-0001") && html.contains("CG-0001"),
        "{html}"
    );
    t.stop().await;
}

#[tokio::test]
async fn a_household_page_shows_its_phones_audited_and_its_records() {
    let t = common::spawn().await;
    let officer = Page::of(&t, Some("0912009003")).await;
    let (status, html) = officer.get(&t, "/console/households/cg-0002").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Nông Thị Mai"), "{html}");
    assert!(
        html.contains("<li>0912001002</li>") && html.contains("<li>0388001002</li>"),
        "{html}"
    );
    assert!(
        html.contains("Forest contract <span class=\"badge warn\">in progress</span>"),
        "{html}"
    );
    let f = loa::features::audit::Filter {
        subject_kind: Some("household_phones"),
        subject_id: Some("CG-0002"),
        limit: 10,
        ..Default::default()
    };
    let lines = loa::features::audit::list(&t.app.services.db, &f)
        .await
        .expect("audit");
    assert_eq!(lines.len(), 1, "one audited read: {lines:?}");
    assert_eq!(lines[0].action, "read");
    let (status, _) = officer.get(&t, "/console/households/VT-0001").await;
    assert_eq!(status, 404);
    t.stop().await;
}

#[tokio::test]
async fn a_status_change_is_made_announced_and_refused_with_what_to_fix() {
    let t = common::spawn().await;
    let officer = Page::of(&t, Some("0912009003")).await;
    let id = record_id(&t, "CG0001|DA1.ND4|").await;
    let path = format!("/console/households/CG-0001/records/{id}/status");
    let before = t.messages(common::DEMO_PHONE).await.len();

    // Without the form's token: refused, nothing moved.
    let (status, _, _) = officer.post(&t, &path, &[("status", "disbursed")]).await;
    assert_eq!(status, 403);
    // A rejection without a reason: the page again, the choice kept, the fix by the field.
    let csrf = officer.csrf.clone();
    let (status, _, html) = officer
        .post(
            &t,
            &path,
            &[("csrf", &csrf), ("status", "rejected"), ("reason", " ")],
        )
        .await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("value=\"rejected\" selected"), "{html}");
    assert!(
        html.contains(&format!("id=\"reason-{id}-error\"")),
        "{html}"
    );
    assert!(
        html.contains("Write the reason for the rejection"),
        "{html}"
    );
    // Backwards: the machine says no, next to the status.
    let (status, _, html) = officer
        .post(
            &t,
            &path,
            &[
                ("csrf", &csrf),
                ("status", "registered"),
                ("reason", "typed"),
            ],
        )
        .await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("cannot become registered"), "{html}");
    assert!(
        html.contains("value=\"typed\""),
        "what was typed is kept: {html}"
    );

    let (status, location, _) = officer
        .post(
            &t,
            &path,
            &[("csrf", &csrf), ("status", "disbursed"), ("reason", "")],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        location,
        format!("/console/households/CG-0001?changed={id}&queued=1")
    );
    let (_, html) = officer.get(&t, &location).await;
    assert!(html.contains("is now paid. 1 SMS was queued"), "{html}");
    let got = t.wait_for_messages(common::DEMO_PHONE, before + 1).await;
    let sms = got[before]["text"].as_str().unwrap_or("").to_string();
    assert!(sms.contains("CG-0001"), "{sms}");
    let history = loa::features::support::history(&t.app.services.db, id)
        .await
        .expect("history");
    let last = history.last().expect("history row");
    assert_eq!(last.to_status, "disbursed");
    assert!(last.changed_by.starts_with("staff:"), "{last:?}");
    t.stop().await;
}

const GOOD: &str =
    "Mã hộ,Họ tên chủ hộ,Thôn/bản,Dân tộc,Phân loại hộ,Năm phân loại,Số nhân khẩu,Số điện thoại\n\
                    CG-0301,Hoàng Văn A,B010201,Tày,nghèo,2025,4,0912301301\n";
const BAD: &str =
    "Mã hộ,Họ tên chủ hộ,Thôn/bản,Dân tộc,Phân loại hộ,Năm phân loại,Số nhân khẩu,Số điện thoại\n\
                   CG-0302,Hoàng Văn B,B010201,Tày,giàu,2025,4,0912301302\n\
                   VT-0302,Lường Văn C,B010301,Tày,nghèo,2025,4,0912301303\n";

#[tokio::test]
async fn an_upload_is_checked_reported_and_imported_once_confirmed() {
    let t = common::spawn().await;
    let officer = Page::of(&t, Some("0912009003")).await;
    let csrf = officer.csrf.clone();
    let (status, html) = officer.get(&t, "/console/imports").await;
    assert_eq!(status, 200, "{html}");

    // A file with problems: the report by row and column, nothing written, no confirm.
    let fields = [("csrf", csrf.as_str()), ("kind", "households")];
    let (status, _, html) = officer
        .upload(
            &t,
            "/console/imports/check",
            &fields,
            Some(("ho.csv", BAD.as_bytes())),
        )
        .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("id=\"problems\""), "{html}");
    assert!(
        html.contains(">2</td>") && html.contains(">3</td>"),
        "rows 2 and 3: {html}"
    );
    assert!(
        html.contains("B010301"),
        "the row outside the officer's areas: {html}"
    );
    assert!(!html.contains("id=\"confirm\""), "{html}");
    assert!(
        html.contains("value=\"households\" selected"),
        "the kind is kept: {html}"
    );
    // No file, or a file of another type: said next to the field.
    let (status, _, html) = officer
        .upload(&t, "/console/imports/check", &fields, None)
        .await;
    assert_eq!(status, 400);
    assert!(html.contains("id=\"file-error\">Choose a file."), "{html}");
    let (status, _, html) = officer
        .upload(
            &t,
            "/console/imports/check",
            &fields,
            Some(("ho.pdf", b"%PDF")),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        html.contains("Give a .csv, .txt (Unicode text from Excel), .xlsx or .ods file."),
        "{html}"
    );
    // Without the token: refused before anything is read or kept.
    let (status, _, _) = officer
        .upload(
            &t,
            "/console/imports/check",
            &[("kind", "households")],
            Some(("ho.csv", GOOD.as_bytes())),
        )
        .await;
    assert_eq!(status, 403);

    let (status, _, html) = officer
        .upload(
            &t,
            "/console/imports/check",
            &fields,
            Some(("ho.csv", GOOD.as_bytes())),
        )
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<strong>1</strong>new"), "{html}");
    let id = confirm_id(&html);
    let db = &t.app.services.db;
    assert!(loa::features::households::by_code(db, "CG-0301")
        .await
        .expect("db")
        .is_none());

    // Someone else cannot confirm it (an admin either); without the token nobody can.
    let other = Page::of(&t, None).await;
    let confirm = format!("/console/imports/{id}/confirm");
    let (status, _, _) = other.post(&t, &confirm, &[("csrf", &other.csrf)]).await;
    assert_eq!(status, 404);
    let (status, _, _) = officer.post(&t, &confirm, &[]).await;
    assert_eq!(status, 403);

    let (status, _, html) = officer.post(&t, &confirm, &[("csrf", &csrf)]).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("Imported: 1 new, 0 changed, 0 unchanged."),
        "{html}"
    );
    let h = loa::features::households::by_code(db, "CG-0301")
        .await
        .expect("db");
    assert!(h.is_some(), "imported");
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM import_uploads").await,
        0
    );
    // Confirming twice imports nothing twice.
    let (status, _, html) = officer.post(&t, &confirm, &[("csrf", &csrf)]).await;
    assert_eq!(status, 404);
    assert!(html.contains("Upload the file again"), "{html}");
    t.stop().await;
}

#[tokio::test]
async fn contacts_show_the_officers_phones_with_their_consent_and_reading_them_is_audited() {
    let t = common::spawn().await;
    t.ask("0912001003", "HUY").await;
    let officer = Page::of(&t, Some("0912009003")).await;
    let (status, html) = officer.get(&t, "/console/contacts").await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("<td data-label=\"Phone\">0912001001</td>"),
        "{html}"
    );
    assert!(
        !html.contains("0912002001"),
        "a phone of Vĩnh Thông: {html}"
    );
    let row = html
        .split("<tr>")
        .find(|r| r.contains("0912001003"))
        .expect("the opted-out phone's row");
    assert!(
        row.contains("opted out of everything") && row.contains("CG-0003"),
        "{row}"
    );
    let row = html
        .split("<tr>")
        .find(|r| r.contains("0912001001"))
        .expect("row");
    assert!(row.contains("receives every message"), "{row}");
    let (_, html) = officer.get(&t, "/console/contacts?q=0912+001+002").await;
    assert!(
        html.contains("0912001002") && !html.contains("0912001001"),
        "{html}"
    );
    let f = loa::features::audit::Filter {
        subject_kind: Some("household_phones"),
        limit: 10,
        ..Default::default()
    };
    let lines = loa::features::audit::list(&t.app.services.db, &f)
        .await
        .expect("audit");
    let reads = lines
        .iter()
        .filter(|l| l.action == "list" && l.detail.as_deref().unwrap_or("").contains("contacts"))
        .count();
    assert_eq!(reads, 2, "each page read is audited: {lines:?}");

    // An admin sees every contact; a role without households, none (403).
    let admin = Page::of(&t, None).await;
    let (_, html) = admin.get(&t, "/console/contacts").await;
    assert!(
        html.contains("0912002001") && html.contains("0912001001"),
        "{html}"
    );
    let (status, _) = Page::monitor(&t).await.get(&t, "/console/contacts").await;
    assert_eq!(status, 403);
    t.stop().await;
}

#[tokio::test]
async fn gateways_show_their_state_to_every_role_and_the_audit_log_to_admins() {
    let t = common::spawn().await;
    let worker = Page::of(&t, Some("0912009001")).await;
    let (status, html) = worker.get(&t, "/console/gateways").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("id=\"gateway-simulator\""), "{html}");
    assert!(html.contains("badge good\">working"), "{html}");
    assert!(html.contains("Simulator mode"), "{html}");
    let (status, _) = worker.get(&t, "/console/audit").await;
    assert_eq!(status, 403);

    // Sixty reads of a household: a first page of fifty, then the rest.
    let officer = Page::of(&t, Some("0912009003")).await;
    for _ in 0..60 {
        officer.get(&t, "/console/households/CG-0001").await;
    }
    let admin = Page::of(&t, None).await;
    let (status, html) = admin.get(&t, "/console/audit?kind=household_phones").await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(
        html.matches("<td data-label=\"Record\">CG-0001</td>")
            .count(),
        50,
        "{html}"
    );
    let older = html
        .split("href=\"")
        .find(|p| p.starts_with("/console/audit?"))
        .and_then(|p| p.split('"').next())
        .expect("a link to older lines")
        .replace("&#38;", "&");
    let (_, html) = admin.get(&t, &older).await;
    assert_eq!(
        html.matches("<td data-label=\"Record\">CG-0001</td>")
            .count(),
        10,
        "{html}"
    );
    assert!(!html.contains("rel=\"next\""), "{html}");
    t.stop().await;
}

#[tokio::test]
async fn a_notice_is_refused_with_what_to_fix_previewed_as_the_api_does_sent_and_arrives() {
    use crate::notices::{post as api_post, priced_gateways, staff_id, OFFICER, TOKEN};
    let dir = priced_gateways();
    let gateway_dir = dir.path().to_path_buf();
    let t = common::spawn_with(move |c| {
        c.api_token = Some(TOKEN.into());
        c.gateway_dir = gateway_dir;
    })
    .await;
    let officer = Page::of(&t, Some(OFFICER)).await;
    let csrf = officer.csrf.clone();
    let text = "Họp thôn lúc 8 giờ sáng thứ Bảy tại nhà văn hóa.";

    // Without the form's token: refused.
    let form = [("areas", ""), ("text", text), ("action", "preview")];
    let (status, _, _) = officer.post(&t, "/console/notices", &form).await;
    assert_eq!(status, 403);
    // An area outside the officer's and no text: both said by their fields, the areas kept.
    let (status, _, html) = officer
        .post(
            &t,
            "/console/notices",
            &[
                ("csrf", &csrf),
                ("areas", "B010301"),
                ("text", " "),
                ("action", "send"),
            ],
        )
        .await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("id=\"areas-error\""), "{html}");
    assert!(
        html.contains("Area B010301 is not one of your areas"),
        "{html}"
    );
    assert!(html.contains("id=\"text-error\""), "{html}");
    assert!(html.contains("value=\"B010301\""), "{html}");
    // "Confirm and send" waits, hidden, for figures (the live preview's or a Preview's).
    assert!(
        html.contains("id=\"send-button\" data-preview-confirm hidden"),
        "{html}"
    );

    // The preview shows the API's figures for the same text and audience.
    let (s, b) = api_post(
        &t,
        "/api/v1/notices",
        staff_id(&t, OFFICER).await,
        serde_json::json!({ "text": text }),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let p = &b["preview"];
    assert_eq!(
        (p["recipients"].as_i64(), p["cost"].as_i64()),
        (Some(5), Some(1200))
    );
    let form = [
        ("csrf", csrf.as_str()),
        ("areas", ""),
        ("text", text),
        ("action", "preview"),
    ];
    let (status, _, html) = officer.post(&t, "/console/notices", &form).await;
    assert_eq!(status, 200, "{html}");
    for (id, value) in [
        ("preview-recipients", format!("{}", p["recipients"])),
        ("preview-parts", format!("{}", p["total_parts"])),
        ("preview-cost", "1,200 ₫".to_string()),
    ] {
        assert!(
            html.contains(&format!("id=\"{id}\">{value}<")),
            "{id} {value}: {html}"
        );
    }
    assert!(html.contains(text), "the text is kept: {html}");
    assert!(
        html.contains("id=\"send-button\" data-preview-confirm >"),
        "{html}"
    );

    // Confirmed: sent, and the household phones get it.
    let form = [
        ("csrf", csrf.as_str()),
        ("areas", ""),
        ("text", text),
        ("action", "send"),
    ];
    let (status, location, _) = officer.post(&t, "/console/notices", &form).await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/console/notices/"), "{location}");
    let got = t.wait_for_messages("0912001002", 1).await;
    assert_eq!(got[0]["text"], text);
    t.settle().await;
    let (status, html) = officer.get(&t, &location).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Sent out"), "{html}");
    let (status, html) = officer.get(&t, "/console/notices").await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("href=\"{location}\"")), "{html}");
    t.stop().await;
}

#[tokio::test]
async fn the_legal_aid_queue_lists_the_provinces_requests_reads_are_audited_and_status_moves() {
    // With a legal aid officer of another province (0912009005).
    let t = crate::legal_aid::spawn().await;
    t.ask("0912001001", "TGPL 3 chong toi danh toi moi dem")
        .await;
    let db = &t.app.services.db;
    let all = loa::features::legal_aid::list(db, &Default::default())
        .await
        .expect("list");
    let reference = all[0].reference.clone();
    let officer = Page::of(&t, Some("0912009004")).await;
    let elsewhere = Page::of(&t, Some("0912009005")).await;

    let (status, html) = officer.get(&t, "/console/legal-aid").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(&reference), "{html}");
    assert!(html.contains("Domestic violence"), "{html}");
    let (_, html) = elsewhere.get(&t, "/console/legal-aid").await;
    assert!(
        !html.contains(&reference),
        "another province's officer: {html}"
    );
    let path = format!("/console/legal-aid/{reference}");
    let (status, _) = elsewhere.get(&t, &path).await;
    assert_eq!(status, 404);

    let before = reads(&t, &reference).await;
    let (status, html) = officer.get(&t, &path).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("chong toi danh toi moi dem"), "{html}");
    assert_eq!(
        reads(&t, &reference).await,
        before + 1,
        "the read is audited"
    );

    // Not yet assigned: only withdrawing; the refusal says so by the field, the choice kept.
    let csrf = officer.csrf.clone();
    let form = [("csrf", csrf.as_str()), ("status", "contacted")];
    let (status, _, html) = officer.post(&t, &format!("{path}/status"), &form).await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("id=\"status-error\""), "{html}");
    assert!(html.contains("value=\"contacted\" selected"), "{html}");
    let (status, _, _) = officer
        .post(&t, &format!("{path}/status"), &[("status", "withdrawn")])
        .await;
    assert_eq!(status, 403, "without the form's token");
    // Assigned from the page: a choice that is no officer is refused by the field; then the
    // officer himself, and contacting is allowed.
    let form = [("csrf", csrf.as_str()), ("officer", "")];
    let (status, _, html) = officer.post(&t, &format!("{path}/assign"), &form).await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("id=\"assign-error\""), "{html}");
    let me = crate::notices::staff_id(&t, "0912009004").await.to_string();
    assert!(html.contains(&format!("<option value=\"{me}\">")), "{html}");
    let elsewhere_id = crate::notices::staff_id(&t, "0912009005").await.to_string();
    assert!(
        !html.contains(&format!("<option value=\"{elsewhere_id}\">")),
        "{html}"
    );
    let form = [("csrf", csrf.as_str()), ("officer", elsewhere_id.as_str())];
    let (status, _, _) = officer.post(&t, &format!("{path}/assign"), &form).await;
    assert_eq!(status, 400, "another province's officer");
    let form = [("csrf", csrf.as_str()), ("officer", me.as_str())];
    let (status, location, _) = officer.post(&t, &format!("{path}/assign"), &form).await;
    assert_eq!((status, location.as_str()), (303, path.as_str()));
    let saved = format!("{path}?notified=0");
    let form = [("csrf", csrf.as_str()), ("status", "contacted")];
    let (status, location, _) = officer.post(&t, &format!("{path}/status"), &form).await;
    assert_eq!((status, location.as_str()), (303, saved.as_str()));
    let form = [("csrf", csrf.as_str()), ("status", "withdrawn")];
    let (status, location, _) = officer.post(&t, &format!("{path}/status"), &form).await;
    assert_eq!((status, location.as_str()), (303, saved.as_str()));
    let now = loa::features::legal_aid::by_reference(db, &reference)
        .await
        .expect("db")
        .expect("request");
    assert_eq!(now.status, loa::features::legal_aid::Status::Withdrawn);
    t.stop().await;
}

/// Audit lines of reads of legal aid request `reference`.
async fn reads(t: &TestApp, reference: &str) -> i64 {
    loa::with_db!(&t.app.services.db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'read' AND subject_id = $1"
    )
    .bind(reference)
    .fetch_one(pool)
    .await)
    .expect("audit")
}

/// Registers a pregnancy of `phone` due on `edd` through the API with a health worker's
/// `token`; returns the next visit's date.
async fn register_pregnancy(
    t: &TestApp,
    token: &str,
    phone: &str,
    edd: chrono::NaiveDate,
) -> chrono::NaiveDate {
    let res = t
        .client
        .post(t.url("/api/v1/pregnancies"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "phone": phone, "edd": edd.to_string() }))
        .send()
        .await
        .expect("register");
    let body: serde_json::Value = res.json().await.expect("json");
    body["next_visit"]["date"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("no next visit: {body}"))
}

#[tokio::test]
async fn the_due_list_shows_the_workers_checkups_of_the_coming_week_and_is_audited() {
    let t = common::spawn().await;
    let today = loa::db::time::now()
        .with_timezone(&t.app.services.tz)
        .date_naive();
    let token = t.token(Some("0912009001")).await;
    // A first pregnancy tells where its next visit falls; a second is dated to have its next
    // visit in two days.
    let first_edd = today + chrono::TimeDelta::days(140);
    let first = register_pregnancy(&t, &token, "0912001001", first_edd).await;
    let shift = first - (today + chrono::TimeDelta::days(2));
    let second = register_pregnancy(&t, &token, "0912001002", first_edd - shift).await;
    assert_eq!(second, today + chrono::TimeDelta::days(2));

    let account = accounts::tokens::account(&t.app.services.db, &token)
        .await
        .expect("db")
        .expect("account");
    let page = Page::sign_in(&t, &account.username, "en").await;
    let before = audit_count(&t, "pregnancy").await;
    let (status, html) = page.get(&t, "/console/due").await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains(&second.format("%d/%m/%Y").to_string()),
        "{html}"
    );
    let first_shown = html.contains(&first.format("%d/%m/%Y").to_string());
    let in_week = first >= today && first < today + chrono::TimeDelta::days(7);
    assert_eq!(first_shown, in_week, "first visit {first}: {html}");
    // One entry per pregnancy shown.
    let shown = 1 + i64::from(in_week);
    assert_eq!(
        audit_count(&t, "pregnancy").await,
        before + shown,
        "audited"
    );
    // The midwife of other villages sees neither; a commune officer may not look.
    let midwife = Page::of(&t, Some("0912009002")).await;
    let (status, html) = midwife.get(&t, "/console/due").await;
    assert_eq!(status, 200);
    assert!(
        !html.contains(&second.format("%d/%m/%Y").to_string()),
        "{html}"
    );
    let officer = Page::of(&t, Some("0912009003")).await;
    let (status, _) = officer.get(&t, "/console/due").await;
    assert_eq!(status, 403);
    t.stop().await;
}

async fn audit_count(t: &TestApp, kind: &str) -> i64 {
    loa::with_db!(&t.app.services.db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM audit_log WHERE subject_kind = $1"
    )
    .bind(kind)
    .fetch_one(pool)
    .await)
    .expect("audit")
}

#[tokio::test]
async fn an_admin_sees_every_villages_due_checkups_in_the_console_and_the_api_paged() {
    let t = common::spawn().await;
    let today = loa::db::time::now()
        .with_timezone(&t.app.services.tz)
        .date_naive();
    let worker = t.token(Some("0912009001")).await;
    let edd = today + chrono::TimeDelta::days(140);
    let next = register_pregnancy(&t, &worker, "0912001001", edd).await;
    let soon = today + chrono::TimeDelta::days(2);
    let a = register_pregnancy(&t, &worker, "0912001002", edd - (next - soon)).await;
    let b = register_pregnancy(&t, &worker, "0912001003", edd - (next - soon)).await;
    assert_eq!((a, b), (soon, soon));

    // The API: an admin (whose staff row names no village) lists all three, a page at a time.
    let admin = t.token(None).await;
    let list = |after: i64| {
        let (t, admin) = (&t, &admin);
        async move {
            let url = format!("/api/v1/pregnancies?limit=2&after={after}");
            let res = t.client.get(t.url(&url)).bearer_auth(admin).send().await;
            let body: serde_json::Value = res.expect("list").json().await.expect("json");
            body
        }
    };
    let first = list(0).await;
    let ids: Vec<i64> = first["pregnancies"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|p| p["id"].as_i64())
        .collect();
    assert_eq!(ids.len(), 2, "{first}");
    let after = first["next_after"].as_i64().expect("a next page");
    assert_eq!(after, ids[1]);
    let second = list(after).await;
    assert_eq!(
        second["pregnancies"].as_array().map(Vec::len),
        Some(1),
        "{second}"
    );
    assert!(second["next_after"].is_null(), "{second}");

    // The console: both checkups of the week, and after the first pregnancy's id only later ones.
    let page = Page::of(&t, None).await;
    let (status, html) = page.get(&t, "/console/due").await;
    assert_eq!(status, 200, "{html}");
    for phone in ["0912001002", "0912001003"] {
        assert!(html.contains(phone), "{phone}: {html}");
    }
    let (status, html) = page
        .get(&t, &format!("/console/due?after={}", ids[1]))
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(!html.contains("0912001002"), "{html}");
    assert!(html.contains("0912001003"), "{html}");
    t.stop().await;
}

/// The figure `<strong>N</strong>sent` of a dashboard in English.
fn sent_figure(html: &str) -> i64 {
    let end = html.find("</strong>sent").expect("the sent figure");
    let start = html[..end].rfind("<strong>").expect("strong") + "<strong>".len();
    html[start..end].replace(',', "").parse().expect("a number")
}

#[tokio::test]
async fn each_commune_officer_counts_the_messages_of_their_own_communes_admins_and_monitors_all() {
    let t = common::spawn().await;
    // A commune officer of Vĩnh Thông (01981); the demo's officer has Cẩm Giàng (02008).
    let db = &t.app.services.db;
    let id: i64 = loa::with_db!(db, pool => sqlx::query_scalar(
        "INSERT INTO staff (msisdn, name, role, updated_at)
         VALUES ('+84912009077', 'Cán bộ Vĩnh Thông', 'commune_officer', $1) RETURNING id"
    )
    .bind(chrono::Utc::now())
    .fetch_one(pool)
    .await)
    .expect("staff");
    loa::execute!(db, pool => sqlx::query("INSERT INTO staff_areas (staff_id, area_code) VALUES ($1, '01981')")
        .bind(id)
        .execute(pool)
        .await)
    .expect("area");
    // Cẩm Giàng's households ask three times, Vĩnh Thông's once; a stranger once.
    for (phone, text) in [
        ("0912001001", "HD"),
        ("0912001003", "HD"),
        ("0912001001", "TT"),
        ("0912002001", "HD"),
        ("0977000111", "HD"),
    ] {
        t.ask(phone, text).await;
    }
    t.settle_with(common::Settle {
        delivery_reports: true,
        ..Default::default()
    })
    .await;
    let sent_to = |phones: &'static [&'static str]| {
        let list = phones
            .iter()
            .map(|p| format!("'+84{}'", &p[1..]))
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL AND recipient IN ({list})"
        );
        let app = &t.app;
        async move { common::count(app, &sql).await }
    };
    let cam_giang = sent_to(&["0912001001", "0912001003"]).await;
    let vinh_thong = sent_to(&["0912002001"]).await;
    let all = common::count(
        &t.app,
        "SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL",
    )
    .await;
    assert!(
        cam_giang >= 3 && vinh_thong >= 1,
        "{cam_giang}, {vinh_thong}"
    );
    assert!(
        all > cam_giang + vinh_thong,
        "the stranger's reply counts for all only"
    );

    let first = Page::of(&t, Some("0912009003")).await;
    let (status, html) = first.get(&t, "/console").await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(sent_figure(&html), cam_giang, "Cẩm Giàng's officer");
    assert!(html.contains("<strong>3</strong>replies"), "{html}");
    let second = Page::of(&t, Some("0912009077")).await;
    let (_, html) = second.get(&t, "/console").await;
    assert_eq!(sent_figure(&html), vinh_thong, "Vĩnh Thông's officer");
    assert!(html.contains("<strong>1</strong>replies"), "{html}");
    // The health worker of Cẩm Giàng's three villages: the same phones as its officer.
    let worker = Page::of(&t, Some("0912009001")).await;
    let (_, html) = worker.get(&t, "/console").await;
    assert_eq!(sent_figure(&html), cam_giang, "the health worker");
    for page in [Page::of(&t, None).await, Page::monitor(&t).await] {
        let (_, html) = page.get(&t, "/console").await;
        assert_eq!(sent_figure(&html), all, "admin and monitor");
    }
    t.stop().await;
}

/// The number shown in `id="{id}">…<`.
fn shown(html: &str, id: &str) -> String {
    let start = html
        .find(&format!("id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no {id}: {html}"))
        + id.len()
        + 6;
    html[start..start + html[start..].find('<').expect("end")].to_string()
}

#[tokio::test]
async fn a_notice_names_classes_groups_roles_and_versions_is_scheduled_and_cancelled() {
    let t = common::spawn().await;
    let officer = Page::of(&t, Some("0912009003")).await;
    let csrf = officer.csrf.clone();
    let text = "Họp hộ nghèo lúc 8 giờ sáng thứ Bảy.";
    let form = |extra: &[(&'static str, &'static str)]| {
        let mut f = vec![("csrf", csrf.clone()), ("text", text.to_string())];
        f.extend(extra.iter().map(|(k, v)| (*k, (*v).to_string())));
        f
    };
    let post = async |f: Vec<(&str, String)>| {
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        officer.post(&t, "/console/notices", &pairs).await
    };

    // Poor households of Cẩm Giàng: CG-0001, CG-0003, CG-0004 (three phones); only Dao: one.
    let (status, _, html) = post(form(&[("poverty", "poor"), ("action", "preview")])).await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(shown(&html, "preview-recipients"), "3");
    assert!(html.contains("value=\"poor\" checked"), "kept: {html}");
    let (_, _, html) = post(form(&[("ethnic_groups", "Dao"), ("action", "preview")])).await;
    assert_eq!(shown(&html, "preview-recipients"), "1");
    // A Tày version makes a second message with its own parts.
    let (_, _, html) = post(form(&[("version-tyz", "Pày họp"), ("action", "preview")])).await;
    assert!(shown(&html, "preview-each").contains("tyz"), "{html}");
    // Village health workers of the commune instead of households: the demo's one worker.
    let (_, _, html) = post(form(&[
        ("roles", "village_health_worker"),
        ("action", "preview"),
    ]))
    .await;
    assert_eq!(shown(&html, "preview-recipients"), "1");

    // Refused by field, every value kept: an unknown role, a time that is none, an empty version
    // is no version.
    let (status, _, html) = post(form(&[
        ("roles", "king"),
        ("roles", "household"),
        ("poverty", "near_poor"),
        ("ethnic_groups", "Tày, Dao"),
        ("at", "tomorrow"),
        ("version-hmn", "Hmoob"),
        ("action", "send"),
    ]))
    .await;
    assert_eq!(status, 400, "{html}");
    for kept in [
        "id=\"roles-error\"",
        "id=\"at-error\"",
        "value=\"household\" checked",
        "value=\"near_poor\" checked",
        "value=\"Tày, Dao\"",
        "value=\"tomorrow\"",
        ">Hmoob</textarea>",
        "<details id=\"more\" open>",
    ] {
        assert!(html.contains(kept), "{kept}: {html}");
    }
    let notices_before = common::count(&t.app, "SELECT COUNT(*) FROM notices").await;
    assert_eq!(notices_before, 0, "nothing made");

    // Sent at a time tomorrow: scheduled, the page says when and for whom, then cancelled.
    let tomorrow = (loa::db::time::now().with_timezone(&t.app.services.tz)
        + chrono::TimeDelta::days(1))
    .format("%Y-%m-%dT%H:%M")
    .to_string();
    let mut f = form(&[
        ("poverty", "poor"),
        ("version-tyz", "Pày họp"),
        ("action", "send"),
    ]);
    f.push(("at", tomorrow.clone()));
    let (status, location, html) = post(f).await;
    assert_eq!(status, 303, "{html}");
    let (_, html) = officer.get(&t, &location).await;
    assert!(html.contains("Scheduled"), "{html}");
    let when = format!(
        "{}/{}/{} {}",
        &tomorrow[8..10],
        &tomorrow[5..7],
        &tomorrow[..4],
        &tomorrow[11..]
    );
    for shows in [when.as_str(), "Poor", "Tày: Pày họp", "id=\"cancel\""] {
        assert!(html.contains(shows), "{shows}: {html}");
    }
    let cancel = format!("{location}/cancel");
    let (status, _, _) = officer.post(&t, &cancel, &[("csrf", "wrong")]).await;
    assert_eq!(status, 403);
    let (status, back, _) = officer.post(&t, &cancel, &[("csrf", &csrf)]).await;
    assert_eq!((status, back.as_str()), (303, location.as_str()));
    let (_, html) = officer.get(&t, &location).await;
    assert!(html.contains("id=\"status\">Cancelled<"), "{html}");
    assert!(!html.contains("id=\"cancel\""), "{html}");
    t.stop().await;
}

#[tokio::test]
async fn the_live_preview_answers_the_forms_figures_or_its_errors_as_json() {
    let t = common::spawn().await;
    let officer = Page::of(&t, Some("0912009003")).await;
    let csrf = officer.csrf.clone();
    let path = "/console/notices/preview";
    let text = "Họp thôn lúc 8 giờ sáng thứ Bảy.";
    let (status, _, body) = officer.post(&t, path, &[("text", text)]).await;
    assert_eq!(status, 403, "{body}");
    let (status, _, body) = officer
        .post(
            &t,
            path,
            &[("csrf", &csrf), ("text", text), ("poverty", "poor")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(
        (&v["recipients"], &v["parts"], &v["cost"]),
        (
            &serde_json::json!("3"),
            &serde_json::json!("3"),
            &serde_json::json!("0 ₫")
        )
    );
    let (status, _, body) = officer
        .post(
            &t,
            path,
            &[("csrf", &csrf), ("text", ""), ("areas", "B010301")],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(
        v["errors"]["areas"],
        "Area B010301 is not one of your areas."
    );
    assert!(v["errors"]["text"].is_string(), "{v}");
    // Nothing was made by looking.
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM notices").await,
        0
    );
    let worker = Page::of(&t, Some("0912009001")).await;
    let csrf = worker.csrf.clone();
    let (status, _, _) = worker
        .post(&t, path, &[("csrf", &csrf), ("text", text)])
        .await;
    assert_eq!(status, 403);
    t.stop().await;
}

#[tokio::test]
async fn the_legal_aid_status_form_notifies_the_requester_only_when_asked_and_their_mode_allows() {
    let t = crate::legal_aid::spawn().await;
    // An SMS-updates request (the short exchange, mode 1) and a call-only one (one message).
    let (sms, call) = ("0912001002", "0912001001");
    t.ask(sms, "TGPL").await;
    t.ask(sms, "1 tranh chap dat voi hang xom").await;
    t.ask(sms, "1").await;
    t.ask(call, "TGPL 3 chong toi danh toi").await;
    t.settle().await;
    let db = &t.app.services.db;
    let all = loa::features::legal_aid::list(db, &Default::default())
        .await
        .expect("list");
    let of = |phone: &str| {
        let m = loa::phone::Msisdn::parse(phone).expect("phone");
        all.iter()
            .find(|r| r.msisdn == m.as_str())
            .map(|r| r.reference.clone())
            .expect("request")
    };
    let officer = Page::of(&t, Some("0912009004")).await;
    let csrf = officer.csrf.clone();
    let me = crate::notices::staff_id(&t, "0912009004").await.to_string();
    let sent = async |phone: &str| {
        t.settle().await;
        t.messages(phone).await.len()
    };

    for (phone, offered) in [(sms, true), (call, false)] {
        let path = format!("/console/legal-aid/{}", of(phone));
        let form = [("csrf", csrf.as_str()), ("officer", me.as_str())];
        let (status, _, _) = officer.post(&t, &format!("{path}/assign"), &form).await;
        assert_eq!(status, 303);
        let (_, html) = officer.get(&t, &path).await;
        assert_eq!(html.contains("id=\"notify\""), offered, "{html}");
        assert_eq!(html.contains("id=\"no-sms\""), !offered, "{html}");

        // Not ticked: saved, nothing sent.
        let before = sent(phone).await;
        let form = [("csrf", csrf.as_str()), ("status", "contacted")];
        let (status, location, _) = officer.post(&t, &format!("{path}/status"), &form).await;
        assert_eq!((status, location), (303, format!("{path}?notified=0")));
        assert_eq!(sent(phone).await, before, "{phone}: not asked");

        // Ticked: the SMS requester hears the new status; the call-only one never does.
        let form = [
            ("csrf", csrf.as_str()),
            ("status", "in_progress"),
            ("notify", "1"),
        ];
        let (status, location, _) = officer.post(&t, &format!("{path}/status"), &form).await;
        let n = u8::from(offered);
        assert_eq!(
            (status, location.clone()),
            (303, format!("{path}?notified={n}"))
        );
        let after = sent(phone).await;
        assert_eq!(after, before + usize::from(offered), "{phone}");
        let (_, html) = officer.get(&t, &location).await;
        let said = if offered {
            "the requester was sent a text"
        } else {
            "Status saved."
        };
        assert!(html.contains(said), "{html}");
        if offered {
            let last = t.messages(phone).await;
            let text = last[after - 1]["text"].as_str().unwrap_or("").to_string();
            assert!(text.contains(&of(phone)), "{text}");
            assert!(
                !text.contains("tranh chap"),
                "never the description: {text}"
            );
        }
    }
    // A refused form keeps the box ticked.
    let path = format!("/console/legal-aid/{}", of(sms));
    let form = [
        ("csrf", csrf.as_str()),
        ("status", "received"),
        ("notify", "1"),
    ];
    let (status, _, html) = officer.post(&t, &format!("{path}/status"), &form).await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("id=\"notify\" checked"), "{html}");
    t.stop().await;
}

#[tokio::test]
async fn a_campaign_is_created_started_paused_resumed_and_stopped_from_the_console() {
    let t = common::spawn().await;
    let officer = Page::of(&t, Some("0912009003")).await;
    let csrf = officer.csrf.clone();
    let (status, html) = officer.get(&t, "/console/campaigns").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("id=\"campaign-form\""), "{html}");

    // No name and a day that is no number: both said by their fields, what was typed kept.
    let (status, _, html) = officer
        .post(
            &t,
            "/console/campaigns",
            &[
                ("csrf", &csrf),
                ("name", " "),
                ("poverty", "poor"),
                ("step-day-1", "two"),
                ("step-text-1", "Chào bà con"),
            ],
        )
        .await;
    assert_eq!(status, 400, "{html}");
    for kept in [
        "id=\"name-error\"",
        "id=\"steps-error\"",
        "value=\"two\"",
        ">Chào bà con</textarea>",
        "value=\"poor\" checked",
    ] {
        assert!(html.contains(kept), "{kept}: {html}");
    }
    // An area outside the officer's: refused by the API's own check.
    let (status, _, html) = officer
        .post(
            &t,
            "/console/campaigns",
            &[
                ("csrf", &csrf),
                ("name", "Phòng chống tảo hôn"),
                ("areas", "B010301"),
                ("step-day-1", "0"),
                ("step-text-1", "Chào bà con"),
            ],
        )
        .await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("id=\"areas-error\""), "{html}");
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM campaigns").await,
        0
    );

    let (status, location, html) = officer
        .post(
            &t,
            "/console/campaigns",
            &[
                ("csrf", &csrf),
                ("name", "Phòng chống tảo hôn"),
                ("step-day-1", "0"),
                ("step-text-1", "Chào bà con, tuần này nói về tảo hôn."),
                ("step-day-2", "3"),
                ("step-text-2", "Tảo hôn là vi phạm pháp luật."),
            ],
        )
        .await;
    assert_eq!(status, 303, "{html}");
    let (_, html) = officer.get(&t, &location).await;
    assert!(html.contains("id=\"status\">Draft<"), "{html}");
    assert!(html.contains("Tảo hôn là vi phạm pháp luật."), "{html}");
    assert!(html.contains("id=\"start-button\""), "{html}");
    let id = location.rsplit('/').next().expect("id").to_string();

    // Started: the job sends the first step to the commune's households; the page counts them.
    let act = async |action: &str| {
        let path = format!("{location}/{action}");
        officer.post(&t, &path, &[("csrf", csrf.as_str())]).await
    };
    let (status, back, _) = act("start").await;
    assert_eq!((status, back.as_str()), (303, location.as_str()));
    let queued = crate::campaigns::tick(&t, loa::db::time::now()).await;
    assert_eq!(queued, 5, "the demo commune's five household phones");
    t.settle().await;
    let (_, html) = officer.get(&t, &location).await;
    assert!(html.contains("id=\"status\">Running<"), "{html}");
    assert!(html.contains("id=\"members\">5<"), "{html}");
    let figure = |label: &str| -> i64 {
        let at = format!("<th>{label}</th><td>");
        let start = html.find(&at).expect(label) + at.len();
        html[start..start + html[start..].find('<').expect("end")]
            .parse()
            .expect("a number")
    };
    // By each message's status now: sent, or delivered already.
    assert_eq!(figure("Sent") + figure("Delivered"), 5, "{html}");
    assert!(html.contains("id=\"pause-button\""), "{html}");
    let (status, _, _) = act("start").await;
    assert_eq!(status, 400, "a running campaign is not started again");
    let (status, _, _) = act("pause").await;
    assert_eq!(status, 303);
    let (_, html) = officer.get(&t, &location).await;
    assert!(html.contains("id=\"status\">Paused<"), "{html}");
    let (status, _, _) = act("resume").await;
    assert_eq!(status, 303);
    let (status, _, _) = act("stop").await;
    assert_eq!(status, 303);
    let (_, html) = officer.get(&t, &location).await;
    assert!(html.contains("id=\"status\">Stopped<"), "{html}");
    assert!(!html.contains("id=\"actions\""), "{html}");
    let (_, html) = officer.get(&t, "/console/campaigns").await;
    assert!(
        html.contains(&format!("href=\"/console/campaigns/{id}\"")),
        "{html}"
    );

    // A monitor reads it without buttons or the form; a health worker may not look.
    let monitor = Page::monitor(&t).await;
    let (status, html) = monitor.get(&t, &location).await;
    assert_eq!(status, 200, "{html}");
    assert!(!html.contains("id=\"actions\""), "{html}");
    let (_, html) = monitor.get(&t, "/console/campaigns").await;
    assert!(!html.contains("id=\"campaign-form\""), "{html}");
    let worker = Page::of(&t, Some("0912009001")).await;
    let (status, _) = worker.get(&t, &location).await;
    assert_eq!(status, 403);
    t.stop().await;
}

/// The text of the cell `id="<id>">…<`.
fn cell(html: &str, id: &str) -> String {
    let at = format!("id=\"{id}\">");
    let start = html.find(&at).unwrap_or_else(|| panic!("{id}: {html}")) + at.len();
    html[start..start + html[start..].find('<').expect("end")].to_string()
}

#[tokio::test]
async fn a_campaign_is_previewed_by_its_button_and_as_typed_keeping_what_was_typed() {
    let t = common::spawn().await;
    let officer = Page::of(&t, Some("0912009003")).await;
    let csrf = officer.csrf.clone();
    let steps = [
        ("name", "Phòng chống tảo hôn"),
        ("step-day-1", "0"),
        ("step-text-1", "Chào bà con, tuần này nói về tảo hôn."),
        ("step-day-2", "3"),
        ("step-text-2", "Tảo hôn là vi phạm pháp luật."),
    ];
    let mut form = vec![("csrf", csrf.as_str()), ("action", "preview")];
    form.extend(steps);
    let (status, _, html) = officer.post(&t, "/console/campaigns", &form).await;
    assert_eq!(status, 200, "{html}");
    // The commune's five household phones; two one-part steps (unaccented, one part each).
    assert_eq!(cell(&html, "preview-recipients"), "5", "{html}");
    assert_eq!(cell(&html, "preview-parts"), "10", "{html}");
    let each = cell(&html, "preview-each");
    assert!(
        each.contains("Day 0: ") && each.contains("Day 3: "),
        "{each}"
    );
    assert!(
        html.contains(">Tảo hôn là vi phạm pháp luật.</textarea>"),
        "{html}"
    );
    assert!(html.contains("value=\"Phòng chống tảo hôn\""), "{html}");
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM campaigns").await,
        0,
        "nothing is made by a preview"
    );

    // The live preview: the same figures as JSON, or the fixes by field.
    let path = "/console/campaigns/preview";
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend(steps);
    let (status, _, body) = officer.post(&t, path, &form).await;
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!((&v["recipients"], &v["parts"]), (&"5".into(), &"10".into()));
    assert_eq!(v["each"], each.as_str());
    let (status, _, body) = officer
        .post(
            &t,
            path,
            &[
                ("csrf", &csrf),
                ("source", "quiz"),
                ("areas", "B010301"),
                ("step-text-1", "1 + 1? A. 1 B. 2 C. 3"),
            ],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    for field in ["name", "steps", "closes", "areas"] {
        assert!(v["errors"][field].is_string(), "{field}: {v}");
    }
    let (status, _, _) = officer.post(&t, path, &steps).await;
    assert_eq!(status, 403, "no CSRF token");
    let worker = Page::of(&t, Some("0912009001")).await;
    let mut form = vec![("csrf", worker.csrf.as_str())];
    form.extend(steps);
    let (status, _, _) = worker.post(&t, path, &form).await;
    assert_eq!(status, 403, "a health worker runs no campaigns");
    t.stop().await;
}

#[tokio::test]
async fn a_quiz_and_the_shipped_content_are_made_from_the_console_and_results_go_by_commune() {
    let t = common::spawn().await;
    let officer = Page::of(&t, Some("0912009003")).await;
    let csrf = officer.csrf.clone();
    let quiz = [
        ("csrf", csrf.as_str()),
        ("name", "Đố vui pháp luật"),
        ("source", "quiz"),
        ("step-text-1", "Tuổi kết hôn của nữ? A. 16 B. 18 C. 20"),
        ("step-day-2", "1"),
        ("step-text-2", "Tuổi kết hôn của nam? A. 18 B. 19 C. 20"),
    ];
    // No right answers and no closing time: each said by its field, the questions kept.
    let (status, _, html) = officer.post(&t, "/console/campaigns", &quiz).await;
    assert_eq!(status, 400, "{html}");
    assert!(
        html.contains("id=\"steps-error\">Choose the right answer"),
        "{html}"
    );
    assert!(html.contains("id=\"closes-error\""), "{html}");
    assert!(html.contains("value=\"quiz\" checked"), "{html}");
    assert!(html.contains(">Tuổi kết hôn của nam? A. 18 B. 19 C. 20</textarea>"));
    let mut form = quiz.to_vec();
    form.extend([
        ("step-answer-1", "B"),
        ("step-answer-2", "C"),
        ("closes", "2099-01-01T08:00"),
    ]);
    let (status, location, html) = officer.post(&t, "/console/campaigns", &form).await;
    assert_eq!(status, 303, "{html}");
    let (_, html) = officer.get(&t, &location).await;
    assert!(html.contains("id=\"results\""), "{html}");
    assert!(html.contains("id=\"closes\">01/01/2099 08:00<"), "{html}");
    assert!(html.contains("No answers yet."), "{html}");
    let id: i64 = location
        .rsplit('/')
        .next()
        .expect("id")
        .parse()
        .expect("id");
    let k = loa::features::campaigns::store::get(&t.app.services.db, id)
        .await
        .expect("db")
        .expect("made");
    assert_eq!(k.kind, loa::features::campaigns::Kind::Quiz);
    let answers: Vec<_> = k.steps.iter().map(|s| s.answer.clone()).collect();
    assert_eq!(answers, [Some("B".to_string()), Some("C".to_string())]);

    // The shipped campaign, shown in the page's language.
    let (status, location, html) = officer
        .post(
            &t,
            "/console/campaigns",
            &[
                ("csrf", &csrf),
                ("name", "Tảo hôn"),
                ("source", "child-marriage"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{html}");
    let (_, html) = officer.get(&t, &location).await;
    assert!(
        html.contains("full 20") && html.contains("full 18"),
        "{html}"
    );
    assert!(!html.contains("id=\"results\""), "not a quiz: {html}");

    // The shipped quiz, in one village: answered, and counted by commune on its page.
    let shipped = [
        ("csrf", csrf.as_str()),
        ("name", "Đố vui"),
        ("source", "child-marriage-quiz"),
        ("areas", "B010202"),
    ];
    let (status, _, html) = officer.post(&t, "/console/campaigns", &shipped).await;
    assert_eq!(status, 400, "a quiz needs its closing time: {html}");
    assert!(html.contains("id=\"closes-error\""), "{html}");
    let mut form = shipped.to_vec();
    form.push(("closes", "2099-01-01T08:00"));
    let (status, location, html) = officer.post(&t, "/console/campaigns", &form).await;
    assert_eq!(status, 303, "{html}");
    let start = format!("{location}/start");
    let (status, _, _) = officer.post(&t, &start, &[("csrf", &csrf)]).await;
    assert_eq!(status, 303);
    assert_eq!(crate::campaigns::tick(&t, loa::db::time::now()).await, 2);
    t.wait_for_messages("0912001003", 1).await;
    t.ask("0912001003", "B").await;
    let (status, html) = officer.get(&t, &location).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("id=\"results-table\""), "{html}");
    let id = location.rsplit('/').next().expect("id");
    let csv = format!("/api/v1/campaigns/{id}/results.csv");
    assert!(html.contains(&format!("href=\"{csv}\"")), "{html}");
    let (status, body) = officer.get(&t, &csv).await;
    assert_eq!(
        status, 200,
        "the export takes the console's session: {body}"
    );
    assert!(
        body.contains(",1,1,1"),
        "question 1: one answer, right: {body}"
    );
    for phone in every_phone_spelling(&t).await {
        assert!(!body.contains(&phone) && !html.contains(&phone), "{phone}");
    }
    let monitor = Page::monitor(&t).await;
    let (status, html) = monitor.get(&t, &location).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("id=\"results-table\"") && !html.contains("id=\"actions\""));
    t.stop().await;
}
