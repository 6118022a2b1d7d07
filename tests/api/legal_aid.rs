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
    let t = common::spawn_with(|c| c.api_token = Some(TOKEN.into())).await;
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
    assert!(all.iter().all(|m| !m.contains("chong toi")), "{all:?}");
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

    for phone in [VILLAGER, ENGLISH, OTHER] {
        let all = texts(&t, phone).await;
        assert!(
            all.iter().all(|m| !m.contains("chong toi")),
            "{phone}: {all:?}"
        );
    }
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
    assert!(
        !first.contains("chong toi") && !first.to_lowercase().contains("bạo lực"),
        "{first}"
    );
    t.settle().await;
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
