//! Legal aid end to end: intake by SMS and USSD, contact modes and exactly which SMS went out, status
//! and withdrawal by the requester only, the officers' queue, the reminder on a controlled clock,
//! who is refused, and the audit log.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde_json::{json, Value};

use crate::common::{self, TestApp};

const TOKEN: &str = "test-token-12";
/// CG-0001 (Bản Chiêng, Cẩm Giàng, Thái Nguyên), Tày, poor.
const VILLAGER: &str = "0912001001";
/// CG-0003 (Nà Pài, Cẩm Giàng).
const OTHER: &str = "0912001003";
/// CG-0002 (second phone), used for the English exchange.
const ENGLISH: &str = "0388001002";
const OFFICER: &str = "+84912009004"; // trợ giúp pháp lý, Thái Nguyên (19)
const ELSEWHERE: &str = "+84912009005"; // trợ giúp pháp lý of another province
const ADMIN: &str = "+84912009006";
const COMMUNE_OFFICER: &str = "+84912009003";
const HEALTH_WORKER: &str = "+84912009001";
const SECRET: &str = "chong toi danh toi moi dem";

pub async fn spawn() -> TestApp {
    spawn_home(None).await
}

/// Two provinces (Thái Nguyên 19 of the demo data, Bắc Kạn 20 with its own officer) and an
/// admin; `home` is `legal_aid.home_province`.
async fn spawn_home(home: Option<&str>) -> TestApp {
    let t = common::spawn_with(|c| {
        c.api_token = Some(TOKEN.into());
        c.legal_aid.home_province = home.map(str::to_string);
    })
    .await;
    let db = &t.app.services.db;
    let now = loa::db::time::now();
    loa::with_db!(db, pool => {
        sqlx::query("INSERT INTO areas (code, name, level, updated_at) VALUES ('20', 'Bắc Kạn', 'province', $1)")
            .bind(now).execute(pool).await.expect("province");
        for (id, phone, role, area) in [
            (105, ELSEWHERE, "legal_aid", "20"),
            (106, ADMIN, "admin", "19"),
        ] {
            sqlx::query("INSERT INTO staff (id, msisdn, name, role, updated_at) VALUES ($1, $2, 'x', $3, $4)")
                .bind(id as i64).bind(phone).bind(role).bind(now).execute(pool).await.expect("staff");
            sqlx::query("INSERT INTO staff_areas (staff_id, area_code) VALUES ($1, $2)")
                .bind(id as i64).bind(area).execute(pool).await.expect("staff area");
        }
    });
    t
}

async fn staff_id(t: &TestApp, msisdn: &str) -> i64 {
    loa::with_db!(&t.app.services.db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM staff WHERE msisdn = $1"
    )
    .bind(msisdn)
    .fetch_one(pool)
    .await)
    .expect("staff")
}

async fn call(
    t: &TestApp,
    method: &str,
    path: &str,
    staff: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let id = staff_id(t, staff).await;
    let url = t.url(path);
    let req = match method {
        "GET" => t.client.get(url),
        _ => t.client.post(url).json(&body.unwrap_or(Value::Null)),
    };
    let res = req
        .bearer_auth(TOKEN)
        .header("x-loa-staff", id.to_string())
        .send()
        .await
        .expect("request");
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

async fn get(t: &TestApp, path: &str, staff: &str) -> (u16, Value) {
    call(t, "GET", path, staff, None).await
}

async fn post(t: &TestApp, path: &str, staff: &str, body: Value) -> (u16, Value) {
    call(t, "POST", path, staff, Some(body)).await
}

fn text(m: &Value) -> String {
    m["text"].as_str().unwrap_or_default().to_string()
}

/// The reference a text names.
fn reference(text: &str) -> String {
    let at = text
        .find("TG-")
        .unwrap_or_else(|| panic!("no reference in {text}"));
    text[at..at + 9].to_string()
}

/// Fails if any SMS loa queued, to anyone, holds `secret` in any spelling: case, diacritics,
/// spaces and punctuation folded as the keyword parser folds them, so that the words joined up
/// behind a code (`TG-CHONGTOIDANHTOI`) are caught as well as the words themselves.
async fn assert_never_sent(t: &TestApp, secret: &str) {
    let fold = |s: &str| loa::dialog::keywords::normalize(s).concat();
    let needle = fold(secret);
    assert!(
        needle.len() >= 8,
        "a secret too short to look for: {secret}"
    );
    let sent: Vec<Option<String>> = loa::with_db!(&t.app.services.db, pool => sqlx::query_scalar(
        "SELECT text FROM outbox ORDER BY id"
    )
    .fetch_all(pool)
    .await)
    .expect("outbox");
    assert!(!sent.is_empty(), "nothing was sent at all");
    for text in sent.iter().flatten() {
        assert!(
            !fold(text).contains(&needle),
            "{secret:?} sent back in {text:?}"
        );
    }
}

/// Every SMS a phone got, as texts.
async fn texts(t: &TestApp, phone: &str) -> Vec<String> {
    t.messages(phone).await.iter().map(text).collect()
}

#[tokio::test]
async fn one_message_intake_is_call_only_and_never_repeats_the_description() {
    let t = spawn().await;
    let reply = text(&t.ask(VILLAGER, &format!("TGPL 3 {SECRET}")).await);
    let r = reference(&reply);
    // The neutral line: the reference, that this is the intake, the call back; no category.
    assert!(
        reply.contains("bước tiếp nhận") && reply.contains("gọi điện"),
        "{reply}"
    );
    assert!(!reply.to_lowercase().contains("bạo lực"), "{reply}");
    let (s, b) = get(&t, &format!("/api/v1/legal-aid/requests/{r}"), OFFICER).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["request"]["description"], SECRET);
    assert_eq!(b["request"]["category"], "domestic_violence");
    assert_eq!(b["request"]["contact_mode"], "call_only");
    assert_eq!(b["hints"]["household"], "CG-0001");
    assert_eq!(b["hints"]["poverty_class"], "poor");
    assert_eq!(b["hints"]["commune_especially_difficult"], true);
    assert_eq!(b["hints"]["region"], "III");
    let suggested = b["hints"]["suggested"].to_string();
    assert!(suggested.contains("poor_household"), "{suggested}");
    assert!(
        suggested.contains("ethnic_minority_difficult_area"),
        "{suggested}"
    );
    // The status the requester may hear in call-only mode is neutral too.
    let status = text(&t.ask(VILLAGER, &format!("TGPL {}", r.to_lowercase())).await);
    assert_eq!(status, format!("Mã {r}: đã ghi nhận."));
    t.settle().await;
    let all = texts(&t, VILLAGER).await;
    assert_eq!(all.len(), 2, "{all:?}");
    assert_never_sent(&t, SECRET).await;
    t.stop().await;
}

