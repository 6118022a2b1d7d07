//! Two instances on one database, as behind a load balancer: repeats, the loop guard and the reply
//! budget are as exact as on one (locks in the database, not a read then a write).

use serde_json::{json, Value};

use crate::common::{self, TestApp, DEMO_E164, DEMO_PHONE};

/// `texts` sent at once, alternately to `a` and `b`, with a fresh provider id each or none.
async fn burst(a: &TestApp, b: &TestApp, texts: &[String], with_ids: bool) {
    let calls = texts.iter().enumerate().map(|(i, text)| {
        let t = if i % 2 == 0 { a } else { b };
        let mut body = json!({ "from": DEMO_PHONE, "text": text });
        if with_ids {
            body["id"] = json!(format!("burst-{i}"));
        }
        async move {
            let res = t
                .client
                .post(t.url("/simulator/api/sms"))
                .json(&body)
                .send()
                .await
                .expect("post");
            assert_eq!(res.status(), 200);
        }
    });
    futures::future::join_all(calls).await;
}

async fn replies(t: &TestApp) -> Vec<String> {
    loa::with_db!(&t.app.services.db, pool => sqlx::query_scalar::<_, String>(
        "SELECT text FROM outbox WHERE recipient = $1 ORDER BY id"
    )
    .bind(DEMO_E164)
    .fetch_all(pool)
    .await)
    .expect("replies")
}

#[tokio::test]
async fn twenty_identical_messages_without_an_id_at_two_instances_are_one_message_and_one_reply() {
    let a = common::spawn().await;
    let b = a.twin().await;
    // Three rounds (three texts), so that a race that one round may miss shows.
    for (round, text) in ["HD", "TT", "xin chao"].into_iter().enumerate() {
        burst(&a, &b, &vec![text.to_string(); 20], false).await;
        let n = round as i64 + 1;
        assert_eq!(
            common::count(&a.app, "SELECT COUNT(*) FROM inbound_messages").await,
            n,
            "{text}"
        );
        assert_eq!(replies(&a).await.len() as i64, n, "{text}");
    }
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn thirty_texts_drawing_one_reply_at_two_instances_get_three_replies() {
    let a = common::spawn().await;
    let b = a.twin().await;
    let texts = vec!["HD".to_string(); 30];
    burst(&a, &b, &texts, true).await;
    assert_eq!(
        common::count(&a.app, "SELECT COUNT(*) FROM inbound_messages").await,
        30
    );
    assert_eq!(replies(&a).await.len(), 3, "the loop guard's limit");
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn echoing_replies_stop_at_the_budget_with_one_try_later_line_at_two_instances() {
    let a = common::spawn().await;
    let b = a.twin().await;
    // Each reply quotes what was typed, so no two are the same text.
    let texts: Vec<String> = (0..30).map(|i| format!("NN x{i}")).collect();
    burst(&a, &b, &texts, true).await;
    let got = replies(&a).await;
    assert_eq!(got.len(), 11, "10 replies and one try-later line: {got:#?}");
    let try_later = a.app.services.locales.render(
        "vi",
        &loa::i18n::Msg::new("reply-budget-try-later").num("minutes", 10),
    );
    assert_eq!(got[10], try_later);
    assert!(got[..10].iter().all(|t| *t != try_later));
    let notes: Vec<Value> =
        loa::with_db!(&a.app.services.db, pool => sqlx::query_scalar::<_, String>(
            "SELECT note FROM inbound_messages WHERE note LIKE 'reply budget%'"
        )
        .fetch_all(pool)
        .await)
        .expect("notes")
        .into_iter()
        .map(Value::from)
        .collect();
    assert_eq!(notes.len(), 20, "{notes:?}");

    // Once the window has passed (the replies are made 11 minutes old), the number is answered again.
    loa::execute!(&a.app.services.db, pool => sqlx::query(
        "UPDATE outbox SET created_at = $1 WHERE recipient = $2"
    )
    .bind(chrono::Utc::now() - chrono::TimeDelta::minutes(11))
    .bind(DEMO_E164)
    .execute(pool)
    .await)
    .expect("age the replies");
    b.sms(DEMO_PHONE, "HD").await;
    let got = replies(&a).await;
    assert_eq!(got.len(), 12);
    assert_eq!(
        got[11],
        a.app
            .services
            .locales
            .render("vi", &loa::i18n::Msg::new("help"))
    );
    b.stop().await;
    a.stop().await;
}
