//! USSD as a phone walks it: every menu path through the simulator endpoint, sessions in the
//! database shared by two instances, bad input, unknown and expired sessions, support status.

use chrono::TimeDelta;
use loa::text::is_gsm7;

use loa::features::import::{self, Kind, Options};
use loa::i18n::Msg;

use crate::common::{self, TestApp, DEMO_PHONE};

const MAIN_VI: &str =
    "CON Loa xa. Bam so:\n1. Tinh trang ho tro\n2. Tro giup phap ly\n3. Kham thai\n4. Hoi ve luat hon nhan\n5. Ngon ngu/Language\n0. Thoat";
const MARRIAGE_VI: &str =
    "CON Luat Hon nhan va gia dinh:\n1. Tuoi ket hon\n2. Tao hon\n3. Ket hon can huyet\n0. Quay lai";
const NOT_A_NUMBER_VI: &str = "Hay bam so cua mot muc.";
const NO_OPTION_VI: &str = "Khong co muc nay, chon lai.";

/// What a phone may show: CON or END, then at most 182 GSM-7 characters.
fn screen(body: &str) -> &str {
    let text = body
        .strip_prefix("CON ")
        .or_else(|| body.strip_prefix("END "))
        .unwrap_or_else(|| panic!("neither CON nor END: {body:?}"));
    assert!(is_gsm7(text), "not GSM-7: {text:?}");
    assert!(
        text.chars().count() <= 182,
        "{} characters: {text}",
        text.chars().count()
    );
    text
}

/// Steps one session through `inputs` the way a phone does (each request carries all inputs so
/// far), alternating between the given instances, and returns every answer.
async fn walk(apps: &[&TestApp], session: &str, phone: &str, inputs: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut text: Vec<&str> = Vec::new();
    out.push(apps[0].ussd(session, phone, "").await);
    for (i, input) in inputs.iter().enumerate() {
        text.push(input);
        let app = apps[(i + 1) % apps.len()];
        let body = app.ussd(session, phone, &text.join("*")).await;
        screen(&body);
        out.push(body);
    }
    out
}

/// Every path of the menu, and the screens it shows, in Vietnamese.
async fn every_path(apps: &[&TestApp], phone: &str) {
    let s = |n: u32| format!("s-{n}-{}", uuid::Uuid::new_v4().simple());
    // Marriage law: each topic, its pages, back to the topics, back to the main menu, exit.
    let r = walk(
        apps,
        &s(1),
        phone,
        &["4", "1", "9", "0", "2", "9", "0", "3", "9", "0", "0", "0"],
    )
    .await;
    assert_eq!(r[0], MAIN_VI);
    assert_eq!(r[1], MARRIAGE_VI);
    assert!(r[2].starts_with("CON Theo Dieu 8 Luat Hon nhan va gia dinh 2014, nam tu du 20 tuoi tro len, nu tu du 18 tuoi tro len"), "{}", r[2]);
    assert!(r[2].ends_with("\n9. Xem tiep\n0. Quay lai"), "{}", r[2]);
    assert!(
        r[3].contains("dang ky tai UBND xa") && r[3].ends_with("\n0. Quay lai"),
        "{}",
        r[3]
    );
    assert!(
        !r[3].contains("9. Xem tiep"),
        "last page has no more: {}",
        r[3]
    );
    assert_eq!(r[4], MARRIAGE_VI);
    assert!(
        r[5].starts_with("CON Tao hon la lay vo, lay chong"),
        "{}",
        r[5]
    );
    assert!(r[6].contains("cuong ep ket hon") || r[5].contains("cuong ep ket hon"));
    assert_eq!(r[7], MARRIAGE_VI);
    assert!(r[8].contains("truc he"), "{}", r[8]);
    assert!(
        r[9].contains("ba doi") || r[8].contains("ba doi"),
        "{}\n{}",
        r[8],
        r[9]
    );
    assert_eq!(r[10], MARRIAGE_VI);
    assert_eq!(r[11], MAIN_VI);
    assert_eq!(r[12], "END Cam on ban da dung Loa xa. Hen gap lai!");

    // Language: the list, back, then a choice that ends the session and sticks to the phone.
    let r = walk(apps, &s(2), phone, &["5", "0", "5", "2"]).await;
    assert!(
        r[1].starts_with("CON Chon ngon ngu:\n1. Tieng Viet\n2. English\n3. Tieng Tay"),
        "{}",
        r[1]
    );
    assert_eq!(r[2], MAIN_VI);
    assert_eq!(r[4], "END English chosen. Thank you!");
    let r = walk(apps, &s(3), phone, &["4", "2"]).await;
    assert_eq!(r[0], "CON Commune loudspeaker. Choose:\n1. Support status\n2. Legal aid\n3. Prenatal checkups\n4. Marriage law questions\n5. Language/Ngon ngu\n0. Exit");
    assert!(
        r[2].starts_with("CON Child marriage is marrying"),
        "{}",
        r[2]
    );
    let r = walk(apps, &s(4), phone, &["5", "1"]).await;
    assert!(r[1].contains("\n1. Tieng Viet\n"), "{}", r[1]);
    assert_eq!(r[2], "END Da chon tieng Viet. Cam on ban!");
    // A language with no translation yet says so.
    let r = walk(apps, &s(6), phone, &["5", "6"]).await;
    assert!(
        r[2].starts_with("END Da chon tieng Mong. Chua co ban dich"),
        "{}",
        r[2]
    );
    assert_eq!(walk(apps, &s(5), phone, &[]).await[0], MAIN_VI);
}