#[tokio::test]
async fn the_short_exchange_in_each_mode_sends_exactly_what_the_mode_allows() {
    let t = spawn().await;
    // SMS updates, in Vietnamese.
    let ask = text(&t.ask(VILLAGER, "TGPL").await);
    assert!(ask.contains("1 Đất đai") && ask.contains("8 Khác"), "{ask}");
    let mode = text(&t.ask(VILLAGER, &format!("1 {SECRET}")).await);
    assert!(mode.contains("Nhắn 1"), "{mode}");
    let done = text(&t.ask(VILLAGER, "1").await);
    let r = reference(&done);
    assert!(
        done.contains("(Đất đai)") && done.contains("02-TP-TGPL"),
        "{done}"
    );
    assert!(
        done.contains("chỉ là bước tiếp nhận") && done.contains("2 ngày làm việc"),
        "{done}"
    );
    let status = text(&t.ask(VILLAGER, &format!("TGPL {r}")).await);
    assert_eq!(
        status,
        format!("Yêu cầu {r}: đã tiếp nhận, đang chờ phân công cán bộ.")
    );

    // Calls only, in English (language set first): the one neutral line.
    t.ask(ENGLISH, "NN en").await;
    let ask = text(&t.ask(ENGLISH, "LEGAL").await);
    assert!(ask.starts_with("Free legal aid."), "{ask}");
    t.ask(ENGLISH, "2").await;
    let neutral = text(&t.ask(ENGLISH, "2").await);
    let r2 = reference(&neutral);
    assert!(neutral.starts_with(&format!("Noted: {r2}.")), "{neutral}");
    assert!(
        neutral.contains("only the intake") && !neutral.contains("family"),
        "{neutral}"
    );

    // No messages at all: after the two questions, nothing.
    t.ask(OTHER, "tro giup phap ly").await;
    t.ask(OTHER, &format!("3 {SECRET}")).await;
    t.sms(OTHER, "3").await;
    t.settle().await;
    let other = texts(&t, OTHER).await;
    assert_eq!(other.len(), 2, "{other:?}");
    let (s, b) = get(
        &t,
        "/api/v1/legal-aid/requests?category=domestic_violence",
        OFFICER,
    )
    .await;
    assert_eq!(s, 200);
    let r3 = b["requests"][0]["reference"]
        .as_str()
        .expect("ref")
        .to_string();
    assert_eq!(b["requests"][0]["contact_mode"], "none");
    // Its status is the answer any unknown reference gets.
    let quiet = text(&t.ask(OTHER, &format!("TGPL {r3}")).await);
    assert_eq!(
        quiet,
        format!("Không có thông tin nào gửi qua tin nhắn cho mã {r3}.")
    );

    assert_never_sent(&t, SECRET).await;
    t.stop().await;
}

