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
