//! `serve --demo` again over a database staff changed since: the demo leaves the data alone.

use loa::features::support::{self, Status};

use crate::common;

#[tokio::test]
async fn the_demo_loads_again_over_a_status_staff_changed() {
    let t = common::spawn().await;
    let db = &t.app.services.db;
    let id: i64 = loa::with_db!(db, pool => sqlx::query_scalar(
        "SELECT id FROM support_records WHERE record_key LIKE 'CG0002|DA3.TDA1.ND1|%'"
    )
    .fetch_one(pool)
    .await)
    .expect("record");
    support::set_status(db, id, Status::Disbursed, None, "staff:test")
        .await
        .expect("moved on");
    let loaded = loa::demo::load(db).await.expect("the demo starts again");
    assert!(loaded.kept);
    let status: String = loa::with_db!(db, pool => sqlx::query_scalar(
        "SELECT status FROM support_records WHERE id = $1"
    )
    .bind(id)
    .fetch_one(pool)
    .await)
    .expect("status");
    assert_eq!(status, "disbursed", "staff's change stands");
    t.stop().await;
}
