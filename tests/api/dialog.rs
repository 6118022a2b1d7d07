//! The SMS keywords end to end: a villager's SMS in, the reply the simulated phone receives.

use crate::common::{self, DEMO_PHONE};

#[tokio::test]
async fn help_language_script_and_consent_as_a_villager_sees_them() {
    let t = common::spawn().await;

    let help = t.ask(DEMO_PHONE, "HD").await;
    assert_eq!(
        help["text"],
        t.app
            .services
            .locales
            .render("vi", &loa::i18n::Msg::new("help"))
    );
    assert!(
        help["text"].as_str().unwrap_or("").contains("ngôn ngữ"),
        "{help}"
    );
    assert_eq!(help["encoding"], "UCS-2");

    let en = t.ask(DEMO_PHONE, "NN en").await;
    assert!(
        en["text"].as_str().unwrap_or("").contains("English"),
        "{en}"
    );
    let help_en = t.ask(DEMO_PHONE, "hd").await;
    assert_eq!(
        help_en["text"],
        t.app
            .services
            .locales
            .render("en", &loa::i18n::Msg::new("help"))
    );

    let back = t.ask(DEMO_PHONE, "NN vi").await;
    assert!(
        back["text"].as_str().unwrap_or("").contains("tiếng Việt"),
        "{back}"
    );
    let kd = t.ask(DEMO_PHONE, "KD").await;
    assert_eq!(kd["encoding"], "GSM-7", "{kd}");
    let help_plain = t.ask(DEMO_PHONE, "Trợ giúp").await;
    assert_eq!(help_plain["encoding"], "GSM-7", "{help_plain}");
    assert!(
        help_plain["text"]
            .as_str()
            .unwrap_or("")
            .contains("ngon ngu"),
        "{help_plain}"
    );
    let full = t.ask(DEMO_PHONE, "kd").await;
    assert_eq!(full["encoding"], "UCS-2", "{full}");

    t.stop().await;
}

#[tokio::test]
async fn an_opted_out_number_gets_replies_but_no_bulk_until_it_opts_in() {
    let t = common::spawn().await;
    let other = "0912001003";

    let stop = t.ask(DEMO_PHONE, " Hủy ").await;
    assert!(stop["text"].as_str().unwrap_or("").contains("DK"), "{stop}");

    let ids = t
        .broadcast(&[DEMO_PHONE, other], "Hop thon toi nay", Some("notice"))
        .await;
    assert_eq!(t.settled_status(ids[0]).await, "cancelled");
    assert!(matches!(
        t.settled_status(ids[1]).await.as_str(),
        "sent" | "delivered"
    ));
    let got: Vec<_> = t.messages(DEMO_PHONE).await;
    assert!(
        got.iter().all(|m| m["outbox_id"] != ids[0]),
        "bulk reached an opted-out phone"
    );

    // Replies still flow.
    let help = t.ask(DEMO_PHONE, "HD").await;
    assert_eq!(
        help["text"],
        t.app
            .services
            .locales
            .render("vi", &loa::i18n::Msg::new("help"))
    );

    t.ask(DEMO_PHONE, "DK").await;
    let ids = t
        .broadcast(&[DEMO_PHONE], "Hop thon lan 2", Some("notice"))
        .await;
    assert!(matches!(
        t.settled_status(ids[0]).await.as_str(),
        "sent" | "delivered"
    ));
    let got = t.messages(DEMO_PHONE).await;
    assert!(got.iter().any(|m| m["outbox_id"] == ids[0]));

    t.stop().await;
}

#[tokio::test]
async fn a_topic_opt_out_blocks_only_that_topic() {
    let t = common::spawn().await;
    let r = t.ask(DEMO_PHONE, "HUY TB").await;
    assert!(
        r["text"].as_str().unwrap_or("").contains("thông báo"),
        "{r}"
    );
    let notice = t
        .broadcast(&[DEMO_PHONE], "Thong bao", Some("notice"))
        .await[0];
    let campaign = t
        .broadcast(&[DEMO_PHONE], "Van dong", Some("campaign"))
        .await[0];
    assert_eq!(t.settled_status(notice).await, "cancelled");
    assert_ne!(t.settled_status(campaign).await, "cancelled");
    t.stop().await;
}

#[tokio::test]
async fn unknown_text_and_unknown_language_get_short_help() {
    let t = common::spawn().await;
    let r = t.ask(DEMO_PHONE, "cho toi hoi ve ho tro").await;
    assert_eq!(
        r["text"],
        t.app
            .services
            .locales
            .render("vi", &loa::i18n::Msg::new("unknown-command"))
    );
    let r = t.ask(DEMO_PHONE, "NN xx").await;
    let text = r["text"].as_str().unwrap_or("");
    assert!(text.contains("XX") || text.contains("xx"), "{text}");
    assert!(text.contains("tyz") && text.contains("en"), "{text}");
    let r = t.ask(DEMO_PHONE, "NN").await;
    assert!(r["text"].as_str().unwrap_or("").contains("hmn"), "{r}");
    t.stop().await;
}

