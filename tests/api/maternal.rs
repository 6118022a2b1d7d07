//! Prenatal checkup reminders (issue 13): registration, the daily job on a clock the test moves,
//! KHAM/SINH/MAT, HUY NH, two instances at once, the Monday digest, worker campaigns, the API.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc, Weekday};
use chrono_tz::Asia::Ho_Chi_Minh as VN;
use loa::dialog::maternal::ctx;
use loa::features::maternal::{self, reminders, Dating, Registration, RegistrationSource};
use loa::features::staff;
use loa::phone::Msisdn;
use serde_json::{json, Value};

use crate::common::{self, TestApp};

const WORKER: &str = "0912009001"; // y tế thôn bản, B010201-B010203
const MIDWIFE: &str = "0912009002"; // cô đỡ thôn bản, B010301-B010302
const MOTHER: &str = "0912001001"; // household CG-0001, B010201

fn today() -> NaiveDate {
    Utc::now().with_timezone(&VN).date_naive()
}

fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// `day` at `h`:`m` in Vietnam, as UTC.
fn at(day: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    VN.from_local_datetime(&day.and_hms_opt(h, m, 0).expect("time"))
        .single()
        .expect("local time")
        .with_timezone(&Utc)
}

fn phone(s: &str) -> Msisdn {
    Msisdn::parse(s).expect("phone")
}

async fn worker(t: &TestApp, p: &str) -> (staff::Staff, staff::Scope) {
    let db = &t.app.services.db;
    let s = staff::by_phone(db, &phone(p))
        .await
        .expect("db")
        .expect("staff");
    let scope = staff::scope(db, &s).await.expect("scope");
    (s, scope)
}

/// Registers through the feature on the test's clock.
async fn register_at(
    t: &TestApp,
    mother: &str,
    dating: Dating,
    village: Option<&str>,
    now: DateTime<Utc>,
) -> i64 {
    let (s, scope) = worker(t, WORKER).await;
    let reg = Registration {
        phone: phone(mother),
        dating,
        village: village.map(str::to_string),
    };
    let r = maternal::register(
        &ctx(&t.app.services),
        &s,
        &scope,
        &reg,
        RegistrationSource::Api,
        now,
    )
    .await
    .expect("register")
    .expect("accepted");
    r.id
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct Row {
    key: String,
    status: String,
    not_before: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    topic: Option<String>,
}

async fn rows_to(t: &TestApp, to: &str) -> Vec<Row> {
    let e164 = phone(to).as_str().to_string();
    loa::with_db!(&t.app.services.db, pool => sqlx::query_as(
        "SELECT idempotency_key AS key, status, not_before, expires_at, topic FROM outbox
          WHERE recipient = $1 AND idempotency_key LIKE 'pregnancy:%' ORDER BY id"
    )
    .bind(e164)
    .fetch_all(pool)
    .await)
    .expect("rows")
}

/// The text of the outbox row with idempotency key `key`.
async fn text_of(t: &TestApp, key: &str) -> String {
    loa::with_db!(&t.app.services.db, pool => sqlx::query_scalar(
        "SELECT text FROM outbox WHERE idempotency_key = $1"
    )
    .bind(key)
    .fetch_one(pool)
    .await)
    .expect("row")
}

/// The part of a key after `pregnancy:<id>:`, without dates: `anc:visit:1:eve`, `anc:week:5`.
fn kind(key: &str) -> String {
    let parts: Vec<&str> = key.split(':').skip(2).collect();
    parts
        .iter()
        .filter(|p| !(p.len() == 10 && p.as_bytes()[4] == b'-'))
        .cloned()
        .collect::<Vec<_>>()
        .join(":")
}

#[tokio::test]
async fn registration_by_edd_and_by_lmp() {
    let t = common::spawn().await;
    let edd = today() + TimeDelta::days(200);
    let reply = t.ask(WORKER, &format!("THAI {MOTHER} {}", dmy(edd))).await;
    let text = reply["text"].as_str().expect("text");
    assert!(text.contains(&format!("dự sinh {}", dmy(edd))), "{text}");
    assert!(text.contains("Khám lần"), "first visit's date: {text}");
    let welcome = t.wait_for_messages(MOTHER, 1).await;
    assert!(
        welcome[0]["text"]
            .as_str()
            .expect("text")
            .contains("HUY NH"),
        "{welcome:?}"
    );
    // Again, by the last period (short year): the same pregnancy, updated.
    let lmp = today() - TimeDelta::days(70);
    let short = lmp.format("%-d/%-m/%y").to_string();
    let reply = t.ask(WORKER, &format!("THAI {MOTHER} KC {short}")).await;
    let want = lmp + TimeDelta::days(280);
    assert!(
        reply["text"].as_str().expect("text").contains(&dmy(want)),
        "{reply}"
    );
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM pregnancies").await,
        1
    );
    let ledger =
        "SELECT COUNT(*) FROM consent_events WHERE scope = 'reminder' AND action = 'opt_in'";
    assert!(common::count(&t.app, ledger).await >= 1);
    assert_eq!(
        t.messages(MOTHER).await.len(),
        1,
        "one welcome per pregnancy"
    );
    let audited = "SELECT COUNT(*) FROM audit_log WHERE subject_kind = 'pregnancy'";
    assert_eq!(common::count(&t.app, audited).await, 2);
    t.stop().await;
}