#[tokio::test]
async fn every_menu_path_as_a_phone_walks_it() {
    let t = common::spawn().await;
    every_path(&[&t], DEMO_PHONE).await;
    let rows = common::count(&t.app, "SELECT COUNT(*) FROM ussd_sessions").await;
    assert_eq!(rows, 6);
    let steps = common::count(&t.app, "SELECT MAX(steps) FROM ussd_sessions").await;
    assert_eq!(steps, 13);
    // USSD answers in the HTTP response; nothing goes through the outbox.
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM outbox").await,
        0
    );
    t.stop().await;
}

#[tokio::test]
async fn steps_alternate_between_two_instances_on_one_database() {
    let a = common::spawn().await;
    let b = a.twin().await;
    assert_ne!(a.base, b.base);
    every_path(&[&a, &b], "0912001002").await;
    // The language a choice on one instance set is what the other renders in.
    let r = walk(&[&b, &a], "lb-1", "0912001003", &["5", "2"]).await;
    assert_eq!(r[2], "END English chosen. Thank you!");
    assert!(a
        .ussd("lb-2", "0912001003", "")
        .await
        .starts_with("CON Commune loudspeaker"));
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn a_dial_string_lands_on_its_screen() {
    let t = common::spawn().await;
    // *123*4# and *123*4*3# arrive as the first request of a session, with text "4" and "4*3".
    assert_eq!(t.ussd("d-1", DEMO_PHONE, "4").await, MARRIAGE_VI);
    let kin = t.ussd("d-2", DEMO_PHONE, "4*3").await;
    assert!(kin.starts_with("CON Dieu 5 Luat Hon nhan"), "{kin}");
    // …and the session goes on from there.
    assert_eq!(t.ussd("d-2", DEMO_PHONE, "4*3*0").await, MARRIAGE_VI);
    assert_eq!(
        t.ussd("d-3", DEMO_PHONE, "0").await,
        "END Cam on ban da dung Loa xa. Hen gap lai!"
    );
    t.stop().await;
}

#[tokio::test]
async fn a_replayed_or_late_request_gets_the_same_screen() {
    let t = common::spawn().await;
    let first: Vec<String> = walk(&[&t], "r-1", DEMO_PHONE, &["4", "1", "9"]).await;
    // The aggregator retries, or requests arrive out of order: same text, same screen.
    for (i, text) in ["", "4", "4*1", "4*1*9"].iter().enumerate().rev() {
        assert_eq!(t.ussd("r-1", DEMO_PHONE, text).await, first[i], "{text:?}");
    }
    assert_eq!(t.ussd("r-1", DEMO_PHONE, "4*1").await, first[2]);
    t.stop().await;
}

#[tokio::test]
async fn bad_input_repeats_the_screen_with_one_line_of_error() {
    let t = common::spawn().await;
    let main = MAIN_VI.trim_start_matches("CON ");
    let marriage = MARRIAGE_VI.trim_start_matches("CON ");
    let s = "b-1";
    assert_eq!(t.ussd(s, DEMO_PHONE, "").await, MAIN_VI);
    let letter = t.ussd(s, DEMO_PHONE, "a").await;
    assert_eq!(letter, format!("CON {NOT_A_NUMBER_VI}\n{main}"));
    let none = t.ussd(s, DEMO_PHONE, "a*7").await;
    assert_eq!(none, format!("CON {NO_OPTION_VI}\n{main}"));
    assert_eq!(t.ussd(s, DEMO_PHONE, "a*7*4").await, MARRIAGE_VI);
    let junk: String = "x!@ %&é~{}".chars().cycle().take(200).collect();
    let body = t.ussd(s, DEMO_PHONE, &format!("a*7*4*{junk}")).await;
    assert_eq!(body, format!("CON {NOT_A_NUMBER_VI}\n{marriage}"));
    assert_eq!(screen(&body).lines().count(), marriage.lines().count() + 1);
    let body = t.ussd(s, DEMO_PHONE, "a*7*4*12").await;
    assert_eq!(body, format!("CON {NO_OPTION_VI}\n{marriage}"));
    // On a text, only 0 (and 9 where there is more) are options.
    let body = t.ussd(s, DEMO_PHONE, "a*7*4*1*9*9").await;
    assert!(body.starts_with(&format!("CON {NO_OPTION_VI}\n")), "{body}");
    // Requests loa cannot read are refused with a JSON error, and nothing is stored.
    let (status, body) = t.ussd_raw("b-2", "not a phone", "").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("\"bad_number\""), "{body}");
    let (status, body) = t.ussd_raw("", DEMO_PHONE, "").await;
    assert_eq!(status, 400);
    assert!(body.contains("\"bad_session\""), "{body}");
    assert_eq!(
        common::count(
            &t.app,
            "SELECT COUNT(*) FROM ussd_sessions WHERE session_id = 'b-2'"
        )
        .await,
        0
    );
    t.stop().await;
}