#[tokio::test]
async fn a_minority_language_falls_back_to_vietnamese_message_by_message() {
    let t = common::spawn().await;
    t.ask(DEMO_PHONE, "NN tyz").await;
    let help = t.ask(DEMO_PHONE, "HD").await;
    assert_eq!(
        help["text"],
        t.app
            .services
            .locales
            .render("vi", &loa::i18n::Msg::new("help"))
    );
    t.stop().await;
}

#[tokio::test]
async fn the_loop_guard_answers_the_same_text_at_most_three_times() {
    let t = common::spawn().await;
    for _ in 0..5 {
        t.sms(DEMO_PHONE, "abc xyz").await;
    }
    // Every SMS is handled and every reply sent: a fourth answer would be in by now.
    t.settle().await;
    let got = t.messages(DEMO_PHONE).await;
    assert_eq!(got.len(), 3, "{got:#?}");
    t.stop().await;
}

#[tokio::test]
async fn short_codes_and_sender_names_are_never_answered() {
    let t = common::spawn().await;
    for from in ["9029", "VIETTEL"] {
        t.sms(from, "HD").await;
    }
    t.settle().await;
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM outbox").await,
        0
    );
    assert_eq!(
        common::count(
            &t.app,
            "SELECT COUNT(*) FROM inbound_messages WHERE status = 'ignored'"
        )
        .await,
        2
    );
    t.stop().await;
}

fn text(v: &serde_json::Value) -> &str {
    v["text"].as_str().unwrap_or("")
}

#[tokio::test]
async fn a_language_without_translations_says_replies_come_in_vietnamese() {
    let t = common::spawn().await;
    let locales = &t.app.services.locales;
    let mong = t.ask(DEMO_PHONE, "NN hmn").await;
    assert_eq!(
        mong["text"],
        locales.render(
            "vi",
            &loa::i18n::Msg::new("language-set-fallback").arg("name", "tiếng Mông")
        )
    );
    assert!(text(&mong).contains("tiếng Việt"), "{mong}");
    let tay = t.ask(DEMO_PHONE, "NN tyz").await;
    assert!(
        text(&tay).contains("tiếng Tày") && text(&tay).contains("tiếng Việt"),
        "{tay}"
    );
    // A complete language is confirmed plainly, its name in lower case inside the sentence.
    let vi = t.ask(DEMO_PHONE, "NN vi").await;
    assert_eq!(text(&vi), "Đã chọn tiếng Việt. Nhắn HD để xem hướng dẫn.");
    let en = t.ask(DEMO_PHONE, "NN en").await;
    assert_eq!(text(&en), "Language set: English. Send HD for help.");
    t.stop().await;
}

#[tokio::test]
async fn tt_words_read_as_the_programme_papers_write_them() {
    let t = common::spawn().await;
    // CG-0002: a forest protection contract under way.
    let forest = t.ask("0912001002", "TT").await;
    assert!(
        text(&forest).contains("Khoán rừng 2,5ha đang thực hiện 01/03/2025"),
        "{forest}"
    );
    // CG-0003: rice handed over, and a rejected request.
    let rice = t.ask("0912001003", "TT").await;
    assert!(
        text(&rice).contains("Gạo bảo vệ rừng 15kg đã cấp 01/11/2025"),
        "{rice}"
    );
    assert!(
        text(&rice).contains("Đất sản xuất bị từ chối (Đã có đất sản xuất)"),
        "{rice}"
    );
    // VT-0002 in English: dispersed water supply, completed.
    t.ask("0912002002", "NN en").await;
    let water = t.ask("0912002002", "TT").await;
    assert!(
        text(&water).contains("Dispersed water supply completed 30/06/2025"),
        "{water}"
    );
    t.stop().await;
}

/// A person who sends the same text again on purpose is answered again once the inbox's window
/// for repeats without a provider id (5 s) has passed; within it the repeat is one message (a
/// gateway's retry), answered once.
#[tokio::test]
async fn a_deliberate_repeat_after_the_dedupe_window_is_answered() {
    let t = common::spawn().await;
    let first = t.sms_with_id(DEMO_PHONE, "HD", None).await;
    t.wait_for_messages(DEMO_PHONE, 1).await;
    let retry = t.sms_with_id(DEMO_PHONE, "HD", None).await;
    assert_eq!(retry["duplicate"], true, "{retry}");
    // The clock moves past the window: the stored message is made older, not waited for.
    let window = chrono::TimeDelta::seconds(loa::inbox::NO_ID_WINDOW_SECONDS + 1);
    loa::execute!(&t.app.services.db, pool => sqlx::query(
        "UPDATE inbound_messages SET received_at = $1 WHERE id = $2"
    )
    .bind(chrono::Utc::now() - window)
    .bind(first["inbound_id"].as_i64().expect("inbound id"))
    .execute(pool)
    .await)
    .expect("age the first message");
    let again = t.sms_with_id(DEMO_PHONE, "HD", None).await;
    assert_eq!(again["duplicate"], false, "{again}");
    let got = t.wait_for_messages(DEMO_PHONE, 2).await;
    t.settle().await;
    let got_now = t.messages(DEMO_PHONE).await;
    assert_eq!(got_now.len(), 2, "{got_now:?}");
    assert_eq!(got[0]["text"], got[1]["text"], "the help, twice");
    t.stop().await;
}