#[tokio::test]
async fn bad_dates_get_clear_words() {
    let t = common::spawn().await;
    let cases = [
        (
            format!("THAI {MOTHER} {}", dmy(today() - TimeDelta::days(1))),
            "đã qua",
        ),
        (
            format!("THAI {MOTHER} {}", dmy(today() + TimeDelta::weeks(43))),
            "quá 42 tuần",
        ),
        (
            format!("THAI {MOTHER} KC {}", dmy(today() + TimeDelta::days(3))),
            "không thể ở sau hôm nay",
        ),
        (format!("THAI {MOTHER} 31/02/2027"), "Nhắn: THAI"),
        (format!("THAI {MOTHER}"), "Nhắn: THAI"),
        ("THAI 12345 15/06/2027".to_string(), "chưa đúng"),
    ];
    for (sms, want) in cases {
        let reply = t.ask(WORKER, &sms).await;
        assert!(
            reply["text"].as_str().expect("text").contains(want),
            "{sms}: {reply}"
        );
    }
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM pregnancies").await,
        0
    );
    t.stop().await;
}

#[tokio::test]
async fn only_a_worker_of_the_village_may_register() {
    let t = common::spawn().await;
    let edd = dmy(today() + TimeDelta::days(150));
    // The midwife works in Vĩnh Thông; CG-0001 lives in Cẩm Giàng.
    let reply = t.ask(MIDWIFE, &format!("THAI {MOTHER} {edd}")).await;
    assert!(
        reply["text"]
            .as_str()
            .expect("text")
            .contains("không ở thôn"),
        "{reply}"
    );
    // A villager is no health worker.
    let reply = t.ask("0912001003", &format!("THAI {MOTHER} {edd}")).await;
    assert!(
        reply["text"]
            .as_str()
            .expect("text")
            .contains("dành cho y tế"),
        "{reply}"
    );
    // A phone in no household: the village must be named, and be the worker's.
    let stranger = "0912555001";
    let reply = t.ask(WORKER, &format!("THAI {stranger} {edd}")).await;
    assert!(
        reply["text"].as_str().expect("text").contains("mã thôn"),
        "{reply}"
    );
    let reply = t
        .ask(WORKER, &format!("THAI {stranger} {edd} B010301"))
        .await;
    assert!(
        reply["text"]
            .as_str()
            .expect("text")
            .contains("không ở thôn"),
        "{reply}"
    );
    let reply = t
        .ask(WORKER, &format!("THAI {stranger} {edd} b010202"))
        .await;
    assert!(
        reply["text"]
            .as_str()
            .expect("text")
            .contains("Đã ghi thai"),
        "{reply}"
    );
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM pregnancies").await,
        1
    );
    // Nor may the midwife report on her.
    let reply = t.ask(MIDWIFE, &format!("KHAM {stranger}")).await;
    assert!(
        reply["text"]
            .as_str()
            .expect("text")
            .contains("không ở thôn"),
        "{reply}"
    );
    t.stop().await;
}

