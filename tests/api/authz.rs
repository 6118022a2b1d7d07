//! The authorization matrix: every staff route × every role × in place / out of place, with the status each must get, and no answer carrying a phone number outside its caller's scope.
//!
//! Wrong role: 403. Right role, outside its areas: 404 (as if it did not exist). No credentials:
//! 401 (the console's pages: 303 to the sign-in form). The console's pages and forms have their
//! own table (`pages()`), with every form also sent without its CSRF token (403). Throttling and
//! token revocation are in `accounts.rs`.

use loa::features::accounts::{self, store};
use loa::features::staff::Scope;

use crate::common::{self, TestApp};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Admin,
    Monitor,
    Officer,
    HealthWorker,
    Midwife,
    CommuneHealth,
    LegalAid,
}

const EVERYONE: &[Who] = &[
    Who::Admin,
    Who::Monitor,
    Who::Officer,
    Who::HealthWorker,
    Who::Midwife,
    Who::CommuneHealth,
    Who::LegalAid,
];
const HOUSEHOLDS: &[Who] = &[Who::Admin, Who::Officer];
const ADMINS: &[Who] = &[Who::Admin];
// Commune officers, and admins (who may do anything anywhere; issue 9).
const IMPORTERS: &[Who] = &[Who::Admin, Who::Officer];
// Who sends notices: commune officers and admins.
const BROADCASTERS: &[Who] = &[Who::Admin, Who::Officer];
const LEGAL_AID: &[Who] = &[Who::Admin, Who::LegalAid];
// Who reads campaigns in the console: those who run them, and monitors.
const CAMPAIGNS: &[Who] = &[Who::Admin, Who::Monitor, Who::Officer];
const HEALTH: &[Who] = &[
    Who::Admin,
    Who::HealthWorker,
    Who::Midwife,
    Who::CommuneHealth,
];

/// One route: the request in the caller's place and outside it, who may call it, whether place
/// matters, and the status of an allowed call in place.
struct Case {
    method: &'static str,
    inside: &'static str,
    outside: &'static str,
    body: Option<(&'static str, &'static str)>,
    allowed: &'static [Who],
    scoped: bool,
    ok: u16,
    /// The status of an allowed call outside the caller's areas when that is not 404 (an upload
    /// whose rows lie outside is refused row by row: 422).
    outside_status: Option<u16>,
}

const CSV_IN: &str =
    "Mã hộ,Họ tên chủ hộ,Thôn/bản,Dân tộc,Phân loại hộ,Năm phân loại,Số nhân khẩu,Số điện thoại\n\
                      CG-0301,Hoàng Văn A,B010201,Tày,nghèo,2025,4,0912301301\n";
const CSV_OUT: &str =
    "Mã hộ,Họ tên chủ hộ,Thôn/bản,Dân tộc,Phân loại hộ,Năm phân loại,Số nhân khẩu,Số điện thoại\n\
                       VT-0301,Lường Văn B,B010301,Tày,nghèo,2025,4,0912301302\n";

