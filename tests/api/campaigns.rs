//! Campaigns and the quiz: steps by day from joining, a late joiner, restarts and two instances without a duplicate; quiz answers and results; `HOI`.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};

use crate::common::{self, TestApp};
use crate::notices::{get, post, staff_id, OFFICER, TOKEN};

/// One run of the campaign job at `now`, as the scheduler would: the messages it queued.
pub async fn tick(t: &TestApp, now: DateTime<Utc>) -> u64 {
    let svc = &t.app.services;
    let cx = loa::features::campaigns::run::Context {
        db: &svc.db,
        outbox: &svc.outbox,
        locales: &svc.locales,
        tz: svc.tz,
    };
    loa::features::campaigns::run_due(&cx, now)
        .await
        .expect("campaign job")
}

async fn create(t: &TestApp, officer: i64, body: Value) -> i64 {
    let (s, b) = post(t, "/api/v1/campaigns", officer, body).await;
    assert_eq!(s, 201, "{b}");
    b["campaign"]["id"].as_i64().expect("id")
}

async fn act(t: &TestApp, officer: i64, id: i64, action: &str) -> (u16, Value) {
    post(
        t,
        &format!("/api/v1/campaigns/{id}/{action}"),
        officer,
        json!({}),
    )
    .await
}

fn days(d: i64, minutes: i64) -> TimeDelta {
    TimeDelta::days(d) + TimeDelta::minutes(minutes)
}

#[tokio::test]
async fn joining_walks_every_span_of_contact_ids() {
    let t = common::spawn_with(|c| c.api_token = Some(TOKEN.into())).await;
    let officer = staff_id(&t, OFFICER).await;
    let id = create(
        &t,
        officer,
        json!({
            "name": "Không tảo hôn",
            "audience": { "areas": ["B010201"] },
            "steps": [{ "day": 0, "text": "Nam đủ 20, nữ đủ 18 tuổi." }]
        }),
    )
    .await;
    assert_eq!(act(&t, officer, id, "start").await.0, 200);
    // Contacts in no audience push the next one's id past two joining spans.
    let filler = 2 * loa::features::campaigns::store::JOIN_SPAN + 10;
    loa::execute!(&t.app.services.db, pool => sqlx::query(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {filler})
         INSERT INTO contacts (msisdn, created_at, updated_at)
         SELECT '+84914' || (100000 + i), $1, $1 FROM n"
    ))
    .bind(loa::db::time::now())
    .execute(pool)
    .await)
    .expect("filler contacts");
    let (s, _) = post(
        &t,
        "/api/v1/households/CG-0001/contacts",
        officer,
        json!({ "phone": "0912001099" }),
    )
    .await;
    assert_eq!(s, 200);
    let joiner: i64 = common::count(
        &t.app,
        "SELECT id FROM contacts WHERE msisdn = '+84912001099'",
    )
    .await;
    assert!(
        joiner > filler,
        "the joiner's id {joiner} is past the spans"
    );
    assert_eq!(
        tick(&t, Utc::now()).await,
        4,
        "the village's three and the joiner"
    );
    let got = t.wait_for_messages("0912001099", 1).await;
    assert_eq!(got[0]["text"], "Nam đủ 20, nữ đủ 18 tuổi.");
    t.stop().await;
}

#[tokio::test]
async fn a_three_step_campaign_reaches_a_late_joiner_and_sends_each_step_once() {
    let t = common::spawn_with(|c| c.api_token = Some(TOKEN.into())).await;
    let officer = staff_id(&t, OFFICER).await;
    let id = create(
        &t,
        officer,
        json!({
            "name": "Không tảo hôn",
            "audience": { "areas": ["B010201"] },
            "steps": [
                { "day": 0, "text": "Bước 1: nam đủ 20, nữ đủ 18 tuổi." },
                { "day": 7, "text": "Bước 2: tảo hôn hại sức khỏe." },
                { "day": 14, "text": "Bước 3: báo UBND xã." }
            ]
        }),
    )
    .await;
    assert_eq!(tick(&t, Utc::now()).await, 0, "a draft sends nothing");
    let (s, b) = act(&t, officer, id, "start").await;
    assert_eq!(
        (s, b["campaign"]["status"].as_str()),
        (200, Some("running"))
    );
    let (s, _) = act(&t, officer, id, "start").await;
    assert_eq!(s, 400, "started twice");

    let t0 = Utc::now();
    assert_eq!(tick(&t, t0).await, 3, "step 1 to Bản Chiêng's three phones");
    assert_eq!(tick(&t, t0).await, 0);

    // A phone linked to a household of the village later joins and starts at step one.
    let (s, _) = post(
        &t,
        "/api/v1/households/CG-0001/contacts",
        officer,
        json!({ "phone": "0912001099" }),
    )
    .await;
    assert_eq!(s, 200);

    // Restarted half-way; paused, nothing goes; resumed, the rest goes once.
    let t = t.restart().await;
    let (s, _) = act(&t, officer, id, "pause").await;
    assert_eq!(s, 200);
    assert_eq!(tick(&t, t0 + days(7, 1)).await, 0, "paused");
    let (s, _) = act(&t, officer, id, "resume").await;
    assert_eq!(s, 200);
    assert_eq!(
        tick(&t, t0 + days(7, 1)).await,
        4,
        "step 2 to three, step 1 to the joiner"
    );

    // Two instances run the same slot: still once each.
    let twin = t.twin().await;
    let at = t0 + days(14, 2);
    let (a, b) = tokio::join!(tick(&t, at), tick(&twin, at));
    assert_eq!(
        a + b,
        4,
        "step 3 to three, step 2 to the joiner ({a} + {b})"
    );
    twin.stop().await;
    assert_eq!(tick(&t, t0 + days(21, 3)).await, 1, "the joiner's step 3");
    assert_eq!(tick(&t, t0 + days(60, 0)).await, 0, "nothing more");

    let rows = common::count(
        &t.app,
        &format!("SELECT COUNT(*) FROM outbox WHERE origin = 'campaign:{id}'"),
    )
    .await;
    assert_eq!(rows, 12, "4 contacts x 3 steps");
    let joiner = t.wait_for_messages("0912001099", 3).await;
    let texts: Vec<&str> = joiner.iter().filter_map(|m| m["text"].as_str()).collect();
    assert_eq!(
        texts,
        [
            "Bước 1: nam đủ 20, nữ đủ 18 tuổi.",
            "Bước 2: tảo hôn hại sức khỏe.",
            "Bước 3: báo UBND xã."
        ]
    );
    let (s, b) = get(&t, &format!("/api/v1/campaigns/{id}"), officer).await;
    assert_eq!((s, b["members"].as_i64()), (200, Some(4)), "{b}");
    let (s, b) = act(&t, officer, id, "stop").await;
    assert_eq!(
        (s, b["campaign"]["status"].as_str()),
        (200, Some("stopped"))
    );
    t.stop().await;
}

