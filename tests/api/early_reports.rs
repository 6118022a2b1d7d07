//! A delivery report that arrives before the dispatcher has recorded its send is kept and
//! applied once the send is recorded: no report is dropped.

use std::sync::Once;
use std::time::Duration;

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{self, TestApp, TestDb, DEMO_PHONE};

fn env() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::env::set_var("LOA_TEST_EARLY_PASSWORD", "pw");
        std::env::set_var("LOA_TEST_EARLY_SECRET", "hook-secret");
    });
}

async fn spawn_jasmin(uri: &str) -> TestApp {
    env();
    let db = TestDb::new().await;
    let mut config = common::test_config(&db);
    config.simulator.enabled = false;
    let dir = tempfile::tempdir().expect("dir");
    let file = format!(
        r#"id = "early"
kind = "jasmin"
rate = 50
[jasmin]
send_url = "{uri}/send"
username = "loa"
password_env = "LOA_TEST_EARLY_PASSWORD"
dlr_url = "http://loa.example/webhooks/early/dlr/hook-secret"
[webhook]
secret_env = "LOA_TEST_EARLY_SECRET"
"#
    );
    std::fs::write(dir.path().join("early.toml"), file).expect("file");
    config.gateway_dir = dir.keep();
    let app = loa::server::open(config).await.expect("open");
    common::start(app, db).await
}

async fn dlr(t: &TestApp, body: &str) -> u16 {
    t.client
        .post(t.url("/webhooks/early/dlr/hook-secret"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_string())
        .send()
        .await
        .expect("dlr")
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_report_sent_before_the_send_is_settled_is_applied_once_it_is() {
    let jasmin = MockServer::start().await;
    // Jasmin takes the message and answers late; its SMSC reports delivery before that answer.
    Mock::given(method("POST"))
        .and(path("/send"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("Success \"early-1\"")
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&jasmin)
        .await;
    let t = spawn_jasmin(&jasmin.uri()).await;
    let id = t.enqueue_reply(DEMO_PHONE, "Da nhan").await;
    common::eventually(common::PATIENCE, "the send to start", async || {
        let started = jasmin.received_requests().await.unwrap_or_default().len();
        common::done_if(started > 0, started)
    })
    .await;
    assert_eq!(common::outbox_status(&t.app, id).await, "sending");
    let report = "id=early-1&message_status=DELIVRD&level=3&id_smsc=1&sub=001&dlvrd=001&err=000";
    assert_eq!(dlr(&t, report).await, 200);
    assert_eq!(
        common::outbox_status(&t.app, id).await,
        "sending",
        "the report came first"
    );
    // Answered at once and kept; once the send is recorded, the report is applied.
    // Applying and forgetting are two statements: wait for both, not the first.
    common::eventually(
        common::PATIENCE,
        "the kept report applied and forgotten",
        async || {
            let s = common::outbox_status(&t.app, id).await;
            let kept = common::count(&t.app, "SELECT COUNT(*) FROM early_reports").await;
            common::done_if(s == "delivered" && kept == 0, (s, kept))
        },
    )
    .await;
    // The same report again changes nothing, and a report for no message of ours is kept
    // (for a day) and answered 200.
    assert_eq!(dlr(&t, report).await, 200);
    assert_eq!(common::outbox_status(&t.app, id).await, "delivered");
    assert_eq!(
        dlr(&t, "id=nobody&message_status=DELIVRD&level=3").await,
        200
    );
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM early_reports").await,
        1
    );
    t.stop().await;
}

/// Reports arriving together are applied with shared commits, each exactly as alone: known sends
/// change status, repeats change nothing, and a report for a send not yet recorded is kept.
#[tokio::test]
async fn concurrent_reports_share_commits_and_each_lands_as_alone() {
    let t = common::spawn().await;
    let mut ids = Vec::new();
    for n in 0..40 {
        ids.push(t.enqueue_reply(DEMO_PHONE, &format!("tin {n}")).await);
    }
    // The simulator delivers and reports each; after its last report, nothing else reports.
    common::eventually(common::PATIENCE, "the simulator's reports", async || {
        let n = common::count(
            &t.app,
            "SELECT COUNT(*) FROM outbox WHERE status = 'delivered'",
        )
        .await;
        common::done_if(n == 40, n)
    })
    .await;
    // As a real gateway leaves them: sent, each with its provider's id.
    loa::execute!(&t.app.services.db, pool => sqlx::query(
        "UPDATE outbox SET status = 'sent', gateway_id = 'g', provider_id = 'p' || CAST(id AS TEXT)"
    )
    .execute(pool)
    .await)
    .expect("mark sent");
    let report = |provider_id: String| loa::outbox::ReportIn {
        gateway_id: "g".into(),
        provider_id,
        status: loa::gateway::DeliveryStatus::Delivered,
        error: None,
    };
    let mut reports: Vec<_> = ids.iter().map(|id| report(format!("p{id}"))).collect();
    reports.push(report(format!("p{}", ids[0])));
    reports.push(report("not-yet".into()));
    let (_, commits_before) = t.app.services.outbox.report_counts();
    let tasks: Vec<_> = reports
        .into_iter()
        .map(|r| {
            let outbox = t.app.services.outbox.clone();
            tokio::spawn(async move { outbox.report(r).await.expect("report") })
        })
        .collect();
    let mut received = Vec::new();
    for task in tasks {
        received.push(task.await.expect("task"));
    }
    use loa::outbox::Outcome;
    let applied = received.iter().filter(|r| **r == Outcome::Applied).count();
    assert_eq!(applied, 40, "{received:?}");
    assert!(received.contains(&Outcome::Unchanged), "the repeat");
    assert_eq!(received.last(), Some(&Outcome::Kept));
    for id in &ids {
        assert_eq!(common::outbox_status(&t.app, *id).await, "delivered");
    }
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM early_reports").await,
        1
    );
    let (_, commits) = t.app.services.outbox.report_counts();
    assert!(
        commits - commits_before < 42,
        "42 concurrent reports took {} commits",
        commits - commits_before
    );
    t.stop().await;
}