#[tokio::test]
async fn an_unknown_session_whose_text_is_no_path_starts_over_cleanly() {
    let t = common::spawn().await;
    // A session loa never saw, mid-way through something that leads nowhere here.
    assert_eq!(t.ussd("u-1", DEMO_PHONE, "3*x*2").await, MAIN_VI);
    // Its next steps count from that main menu.
    assert_eq!(t.ussd("u-1", DEMO_PHONE, "3*x*2*4").await, MARRIAGE_VI);
    let age = t.ussd("u-1", DEMO_PHONE, "3*x*2*4*1").await;
    assert!(age.starts_with("CON Theo Dieu 8"), "{age}");
    assert_eq!(t.ussd("u-2", DEMO_PHONE, "7").await, MAIN_VI);
    assert_eq!(t.ussd("u-3", DEMO_PHONE, "4*1*0*0*5*x").await, MAIN_VI);
    t.stop().await;
}

async fn expire(t: &TestApp, session: &str, ago: TimeDelta) {
    let at = loa::db::time::now() - ago;
    loa::execute!(&t.app.services.db, pool => sqlx::query(
        "UPDATE ussd_sessions SET expires_at = $1 WHERE session_id = $2"
    )
    .bind(at)
    .bind(session)
    .execute(pool)
    .await)
    .expect("expire");
}