#[tokio::test]
async fn the_wrong_phone_hears_what_an_unknown_reference_hears_and_cannot_withdraw() {
    let t = spawn().await;
    t.ask(VILLAGER, "TGPL").await;
    t.ask(VILLAGER, "2").await;
    let r = reference(&text(&t.ask(VILLAGER, "1").await));
    let unknown = text(&t.ask(OTHER, "TGPL TG-ZZZZZZ").await);
    let wrong = text(&t.ask(OTHER, &format!("TGPL {r}")).await);
    assert_eq!(
        wrong,
        unknown.replace("TG-ZZZZZZ", &r),
        "another phone's request reads as no request"
    );
    let wrong_withdraw = text(&t.ask(OTHER, &format!("TGPL HUY {r}")).await);
    assert_eq!(wrong_withdraw, wrong);
    let (_, b) = get(&t, &format!("/api/v1/legal-aid/requests/{r}"), OFFICER).await;
    assert_eq!(b["request"]["status"], "received");

    let withdrawn = text(&t.ask(VILLAGER, &format!("TGPL HUY {r}")).await);
    assert_eq!(
        withdrawn,
        format!("Đã rút yêu cầu {r}. Khi cần, nhắn TGPL để gửi yêu cầu mới.")
    );
    let (_, b) = get(&t, &format!("/api/v1/legal-aid/requests/{r}"), OFFICER).await;
    assert_eq!(b["request"]["status"], "withdrawn");
    let last = &b["history"][1];
    assert_eq!(
        (last["to_status"].as_str(), last["changed_by"].as_str()),
        (Some("withdrawn"), Some("requester"))
    );
    t.stop().await;
}

#[tokio::test]
async fn ussd_option_2_opens_a_request_in_vi_and_en() {
    let t = spawn().await;
    let main = t.ussd("s1", VILLAGER, "").await;
    assert!(main.contains("\n2. Tro giup phap ly\n"), "{main}");
    let cat = t.ussd("s1", VILLAGER, "2").await;
    assert!(
        cat.starts_with("CON Viec can tro giup phap ly:\n1. Dat dai"),
        "{cat}"
    );
    let mode = t.ussd("s1", VILLAGER, "2*1").await;
    assert!(mode.contains("1. Nhan tin bao tinh trang"), "{mode}");
    let confirm = t.ussd("s1", VILLAGER, "2*1*1").await;
    assert!(confirm.contains("1. Gui"), "{confirm}");
    let end = t.ussd("s1", VILLAGER, "2*1*1*1").await;
    assert!(end.starts_with("END Da nhan, ma TG-"), "{end}");
    let r = reference(&end);
    // A replayed confirmation shows the same reference and opens nothing more.
    assert_eq!(t.ussd("s1", VILLAGER, "2*1*1*1").await, end);
    let sms = t.wait_for_messages(VILLAGER, 1).await;
    assert!(
        text(&sms[0]).contains(&r) && text(&sms[0]).contains("(Đất đai)"),
        "{sms:?}"
    );

    // English, calls only: the neutral line is the one SMS.
    t.ussd("s2", OTHER, "5*2").await;
    let end = t.ussd("s2b", OTHER, "2*7*2*1").await;
    assert!(end.starts_with("END Received: TG-"), "{end}");
    let r2 = reference(&end);
    let sms = t.wait_for_messages(OTHER, 1).await;
    assert!(
        text(&sms[0]).starts_with(&format!("Noted: {r2}.")),
        "{sms:?}"
    );
    // No messages at all: the screen shows the reference, no SMS goes.
    let end = t.ussd("s3", ENGLISH, "2*2*3*1").await;
    assert!(end.starts_with("END Da nhan, ma TG-"), "{end}");
    t.settle().await;
    assert_eq!(t.messages(ENGLISH).await.len(), 0);
    assert_eq!(t.messages(OTHER).await.len(), 1);
    assert_eq!(t.messages(VILLAGER).await.len(), 1);
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM legal_aid_requests").await,
        3
    );
    t.stop().await;
}