#[tokio::test]
async fn shipped_content_goes_out_in_each_contacts_language_and_script() {
    let t = common::spawn_with(|c| c.api_token = Some(TOKEN.into())).await;
    let officer = staff_id(&t, OFFICER).await;
    t.ask("0912001005", "NN en").await;
    t.ask("0912001003", "KD").await;
    let id = create(
        &t,
        officer,
        json!({ "name": "Tảo hôn", "content": "child-marriage", "audience": { "areas": ["B010202"] } }),
    )
    .await;
    act(&t, officer, id, "start").await;
    assert_eq!(tick(&t, Utc::now()).await, 2);
    let l = &t.app.services.locales;
    let en = t.wait_for_messages("0912001005", 2).await;
    assert_eq!(
        en[1]["text"].as_str(),
        Some(l.render("en", &loa::i18n::Msg::new("vd-cm-age")).as_str())
    );
    let plain = t.wait_for_messages("0912001003", 2).await;
    let vi = l.render("vi", &loa::i18n::Msg::new("vd-cm-age"));
    assert_eq!(
        plain[1]["text"].as_str(),
        Some(loa::text::to_gsm7_lossy(&vi).as_str())
    );
    assert!(plain[1]["parts"].as_i64().unwrap_or(9) <= 2);
    // HUY VD: the next step does not reach that phone.
    t.ask("0912001003", "HUY VD").await;
    assert_eq!(
        tick(&t, Utc::now() + days(3, 1)).await,
        2,
        "queued; the dispatcher checks consent"
    );
    t.settle().await;
    let (_, b) = get(&t, &format!("/api/v1/campaigns/{id}"), officer).await;
    let f = &b["figures"];
    assert_eq!(
        (f["queued"].as_i64(), f["cancelled"].as_i64()),
        (Some(0), Some(1)),
        "{f}"
    );
    t.stop().await;
}

async fn set_closes_at(t: &TestApp, id: i64, at: DateTime<Utc>) {
    loa::execute!(&t.app.services.db, pool => sqlx::query(
        "UPDATE campaigns SET closes_at = $2 WHERE id = $1"
    )
    .bind(id)
    .bind(at)
    .execute(pool)
    .await)
    .expect("close");
}