#[tokio::test]
async fn a_session_expires_after_180_seconds_and_then_starts_over() {
    let t = common::spawn().await;
    walk(&[&t], "e-1", DEMO_PHONE, &["4"]).await;
    let expires: i64 = common::count(
        &t.app,
        "SELECT COUNT(*) FROM ussd_sessions WHERE session_id = 'e-1' AND expires_at > updated_at",
    )
    .await;
    assert_eq!(expires, 1);
    // 180 s without an answer: the clock is not waited for, the row is moved back in time.
    expire(&t, "e-1", TimeDelta::seconds(1)).await;
    let stale = t.ussd("e-1", DEMO_PHONE, "4*5").await;
    assert_eq!(stale, MAIN_VI, "stale inputs are not followed");
    // A request from before the start-over, arriving late, shows the main menu and moves nothing:
    // the next step still counts from the start-over (else "5" would open the language list).
    assert_eq!(t.ussd("e-1", DEMO_PHONE, "4").await, MAIN_VI);
    assert_eq!(t.ussd("e-1", DEMO_PHONE, "4*5*4").await, MARRIAGE_VI);
    assert_eq!(
        common::count(
            &t.app,
            "SELECT restarts FROM ussd_sessions WHERE session_id = 'e-1'"
        )
        .await,
        1
    );
    // Housekeeping deletes rows a day after they expired, not before.
    walk(&[&t], "e-2", DEMO_PHONE, &[]).await;
    expire(&t, "e-1", TimeDelta::hours(25)).await;
    expire(&t, "e-2", TimeDelta::hours(1)).await;
    loa::scheduler::housekeeping(&t.app.services, t.app.config.retention_days).await;
    let left = common::count(
        &t.app,
        "SELECT COUNT(*) FROM ussd_sessions WHERE session_id IN ('e-1', 'e-2')",
    )
    .await;
    assert_eq!(left, 1);
    assert_eq!(t.ussd("e-1", DEMO_PHONE, "").await, MAIN_VI);
    t.stop().await;
}

#[tokio::test]
async fn the_phone_page_speaks_to_the_ussd_endpoint() {
    let t = common::spawn().await;
    // The page's script, a file of its own.
    let script = t.url("/simulator/static/simulator.js");
    let page = t.client.get(script).send().await.expect("get");
    let page = page.text().await.expect("body");
    assert!(
        page.contains("'/simulator/api/ussd'")
            && page.contains("sessionId")
            && page.contains("phoneNumber")
    );
    // What the page posts: a national number, the dialled code's inputs as text.
    let body = t.ussd("sim-abc", "0912001001", "4").await;
    assert_eq!(body, MARRIAGE_VI);
    t.stop().await;
}

