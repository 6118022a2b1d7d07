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
// Who reads the legal aid figures (counts, no personal data).
const FIGURES: &[Who] = &[Who::Admin, Who::LegalAid, Who::Monitor];
// Who reads campaigns and a quiz's results: those who run them, and monitors.
const CAMPAIGN_READERS: &[Who] = &[Who::Admin, Who::Officer, Who::Monitor];
// API tokens are made from a signed-in session: with a token, everyone gets 403.
const NOBODY: &[Who] = &[];
/// Whose areas are everywhere: an admin, and a monitor (no staff row; figures from all places).
const EVERYWHERE: &[Who] = &[Who::Admin, Who::Monitor];

/// One route: the request in the caller's place and outside it, who may call it, whether place
/// matters, and the status of an allowed call in place. Paths and bodies name fixtures in braces
/// (see [`Fixtures`]); a `{new_…}` one is made afresh for each call, for a change that can be
/// made only once (a status moved on, a notice sent, a token revoked).
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
    /// Whose place is everywhere on this route (admins; monitors too where they may read).
    everywhere: &'static [Who],
}

const CSV_IN: &str =
    "Mã hộ,Họ tên chủ hộ,Thôn/bản,Dân tộc,Phân loại hộ,Năm phân loại,Số nhân khẩu,Số điện thoại\n\
                      CG-0301,Hoàng Văn A,B010201,Tày,nghèo,2025,4,0912301301\n";
const CSV_OUT: &str =
    "Mã hộ,Họ tên chủ hộ,Thôn/bản,Dân tộc,Phân loại hộ,Năm phân loại,Số nhân khẩu,Số điện thoại\n\
                       VT-0301,Lường Văn B,B010301,Tày,nghèo,2025,4,0912301302\n";

/// A province no demo staff member covers, with one commune and village (`AREAS_ELSEWHERE`), a
/// household and a legal aid officer: out of place for everyone but admins (and monitors, who
/// read campaigns from everywhere).
const AREAS_ELSEWHERE: &[(&str, &str, &str, Option<&str>)] = &[
    ("20", "Bắc Kạn", "province", None),
    ("20001", "Xã Khác", "commune", Some("20")),
    ("B200101", "Bản Khác", "village", Some("20001")),
];
const ELSEWHERE_HOUSEHOLDS: &str =
    "Mã hộ,Họ tên chủ hộ,Thôn/bản,Dân tộc,Phân loại hộ,Năm phân loại,Số nhân khẩu,Số điện thoại\n\
                                    BK-0001,Triệu Văn C,B200101,Dao,nghèo,2025,3,0912777001\n";
const ELSEWHERE_STAFF: &str = "Số điện thoại,Họ tên,Vai trò,Địa bàn\n\
                               0912777009,Lý Văn D,trợ giúp pháp lý,20\n";
/// A phone of CG-0001 (Bản Chiêng, in everyone's place once the midwife covers it too) and
/// of BK-0001 (Bản Khác, elsewhere).
const PHONE_IN: &str = "0912001001";
const PHONE_OUT: &str = "0912777001";

fn case(
    method: &'static str,
    inside: &'static str,
    outside: &'static str,
    allowed: &'static [Who],
    scoped: bool,
    ok: u16,
) -> Case {
    Case {
        method,
        inside,
        outside,
        body: None,
        allowed,
        scoped,
        ok,
        outside_status: None,
        everywhere: ADMINS,
    }
}