/// Three mothers from week 5 to four months after the birth, the job run every morning at
/// 06:00 and the events at noon: mother 1 goes to checkup 2 early and gives birth five days
/// before her EDD; mother 2 sends HUY NH at week 20 and never reports a birth; mother 3 is lost
/// on the eve of visit 1 (day 76), at 06:30, after the job has queued that day's reminder.
#[tokio::test]
async fn a_whole_pregnancy_sends_each_reminder_once_in_its_window() {
    let t = common::spawn().await;
    let svc = &t.app.services;
    let c = ctx(svc);
    let (s, scope) = worker(&t, WORKER).await;
    // Far enough ahead that no row is due on the real clock: the dispatcher leaves them queued.
    let t0 = today() + TimeDelta::days(30);
    let lmp = t0 - TimeDelta::days(35);
    let edd = lmp + TimeDelta::days(280);
    let (m1, m2, m3) = ("0912001001", "0912001003", "0912555003");
    register_at(&t, m1, Dating::Lmp(lmp), None, at(t0, 5, 0)).await;
    let p2 = register_at(&t, m2, Dating::Lmp(lmp), None, at(t0, 5, 0)).await;
    register_at(&t, m3, Dating::Lmp(lmp), Some("B010203"), at(t0, 5, 0)).await;
    let birth = lmp + TimeDelta::days(275);
    let end = birth + TimeDelta::days(125);
    let mut day = t0;
    while day <= end {
        reminders::run(&c, at(day, 6, 0)).await.expect("job");
        let noon = at(day, 12, 0);
        let since = (day - lmp).num_days();
        if since == 150 {
            let done = maternal::checkup_by_staff(&c, &s, &scope, &phone(m1), noon)
                .await
                .expect("kham");
            assert_eq!(done.expect("visit").visit, 2, "the visit of day 154 counts");
        }
        if since == 140 {
            t.sms(m2, "HUY NH").await;
        }
        if since == 76 {
            // The eve of visit 1 (day 77): the job has just queued its reminder for 07:00.
            let queued = rows_to(&t, m3).await;
            assert!(
                queued
                    .iter()
                    .any(|r| kind(&r.key) == "anc:visit:1:eve" && r.status == "queued"),
                "{queued:?}"
            );
            maternal::loss(&c, &s, &scope, &phone(m3), at(day, 6, 30))
                .await
                .expect("mat")
                .expect("lost");
        }
        if day == birth {
            maternal::birth(&c, &s, &scope, &phone(m1), birth, noon)
                .await
                .expect("sinh")
                .expect("born");
        }
        day += TimeDelta::days(1);
    }

    // Mother 1: MoH visits 1, 3, 4 (2 was done early), weeks 5 to 39, three postnatal checks,
    // the birth dose (its eve was the birth morning, before SINH) and three more doses.
    let r1 = rows_to(&t, m1).await;
    let kinds: Vec<String> = r1
        .iter()
        .filter(|r| r.key.contains(":anc:") || r.key.contains(":pnc:") || r.key.contains(":epi:"))
        .map(|r| kind(&r.key))
        .collect();
    let unique: BTreeSet<&String> = kinds.iter().collect();
    assert_eq!(unique.len(), kinds.len(), "a reminder twice: {kinds:?}");
    let mut want: BTreeSet<String> = BTreeSet::new();
    for n in [1, 3, 4] {
        for w in ["eve", "day"] {
            want.insert(format!("anc:visit:{n}:{w}"));
        }
    }
    for w in 5..=39 {
        want.insert(format!("anc:week:{w}"));
    }
    for n in 1..=3 {
        for w in ["eve", "day"] {
            want.insert(format!("pnc:{n}:{w}"));
        }
    }
    want.insert("epi:0:day".into());
    for m in [2, 3, 4] {
        for w in ["eve", "day"] {
            want.insert(format!("epi:{m}:{w}"));
        }
    }
    let got: BTreeSet<String> = kinds.into_iter().collect();
    assert_eq!(got, want);
    // Every reminder in the morning window of its own day, on the reminder topic.
    let (start, stop) = (
        NaiveTime::from_hms_opt(7, 0, 0),
        NaiveTime::from_hms_opt(11, 0, 0),
    );
    for r in r1.iter().filter(|r| !r.key.ends_with(":welcome")) {
        let nb = r.not_before.with_timezone(&VN);
        let ex = r.expires_at.with_timezone(&VN);
        assert_eq!((Some(nb.time()), Some(ex.time())), (start, stop), "{r:?}");
        assert_eq!(nb.date_naive(), ex.date_naive(), "{r:?}");
        assert_eq!(r.topic.as_deref(), Some("reminder"));
    }
    // Visit 1 reminders on the day before and the day of week 11.
    let v1 = lmp + TimeDelta::days(77);
    let eve = r1
        .iter()
        .find(|r| kind(&r.key) == "anc:visit:1:eve")
        .expect("eve");
    assert_eq!(
        eve.not_before.with_timezone(&VN).date_naive(),
        v1 - TimeDelta::days(1)
    );

    // Mother 2: nothing after HUY NH (day 140), and the worker is asked two weeks past the EDD.
    let r2 = rows_to(&t, m2).await;
    let last = r2
        .iter()
        .filter(|r| !r.key.ends_with(":welcome"))
        .map(|r| r.not_before)
        .max()
        .expect("rows");
    assert!(
        last < at(lmp + TimeDelta::days(141), 0, 0),
        "a reminder after HUY NH: {last}"
    );
    let asked = rows_to(&t, WORKER).await;
    let overdue: Vec<&Row> = asked
        .iter()
        .filter(|r| r.key.contains(":overdue:"))
        .collect();
    assert_eq!(overdue.len(), 1, "{asked:?}");
    assert_eq!(
        overdue[0].not_before.with_timezone(&VN).date_naive(),
        edd + TimeDelta::days(14)
    );
    // The question names her by household and the end of her number, never the whole number.
    let asked = text_of(&t, &overdue[0].key).await;
    assert!(
        asked.contains("CG-0003 …1003") && asked.contains("SINH <số điện thoại>"),
        "{asked}"
    );
    assert!(!asked.contains("912001003"), "a full phone number: {asked}");
    let disclosed = format!(
        "SELECT COUNT(*) FROM audit_log WHERE actor = 'system' AND action = 'disclose'
            AND subject_id = '{p2}' AND detail = 'overdue question to staff:{}'",
        s.id
    );
    assert_eq!(common::count(&t.app, &disclosed).await, 1, "audited once");

    // Mother 3: the eve reminder queued the morning of the loss is cancelled; nothing after it.
    let r3 = rows_to(&t, m3).await;
    let loss_day = lmp + TimeDelta::days(76);
    let after_loss: Vec<(String, &str)> = r3
        .iter()
        .filter(|r| r.not_before >= at(loss_day, 0, 0))
        .map(|r| (kind(&r.key), r.status.as_str()))
        .collect();
    assert_eq!(
        after_loss,
        vec![("anc:visit:1:eve".to_string(), "cancelled")],
        "{r3:?}"
    );
    assert!(
        r3.iter()
            .all(|r| r.status != "queued" || r.not_before < at(loss_day, 0, 0)),
        "{r3:?}"
    );
    assert_eq!(
        rows_to(&t, WORKER).await.len(),
        1,
        "no word to the worker but the overdue question"
    );
    t.stop().await;
}

#[tokio::test]
async fn kham_cancels_the_visit_reminders() {
    let t = common::spawn().await;
    let c = ctx(&t.app.services);
    let (s, scope) = worker(&t, WORKER).await;
    let t0 = today() + TimeDelta::days(20);
    // Visit 1 (week 11) tomorrow.
    let lmp = t0 + TimeDelta::days(1) - TimeDelta::days(77);
    register_at(&t, MOTHER, Dating::Lmp(lmp), None, at(t0, 5, 0)).await;
    reminders::run(&c, at(t0, 6, 0)).await.expect("job");
    let queued: Vec<Row> = rows_to(&t, MOTHER)
        .await
        .into_iter()
        .filter(|r| r.key.contains(":visit:1:"))
        .collect();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].status, "queued");
    let done = maternal::checkup_by_staff(&c, &s, &scope, &phone(MOTHER), at(t0, 12, 0))
        .await
        .expect("kham")
        .expect("done");
    assert_eq!(done.visit, 1);
    assert_eq!(
        rows_to(&t, MOTHER)
            .await
            .iter()
            .find(|r| r.key.contains(":visit:1:"))
            .expect("row")
            .status,
        "cancelled"
    );
    reminders::run(&c, at(t0 + TimeDelta::days(1), 6, 0))
        .await
        .expect("job");
    let visit1 = rows_to(&t, MOTHER)
        .await
        .into_iter()
        .filter(|r| r.key.contains(":visit:1:"))
        .count();
    assert_eq!(visit1, 1, "no reminder on the day of a visit already done");
    // By SMS on the real clock: the worker's KHAM and the mother's DA KHAM answer in words.
    let other = "0912001002";
    t.ask(
        WORKER,
        &format!("THAI {other} {}", dmy(today() + TimeDelta::days(220))),
    )
    .await;
    let reply = t.ask(WORKER, &format!("KHAM {other}")).await;
    assert!(
        reply["text"]
            .as_str()
            .expect("text")
            .starts_with("Đã ghi khám lần 1"),
        "{reply}"
    );
    let reply = t.ask(other, "Đã khám").await;
    assert!(
        reply["text"]
            .as_str()
            .expect("text")
            .contains("Cảm ơn chị đã đi khám lần 2"),
        "{reply}"
    );
    t.stop().await;
}