/// A gateway of kind `ussd` in the gateway folder: its webhook answers with the same screens, and
/// only a caller with its secret is answered.
#[tokio::test]
async fn a_ussd_gateway_webhook_answers_with_its_secret_only() {
    std::env::set_var("LOA_TEST_USSD_SECRET", "ussd-hook-secret");
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("at-ussd.toml"),
        "id = \"at-ussd\"\nkind = \"ussd\"\n[webhook]\nsecret_env = \"LOA_TEST_USSD_SECRET\"\n",
    )
    .expect("gateway file");
    let gateway_dir = dir.path().to_path_buf();
    // A real aggregator: real gateways, no simulator beside them.
    let t = common::spawn_with(move |c| {
        c.gateway_dir = gateway_dir;
        c.simulator.enabled = false;
    })
    .await;
    assert!(
        t.app.gateways.get("at-ussd").is_none(),
        "a USSD gateway is no SMS route"
    );
    let form = |text: &str| {
        serde_urlencoded::to_string([
            ("sessionId", "hook-1"),
            ("serviceCode", "*123#"),
            ("phoneNumber", "+84912001001"),
            ("networkCode", "45204"),
            ("text", text),
        ])
        .expect("form")
    };
    let post = |path: String, body: String| {
        t.client
            .post(t.url(&path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let res = post("/webhooks/at-ussd/ussd/ussd-hook-secret".into(), form(""))
        .await
        .expect("post");
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.expect("body"), MAIN_VI);
    let res = post("/webhooks/at-ussd/ussd/ussd-hook-secret".into(), form("4"))
        .await
        .expect("post");
    assert_eq!(res.text().await.expect("body"), MARRIAGE_VI);

    let res = post("/webhooks/at-ussd/ussd/wrong".into(), form(""))
        .await
        .expect("post");
    assert_eq!(res.status(), 401);
    let v: serde_json::Value = res.json().await.expect("json error");
    assert!(v["error"]["message"].is_string());
    let res = post("/webhooks/at-ussd/ussd".into(), form(""))
        .await
        .expect("post");
    assert_eq!(res.status(), 401);
    let res = post("/webhooks/nobody/ussd/x".into(), form(""))
        .await
        .expect("post");
    assert_eq!(res.status(), 404);
    t.stop().await;
}

/// Option 1 pages through the whole answer: every page from `1` on, pressing 9 while there is more.
async fn support_pages(t: &TestApp, session: &str, phone: &str) -> Vec<String> {
    let mut text = String::from("1");
    let mut pages = Vec::new();
    loop {
        let body = t.ussd(session, phone, &text).await;
        let page = screen(&body).to_string();
        assert!(body.starts_with("CON "), "{body}");
        let more = page.contains("\n9. ");
        pages.push(page);
        if !more || pages.len() >= 20 {
            return pages;
        }
        text.push_str("*9");
    }
}

#[tokio::test]
async fn support_status_for_a_linked_phone_newest_first_in_its_language() {
    let t = common::spawn().await;
    assert_eq!(t.ussd("ss-1", DEMO_PHONE, "").await, MAIN_VI);
    let body = t.ussd("ss-1", DEMO_PHONE, "1").await;
    let page = screen(&body);
    assert!(page.starts_with("Ho CG-0001:\n"), "{body}");
    let water = page.find("02/10/2025").expect("water record");
    let house = page
        .find("40.000.000d da giai ngan 15/09/2025")
        .expect("housing record");
    assert!(water < house, "newest first: {page}");
    assert!(page.ends_with("\n0. Quay lai"), "{page}");
    // A replayed request gets the same screen; 0 goes back to the main menu.
    assert_eq!(t.ussd("ss-1", DEMO_PHONE, "1").await, body);
    assert_eq!(t.ussd("ss-1", DEMO_PHONE, "1*0").await, MAIN_VI);
    // As a dial string (*123*1#), and in English once the contact chose it.
    assert_eq!(t.ussd("ss-2", DEMO_PHONE, "1").await, body);
    t.ussd("ss-3", DEMO_PHONE, "5*2").await;
    let en = t.ussd("ss-4", DEMO_PHONE, "1").await;
    assert!(
        screen(&en).starts_with("Household CG-0001:\n") && en.contains("40,000,000 VND"),
        "{en}"
    );
    assert!(en.ends_with("\n0. Back"), "{en}");
    t.stop().await;
}

#[tokio::test]
async fn support_status_for_a_phone_in_two_households_pages_through_both() {
    let t = common::spawn().await;
    // The demo has no phone in two households: 0912001001 becomes the phone of a second one
    // with nine records.
    let dir = tempfile::tempdir().expect("dir");
    let hh = dir.path().join("ho.csv");
    std::fs::write(
        &hh,
        "Mã hộ,Họ tên chủ hộ,Thôn/bản,Phân loại hộ,Số điện thoại\nCG-0009,Hoàng Thị Hoa,B010201,nghèo,0912 001 001\n",
    )
    .expect("write");
    let mut rows = String::from("Mã hộ,Mã nội dung,Trạng thái,Số lượng,Đơn vị,Ngày\n");
    for m in 1..=9 {
        rows.push_str(&format!(
            "CG-0009,DA3.TDA1.ND4,đã giải ngân,15,kg,0{m}/0{m}/2025\n"
        ));
    }
    let ht = dir.path().join("ht.csv");
    std::fs::write(&ht, rows).expect("write");
    for (kind, path) in [(Kind::Households, &hh), (Kind::Support, &ht)] {
        let r = import::run(&t.app.services.db, kind, path, &Options::default())
            .await
            .expect("import");
        assert!(r.applied, "{}", r.render(&t.app.services.locales, "en"));
    }

    let pages = support_pages(&t, "two-1", DEMO_PHONE).await;
    assert!(pages.len() >= 3, "eleven records need pages: {pages:?}");
    let all = pages.join("\n");
    let (a, b) = (all.find("Ho CG-0001:"), all.find("Ho CG-0009:"));
    assert!(
        matches!((a, b), (Some(a), Some(b)) if a < b),
        "in sequence: {all}"
    );
    assert_eq!(all.matches("Gao bao ve rung 15kg").count(), 9, "{all}");
    // Newest first within the household, across pages.
    let first = all.find("09/09/2025").expect("newest");
    let last = all.find("01/01/2025").expect("oldest");
    assert!(first < last, "{all}");
    // Back from any page is the main menu; the same page replayed is the same page.
    let deep = "1*9*9";
    assert_eq!(
        t.ussd("two-1", DEMO_PHONE, deep).await,
        format!("CON {}", pages[2])
    );
    assert_eq!(t.ussd("two-1", DEMO_PHONE, "1*9*9*0").await, MAIN_VI);
    t.stop().await;
}

#[tokio::test]
async fn support_status_tells_a_stranger_how_to_register_and_an_officer_to_send_tt() {
    let t = common::spawn().await;
    let stranger = support_pages(&t, "st-1", "0977000111").await;
    assert_eq!(stranger.len(), 1);
    let how = loa::text::to_gsm7_lossy(
        &t.app
            .services
            .locales
            .render("vi", &Msg::new("tt-not-registered")),
    );
    assert_eq!(stranger[0], format!("{how}\n0. Quay lai"));
    assert!(stranger[0].contains("UBND xa") && !stranger[0].contains("CG-"));

    let officer = support_pages(&t, "st-2", "0912009003").await;
    assert_eq!(officer.len(), 1);
    assert!(
        officer[0].contains("SMS TT") && officer[0].contains("TT CG-0001"),
        "{}",
        officer[0]
    );
    assert!(!officer[0].contains("Ho CG-"), "{}", officer[0]);
    t.stop().await;
}

/// Steps arriving together share the commit of their session rows; each session still moves
/// exactly as alone (its next step finds where the last one left it).
#[tokio::test]
async fn concurrent_steps_share_commits_and_each_session_moves_as_alone() {
    let t = common::spawn().await;
    let (_, before) = t.app.services.ussd_sessions.counts();
    let firsts = (0..30).map(|n| {
        let t = &t;
        async move { t.ussd(&format!("c-{n}"), DEMO_PHONE, "").await }
    });
    for screen in futures::future::join_all(firsts).await {
        assert_eq!(screen, MAIN_VI);
    }
    let (writes, commits) = t.app.services.ussd_sessions.counts();
    assert_eq!(writes, 30);
    assert!(
        commits - before < 30,
        "30 concurrent steps took {commits} commits"
    );
    let seconds = (0..30).map(|n| {
        let t = &t;
        async move { t.ussd(&format!("c-{n}"), DEMO_PHONE, "4").await }
    });
    for screen in futures::future::join_all(seconds).await {
        assert_eq!(screen, MARRIAGE_VI);
    }
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM ussd_sessions WHERE steps = 2").await,
        30
    );
    t.stop().await;
}