#[tokio::test]
async fn officers_assign_and_move_requests_and_the_requester_hears_as_the_mode_allows() {
    let t = spawn().await;
    t.ask(VILLAGER, "TGPL").await;
    t.ask(VILLAGER, "4").await;
    let r = reference(&text(&t.ask(VILLAGER, "1").await)); // SMS updates
    let r2 = reference(&text(&t.ask(OTHER, "TGPL 4").await)); // call only
    let officer = staff_id(&t, OFFICER).await;
    let base = "/api/v1/legal-aid/requests";

    let (s, b) = post(
        &t,
        &format!("{base}/{r}/status"),
        OFFICER,
        json!({"status": "contacted"}),
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (400, Some("bad_transition")),
        "assign first"
    );
    let elsewhere = staff_id(&t, ELSEWHERE).await;
    let (s, b) = post(
        &t,
        &format!("{base}/{r}/assign"),
        ADMIN,
        json!({"officer": elsewhere}),
    )
    .await;
    assert_eq!((s, b["error"]["code"].as_str()), (400, Some("bad_officer")));

    let (s, b) = post(
        &t,
        &format!("{base}/{r}/assign"),
        ADMIN,
        json!({"officer": officer, "notify": true}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["request"]["status"], "assigned");
    assert_eq!(b["message_queued"], true);
    for step in ["contacted", "in_progress", "resolved"] {
        let (s, b) = post(
            &t,
            &format!("{base}/{r}/status"),
            OFFICER,
            json!({"status": step, "notify": true}),
        )
        .await;
        assert_eq!(
            (s, b["request"]["status"].as_str()),
            (200, Some(step)),
            "{b}"
        );
    }
    let (s, _) = post(
        &t,
        &format!("{base}/{r}/status"),
        OFFICER,
        json!({"status": "contacted"}),
    )
    .await;
    assert_eq!(s, 400, "nothing leaves resolved");
    let (s, _) = post(
        &t,
        &format!("{base}/{r}/notes"),
        OFFICER,
        json!({"text": "Đã gọi, hẹn thứ Hai"}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = post(
        &t,
        &format!("{base}/{r}/eligibility"),
        OFFICER,
        json!({"group": "ethnic_minority_difficult_area"}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = post(
        &t,
        &format!("{base}/{r}/eligibility"),
        OFFICER,
        json!({"group": "rich"}),
    )
    .await;
    assert_eq!(s, 400);

    // Call only: changes are made, no SMS goes.
    let (_, b) = post(
        &t,
        &format!("{base}/{r2}/assign"),
        OFFICER,
        json!({"officer": officer, "notify": true}),
    )
    .await;
    assert_eq!(b["message_queued"], false);

    let all = t.wait_for_messages(VILLAGER, 7).await;
    let updates: Vec<String> = all[3..].iter().map(text).collect();
    assert_eq!(
        updates,
        [
            format!("Yêu cầu {r}: đã có cán bộ phụ trách, cán bộ sẽ gọi cho bạn."),
            format!("Yêu cầu {r}: cán bộ đã liên hệ với bạn."),
            format!("Yêu cầu {r}: đang được giải quyết."),
            format!("Yêu cầu {r}: đã giải quyết xong."),
        ]
    );
    t.settle().await;
    assert_eq!(t.messages(VILLAGER).await.len(), 7);
    assert_eq!(t.messages(OTHER).await.len(), 1, "the neutral line only");

    let (_, b) = get(&t, &format!("{base}/{r}"), OFFICER).await;
    let moves: Vec<&str> = b["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|h| h["to_status"].as_str())
        .collect();
    assert_eq!(
        moves,
        [
            "received",
            "assigned",
            "contacted",
            "in_progress",
            "resolved"
        ]
    );
    assert_eq!(
        b["history"][1]["changed_by"],
        format!("staff:{}", staff_id(&t, ADMIN).await)
    );
    assert_eq!(b["notes"][0]["body"], "Đã gọi, hẹn thứ Hai");
    assert_eq!(
        b["request"]["eligibility"],
        "ethnic_minority_difficult_area"
    );

    let (s, b) = get(&t, "/api/v1/legal-aid/figures", OFFICER).await;
    assert_eq!(s, 200);
    let labour: i64 = b["figures"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|f| f["category"] == "labour")
        .filter_map(|f| f["requests"].as_i64())
        .sum();
    assert_eq!(labour, 2);
    assert!(!b.to_string().contains("+849"), "no phone in figures: {b}");
    t.stop().await;
}

#[tokio::test]
async fn other_roles_and_other_provinces_are_refused_and_every_read_is_audited() {
    let t = spawn().await;
    let r = reference(&text(&t.ask(VILLAGER, "TGPL 1").await));
    let path = format!("/api/v1/legal-aid/requests/{r}");
    // Another role is refused (403); another province's officer finds nothing (404).
    for (who, refused) in [
        (COMMUNE_OFFICER, 403),
        (HEALTH_WORKER, 403),
        (ELSEWHERE, 404),
    ] {
        let (s, _) = get(&t, &path, who).await;
        assert_eq!(s, refused, "{who}");
        let (s, b) = get(&t, "/api/v1/legal-aid/requests", who).await;
        assert!(
            s == 403 || b["requests"].as_array().is_some_and(|a| a.is_empty()),
            "{who}: {s} {b}"
        );
        let (s, _) = post(
            &t,
            &format!("{path}/status"),
            who,
            json!({"status": "withdrawn"}),
        )
        .await;
        assert_eq!(s, refused, "{who}");
    }
    let (s, _) = get(&t, "/api/v1/legal-aid/figures", COMMUNE_OFFICER).await;
    assert_eq!(s, 403);

    get(&t, "/api/v1/legal-aid/requests", OFFICER).await;
    get(&t, &path, OFFICER).await;
    post(
        &t,
        &format!("{path}/notes"),
        OFFICER,
        json!({"text": "ghi chú"}),
    )
    .await;
    let (s, _) = get(&t, "/api/v1/legal-aid/audit", OFFICER).await;
    assert_eq!(s, 403, "the audit log is for admins");
    let (s, b) = get(&t, &format!("/api/v1/legal-aid/audit?request={r}"), ADMIN).await;
    assert_eq!(s, 200);
    let officer = format!("staff:{}", staff_id(&t, OFFICER).await);
    let lines: Vec<(String, String)> = b["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap_or("").into(),
                e["action"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            (officer.clone(), "note".into()),
            (officer.clone(), "read".into()),
            (officer, "list".into())
        ]
    );
    assert!(
        !b.to_string().contains("+8491200100"),
        "no phone in the log: {b}"
    );
    t.stop().await;
}

fn at(day: &str, hour: u32) -> DateTime<Utc> {
    let d: NaiveDate = day.parse().expect("date");
    chrono_tz::Asia::Ho_Chi_Minh
        .from_local_datetime(&d.and_hms_opt(hour, 0, 0).expect("time"))
        .single()
        .expect("local")
        .with_timezone(&Utc)
}

#[tokio::test]
async fn an_unassigned_request_reminds_its_officers_after_two_working_days_once_a_day() {
    let t = spawn().await;
    let r = reference(&text(&t.ask(VILLAGER, &format!("TGPL 3 {SECRET}")).await));
    // Received on Wednesday 29 April 2026 at 10:00; 30 April and 1 May are holidays, 2–3 May a weekend.
    loa::execute!(&t.app.services.db, pool => sqlx::query("UPDATE legal_aid_requests SET created_at = $1")
        .bind(at("2026-04-29", 10)).execute(pool).await).expect("backdate");
    let holidays: Vec<NaiveDate> = ["2026-04-30", "2026-05-01"]
        .iter()
        .map(|d| d.parse().expect("date"))
        .collect();
    let svc = &t.app.services;
    let remind = |now| {
        loa::features::legal_aid::remind::remind_unassigned(
            &svc.db,
            &svc.locales,
            &svc.outbox,
            svc.tz,
            &holidays,
            now,
        )
    };
    let mut queued = Vec::new();
    for day in [
        "2026-04-30",
        "2026-05-01",
        "2026-05-02",
        "2026-05-03",
        "2026-05-04",
        "2026-05-05",
        "2026-05-06",
        "2026-05-06",
        "2026-05-07",
    ] {
        queued.push(remind(at(day, 8)).await.expect("remind"));
    }
    // Thursday and Friday are holidays, then a weekend; Monday and Tuesday are the two working days.
    assert_eq!(queued, [0, 0, 0, 0, 0, 0, 1, 0, 1]);
    let got = t.wait_for_messages("0912009004", 2).await;
    let first = text(&got[0]);
    assert!(
        first.contains(&r) && first.contains("2 ngày làm việc"),
        "{first}"
    );
    assert!(!first.to_lowercase().contains("bạo lực"), "{first}");
    t.settle().await;
    assert_never_sent(&t, SECRET).await;
    assert_eq!(
        t.messages("0912009005").await.len(),
        0,
        "another province's officer"
    );

    // Once assigned, no more reminders.
    let officer = staff_id(&t, OFFICER).await;
    post(
        &t,
        &format!("/api/v1/legal-aid/requests/{r}/assign"),
        OFFICER,
        json!({"officer": officer}),
    )
    .await;
    assert_eq!(remind(at("2026-05-08", 8)).await.expect("remind"), 0);
    t.stop().await;
}

/// Words after the keyword that are no well-formed reference, as a person in trouble may type
/// them, in Vietnamese and English.
const TYPED: [(&str, &str); 4] = [
    (VILLAGER, "TGPL chồng tôi đánh tôi"),
    (VILLAGER, "TGPL HUY chồng tôi đánh tôi"),
    (ENGLISH, "LEGAL I need help, my husband beats me"),
    (ENGLISH, "LEGAL CANCEL my husband beats me"),
];

#[tokio::test]
async fn words_that_are_no_reference_get_how_to_ask_and_are_never_repeated() {
    let t = spawn().await;
    t.ask(ENGLISH, "NN en").await;
    let mut answers = Vec::new();
    for (phone, typed) in TYPED {
        answers.push(text(&t.ask(phone, typed).await));
    }
    let vi = "Để xin trợ giúp pháp lý, nhắn TGPL rồi chọn lĩnh vực";
    let en = "To ask for legal aid, send TGPL and choose the matter";
    for (answer, start) in answers.iter().zip([vi, vi, en, en]) {
        assert!(answer.starts_with(start), "{answer}");
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[2], answers[3]);
    // Nothing was opened, nothing withdrawn, no code made up of the words.
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM legal_aid_requests").await,
        0
    );
    // A well-formed code still gets the single answer of an unknown code, in any spelling.
    let unknown = text(&t.ask(VILLAGER, "TGPL tg 4k7p2q").await);
    assert_eq!(
        unknown,
        "Không có thông tin nào gửi qua tin nhắn cho mã TG-4K7P2Q."
    );
    let unknown = text(&t.ask(ENGLISH, "LEGAL WITHDRAW 4K7P2Q").await);
    assert_eq!(
        unknown,
        "There is no information to send by SMS for TG-4K7P2Q."
    );
    t.settle().await;
    for secret in ["chồng tôi đánh tôi", "my husband beats me", "I need help"] {
        assert_never_sent(&t, secret).await;
    }
    t.stop().await;
}

#[tokio::test]
async fn the_one_message_form_and_withdrawal_in_english() {
    let t = spawn().await;
    t.ask(ENGLISH, "NN en").await;
    let secret = "my husband took the land papers";
    let neutral = text(&t.ask(ENGLISH, &format!("LEGAL 2 {secret}")).await);
    let r = reference(&neutral);
    assert!(neutral.starts_with(&format!("Noted: {r}.")), "{neutral}");
    assert!(
        !neutral.contains("family"),
        "no category in call-only: {neutral}"
    );
    let (s, b) = get(&t, &format!("/api/v1/legal-aid/requests/{r}"), OFFICER).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["request"]["description"], secret);
    assert_eq!(b["request"]["category"], "family");
    assert_eq!(b["request"]["contact_mode"], "call_only");
    assert_eq!(b["request"]["channel"], "sms");
    // WITHDRAW, in call-only mode: the neutral line, and the request is withdrawn.
    let answer = text(&t.ask(ENGLISH, &format!("LEGAL WITHDRAW {r}")).await);
    assert_eq!(answer, format!("{r}: noted."));
    let (_, b) = get(&t, &format!("/api/v1/legal-aid/requests/{r}"), OFFICER).await;
    assert_eq!(b["request"]["status"], "withdrawn");

    // CANCEL, in SMS mode (the short exchange), says so.
    t.ask(ENGLISH, "LEGAL").await;
    t.ask(ENGLISH, "1").await;
    let r2 = reference(&text(&t.ask(ENGLISH, "1").await));
    let answer = text(
        &t.ask(ENGLISH, &format!("legal cancel {}", r2.to_lowercase()))
            .await,
    );
    assert_eq!(
        answer,
        format!("Request {r2} withdrawn. Send TGPL whenever you need a new request.")
    );
    let (_, b) = get(&t, &format!("/api/v1/legal-aid/requests/{r2}"), OFFICER).await;
    assert_eq!(b["request"]["status"], "withdrawn");
    assert_eq!(b["history"][1]["changed_by"], "requester");
    // Once withdrawn, a second CANCEL changes nothing and says where it stands.
    let again = text(&t.ask(ENGLISH, &format!("LEGAL CANCEL {r2}")).await);
    assert_eq!(again, format!("Request {r2}: withdrawn."));
    t.settle().await;
    assert_never_sent(&t, secret).await;
    t.stop().await;
}

/// The references a list answers, in its order.
fn references(b: &Value) -> Vec<String> {
    b["requests"]
        .as_array()
        .unwrap_or_else(|| panic!("no list: {b}"))
        .iter()
        .filter_map(|r| r["reference"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn the_queue_filters_by_status_commune_and_age() {
    let t = spawn().await;
    let old = reference(&text(&t.ask(VILLAGER, "TGPL 1").await)); // Cẩm Giàng (02008)
    let assigned = reference(&text(&t.ask(OTHER, "TGPL 1").await)); // Cẩm Giàng
    let elsewhere = reference(&text(&t.ask("0912002001", "TGPL 1").await)); // Vĩnh Thông (01981)
    loa::execute!(&t.app.services.db, pool => sqlx::query(
        "UPDATE legal_aid_requests SET created_at = $1 WHERE reference = $2"
    )
    .bind(loa::db::time::now() - chrono::TimeDelta::days(10))
    .bind(old.as_str())
    .execute(pool)
    .await)
    .expect("backdate");
    let officer = staff_id(&t, OFFICER).await;
    let (s, _) = post(
        &t,
        &format!("/api/v1/legal-aid/requests/{assigned}/assign"),
        OFFICER,
        json!({"officer": officer}),
    )
    .await;
    assert_eq!(s, 200);
    let (old, assigned, elsewhere) = (old.as_str(), assigned.as_str(), elsewhere.as_str());
    let list = |query: &'static str| {
        let t = &t;
        async move {
            let (s, b) = get(t, &format!("/api/v1/legal-aid/requests{query}"), OFFICER).await;
            assert_eq!(s, 200, "{query}: {b}");
            references(&b)
        }
    };
    assert_eq!(list("").await, [elsewhere, assigned, old], "newest first");
    assert_eq!(list("?status=assigned").await, [assigned]);
    assert_eq!(list("?status=received").await, [elsewhere, old]);
    assert_eq!(list("?commune=01981").await, [elsewhere]);
    assert_eq!(list("?commune=02008").await, [assigned, old]);
    assert_eq!(list("?min_age_days=5").await, [old]);
    assert_eq!(list("?min_age_days=11").await, Vec::<String>::new());
    assert_eq!(
        list("?commune=02008&status=received&min_age_days=1").await,
        [old]
    );
    let (s, b) = get(&t, "/api/v1/legal-aid/requests?status=lost", OFFICER).await;
    assert_eq!((s, b["error"]["code"].as_str()), (400, Some("bad_status")));
    t.stop().await;
}

/// A phone that is in no household of the demo data.
const NO_HOUSEHOLD: &str = "0977000111";

/// Makes every request 29 April 2026 10:00 (a Wednesday) and runs the reminder on Monday 4 May,
/// two whole working days later: the phones of the staff reminded.
async fn reminded(t: &TestApp) -> Vec<String> {
    loa::execute!(&t.app.services.db, pool => sqlx::query("UPDATE legal_aid_requests SET created_at = $1")
        .bind(at("2026-04-29", 10)).execute(pool).await).expect("backdate");
    let svc = &t.app.services;
    let queued = loa::features::legal_aid::remind::remind_unassigned(
        &svc.db,
        &svc.locales,
        &svc.outbox,
        svc.tz,
        &[],
        at("2026-05-04", 8),
    )
    .await
    .expect("remind");
    t.settle().await;
    let phones: Vec<String> = loa::with_db!(&svc.db, pool => sqlx::query_scalar(
        "SELECT recipient FROM outbox WHERE origin = 'legal-aid:remind' ORDER BY recipient"
    )
    .fetch_all(pool)
    .await)
    .expect("reminders");
    assert_eq!(phones.len(), queued);
    phones
}

#[tokio::test]
async fn a_phone_in_no_household_belongs_to_the_configured_home_province() {
    let t = spawn_home(Some("19")).await;
    let r = reference(&text(&t.ask(NO_HOUSEHOLD, "TGPL 1").await));
    let path = format!("/api/v1/legal-aid/requests/{r}");
    for (who, seen) in [(OFFICER, 200), (ADMIN, 200), (ELSEWHERE, 404)] {
        let (s, b) = get(&t, &path, who).await;
        assert_eq!(s, seen, "{who}: {b}");
    }
    let (_, b) = get(&t, &path, OFFICER).await;
    assert_eq!(b["request"]["province_code"], "19");
    assert_eq!(b["request"]["village_code"], Value::Null);
    let (_, b) = get(&t, "/api/v1/legal-aid/requests", ELSEWHERE).await;
    assert_eq!(references(&b), Vec::<String>::new());
    let (s, _) = post(
        &t,
        &format!("{path}/notes"),
        ELSEWHERE,
        json!({"text": "x"}),
    )
    .await;
    assert_eq!(s, 404);
    assert_eq!(
        reminded(&t).await,
        [OFFICER],
        "the home province's officer only"
    );
    t.stop().await;
}

#[tokio::test]
async fn a_phone_in_no_household_with_several_provinces_and_no_home_is_for_admins_only() {
    let t = spawn().await;
    let r = reference(&text(&t.ask(NO_HOUSEHOLD, "TGPL 1").await));
    let path = format!("/api/v1/legal-aid/requests/{r}");
    for (who, seen) in [(OFFICER, 404), (ELSEWHERE, 404), (ADMIN, 200)] {
        let (s, b) = get(&t, &path, who).await;
        assert_eq!(s, seen, "{who}: {b}");
    }
    for who in [OFFICER, ELSEWHERE] {
        let (_, b) = get(&t, "/api/v1/legal-aid/requests", who).await;
        assert_eq!(references(&b), Vec::<String>::new(), "{who}");
    }
    assert_eq!(reminded(&t).await, [ADMIN], "no officer, the admins");
    t.stop().await;
}

#[tokio::test]
async fn a_phone_in_no_household_belongs_to_the_only_province() {
    // The demo data alone: one province (Thái Nguyên, 19), its legal aid officer.
    let t = common::spawn_with(|c| c.api_token = Some(TOKEN.into())).await;
    let r = reference(&text(&t.ask(NO_HOUSEHOLD, "TGPL 1").await));
    let (s, b) = get(&t, &format!("/api/v1/legal-aid/requests/{r}"), OFFICER).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["request"]["province_code"], "19");
    assert_eq!(reminded(&t).await, [OFFICER]);
    t.stop().await;
}

#[tokio::test]
async fn a_home_province_the_database_does_not_have_stops_start_up() {
    let db = common::TestDb::new().await;
    let mut config = common::test_config(&db);
    // A database with no province yet is being set up: the code is taken as it is.
    config.legal_aid.home_province = Some("99".into());
    let app = loa::server::open(config.clone())
        .await
        .expect("no provinces yet");
    loa::demo::load(&app.services.db).await.expect("demo data");
    app.services.db.close().await;
    let err = loa::server::open(config).await.err().expect("refused");
    let said = err.to_string();
    assert!(
        said.contains("legal_aid.home_province") && said.contains("`99`") && said.contains("19"),
        "{said}"
    );
    db.drop_db().await;
}

#[tokio::test]
async fn many_ussd_intakes_from_one_number_stop_at_the_reply_budget() {
    let t = common::spawn_with(|c| {
        c.replies.budget = 3;
        c.replies.window_minutes = 10;
    })
    .await;
    for i in 0..6 {
        let end = t.ussd(&format!("flood-{i}"), VILLAGER, "2*1*2*1").await;
        assert!(end.starts_with("END Da nhan, ma TG-"), "{end}");
    }
    t.settle().await;
    // Every session opened its request; the SMS stop at the budget, with one try-later line.
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM legal_aid_requests").await,
        6
    );
    let got = texts(&t, VILLAGER).await;
    let try_later = t.app.services.locales.render(
        "vi",
        &loa::i18n::Msg::new("reply-budget-try-later").num("minutes", 10),
    );
    assert_eq!(got.len(), 4, "{got:#?}");
    assert!(
        got[..3].iter().all(|m| m.starts_with("Đã ghi nhận mã TG-")),
        "{got:#?}"
    );
    assert_eq!(got[3], try_later);
    // And an SMS reply after them is held to the same budget: nothing more goes.
    t.sms(VILLAGER, "TGPL").await;
    t.settle().await;
    assert_eq!(texts(&t, VILLAGER).await.len(), 4);
    t.stop().await;
}

#[tokio::test]
async fn the_audit_log_and_the_history_refuse_updates_and_deletes() {
    let t = spawn().await;
    let r = reference(&text(&t.ask(VILLAGER, "TGPL 1").await));
    let (s, _) = get(&t, &format!("/api/v1/legal-aid/requests/{r}"), OFFICER).await;
    assert_eq!(s, 200);
    let db = &t.app.services.db;
    for sql in [
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
        "UPDATE legal_aid_history SET changed_by = 'someone else'",
        "DELETE FROM legal_aid_history",
    ] {
        let done = loa::execute!(db, pool => sqlx::query(sql).execute(pool).await);
        let err = done.err().unwrap_or_else(|| panic!("{sql} was allowed"));
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    if let loa::db::Db::Postgres(pool) = db {
        for sql in ["TRUNCATE audit_log", "TRUNCATE legal_aid_history CASCADE"] {
            let err = sqlx::query(sql).execute(pool).await.err();
            assert!(err.is_some(), "{sql} was allowed");
        }
    }
    assert_eq!(
        common::count(
            &t.app,
            "SELECT COUNT(*) FROM audit_log WHERE actor LIKE 'staff:%'"
        )
        .await,
        1
    );
    assert_eq!(
        common::count(
            &t.app,
            "SELECT COUNT(*) FROM legal_aid_history WHERE changed_by = 'requester'"
        )
        .await,
        1
    );
    t.stop().await;
}

#[tokio::test]
async fn loa_report_legal_aid_writes_the_month_as_csv_without_personal_data() {
    let t = spawn().await;
    let r = reference(&text(&t.ask(VILLAGER, &format!("TGPL 3 {SECRET}")).await));
    let r2 = reference(&text(&t.ask(OTHER, "TGPL 3").await));
    let later = reference(&text(&t.ask("0912002001", "TGPL 1").await));
    let db = &t.app.services.db;
    for (reference, when) in [
        (&r, "2026-04-29"),
        (&r2, "2026-04-30"),
        (&later, "2026-05-04"),
    ] {
        loa::execute!(db, pool => sqlx::query(
            "UPDATE legal_aid_requests SET created_at = $1 WHERE reference = $2"
        )
        .bind(at(when, 10))
        .bind(reference.as_str())
        .execute(pool)
        .await)
        .expect("backdate");
    }
    // The command a monitor runs, on this test's database, as a separate process.
    let url = t.db.url.clone();
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_loa"));
        for (name, _) in std::env::vars().filter(|(k, _)| k.starts_with("LOA_")) {
            cmd.env_remove(name);
        }
        cmd.env_remove("RUST_LOG")
            .env("LOA_DATABASE_URL", url)
            .args(["report", "legal-aid", "--month", "2026-04"])
            .output()
    })
    .await
    .expect("join")
    .expect("run loa");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "month,province,commune,category,status,requests",
            "2026-04,19,02008,domestic_violence,received,2",
        ],
        "{stdout}"
    );
    for personal in [
        r.as_str(),
        r2.as_str(),
        "+84912001001",
        "0912001001",
        "912001001",
        "CG-0001",
        "B010201",
    ] {
        assert!(!stdout.contains(personal), "{personal} in {stdout}");
    }
    let fold = |s: &str| loa::dialog::keywords::normalize(s).concat();
    assert!(!fold(&stdout).contains(&fold(SECRET)), "{stdout}");
    t.stop().await;
}