#[tokio::test]
async fn two_instances_running_the_job_at_once_queue_each_reminder_once() {
    let t = common::spawn().await;
    let twin = t.twin().await;
    let t0 = today() + TimeDelta::days(10);
    // Thirty mothers whose week 11 starts today, the day of their first visit.
    let lmp = t0 - TimeDelta::days(77);
    for i in 0..30 {
        register_at(
            &t,
            &format!("09125560{i:02}"),
            Dating::Lmp(lmp),
            Some("B010201"),
            at(t0, 5, 0),
        )
        .await;
    }
    let (a, b) = (ctx(&t.app.services), ctx(&twin.app.services));
    let now = at(t0, 6, 0);
    let (ra, rb) = tokio::join!(reminders::run(&a, now), reminders::run(&b, now));
    let queued = ra.expect("a").queued + rb.expect("b").queued;
    assert_eq!(
        queued, 60,
        "30 visit reminders and 30 weekly messages, once"
    );
    let rows = common::count(
        &t.app,
        "SELECT COUNT(*) FROM outbox WHERE idempotency_key LIKE 'pregnancy:%:anc:%'",
    )
    .await;
    assert_eq!(rows, 60);
    // A third run, after a restart, adds nothing.
    assert_eq!(
        reminders::run(&a, at(t0, 8, 0))
            .await
            .expect("again")
            .queued,
        0
    );
    twin.stop().await;
    t.stop().await;
}

#[tokio::test]
async fn the_monday_digest_lists_the_women_due_this_week() {
    let t = common::spawn().await;
    let c = ctx(&t.app.services);
    let mut monday = today() + TimeDelta::days(14);
    while monday.weekday() != Weekday::Mon {
        monday += TimeDelta::days(1);
    }
    // CG-0001's visit 1 on Wednesday; a stranger's visit 2 on Sunday; CG-0003's visit next month.
    let wed = monday + TimeDelta::days(2);
    let due1 = register_at(
        &t,
        MOTHER,
        Dating::Lmp(wed - TimeDelta::days(77)),
        None,
        at(monday - TimeDelta::days(7), 9, 0),
    )
    .await;
    let sun = monday + TimeDelta::days(6);
    let due2 = register_at(
        &t,
        "0912557001",
        Dating::Lmp(sun - TimeDelta::days(154)),
        Some("B010202"),
        at(monday - TimeDelta::days(7), 9, 0),
    )
    .await;
    register_at(
        &t,
        "0912001003",
        Dating::Lmp(monday - TimeDelta::days(30)),
        None,
        at(monday - TimeDelta::days(7), 9, 0),
    )
    .await;
    let queued = maternal::digest::run(&c, at(monday, 6, 0))
        .await
        .expect("digest");
    assert_eq!(queued, 1);
    let text: String = loa::with_db!(&t.app.services.db, pool => sqlx::query_scalar(
        "SELECT text FROM outbox WHERE idempotency_key LIKE 'maternal-digest:%'"
    )
    .fetch_one(pool)
    .await)
    .expect("digest row");
    assert!(text.contains("2 chị"), "{text}");
    assert!(
        text.contains(&format!("CG-0001 lần 1 ({})", wed.format("%d/%m"))),
        "{text}"
    );
    assert!(
        text.contains(&format!("…7001 lần 2 ({})", sun.format("%d/%m"))),
        "{text}"
    );
    assert!(!text.contains("CG-0003"), "{text}");
    assert!(!text.contains("912557001"), "a full phone number: {text}");
    // The log says which pregnancies the digest named, and to whom; once.
    let worker_id = worker(&t, WORKER).await.0.id;
    let disclosed = || async {
        let rows: Vec<(Option<String>, Option<String>)> =
            loa::with_db!(&t.app.services.db, pool => sqlx::query_as(
            "SELECT subject_id, detail FROM audit_log WHERE actor = 'system' AND action = 'disclose'
              ORDER BY id"
        )
        .fetch_all(pool)
        .await)
            .expect("audit");
        rows
    };
    let detail = format!("Monday digest {monday} to staff:{worker_id}");
    let want: Vec<(Option<String>, Option<String>)> = [due1, due2]
        .iter()
        .map(|id| (Some(id.to_string()), Some(detail.clone())))
        .collect();
    assert_eq!(disclosed().await, want);
    assert_eq!(
        maternal::digest::run(&c, at(monday, 6, 30))
            .await
            .expect("again"),
        0
    );
    assert_eq!(disclosed().await.len(), 2, "a repeat discloses nothing new");
    t.stop().await;
}

/// The number in `text` between `before` and `after`, its thousands separators dropped.
fn number_between(text: &str, before: &str, after: &str) -> u64 {
    let start = text.find(before).map(|i| i + before.len()).expect(before);
    let len = text[start..].find(after).expect(after);
    let digits: String = text[start..start + len]
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number in {text}"))
}