fn cases() -> Vec<Case> {
    let c: NewCase = case;
    let mut out = vec![
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
        Case {
            body: Some((r#"{"name": "x"}"#, r#"{"name": "x"}"#)),
            ..c(
                "POST",
                "/api/v1/tokens",
                "/api/v1/tokens",
                NOBODY,
                false,
                201,
            )
        },
        // Place is whose token it is: one's own, or someone else's (not found, but by admins).
        c(
            "DELETE",
            "/api/v1/tokens/{new_own_token}",
            "/api/v1/tokens/{new_other_token}",
            EVERYONE,
            true,
            200,
        ),
    ];
    out.extend(legal_aid_cases(c));
    out.extend(maternal_cases(c));
    out.extend(notice_cases(c));
    out.extend(campaign_cases(c));
    out
}

type NewCase = fn(&'static str, &'static str, &'static str, &'static [Who], bool, u16) -> Case;

fn legal_aid_cases(c: NewCase) -> Vec<Case> {
    let r = "/api/v1/legal-aid/requests";
    vec![
        // A list is filtered to the caller's place: the leak check below reads it.
        c(
            "GET",
            r,
            "/api/v1/legal-aid/requests?status=received",
            LEGAL_AID,
            false,
            200,
        ),
        c(
            "GET",
            "/api/v1/legal-aid/requests/{la_in}",
            "/api/v1/legal-aid/requests/{la_out}",
            LEGAL_AID,
            true,
            200,
        ),
        Case {
            body: Some((
                r#"{"officer": {la_officer_in}}"#,
                r#"{"officer": {la_officer_out}}"#,
            )),
            ..c(
                "POST",
                "/api/v1/legal-aid/requests/{la_in}/assign",
                "/api/v1/legal-aid/requests/{la_out}/assign",
                LEGAL_AID,
                true,
                200,
            )
        },
        Case {
            body: Some((r#"{"status": "withdrawn"}"#, r#"{"status": "withdrawn"}"#)),
            ..c(
                "POST",
                "/api/v1/legal-aid/requests/{new_la_in}/status",
                "/api/v1/legal-aid/requests/{new_la_out}/status",
                LEGAL_AID,
                true,
                200,
            )
        },
        Case {
            body: Some((r#"{"text": "Đã gọi"}"#, r#"{"text": "Đã gọi"}"#)),
            ..c(
                "POST",
                "/api/v1/legal-aid/requests/{la_in}/notes",
                "/api/v1/legal-aid/requests/{la_out}/notes",
                LEGAL_AID,
                true,
                200,
            )
        },
        Case {
            body: Some((
                r#"{"group": "poor_household"}"#,
                r#"{"group": "poor_household"}"#,
            )),
            ..c(
                "POST",
                "/api/v1/legal-aid/requests/{la_in}/eligibility",
                "/api/v1/legal-aid/requests/{la_out}/eligibility",
                LEGAL_AID,
                true,
                200,
            )
        },
        c(
            "GET",
            "/api/v1/legal-aid/figures",
            "/api/v1/legal-aid/figures?month=2026-01",
            FIGURES,
            false,
            200,
        ),
        c(
            "GET",
            "/api/v1/legal-aid/audit",
            "/api/v1/legal-aid/audit",
            ADMINS,
            false,
            200,
        ),
    ]
}

fn maternal_cases(c: NewCase) -> Vec<Case> {
    vec![
        c(
            "GET",
            "/api/v1/pregnancies?village=B010201",
            "/api/v1/pregnancies?village=B200101",
            HEALTH,
            true,
            200,
        ),
        Case {
            body: Some((
                r#"{"phone": "0912001002", "edd": "{edd}"}"#,
                r#"{"phone": "0912777001", "edd": "{edd}"}"#,
            )),
            ..c(
                "POST",
                "/api/v1/pregnancies",
                "/api/v1/pregnancies",
                HEALTH,
                true,
                200,
            )
        },
        c(
            "GET",
            "/api/v1/pregnancies/{preg_in}",
            "/api/v1/pregnancies/{preg_out}",
            HEALTH,
            true,
            200,
        ),
        Case {
            body: Some((
                r#"{"area": "B010201", "day": "{day}", "text": "Khám thai"}"#,
                r#"{"area": "B200101", "day": "{day}", "text": "Khám thai"}"#,
            )),
            ..c(
                "POST",
                "/api/v1/maternal/campaigns",
                "/api/v1/maternal/campaigns",
                HEALTH,
                true,
                200,
            )
        },
    ]
}

fn notice_cases(c: NewCase) -> Vec<Case> {
    vec![
        Case {
            body: Some((
                r#"{"audience": {"areas": ["B010201"]}}"#,
                r#"{"audience": {"areas": ["B200101"]}}"#,
            )),
            // An audience outside the caller's areas is a field to fix, as on the console.
            outside_status: Some(400),
            ..c(
                "POST",
                "/api/v1/audiences/count",
                "/api/v1/audiences/count",
                BROADCASTERS,
                true,
                200,
            )
        },
        Case {
            body: Some((
                r#"{"audience": {"areas": ["B010201"]}, "text": "Họp thôn"}"#,
                r#"{"audience": {"areas": ["B200101"]}, "text": "Họp thôn"}"#,
            )),
            outside_status: Some(400),
            ..c(
                "POST",
                "/api/v1/notices",
                "/api/v1/notices",
                BROADCASTERS,
                true,
                201,
            )
        },
        c(
            "GET",
            "/api/v1/notices/{notice_in}",
            "/api/v1/notices/{notice_out}",
            BROADCASTERS,
            true,
            200,
        ),
        Case {
            // Scheduled far ahead: nothing is queued while the matrix runs.
            body: Some((
                r#"{"at": "2099-01-01T00:00:00Z"}"#,
                r#"{"at": "2099-01-01T00:00:00Z"}"#,
            )),
            ..c(
                "POST",
                "/api/v1/notices/{new_notice_in}/send",
                "/api/v1/notices/{new_notice_out}/send",
                BROADCASTERS,
                true,
                202,
            )
        },
        c(
            "POST",
            "/api/v1/notices/{notice_in}/cancel",
            "/api/v1/notices/{notice_out}/cancel",
            BROADCASTERS,
            true,
            200,
        ),
    ]
}

fn campaign_cases(c: NewCase) -> Vec<Case> {
    vec![
        Case {
            body: Some((
                r#"{"name": "x", "audience": {"areas": ["B010201"]}, "steps": [{"text": "Chào"}]}"#,
                r#"{"name": "x", "audience": {"areas": ["B200101"]}, "steps": [{"text": "Chào"}]}"#,
            )),
            outside_status: Some(400),
            ..c(
                "POST",
                "/api/v1/campaigns",
                "/api/v1/campaigns",
                BROADCASTERS,
                true,
                201,
            )
        },
        Case {
            everywhere: EVERYWHERE,
            ..c(
                "GET",
                "/api/v1/campaigns/{campaign_in}",
                "/api/v1/campaigns/{campaign_out}",
                CAMPAIGN_READERS,
                true,
                200,
            )
        },
        Case {
            everywhere: EVERYWHERE,
            ..c(
                "GET",
                "/api/v1/campaigns/{quiz_in}/results",
                "/api/v1/campaigns/{quiz_out}/results",
                CAMPAIGN_READERS,
                true,
                200,
            )
        },
        Case {
            everywhere: EVERYWHERE,
            ..c(
                "GET",
                "/api/v1/campaigns/{quiz_in}/results.csv",
                "/api/v1/campaigns/{quiz_out}/results.csv",
                CAMPAIGN_READERS,
                true,
                200,
            )
        },
        c(
            "POST",
            "/api/v1/campaigns/{new_campaign_in}/stop",
            "/api/v1/campaigns/{new_campaign_out}/stop",
            BROADCASTERS,
            true,
            200,
        ),
    ]
}

fn expected(case: &Case, who: Who, inside: bool) -> u16 {
    if !case.allowed.contains(&who) {
        return 403;
    }
    if case.scoped && !inside && !case.everywhere.contains(&who) {
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
    let fx = Fixtures::make(&t).await;
    let callers = callers(&t).await;
    let phones = household_phones(&t).await;
    let db = &t.app.services.db;
    let mut failures = Vec::new();
    let mut calls = 0;
    for case in cases() {
        for (inside, template) in [(true, case.inside), (false, case.outside)] {
            let body = case.body.map(|(i, o)| if inside { i } else { o });
            let path = fx.fill(&t, template, fx.other_account).await;
            let sent = match body {
                Some(b) => Some(fx.fill(&t, b, fx.other_account).await),
                None => None,
            };
            let (status, _) = call(&t, case.method, &path, sent.as_deref(), None).await;
            if status != 401 {
                failures.push(format!(
                    "{} {path} without credentials: {status}, want 401",
                    case.method
                ));
            }
            for (who, token, scope) in &callers {
                let account = accounts::tokens::account(db, token)
                    .await
                    .expect("db")
                    .expect("account")
                    .id;
                let path = fx.fill(&t, template, account).await;
                let sent = match body {
                    Some(b) => Some(fx.fill(&t, b, account).await),
                    None => None,
                };
                let want = expected(&case, *who, inside);
                let (got, text) = call(&t, case.method, &path, sent.as_deref(), Some(token)).await;
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

/// Whether `path` (its query left out) is an instance of the OpenAPI path `template`.
fn instance_of(template: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or("");
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| t == p || (t.starts_with('{') && t.ends_with('}') && !p.is_empty()))
}

#[test]
fn every_documented_route_is_in_the_matrix() {
    let doc = loa::http::openapi::document();
    let ops = loa::http::openapi::endpoints(&doc);
    assert!(
        ops.len() > 30,
        "the document lists {} operations",
        ops.len()
    );
    let table = cases();
    let missing: Vec<String> = ops
        .iter()
        .filter(|e| {
            !table
                .iter()
                .any(|c| c.method == e.method && instance_of(&e.path, c.inside))
        })
        .map(|e| format!("{} {}", e.method, e.path))
        .collect();
    assert!(
        missing.is_empty(),
        "documented routes missing from cases(): {missing:?}"
    );
    assert!(instance_of(
        "/api/v1/campaigns/{id}/{action}",
        "/api/v1/campaigns/{x}/stop"
    ));
    assert!(!instance_of(
        "/api/v1/campaigns/{id}",
        "/api/v1/campaigns/{x}/stop"
    ));
    assert!(!instance_of(
        "/api/v1/notices/{id}/send",
        "/api/v1/notices/{x}/cancel"
    ));
}

/// The fixtures the table's paths and bodies name: made once (`{la_in}` …), or afresh for each
/// call (`{new_…}`), the own token for the calling account.
struct Fixtures {
    fixed: Vec<(&'static str, String)>,
    admin: String,
    /// An account that is none of the callers', whose tokens are someone else's.
    other_account: i64,
}

const FRESH: &[&str] = &[
    "{new_la_in}",
    "{new_la_out}",
    "{new_notice_in}",
    "{new_notice_out}",
    "{new_campaign_in}",
    "{new_campaign_out}",
    "{new_own_token}",
    "{new_other_token}",
];

impl Fixtures {
    async fn make(t: &TestApp) -> Fixtures {
        let db = &t.app.services.db;
        let admin = t.token(None).await;
        let now = loa::db::time::now();
        for (code, name, level, parent) in AREAS_ELSEWHERE {
            loa::execute!(db, pool => sqlx::query(
                "INSERT INTO areas (code, name, level, parent_code, updated_at) VALUES ($1, $2, $3, $4, $5)"
            ).bind(code).bind(name).bind(level).bind(parent).bind(now).execute(pool).await)
            .expect("area");
        }
        for (kind, csv) in [
            ("households", ELSEWHERE_HOUSEHOLDS),
            ("staff", ELSEWHERE_STAFF),
        ] {
            let path = format!("/api/v1/imports/{kind}");
            let (status, text) = call(t, "POST", &path, Some(csv), Some(&admin)).await;
            assert_eq!(status, 200, "{kind}: {text}");
        }
        // The midwife also covers Bản Chiêng: one village in every health role's place.
        loa::execute!(db, pool => sqlx::query(
            "INSERT INTO staff_areas (staff_id, area_code) SELECT id, 'B010201' FROM staff WHERE msisdn = '+84912009002'"
        ).execute(pool).await).expect("midwife's area");
        let today = loa::db::time::now().date_naive();
        let edd = (today + chrono::Days::new(120)).to_string();
        let day = (today + chrono::Days::new(7)).to_string();
        let mut fixed = vec![
            (
                "{in}",
                record_id(t, "CG0002|DA3.TDA1.ND1|").await.to_string(),
            ),
            ("{out}", record_id(t, "VT0001|DA1.ND2|").await.to_string()),
            ("{la_in}", legal_aid_request(t, PHONE_IN).await),
            ("{la_out}", legal_aid_request(t, PHONE_OUT).await),
            (
                "{la_officer_in}",
                common::staff_id(t, "+84912009004").await.to_string(),
            ),
            (
                "{la_officer_out}",
                common::staff_id(t, "+84912777009").await.to_string(),
            ),
            ("{edd}", edd.clone()),
            ("{day}", day),
        ];
        for (key, phone) in [("{preg_in}", PHONE_IN), ("{preg_out}", PHONE_OUT)] {
            let body = serde_json::json!({ "phone": phone, "edd": edd });
            fixed.push((
                key,
                made(t, &admin, "/api/v1/pregnancies", body, "/id").await,
            ));
        }
        for (key, village) in [("{notice_in}", "B010201"), ("{notice_out}", "B200101")] {
            fixed.push((key, notice(t, &admin, village).await));
        }
        for (key, village) in [("{campaign_in}", "B010201"), ("{campaign_out}", "B200101")] {
            fixed.push((key, campaign(t, &admin, village).await));
        }
        for (key, village) in [("{quiz_in}", "B010201"), ("{quiz_out}", "B200101")] {
            let body = serde_json::json!({
                "name": "quiz", "kind": "quiz", "content": "child-marriage-quiz",
                "audience": { "areas": [village] }, "closes_at": "2099-01-01T00:00:00Z",
            });
            fixed.push((
                key,
                made(t, &admin, "/api/v1/campaigns", body, "/campaign/id").await,
            ));
        }
        let other = accounts::add(
            db,
            &accounts::NewAccount {
                username: "someone-else",
                password: common::PASSWORD,
                staff_id: None,
                role: Some(loa::features::staff::Role::Monitor),
            },
        )
        .await
        .expect("account");
        Fixtures {
            fixed,
            admin,
            other_account: other.id,
        }
    }

    /// `text` with the fixtures it names filled in, `{new_own_token}` one of `account`'s.
    async fn fill(&self, t: &TestApp, text: &str, account: i64) -> String {
        let mut out = text.to_string();
        for (key, value) in &self.fixed {
            out = out.replace(key, value);
        }
        for key in FRESH {
            if out.contains(key) {
                let value = self.fresh(t, key, account).await;
                out = out.replace(key, &value);
            }
        }
        out
    }

    async fn fresh(&self, t: &TestApp, key: &str, account: i64) -> String {
        let db = &t.app.services.db;
        let token_of = |id| async move {
            let (id, _) = accounts::tokens::create(db, id, "spare")
                .await
                .expect("token");
            id.to_string()
        };
        match key {
            "{new_la_in}" => legal_aid_request(t, PHONE_IN).await,
            "{new_la_out}" => legal_aid_request(t, PHONE_OUT).await,
            "{new_notice_in}" => notice(t, &self.admin, "B010201").await,
            "{new_notice_out}" => notice(t, &self.admin, "B200101").await,
            "{new_campaign_in}" => campaign(t, &self.admin, "B010201").await,
            "{new_campaign_out}" => campaign(t, &self.admin, "B200101").await,
            "{new_own_token}" => token_of(account).await,
            "{new_other_token}" => token_of(self.other_account).await,
            other => panic!("no fixture {other}"),
        }
    }
}

/// A legal aid request from `phone`, as an SMS would open it: its reference.
async fn legal_aid_request(t: &TestApp, phone: &str) -> String {
    use loa::features::legal_aid::{self, Category, Intake, Mode};
    use loa::gateway::Channel;
    let phone = loa::phone::Msisdn::parse(phone).expect("phone");
    let source = format!("test:{}", uuid::Uuid::new_v4().simple());
    let intake = Intake {
        phone: &phone,
        category: Category::Labour,
        description: None,
        mode: Mode::Sms,
        channel: Channel::Sms,
        source_key: &source,
    };
    let svc = &t.app.services;
    legal_aid::submit(&svc.db, &svc.legal_aid, &intake)
        .await
        .expect("request")
        .reference
}

/// Something an admin makes through the API: the id at `pointer` in the answer.
async fn made(
    t: &TestApp,
    admin: &str,
    path: &str,
    body: serde_json::Value,
    pointer: &str,
) -> String {
    let res = t
        .client
        .post(t.url(path))
        .bearer_auth(admin)
        .json(&body)
        .send()
        .await
        .expect("send");
    let status = res.status();
    let v: serde_json::Value = res.json().await.expect("json");
    assert!(status.is_success(), "{path}: {status} {v}");
    v.pointer(pointer)
        .and_then(serde_json::Value::as_i64)
        .unwrap_or_else(|| panic!("{path}: no {pointer} in {v}"))
        .to_string()
}

async fn notice(t: &TestApp, admin: &str, village: &str) -> String {
    let body = serde_json::json!({ "audience": { "areas": [village] }, "text": "Họp thôn" });
    made(t, admin, "/api/v1/notices", body, "/notice/id").await
}

async fn campaign(t: &TestApp, admin: &str, village: &str) -> String {
    let body = serde_json::json!({
        "name": "x", "audience": { "areas": [village] }, "steps": [{ "text": "Chào" }],
    });
    made(t, admin, "/api/v1/campaigns", body, "/campaign/id").await
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
    /// Whose place is everywhere on this page (admins; monitors too where they may read).
    everywhere: &'static [Who],
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
        everywhere: ADMINS,
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
            // A quiz written in the form; outside the caller's areas, the form again.
            body: Some((
                Sent::Form("csrf={csrf}&name=Q&source=quiz&areas=B010201&step-text-1=Q%3F&step-answer-1=A&closes=2099-01-01T08%3A00"),
                Sent::Form("csrf={csrf}&name=Q&source=quiz&areas=B010301&step-text-1=Q%3F&step-answer-1=A&closes=2099-01-01T08%3A00"),
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
        Page {
            // loa's shipped campaign for an audience chosen in the form.
            body: Some((
                Sent::Form("csrf={csrf}&name=T&source=child-marriage&areas=B010201"),
                Sent::Form("csrf={csrf}&name=T&source=child-marriage&areas=B010301"),
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
        Page {
            // The campaign form's live preview: figures in place, the fixes (400) outside.
            body: Some((
                Sent::Form("csrf={csrf}&name=T&areas=B010201&step-text-1=H%E1%BB%8Dp"),
                Sent::Form("csrf={csrf}&name=T&areas=B010301&step-text-1=H%E1%BB%8Dp"),
            )),
            outside_status: Some(400),
            ..p(
                "POST",
                "/console/campaigns/preview",
                "/console/campaigns/preview",
                BROADCASTERS,
                true,
                200,
            )
        },
        Page {
            // A quiz's page with its results by commune; monitors read every place's.
            everywhere: EVERYWHERE,
            ..p(
                "GET",
                "/console/campaigns/{quiz_in}",
                "/console/campaigns/{quiz_out}",
                CAMPAIGNS,
                true,
                200,
            )
        },
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
    if page.scoped && !inside && !page.everywhere.contains(&who) {
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
    let admin = &callers
        .iter()
        .find(|(who, _, _)| *who == Who::Admin)
        .expect("an admin")
        .1;
    let mut quizzes = Vec::new();
    for village in ["B010201", "B010301"] {
        let body = serde_json::json!({
            "name": "quiz", "content": "child-marriage-quiz",
            "audience": { "areas": [village] }, "closes_at": "2099-01-01T00:00:00Z",
        });
        quizzes.push(made(&t, admin, "/api/v1/campaigns", body, "/campaign/id").await);
    }
    let fill = |p: &str| {
        p.replace("{in}", &inside_record)
            .replace("{out}", &outside_record)
            .replace("{quiz_in}", &quizzes[0])
            .replace("{quiz_out}", &quizzes[1])
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
