//! A panic below the edge is logged and the task starts again: never a server that answers 200
//! and sends nothing.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use futures::future::BoxFuture;
use loa::gateway::{Gateway, GatewayHandle, Outbound, Receipt, SendError};

use crate::common::{self, TestDb, DEMO_PHONE};

/// Panics on its first send (a bug in an adapter), then sends.
struct PanicsOnce {
    calls: AtomicUsize,
}

impl Gateway for PanicsOnce {
    fn id(&self) -> &str {
        "panics-once"
    }
    fn kind(&self) -> &'static str {
        "test"
    }
    fn send<'a>(&'a self, msg: &'a Outbound<'a>) -> BoxFuture<'a, Result<Receipt, SendError>> {
        Box::pin(async move {
            if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
                panic!("adapter bug");
            }
            Ok(Receipt {
                provider_id: format!("p-{}", msg.id),
            })
        })
    }
}

#[tokio::test]
async fn the_dispatcher_starts_again_after_a_panic() {
    let db = TestDb::new().await;
    let mut config = common::test_config(&db);
    config.simulator.enabled = false;
    let app = loa::server::open(config).await.expect("open");
    let mut app = Arc::into_inner(app).expect("sole owner");
    Arc::get_mut(&mut app.gateways)
        .expect("sole owner")
        .add(GatewayHandle::new(
            Arc::new(PanicsOnce {
                calls: AtomicUsize::new(0),
            }),
            NonZeroU32::new(100).expect("rate"),
            Vec::new(),
            0,
        ));
    let t = common::start(Arc::new(app), db).await;
    let first = t.enqueue_reply(DEMO_PHONE, "Da nhan").await;
    // The first send panics; the dispatcher comes back, and the row left in `sending` is taken
    // again once its lease (2 s in tests) runs out.
    assert_eq!(t.settled_status(first).await, "sent");
    let second = t.enqueue_reply(DEMO_PHONE, "Da nhan").await;
    assert_eq!(t.settled_status(second).await, "sent");
    t.stop().await;
}

/// Runs of the job below; its first run panics.
static RUNS: AtomicUsize = AtomicUsize::new(0);

/// A job with a bug on its first run, every second.
const PANICS_FIRST: &[loa::scheduler::JobDef] = &[("panics-first", "* * * * * *", 1, |_| {
    Box::pin(async {
        if RUNS.fetch_add(1, Ordering::SeqCst) == 0 {
            panic!("job bug");
        }
    })
})];

/// What the test's subscriber writes.
#[derive(Clone, Default)]
struct Log(Arc<std::sync::Mutex<Vec<u8>>>);

impl Log {
    fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl std::io::Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut bytes = self.0.lock().unwrap_or_else(|e| e.into_inner());
        bytes.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Log {
    type Writer = Log;
    fn make_writer(&'a self) -> Log {
        self.clone()
    }
}

// One thread: the scheduler's tasks log through this thread's subscriber.
#[tokio::test(flavor = "current_thread")]
async fn a_scheduler_job_that_panics_is_logged_and_runs_again_next_slot() {
    let log = Log::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(log.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let db = TestDb::new().await;
    let mut config = common::test_config(&db);
    config.simulator.enabled = false;
    let app = loa::server::open(config).await.expect("open");
    let mut sched = loa::scheduler::start_jobs(Arc::new(app.jobs()), PANICS_FIRST)
        .await
        .expect("scheduler");
    let runs = common::eventually(
        std::time::Duration::from_secs(15),
        "the job's runs after its panic",
        async || {
            common::done_if(
                RUNS.load(Ordering::SeqCst) >= 3,
                RUNS.load(Ordering::SeqCst),
            )
        },
    )
    .await;
    assert!(runs >= 3);
    let text = log.text();
    assert!(
        text.contains("job panicked") && text.contains("panics-first"),
        "{text}"
    );
    sched.shutdown().await.expect("shutdown");
    db.drop_db().await;
}