#[tokio::test]
async fn a_worker_campaign_is_previewed_then_sent_on_ok_and_a_late_ok_sends_nothing() {
    // The +8491 numbers go through a gateway at 300 VND a part.
    let dir = crate::notices::priced_gateways();
    let gateway_dir = dir.path().to_path_buf();
    let t = common::spawn_with(move |c| c.gateway_dir = gateway_dir).await;
    let edd = dmy(today() + TimeDelta::days(180));
    t.ask(WORKER, &format!("THAI {MOTHER} {edd}")).await;
    t.ask(WORKER, &format!("THAI 0912001003 {edd}")).await;
    t.ask(WORKER, &format!("THAI 0912558001 {edd} B010203"))
        .await;
    // One opted out of campaigns: not counted, not sent.
    t.ask("0912558001", "HUY VD").await;
    // A mother whose baby was born today: a mother of a child under two, counted.
    let young = "0912558002";
    t.ask(WORKER, &format!("THAI {young} {edd} B010203")).await;
    let born = t
        .ask(WORKER, &format!("SINH {young} {}", dmy(today())))
        .await;
    assert!(
        born["text"].as_str().expect("text").contains("Đã ghi sinh"),
        "{born}"
    );
    let day = (today() + TimeDelta::days(5)).format("%d/%m").to_string();
    let reply = t
        .ask(
            WORKER,
            &format!("NHAC * {day} Tiêm chủng tại trạm y tế xã, 7h30"),
        )
        .await;
    let text = reply["text"].as_str().expect("text");
    assert!(text.contains("Tin sẽ gửi 3 người"), "{text}");
    assert!(text.contains("Nhắn OK trong 10 phút"), "{text}");
    // The cost from the gateway's price: 300 VND for each part.
    let parts = number_between(text, "người, ", " tin");
    let cost = number_between(text, "khoảng ", " đồng");
    assert!(parts >= 3, "{text}");
    assert_eq!(cost, parts * 300, "{text}");
    let before = t.messages(MOTHER).await.len();
    let young_before = t.messages(young).await.len();
    let reply = t.ask(WORKER, "OK").await;
    assert!(
        reply["text"]
            .as_str()
            .expect("text")
            .contains("tới 3 người"),
        "{reply}"
    );
    let got = t.wait_for_messages(MOTHER, before + 1).await;
    let last = got[before]["text"].as_str().expect("text");
    assert!(
        last.contains("Tiêm chủng tại trạm y tế xã, 7h30") && last.contains(&day),
        "{last}"
    );
    let got = t.wait_for_messages(young, young_before + 1).await;
    assert!(
        got[young_before]["text"]
            .as_str()
            .expect("text")
            .contains("Tiêm chủng tại trạm y tế xã"),
        "{got:?}"
    );
    let topic = "SELECT COUNT(*) FROM outbox WHERE topic = 'campaign' AND priority = 10";
    assert_eq!(common::count(&t.app, topic).await, 3);
    // A second campaign, its OK eleven minutes late: refused, nothing sent.
    let reply = t
        .ask(WORKER, &format!("NHAC B010201 {day} Khám thai miễn phí"))
        .await;
    assert!(
        reply["text"]
            .as_str()
            .expect("text")
            .contains("Tin sẽ gửi 1 người"),
        "{reply}"
    );
    loa::execute!(&t.app.services.db, pool => sqlx::query(
        "UPDATE pending_confirmations SET created_at = $1, expires_at = $1 WHERE taken_at IS NULL"
    )
    .bind(Utc::now() - TimeDelta::minutes(11))
    .execute(pool)
    .await)
    .expect("make it late");
    let reply = t.ask(WORKER, "OK").await;
    assert!(
        reply["text"]
            .as_str()
            .expect("text")
            .contains("Đã quá 10 phút"),
        "{reply}"
    );
    assert_eq!(common::count(&t.app, topic).await, 3);
    // A villager cannot run a campaign.
    let reply = t.ask("0912001002", &format!("NHAC * {day} x")).await;
    assert!(
        reply["text"]
            .as_str()
            .expect("text")
            .contains("dành cho y tế"),
        "{reply}"
    );
    t.stop().await;
}

const TOKEN: &str = "test-token-13";

/// A commune health station's staff member (the demo has none), by id.
async fn commune_health(t: &TestApp, msisdn: &str, commune: &str) -> i64 {
    let db = &t.app.services.db;
    let id: i64 = loa::with_db!(db, pool => sqlx::query_scalar(
        "INSERT INTO staff (msisdn, name, role, updated_at)
         VALUES ($1, 'Trạm y tế', 'commune_health', $2) RETURNING id"
    )
    .bind(phone(msisdn).as_str())
    .bind(Utc::now())
    .fetch_one(pool)
    .await)
    .expect("staff");
    loa::execute!(db, pool => sqlx::query("INSERT INTO staff_areas (staff_id, area_code) VALUES ($1, $2)")
        .bind(id)
        .bind(commune)
        .execute(pool)
        .await)
    .expect("area");
    id
}