fn cases() -> Vec<Case> {
    let c = |method, inside, outside, allowed, scoped, ok| Case {
        method,
        inside,
        outside,
        body: None,
        allowed,
        scoped,
        ok,
        outside_status: None,
    };
    vec![
        c(
            "GET",
            "/api/v1/areas",
            "/api/v1/areas",
            EVERYONE,
            false,
            200,
        ),
        c(
            "GET",
            "/api/v1/households?village=B010201",
            "/api/v1/households?village=B010301",
            HOUSEHOLDS,
            true,
            200,
        ),
        c(
            "GET",
            "/api/v1/households/CG-0002",
            "/api/v1/households/VT-0001",
            HOUSEHOLDS,
            true,
            200,
        ),
        c(
            "GET",
            "/api/v1/households/CG-0002/support",
            "/api/v1/households/VT-0001/support",
            HOUSEHOLDS,
            true,
            200,
        ),
        Case {
            body: Some((r#"{"phone": "0912555777"}"#, r#"{"phone": "0912555778"}"#)),
            ..c(
                "POST",
                "/api/v1/households/CG-0001/contacts",
                "/api/v1/households/VT-0001/contacts",
                HOUSEHOLDS,
                true,
                200,
            )
        },
        c(
            "DELETE",
            "/api/v1/households/CG-0001/contacts/0912555777",
            "/api/v1/households/VT-0001/contacts/0912555778",
            HOUSEHOLDS,
            true,
            200,
        ),
        Case {
            body: Some((r#"{"status": "đã giải ngân"}"#, r#"{"status": "đã duyệt"}"#)),
            ..c(
                "POST",
                "/api/v1/support/{in}/status",
                "/api/v1/support/{out}/status",
                HOUSEHOLDS,
                true,
                200,
            )
        },
        c(
            "GET",
            "/api/v1/support/{in}/history",
            "/api/v1/support/{out}/history",
            HOUSEHOLDS,
            true,
            200,
        ),
        Case {
            body: Some((CSV_IN, CSV_OUT)),
            outside_status: Some(422),
            ..c(
                "POST",
                "/api/v1/imports/households?dry_run=true",
                "/api/v1/imports/households?dry_run=true",
                IMPORTERS,
                true,
                200,
            )
        },
        c(
            "GET",
            "/api/v1/gateways",
            "/api/v1/gateways",
            EVERYONE,
            false,
            200,
        ),
        c("GET", "/metrics", "/metrics", EVERYONE, false, 200),
        c(
            "GET",
            "/api/v1/tokens",
            "/api/v1/tokens",
            EVERYONE,
            false,
            200,
        ),
        c("GET", "/api/v1/audit", "/api/v1/audit", ADMINS, false, 200),
    ]
}

fn expected(case: &Case, who: Who, inside: bool) -> u16 {
    if !case.allowed.contains(&who) {
        return 403;
    }
    if case.scoped && !inside && who != Who::Admin {
        return case.outside_status.unwrap_or(404);
    }
    case.ok
}

/// An account and token per role: the demo's staff rows, a commune health station row made here,
/// an admin and a monitor without rows.
async fn callers(t: &TestApp) -> Vec<(Who, String, Scope)> {
    let db = &t.app.services.db;
    loa::execute!(db, pool => sqlx::query(
        "INSERT INTO staff (msisdn, name, role, updated_at) VALUES ('+84912009005', 'Trạm Y Tế', 'commune_health', $1)"
    ).bind(chrono::Utc::now()).execute(pool).await).expect("staff");
    loa::execute!(db, pool => sqlx::query(
        "INSERT INTO staff_areas (staff_id, area_code) SELECT id, '02008' FROM staff WHERE msisdn = '+84912009005'"
    ).execute(pool).await).expect("areas");
    let phones = [
        (Who::Officer, Some("0912009003")),
        (Who::HealthWorker, Some("0912009001")),
        (Who::Midwife, Some("0912009002")),
        (Who::CommuneHealth, Some("0912009005")),
        (Who::LegalAid, Some("0912009004")),
        (Who::Admin, None),
    ];
    let mut out = Vec::new();
    for (who, phone) in phones {
        out.push((who, t.token(phone).await));
    }
    let monitor = accounts::add(
        db,
        &accounts::NewAccount {
            username: "monitor",
            password: common::PASSWORD,
            staff_id: None,
            role: Some(loa::features::staff::Role::Monitor),
        },
    )
    .await
    .expect("monitor");
    let (_, token) = accounts::tokens::create(db, monitor.id, "m")
        .await
        .expect("token");
    out.push((Who::Monitor, token));
    let mut with_scope = Vec::new();
    for (who, token) in out {
        let account = accounts::tokens::account(db, &token)
            .await
            .expect("db")
            .expect("account");
        let (_, scope) = accounts::acting_as(db, &account)
            .await
            .expect("db")
            .expect("staff");
        with_scope.push((who, token, scope));
    }
    with_scope
}

/// Every household phone (both spellings) and its village.
async fn household_phones(t: &TestApp) -> Vec<(String, String)> {
    let rows: Vec<(String, String)> = loa::with_db!(&t.app.services.db, pool => sqlx::query_as(
        "SELECT c.msisdn, h.village_code FROM household_contacts hc
           JOIN contacts c ON c.id = hc.contact_id JOIN households h ON h.id = hc.household_id"
    ).fetch_all(pool).await)
    .expect("phones");
    rows.into_iter()
        .flat_map(|(p, v)| {
            let national = format!("0{}", p.trim_start_matches("+84"));
            [(p, v.clone()), (national, v)]
        })
        .collect()
}

async fn record_id(t: &TestApp, prefix: &str) -> i64 {
    loa::with_db!(&t.app.services.db, pool => sqlx::query_scalar(
        "SELECT id FROM support_records WHERE record_key LIKE $1"
    ).bind(format!("{prefix}%")).fetch_one(pool).await)
    .expect("record")
}

async fn call(
    t: &TestApp,
    method: &str,
    path: &str,
    body: Option<&str>,
    token: Option<&str>,
) -> (u16, String) {
    let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = t.client.request(m, t.url(path));
    if let Some(tok) = token {
        req = req.bearer_auth(tok);
    }
    if let Some(b) = body {
        let kind = if b.starts_with('{') {
            "application/json"
        } else {
            "text/csv; charset=utf-8"
        };
        req = req.header("content-type", kind).body(b.to_string());
    }
    let res = req.send().await.expect("send");
    (res.status().as_u16(), res.text().await.expect("body"))
}

#[tokio::test]
async fn every_route_every_role_in_and_out_of_place() {
    let t = common::spawn().await;
    let callers = callers(&t).await;
    let phones = household_phones(&t).await;
    let inside_record = record_id(&t, "CG0002|DA3.TDA1.ND1|").await.to_string();
    let outside_record = record_id(&t, "VT0001|DA1.ND2|").await.to_string();
    let fill = |p: &str| {
        p.replace("{in}", &inside_record)
            .replace("{out}", &outside_record)
    };
    let mut failures = Vec::new();
    let mut calls = 0;
    for case in cases() {
        for (inside, path) in [(true, fill(case.inside)), (false, fill(case.outside))] {
            let body = case.body.map(|(i, o)| if inside { i } else { o });
            let (status, _) = call(&t, case.method, &path, body, None).await;
            if status != 401 {
                failures.push(format!(
                    "{} {path} without credentials: {status}, want 401",
                    case.method
                ));
            }
            for (who, token, scope) in &callers {
                let want = expected(&case, *who, inside);
                let (got, text) = call(&t, case.method, &path, body, Some(token)).await;
                calls += 1;
                if got != want {
                    failures.push(format!(
                        "{} {path} as {who:?}: {got}, want {want}: {text}",
                        case.method
                    ));
                }
                for (phone, village) in &phones {
                    let may_see = *who != Who::Monitor && scope.covers(village);
                    if !may_see && text.contains(phone.as_str()) {
                        failures.push(format!(
                            "{} {path} as {who:?} leaks {phone} ({village})",
                            case.method
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {calls} calls wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    t.stop().await;
}

#[tokio::test]
async fn the_console_needs_a_session_and_every_role_gets_its_home() {
    let t = common::spawn().await;
    let callers = callers(&t).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let res = client.get(t.url("/console")).send().await.expect("get");
    assert_eq!(res.status(), 303);
    let db = &t.app.services.db;
    for (who, token, _) in &callers {
        let account = accounts::tokens::account(db, token)
            .await
            .expect("db")
            .expect("account");
        store::by_id(db, account.id)
            .await
            .expect("db")
            .expect("account");
        // A token is not a session: the console wants a cookie.
        let res = client
            .get(t.url("/console"))
            .bearer_auth(token)
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), 303, "{who:?}");
        let (cookie, _) = crate::accounts::sign_in(&t, &account.username, common::PASSWORD).await;
        let res = client
            .get(t.url("/console"))
            .header("cookie", cookie)
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), 200, "{who:?}");
    }
    t.stop().await;
}

#[test]
fn the_table_uses_known_methods_and_bodies_only_on_posts() {
    for case in cases() {
        assert!(["GET", "POST", "DELETE"].contains(&case.method));
        assert!(case.body.is_none() || case.method == "POST");
    }
}

/// A console page or form: the request in the caller's place and outside it, who may use it,
/// whether place matters, and the status of an allowed call in place (303 for a form that
/// redirects once done).
struct Page {
    method: &'static str,
    inside: &'static str,
    outside: &'static str,
    body: Option<(Sent, Sent)>,
    allowed: &'static [Who],
    scoped: bool,
    ok: u16,
    outside_status: Option<u16>,
}

/// What a console form sends (`{csrf}` is the session's token).
#[derive(Clone, Copy)]
enum Sent {
    Form(&'static str),
    /// A spreadsheet, with the form's `kind` and `csrf` fields.
    File(&'static str),
}

fn pages() -> Vec<Page> {
    let p = |method, inside, outside, allowed, scoped, ok| Page {
        method,
        inside,
        outside,
        body: None,
        allowed,
        scoped,
        ok,
        outside_status: None,
    };
    vec![
        p("GET", "/console", "/console", EVERYONE, false, 200),
        p(
            "GET",
            "/console/households?village=B010201",
            "/console/households?village=B010301",
            HOUSEHOLDS,
            true,
            200,
        ),
        p(
            "GET",
            "/console/households/CG-0002",
            "/console/households/VT-0001",
            HOUSEHOLDS,
            true,
            200,
        ),
        Page {
            body: Some((
                Sent::Form("csrf={csrf}&status=disbursed"),
                Sent::Form("csrf={csrf}&status=approved"),
            )),
            ..p(
                "POST",
                "/console/households/CG-0002/records/{in}/status",
                "/console/households/VT-0001/records/{out}/status",
                HOUSEHOLDS,
                true,
                303,
            )
        },
        p(
            "GET",
            "/console/imports",
            "/console/imports",
            IMPORTERS,
            false,
            200,
        ),
        Page {
            body: Some((Sent::File(CSV_IN), Sent::File(CSV_OUT))),
            outside_status: Some(422),
            ..p(
                "POST",
                "/console/imports/check",
                "/console/imports/check",
                IMPORTERS,
                true,
                200,
            )
        },
        Page {
            // No such upload: an importer hears it is gone, anyone else that they may not.
            body: Some((Sent::Form("csrf={csrf}"), Sent::Form("csrf={csrf}"))),
            ..p(
                "POST",
                "/console/imports/999999/confirm",
                "/console/imports/999999/confirm",
                IMPORTERS,
                false,
                404,
            )
        },
        p(
            "GET",
            "/console/contacts",
            "/console/contacts",
            HOUSEHOLDS,
            false,
            200,
        ),
        p(
            "GET",
            "/console/gateways",
            "/console/gateways",
            EVERYONE,
            false,
            200,
        ),
        p(
            "GET",
            "/console/audit",
            "/console/audit",
            ADMINS,
            false,
            200,
        ),
        p(
            "GET",
            "/console/notices",
            "/console/notices",
            BROADCASTERS,
            false,
            200,
        ),
        Page {
            // A preview for areas outside the caller's: the form again, the fix by the field.
            body: Some((
                Sent::Form("csrf={csrf}&areas=B010201&text=H%E1%BB%8Dp&action=preview"),
                Sent::Form("csrf={csrf}&areas=B010301&text=H%E1%BB%8Dp&action=preview"),
            )),
            outside_status: Some(400),
            ..p(
                "POST",
                "/console/notices",
                "/console/notices",
                BROADCASTERS,
                true,
                200,
            )
        },
        p(
            "GET",
            "/console/notices/999999",
            "/console/notices/999999",
            BROADCASTERS,
            false,
            404,
        ),
        Page {
            body: Some((Sent::Form("csrf={csrf}"), Sent::Form("csrf={csrf}"))),
            ..p(
                "POST",
                "/console/notices/999999/send",
                "/console/notices/999999/send",
                BROADCASTERS,
                false,
                404,
            )
        },
        p("GET", "/console/due", "/console/due", HEALTH, false, 200),
        p(
            "GET",
            "/console/legal-aid",
            "/console/legal-aid",
            LEGAL_AID,
            false,
            200,
        ),
        p(
            "GET",
            "/console/legal-aid/NO-SUCH",
            "/console/legal-aid/NO-SUCH",
            LEGAL_AID,
            false,
            404,
        ),
        Page {
            body: Some((
                Sent::Form("csrf={csrf}&status=contacted"),
                Sent::Form("csrf={csrf}&status=contacted"),
            )),
            ..p(
                "POST",
                "/console/legal-aid/NO-SUCH/status",
                "/console/legal-aid/NO-SUCH/status",
                LEGAL_AID,
                false,
                404,
            )
        },
        Page {
            body: Some((
                Sent::Form("csrf={csrf}&officer=1"),
                Sent::Form("csrf={csrf}&officer=1"),
            )),
            ..p(
                "POST",
                "/console/legal-aid/NO-SUCH/assign",
                "/console/legal-aid/NO-SUCH/assign",
                LEGAL_AID,
                false,
                404,
            )
        },
        Page {
            body: Some((
                Sent::Form("csrf={csrf}&areas=B010201&text=H%E1%BB%8Dp"),
                Sent::Form("csrf={csrf}&areas=B010301&text=H%E1%BB%8Dp"),
            )),
            outside_status: Some(400),
            ..p(
                "POST",
                "/console/notices/preview",
                "/console/notices/preview",
                BROADCASTERS,
                true,
                200,
            )
        },
        Page {
            body: Some((Sent::Form("csrf={csrf}"), Sent::Form("csrf={csrf}"))),
            ..p(
                "POST",
                "/console/notices/999999/cancel",
                "/console/notices/999999/cancel",
                BROADCASTERS,
                false,
                404,
            )
        },
        p(
            "GET",
            "/console/campaigns",
            "/console/campaigns",
            CAMPAIGNS,
            false,
            200,
        ),
        Page {
            // Made in place (303 to its page); outside the caller's areas, the form again.
            body: Some((
                Sent::Form("csrf={csrf}&name=H%E1%BB%8Dp&areas=B010201&step-day-1=0&step-text-1=H%E1%BB%8Dp"),
                Sent::Form("csrf={csrf}&name=H%E1%BB%8Dp&areas=B010301&step-day-1=0&step-text-1=H%E1%BB%8Dp"),
            )),
            outside_status: Some(400),
            ..p(
                "POST",
                "/console/campaigns",
                "/console/campaigns",
                BROADCASTERS,
                true,
                303,
            )
        },
        p(
            "GET",
            "/console/campaigns/999999",
            "/console/campaigns/999999",
            CAMPAIGNS,
            false,
            404,
        ),
        Page {
            body: Some((Sent::Form("csrf={csrf}"), Sent::Form("csrf={csrf}"))),
            ..p(
                "POST",
                "/console/campaigns/999999/start",
                "/console/campaigns/999999/start",
                BROADCASTERS,
                false,
                404,
            )
        },
    ]
}

fn expected_page(page: &Page, who: Who, inside: bool) -> u16 {
    if !page.allowed.contains(&who) {
        return 403;
    }
    if page.scoped && !inside && who != Who::Admin {
        return page.outside_status.unwrap_or(404);
    }
    page.ok
}

/// One console request with a session `cookie` (signed out without): status and body.
async fn page_call(
    t: &TestApp,
    method: &str,
    path: &str,
    body: Option<Sent>,
    session: Option<(&str, &str)>,
) -> (u16, String) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = client.request(m, t.url(path));
    let csrf = session.map_or("", |(_, csrf)| csrf);
    if let Some((cookie, _)) = session {
        req = req.header("cookie", cookie);
    }
    match body {
        Some(Sent::Form(f)) => {
            req = req
                .header("content-type", "application/x-www-form-urlencoded")
                .body(f.replace("{csrf}", csrf));
        }
        Some(Sent::File(csv)) => {
            let b = "loaboundary";
            let mut fields = String::new();
            if !csrf.is_empty() {
                fields.push_str(&format!(
                    "--{b}\r\ncontent-disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
                ));
            }
            let text = format!(
                "{fields}--{b}\r\ncontent-disposition: form-data; name=\"kind\"\r\n\r\nhouseholds\r\n\
                 --{b}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"ho.csv\"\r\n\
                 content-type: text/csv\r\n\r\n{csv}\r\n--{b}--\r\n"
            );
            req = req
                .header("content-type", format!("multipart/form-data; boundary={b}"))
                .body(text);
        }
        None => {}
    }
    let res = req.send().await.expect("send");
    (res.status().as_u16(), res.text().await.expect("body"))
}

#[tokio::test]
async fn every_console_page_every_role_in_and_out_of_place_and_forms_need_their_token() {
    let t = common::spawn().await;
    let callers = callers(&t).await;
    let phones = household_phones(&t).await;
    let inside_record = record_id(&t, "CG0002|DA3.TDA1.ND1|").await.to_string();
    let outside_record = record_id(&t, "VT0001|DA1.ND2|").await.to_string();
    let fill = |p: &str| {
        p.replace("{in}", &inside_record)
            .replace("{out}", &outside_record)
    };
    let db = &t.app.services.db;
    let mut sessions = Vec::new();
    for (who, token, scope) in &callers {
        let account = accounts::tokens::account(db, token)
            .await
            .expect("db")
            .expect("account");
        let (cookie, csrf) =
            crate::accounts::sign_in(&t, &account.username, common::PASSWORD).await;
        sessions.push((*who, cookie, csrf, scope.clone()));
    }
    let mut failures = Vec::new();
    let mut calls = 0;
    for page in pages() {
        for (inside, path) in [(true, fill(page.inside)), (false, fill(page.outside))] {
            let body = page.body.map(|(i, o)| if inside { i } else { o });
            let (status, _) = page_call(&t, page.method, &path, body, None).await;
            if status != 303 {
                failures.push(format!(
                    "{} {path} signed out: {status}, want 303",
                    page.method
                ));
            }
            for (who, cookie, csrf, scope) in &sessions {
                let want = expected_page(&page, *who, inside);
                let session = Some((cookie.as_str(), csrf.as_str()));
                let (got, text) = page_call(&t, page.method, &path, body, session).await;
                calls += 1;
                if got != want {
                    let head: String = text.chars().take(300).collect();
                    failures.push(format!(
                        "{} {path} as {who:?}: {got}, want {want}: {head}",
                        page.method
                    ));
                }
                if page.method == "POST" {
                    // The same form without the session's token: refused, whoever sends it.
                    let (got, _) =
                        page_call(&t, page.method, &path, body, Some((cookie, ""))).await;
                    if got != 403 {
                        failures.push(format!("{path} as {who:?} without its token: {got}"));
                    }
                }
                for (phone, village) in &phones {
                    let may_see = *who != Who::Monitor && scope.covers(village);
                    if !may_see && text.contains(phone.as_str()) {
                        failures.push(format!(
                            "{} {path} as {who:?} shows {phone} ({village})",
                            page.method
                        ));
                    }
                }
            }
        }
    }
    // Signing out is a form too.
    for (who, cookie, _, _) in &sessions {
        let (got, _) = page_call(
            &t,
            "POST",
            "/logout",
            Some(Sent::Form("")),
            Some((cookie, "")),
        )
        .await;
        if got != 403 {
            failures.push(format!("/logout as {who:?} without its token: {got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {calls} page calls wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    t.stop().await;
}

#[test]
fn every_console_page_in_the_nav_is_in_the_matrix() {
    let tested: Vec<&str> = pages()
        .iter()
        .map(|p| p.inside.split('?').next().unwrap_or(""))
        .collect();
    for nav in loa::http::console::layout::PAGES {
        assert!(tested.contains(&nav.path), "{} is not in pages()", nav.path);
    }
}
