//! Pieces the features share: confirmations by `OK`, the audit log, batched enqueue and
//! cancellation by origin, the roles added for health staff, admins and monitors.

use chrono::TimeDelta;
use loa::features::confirm::{self, Taken};
use loa::features::{audit, staff};
use loa::outbox::{NewMessage, Priority};
use loa::phone::Msisdn;

use crate::common::{self, DEMO_PHONE};

fn phone(s: &str) -> Msisdn {
    Msisdn::parse(s).expect("phone")
}

#[tokio::test]
async fn an_ok_takes_the_newest_preview_once_in_time_and_only_for_its_phone() {
    let t = common::spawn().await;
    let db = &t.app.services.db;
    let officer = phone("0912009001");
    let other = phone("0912009002");
    let now = loa::db::time::now();
    assert_eq!(
        confirm::take(db, &officer, now).await.expect("take"),
        Taken::Nothing
    );
    confirm::propose(db, &officer, "notice", "old")
        .await
        .expect("propose");
    let id = confirm::propose(db, &officer, "notice", "new")
        .await
        .expect("propose");
    assert_eq!(
        confirm::take(db, &other, now).await.expect("take"),
        Taken::Nothing
    );
    match confirm::take(db, &officer, now).await.expect("take") {
        Taken::Pending(p) => assert_eq!((p.id, p.payload.as_str()), (id, "new")),
        other => panic!("{other:?}"),
    }
    // The older preview is still there, but once its ten minutes are over it is late.
    let later = now + TimeDelta::minutes(confirm::WINDOW_MINUTES + 1);
    assert_eq!(
        confirm::take(db, &officer, later).await.expect("take"),
        Taken::Late
    );
    t.stop().await;
}

#[tokio::test]
async fn two_oks_at_once_take_a_preview_once() {
    let t = common::spawn().await;
    let db = t.app.services.db.clone();
    let officer = phone("0912009003");
    confirm::propose(&db, &officer, "notice", "x")
        .await
        .expect("propose");
    let now = loa::db::time::now();
    let takes = futures::future::join_all((0..8).map(|_| {
        let db = db.clone();
        let officer = officer.clone();
        async move { confirm::take(&db, &officer, now).await.expect("take") }
    }))
    .await;
    let won = takes
        .iter()
        .filter(|t| matches!(t, Taken::Pending(_)))
        .count();
    assert_eq!(won, 1, "{takes:?}");
    t.stop().await;
}

#[tokio::test]
async fn the_sms_ok_with_nothing_waiting_says_so() {
    let t = common::spawn().await;
    let reply = t.ask(DEMO_PHONE, "OK").await;
    assert_eq!(reply["text"], "Không có tin nào chờ xác nhận.");
    t.stop().await;
}

fn bulk(key: &str, to: &str, origin: &str) -> NewMessage {
    NewMessage {
        recipient: phone(to),
        text: "Hop thon toi thu bay".into(),
        priority: Priority::Bulk,
        topic: Some("notice".into()),
        origin: origin.into(),
        idempotency_key: key.into(),
        // Not due for an hour: the test counts and cancels them before any could go.
        not_before: Some(loa::db::time::now() + TimeDelta::hours(1)),
        expires_at: None,
    }
}

#[tokio::test]
async fn many_messages_are_queued_in_batches_once_and_cancelled_by_origin() {
    let t = common::spawn().await;
    let outbox = &t.app.services.outbox;
    let n = loa::outbox::BATCH + 20;
    let msgs: Vec<NewMessage> = (0..n)
        .map(|i| {
            let to = format!("09130{i:05}");
            bulk(&format!("t:{i}"), &to, &format!("notice:7:{}", i % 3))
        })
        .collect();
    assert_eq!(outbox.enqueue_many(&msgs).await.expect("queue"), n as u64);
    assert_eq!(
        outbox.enqueue_many(&msgs).await.expect("again"),
        0,
        "keys repeat"
    );
    let other = bulk("t:other", "0913999999", "notice:70");
    outbox.enqueue(other).await.expect("other");
    let figures = outbox.figures("notice:7").await.expect("figures");
    assert_eq!(figures, [("queued".to_string(), n as i64)]);
    assert_eq!(outbox.cancel("notice:7").await.expect("cancel"), n as u64);
    let figures = outbox.figures("notice:7").await.expect("figures");
    assert_eq!(figures, [("cancelled".to_string(), n as i64)]);
    // `notice:70` is another notice, not one below `notice:7`.
    assert_eq!(
        outbox.figures("notice:70").await.expect("figures"),
        [("queued".to_string(), 1)]
    );
    t.stop().await;
}

#[tokio::test]
async fn the_audit_log_keeps_entries_newest_first_and_filters_them() {
    let t = common::spawn().await;
    let db = &t.app.services.db;
    for (i, kind) in ["legal_aid_request", "pregnancy", "legal_aid_request"]
        .iter()
        .enumerate()
    {
        let id = i.to_string();
        let e = audit::Entry {
            actor: "staff:1",
            action: "read",
            subject_kind: kind,
            subject_id: Some(&id),
            detail: None,
        };
        audit::record(db, &e).await.expect("record");
    }
    let f = audit::Filter {
        subject_kind: Some("legal_aid_request"),
        limit: 10,
        ..Default::default()
    };
    let lines = audit::list(db, &f).await.expect("list");
    let ids: Vec<_> = lines
        .iter()
        .map(|l| l.subject_id.clone().unwrap_or_default())
        .collect();
    assert_eq!(ids, ["2", "0"]);
    let all = audit::list(
        db,
        &audit::Filter {
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .expect("all");
    assert_eq!(all.len(), 3);
    t.stop().await;
}

#[tokio::test]
async fn an_admin_covers_every_area_and_the_new_roles_are_stored() {
    let t = common::spawn().await;
    let db = &t.app.services.db;
    let csv = "Số điện thoại,Họ tên,Vai trò,Địa bàn\n0912555001,Quản trị tỉnh,quản trị,19\n0912555002,Trạm y tế,trạm y tế xã,01981\n";
    let table = loa::features::import::table::read_csv(csv.as_bytes()).expect("csv");
    let opts = loa::features::import::Options::default();
    let report =
        loa::features::import::run_table(db, loa::features::import::Kind::Staff, &table, &opts)
            .await
            .expect("import");
    assert!(
        report.ok(),
        "{}",
        report.render(&t.app.services.locales, "en")
    );
    let admin = staff::by_phone(db, &phone("0912555001"))
        .await
        .expect("db")
        .expect("admin");
    assert_eq!(admin.role, staff::Role::Admin);
    let scope = staff::scope(db, &admin).await.expect("scope");
    assert!(scope.covers("B010201") && scope.covers("anything"));
    let health = staff::by_phone(db, &phone("0912555002"))
        .await
        .expect("db")
        .expect("health");
    assert_eq!(health.role, staff::Role::CommuneHealth);
    t.stop().await;
}