async fn api(
    t: &TestApp,
    method: &str,
    path: &str,
    staff: i64,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = match method {
        "POST" => t.client.post(t.url(path)),
        _ => t.client.get(t.url(path)),
    }
    .bearer_auth(TOKEN)
    .header("x-loa-staff", staff.to_string());
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("request");
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn the_staff_api_registers_lists_and_audits_within_scope() {
    let t = common::spawn_with(|c| c.api_token = Some(TOKEN.into())).await;
    let (w, _) = worker(&t, WORKER).await;
    let (m, _) = worker(&t, MIDWIFE).await;
    let officer = worker(&t, "0912009003").await.0;
    let edd = (today() + TimeDelta::days(100)).to_string();
    let (status, body) = api(
        &t,
        "POST",
        "/api/v1/pregnancies",
        w.id,
        Some(json!({"phone": MOTHER, "edd": edd})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let id = body["id"].as_i64().expect("id");
    assert_eq!(body["next_visit"]["number"], 3, "{body}");
    let (status, body) = api(
        &t,
        "POST",
        "/api/v1/pregnancies",
        w.id,
        Some(json!({"phone": MOTHER, "edd": "2020-01-01"})),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("edd_past"))
    );
    // The midwife of another commune: as if it did not exist.
    let (status, _) = api(&t, "GET", &format!("/api/v1/pregnancies/{id}"), m.id, None).await;
    assert_eq!(status, 404);
    let (status, _) = api(
        &t,
        "POST",
        "/api/v1/pregnancies",
        m.id,
        Some(json!({"phone": MOTHER, "edd": edd})),
    )
    .await;
    assert_eq!(status, 404);
    // A commune officer is no health staff.
    let (status, _) = api(&t, "GET", "/api/v1/pregnancies", officer.id, None).await;
    assert_eq!(status, 403);
    let (status, body) = api(&t, "GET", &format!("/api/v1/pregnancies/{id}"), w.id, None).await;
    assert_eq!(
        (status, body["household"].as_str()),
        (200, Some("CG-0001")),
        "{body}"
    );
    let (status, body) = api(&t, "GET", "/api/v1/pregnancies", w.id, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["pregnancies"].as_array().map(Vec::len), Some(1));
    let reads = "SELECT COUNT(*) FROM audit_log WHERE subject_kind = 'pregnancy' AND action IN ('read', 'list')";
    assert_eq!(
        common::count(&t.app, reads).await,
        2,
        "the refused read is not audited as a read"
    );
    // The list's entry names the pregnancy it showed.
    let listed = format!(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'list' AND subject_id = '{id}'
            AND actor = 'staff:{}' AND detail = 'API list'",
        w.id
    );
    assert_eq!(common::count(&t.app, &listed).await, 1);
    // Commune health staff: a whole commune's campaign, previewed, then sent.
    let station = commune_health(&t, "0912009010", "02008").await;
    let (status, body) = api(
        &t,
        "GET",
        &format!("/api/v1/pregnancies/{id}"),
        station,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let day = (today() + TimeDelta::days(3)).to_string();
    let campaign = json!({"area": "02008", "day": day, "text": "Ngày tiêm chủng"});
    let (status, body) = api(
        &t,
        "POST",
        "/api/v1/maternal/campaigns",
        w.id,
        Some(campaign.clone()),
    )
    .await;
    assert_eq!(status, 404, "a village worker has no commune: {body}");
    let (status, body) = api(
        &t,
        "POST",
        "/api/v1/maternal/campaigns",
        station,
        Some(campaign.clone()),
    )
    .await;
    assert_eq!(
        (status, body["preview"]["recipients"].as_i64()),
        (200, Some(1)),
        "{body}"
    );
    let mut send = campaign;
    send["send"] = json!(true);
    let (status, body) = api(
        &t,
        "POST",
        "/api/v1/maternal/campaigns",
        station,
        Some(send),
    )
    .await;
    assert_eq!((status, body["queued"].as_i64()), (200, Some(1)), "{body}");
    let (status, _) = api(
        &t,
        "POST",
        "/api/v1/maternal/campaigns",
        m.id,
        Some(json!({"area": "02008", "day": day, "text": "x"})),
    )
    .await;
    assert_eq!(status, 404);
    t.stop().await;
}

#[tokio::test]
async fn ussd_option_3_registers_for_a_worker_and_shows_a_mother_her_next_checkup() {
    let t = common::spawn().await;
    let edd = today() + TimeDelta::days(200);
    let typed = edd.format("%d%m%Y").to_string();
    let menu = t.ussd("u1", WORKER, "3").await;
    assert!(menu.starts_with("CON Kham thai:"), "{menu}");
    let ask = t.ussd("u1", WORKER, "3*2*0912001001").await;
    assert!(ask.contains("Nhap ngay du sinh"), "{ask}");
    let done = t
        .ussd("u1", WORKER, &format!("3*2*0912001001*{typed}"))
        .await;
    assert!(
        done.starts_with("END Da ghi thai") && done.contains(&dmy(edd)),
        "{done}"
    );
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM pregnancies").await,
        1
    );
    let mine = t.ussd("u2", MOTHER, "3*1").await;
    assert!(mine.contains("Lan kham thai toi: lan"), "{mine}");
    let stranger = t.ussd("u3", "0912001002", "3*1").await;
    assert!(stranger.contains("chua duoc ghi"), "{stranger}");
    // A villager who tries the form is told it is for health staff; nothing is stored.
    let refused = t
        .ussd("u4", "0912001002", &format!("3*2*0912001003*{typed}"))
        .await;
    assert!(
        refused.starts_with("END Lenh nay danh cho y te"),
        "{refused}"
    );
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM pregnancies").await,
        1
    );
    t.stop().await;
}

#[tokio::test]
async fn the_pregnancies_import_checks_every_row_then_writes_all_or_nothing() {
    use loa::features::import::{self, Kind, Options};
    let t = common::spawn().await;
    let db = &t.app.services.db;
    let edd = dmy(today() + TimeDelta::days(120));
    let lmp = dmy(today() - TimeDelta::days(60));
    let table = pregnancy_table;
    let bad = table(&[
        [MOTHER, &edd, "", "", WORKER],
        ["0912559001", "", &lmp, "", ""],
        ["0912559002", "01/01/2020", "", "B010201", ""],
        ["0912559003", &edd, "", "B010201", "0912001002"],
    ]);
    let r = import::run_table(db, Kind::Pregnancies, &bad, &Options::default())
        .await
        .expect("import");
    assert!(!r.applied);
    assert_eq!(r.problems.len(), 3, "{:?}", r.problems);
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM pregnancies").await,
        0
    );
    let good = table(&[
        [MOTHER, &edd, "", "", WORKER],
        ["0912559001", "", &lmp, "b010202", ""],
    ]);
    let r = import::run_table(db, Kind::Pregnancies, &good, &Options::default())
        .await
        .expect("import");
    assert!(r.applied, "{:?}", r.problems);
    assert_eq!((r.created, r.unchanged), (2, 0));
    let r = import::run_table(db, Kind::Pregnancies, &good, &Options::default())
        .await
        .expect("again");
    assert_eq!(
        (r.created, r.unchanged),
        (0, 2),
        "a second import changes nothing"
    );
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM pregnancies").await,
        2
    );
    t.settle().await;
    assert!(
        t.messages(MOTHER).await.is_empty(),
        "an import sends no welcome"
    );
    t.stop().await;
}