#[tokio::test]
async fn quiz_answers_are_scored_once_until_it_closes_and_results_go_by_commune() {
    let t = common::spawn_with(|c| c.api_token = Some(TOKEN.into())).await;
    let officer = staff_id(&t, OFFICER).await;
    let (s, b) = post(
        &t,
        "/api/v1/campaigns",
        officer,
        json!({ "name": "Đố vui", "content": "child-marriage-quiz", "audience": { "areas": ["B010202"] } }),
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (400, Some("bad_campaign")),
        "a quiz needs a closing date"
    );
    let closes = Utc::now() + TimeDelta::days(10);
    let id = create(
        &t,
        officer,
        json!({ "name": "Đố vui", "content": "child-marriage-quiz", "audience": { "areas": ["B010202"] }, "closes_at": closes }),
    )
    .await;
    let (_, b) = get(&t, &format!("/api/v1/campaigns/{id}"), officer).await;
    assert_eq!(b["campaign"]["kind"], "quiz");

    // Before any question, a letter is just an unknown message.
    let r = t.ask("0912001003", "A").await;
    assert_eq!(
        r["text"],
        "Loa xã chưa hiểu tin nhắn. Nhắn HD để xem hướng dẫn."
    );

    act(&t, officer, id, "start").await;
    let t0 = Utc::now();
    assert_eq!(tick(&t, t0).await, 2, "question 1 to both phones of Nà Pài");
    t.wait_for_messages("0912001003", 2).await;
    let right = t.ask("0912001003", "b").await;
    assert_eq!(
        right["text"],
        "Đúng rồi! Cảm ơn bạn đã tham gia đố vui pháp luật."
    );
    let repeat = t.ask("0912001003", "A").await;
    assert_eq!(
        repeat["text"],
        "Bạn đã trả lời câu này rồi; mỗi câu chỉ tính lần trả lời đầu tiên."
    );
    let wrong = t.ask("0912001005", "A").await;
    assert_eq!(
        wrong["text"],
        "Chưa đúng, đáp án đúng là B. Cảm ơn bạn đã tham gia."
    );

    assert_eq!(tick(&t, t0 + days(1, 1)).await, 2, "question 2");
    t.wait_for_messages("0912001005", 3).await;
    let right = t.ask("0912001005", "C").await;
    assert_eq!(
        right["text"],
        "Đúng rồi! Cảm ơn bạn đã tham gia đố vui pháp luật."
    );

    // Closed: a late answer is refused, and no more questions go.
    set_closes_at(&t, id, Utc::now() - TimeDelta::minutes(1)).await;
    let late = t.ask("0912001003", "C").await;
    assert_eq!(
        late["text"],
        "Cuộc thi đã kết thúc, câu trả lời không được tính. Cảm ơn bạn."
    );
    assert_eq!(tick(&t, t0 + days(2, 2)).await, 0);

    let (s, b) = get(&t, &format!("/api/v1/campaigns/{id}/results"), officer).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b["results"],
        json!([
            { "commune_code": "02008", "commune_name": "Cẩm Giàng", "question": 1, "answers": 2, "correct": 1 },
            { "commune_code": "02008", "commune_name": "Cẩm Giàng", "question": 2, "answers": 1, "correct": 1 }
        ])
    );
    let res = t
        .client
        .get(t.url(&format!("/api/v1/campaigns/{id}/results.csv")))
        .bearer_auth(TOKEN)
        .header("x-loa-staff", officer.to_string())
        .send()
        .await
        .expect("csv");
    assert_eq!(res.status(), 200);
    let csv = res.text().await.expect("body");
    assert_eq!(
        csv,
        "commune_code,commune_name,question,answers,correct\n02008,Cẩm Giàng,1,2,1\n02008,Cẩm Giàng,2,1,1\n"
    );
    assert!(
        !csv.contains("912") && !b.to_string().contains("912"),
        "no phone numbers"
    );
    // Another commune's officer sees nothing of it.
    let legal = staff_id(&t, "0912009004").await;
    let (s, _) = get(&t, &format!("/api/v1/campaigns/{id}/results"), legal).await;
    assert_eq!(s, 403);
    t.stop().await;
}

#[tokio::test]
async fn hoi_lists_topics_and_answers_from_the_ussd_texts() {
    let t = common::spawn().await;
    let l = t.app.services.locales.clone();
    let body = |lang: &str, key: &str| {
        let topic = loa::features::marriage_law::topic(key).expect("topic");
        l.render(lang, &loa::i18n::Msg::new(topic.body))
    };
    let list = t.ask(common::DEMO_PHONE, "HOI").await;
    assert_eq!(
        list["text"],
        "Hỏi đáp Loa xã, nhắn HOI và số: 1 Tuổi kết hôn, 2 Tảo hôn, 3 Kết hôn cận huyết, 4 Trợ giúp pháp lý, 5 Chương trình hỗ trợ."
    );
    let age = t.ask(common::DEMO_PHONE, "HOI 1").await;
    assert_eq!(age["text"].as_str(), Some(body("vi", "age").as_str()));
    let child = t.ask(common::DEMO_PHONE, "Hỏi tảo hôn").await;
    assert_eq!(child["text"].as_str(), Some(body("vi", "child").as_str()));
    let aid = t.ask(common::DEMO_PHONE, "HOI TGPL").await;
    assert!(
        aid["text"]
            .as_str()
            .unwrap_or("")
            .contains("Trung tâm trợ giúp pháp lý"),
        "{aid}"
    );
    let none = t.ask(common::DEMO_PHONE, "HOI 9").await;
    assert_eq!(
        none["text"],
        "Chưa có chủ đề đó. Nhắn HOI để xem các chủ đề."
    );
    t.ask("0912001005", "NN en").await;
    let kin = t.ask("0912001005", "ASK relatives").await;
    assert_eq!(kin["text"].as_str(), Some(body("en", "kin").as_str()));
    t.ask("0912001003", "KD").await;
    let plain = t.ask("0912001003", "HOI 3").await;
    assert_eq!(
        plain["text"].as_str(),
        Some(loa::text::to_gsm7_lossy(&body("vi", "kin")).as_str())
    );
    t.stop().await;
}
