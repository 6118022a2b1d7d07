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