/// `SINH` and `MAT` as the worker types them: the birth recorded; the loss answered with a
/// condolence to the worker alone, the mother told nothing, her queued messages cancelled.
#[tokio::test]
async fn sinh_and_mat_by_sms_answer_the_worker_and_tell_the_mother_nothing() {
    let t = common::spawn().await;
    let edd = dmy(today() + TimeDelta::days(150));
    let (born, lost) = (MOTHER, "0912001003");
    for m in [born, lost] {
        t.ask(WORKER, &format!("THAI {m} {edd}")).await;
        t.wait_for_messages(m, 1).await;
    }
    let reply = t
        .ask(WORKER, &format!("SINH {born} {}", dmy(today())))
        .await;
    let text = reply["text"].as_str().expect("text");
    assert!(
        text.contains(&format!("Đã ghi sinh ngày {}", dmy(today()))) && text.contains("…1001"),
        "{text}"
    );
    let status = |m: &'static str| {
        let db = t.app.services.db.clone();
        async move {
            let s: String = loa::with_db!(&db, pool => sqlx::query_scalar(
                "SELECT p.status FROM pregnancies p JOIN contacts c ON c.id = p.contact_id
                  WHERE c.msisdn = $1"
            )
            .bind(phone(m).as_str())
            .fetch_one(pool)
            .await)
            .expect("status");
            s
        }
    };
    assert_eq!(status(born).await, "born");
    // A message still queued for the mother (a reminder for a later morning) goes with MAT.
    let p_lost: i64 = loa::with_db!(&t.app.services.db, pool => sqlx::query_scalar(
        "SELECT p.id FROM pregnancies p JOIN contacts c ON c.id = p.contact_id WHERE c.msisdn = $1"
    )
    .bind(phone(lost).as_str())
    .fetch_one(pool)
    .await)
    .expect("id");
    let later = Utc::now() + TimeDelta::days(3);
    let queued = t
        .app
        .services
        .outbox
        .enqueue(loa::outbox::NewMessage {
            recipient: phone(lost),
            text: "Ngày kia là lịch khám thai.".into(),
            priority: loa::outbox::Priority::Reminder,
            topic: Some("reminder".into()),
            origin: format!("pregnancy:{p_lost}:anc:visit:2"),
            idempotency_key: format!("pregnancy:{p_lost}:anc:visit:2:test:eve"),
            not_before: Some(later),
            expires_at: Some(later + TimeDelta::hours(4)),
        })
        .await
        .expect("queued");
    assert!(queued.created);
    let reply = t.ask(WORKER, &format!("MAT {lost}")).await;
    assert!(
        reply["text"]
            .as_str()
            .expect("text")
            .starts_with("Chia buồn cùng gia đình"),
        "{reply}"
    );
    assert_eq!(status(lost).await, "lost");
    t.settle().await;
    assert_eq!(t.messages(lost).await.len(), 1, "the welcome alone");
    let rows = rows_to(&t, lost).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        rows[0].key.ends_with(":welcome") && rows[0].status != "cancelled",
        "{rows:?}"
    );
    assert_eq!(
        (rows[1].key.as_str(), rows[1].status.as_str()),
        (
            format!("pregnancy:{p_lost}:anc:visit:2:test:eve").as_str(),
            "cancelled"
        ),
    );
    t.stop().await;
}

fn pregnancy_table(rows: &[[&str; 5]]) -> loa::features::import::Table {
    loa::features::import::Table {
        headers: [
            "Số điện thoại",
            "Ngày dự sinh",
            "Ngày đầu kỳ kinh cuối",
            "Thôn/bản",
            "Cán bộ phụ trách",
        ]
        .map(String::from)
        .to_vec(),
        rows: rows
            .iter()
            .enumerate()
            .map(|(i, r)| (i + 2, r.map(String::from).to_vec()))
            .collect(),
    }
}

/// A mother who sent HUY NH stays opted out whatever an import says: neither the update of her
/// registered pregnancy nor a new one opts her back in, and the job sends her nothing.
#[tokio::test]
async fn an_import_never_opts_a_mother_back_in() {
    use loa::features::import::{self, Kind, Options};
    let t = common::spawn().await;
    let db = &t.app.services.db;
    let edd = today() + TimeDelta::days(120);
    let (registered, fresh, control) = (MOTHER, "0912001002", "0912559001");
    t.ask(WORKER, &format!("THAI {registered} {}", dmy(edd)))
        .await;
    t.wait_for_messages(registered, 1).await;
    for m in [registered, fresh] {
        t.ask(m, "HUY NH").await;
    }
    // A corrected EDD for the registered mother; a first registration for the other two.
    let moved = dmy(edd + TimeDelta::days(1));
    let file = pregnancy_table(&[
        [registered, &moved, "", "", WORKER],
        [fresh, &moved, "", "", WORKER],
        [control, &moved, "", "B010202", WORKER],
    ]);
    let r = import::run_table(db, Kind::Pregnancies, &file, &Options::default())
        .await
        .expect("import");
    assert!(r.applied, "{:?}", r.problems);
    assert_eq!((r.created, r.updated), (2, 1));
    for m in [registered, fresh] {
        let blocked = loa::features::consent::blocks(db, phone(m).as_str(), Some("reminder"))
            .await
            .expect("ledger");
        assert!(blocked, "{m} opted back in by the import");
    }
    // The eve of visit 3 (week 32): the control mother is reminded, the other two are not.
    let visit3 = edd + TimeDelta::days(1) - TimeDelta::days(280 - 224);
    let c = ctx(&t.app.services);
    reminders::run(&c, at(visit3 - TimeDelta::days(1), 6, 0))
        .await
        .expect("job");
    let anc = |rows: Vec<Row>| rows.into_iter().filter(|r| r.key.contains(":anc:")).count();
    assert!(
        anc(rows_to(&t, control).await) > 0,
        "the control is reminded"
    );
    assert_eq!(anc(rows_to(&t, registered).await), 0);
    assert_eq!(anc(rows_to(&t, fresh).await), 0);
    t.stop().await;
}

/// The import dates and schedules as the deployment says: its schedule (WHO here), "today" in
/// its timezone, on the clock the caller gives.
#[tokio::test]
async fn the_pregnancies_import_uses_the_configured_schedule_timezone_and_clock() {
    use loa::config::AncSchedule;
    use loa::features::import::{self, Kind, Options};
    let t = common::spawn_with(|c| c.maternal.schedule = AncSchedule::Who).await;
    let svc = &t.app.services;
    let opts = |now: DateTime<Utc>, timezone: chrono_tz::Tz| Options {
        schedule: svc.maternal.schedule,
        timezone,
        now: Some(now),
        ..Options::default()
    };
    // Half a year ahead, an EDD 41 weeks later: too far for the real clock, right for the import's.
    let t0 = today() + TimeDelta::days(180);
    let edd = dmy(t0 + TimeDelta::weeks(41));
    let file = pregnancy_table(&[[MOTHER, &edd, "", "", WORKER]]);
    let r = import::run_table(&svc.db, Kind::Pregnancies, &file, &Options::default())
        .await
        .expect("real clock");
    assert!(!r.applied, "an EDD 67 weeks ahead passed on the real clock");
    let r = import::run_table(
        &svc.db,
        Kind::Pregnancies,
        &file,
        &opts(at(t0, 9, 0), svc.tz),
    )
    .await
    .expect("import");
    assert!(r.applied, "{:?}", r.problems);
    let schedule: String = loa::with_db!(&svc.db, pool => sqlx::query_scalar(
        "SELECT schedule FROM pregnancies"
    )
    .fetch_one(pool)
    .await)
    .expect("row");
    assert_eq!(schedule, "who");
    // 03:00 in Vietnam is still yesterday in UTC: a period that began "today" is in the future
    // for a deployment on UTC, and fine for one in Vietnam.
    let early = at(t0, 3, 0);
    let lmp = dmy(t0);
    let file = pregnancy_table(&[["0912001002", "", &lmp, "", WORKER]]);
    let r = import::run_table(
        &svc.db,
        Kind::Pregnancies,
        &file,
        &opts(early, chrono_tz::UTC),
    )
    .await
    .expect("utc");
    assert!(!r.applied, "the LMP is tomorrow in UTC");
    let r = import::run_table(&svc.db, Kind::Pregnancies, &file, &opts(early, VN))
        .await
        .expect("vn");
    assert!(r.applied, "{:?}", r.problems);
    t.stop().await;
}

/// Reminders in the mother's language and script: English for one, Vietnamese without
/// diacritics (GSM-7, a third of the parts) for another.
#[tokio::test]
async fn reminders_are_written_in_the_mothers_language_and_script() {
    let t = common::spawn().await;
    let c = ctx(&t.app.services);
    let t0 = today() + TimeDelta::days(20);
    // Visit 1 (week 11) tomorrow.
    let lmp = t0 + TimeDelta::days(1) - TimeDelta::days(77);
    let (english, plain, full) = ("0912001001", "0912001002", "0912001003");
    for m in [english, plain, full] {
        register_at(&t, m, Dating::Lmp(lmp), None, at(t0, 5, 0)).await;
    }
    let db = &t.app.services.db;
    for (m, column, value) in [(english, "language", "en"), (plain, "script", "unaccented")] {
        let sql = format!("UPDATE contacts SET {column} = $1 WHERE msisdn = $2");
        loa::execute!(db, pool => sqlx::query(&sql)
            .bind(value)
            .bind(phone(m).as_str())
            .execute(pool)
            .await)
        .expect("contact");
    }
    reminders::run(&c, at(t0, 6, 0)).await.expect("job");
    let eve = |m: &'static str| {
        let t = &t;
        async move {
            let row = rows_to(t, m)
                .await
                .into_iter()
                .find(|r| kind(&r.key) == "anc:visit:1:eve")
                .expect("eve reminder");
            text_of(t, &row.key).await
        }
    };
    let date = dmy(t0 + TimeDelta::days(1));
    let en = eve(english).await;
    assert!(
        en.starts_with(&format!("Tomorrow {date} is your checkup 1.")),
        "{en}"
    );
    let vi = eve(full).await;
    assert!(
        vi.starts_with(&format!("Ngày mai {date} là lịch khám thai lần 1.")),
        "{vi}"
    );
    let unaccented = eve(plain).await;
    assert!(
        unaccented.starts_with(&format!("Ngay mai {date} la lich kham thai lan 1.")),
        "{unaccented}"
    );
    assert!(unaccented.is_ascii(), "{unaccented}");
    t.stop().await;
}
