//! A commune office's first days: `serve --demo` again over a database staff changed since
//! leaves the data alone, and the sheet the office has (Excel's Unicode text) can be uploaded.

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

/// Excel's "Unicode text" (`.txt`: UTF-16 with its mark, tab-separated) is how an office may have
/// saved its sheet: the console's upload reads it as `loa import` does.
#[tokio::test]
async fn the_console_upload_reads_excels_unicode_text() {
    let t = common::spawn().await;
    let officer = crate::console::Page::of(&t, Some("0912009003")).await;
    let sheet = "Mã hộ\tHọ tên chủ hộ\tThôn/bản\tDân tộc\tPhân loại hộ\tNăm phân loại\t\
                 Số nhân khẩu\tSố điện thoại\r\n\
                 CG-0311\tHoàng Văn Tư\tB010201\tTày\tnghèo\t2025\t4\t0912301311\r\n";
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(sheet.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let fields = [("csrf", officer.csrf.as_str()), ("kind", "households")];
    for name in ["ho-gia-dinh.txt", "HO.TXT"] {
        let (status, _, html) = officer
            .upload(&t, "/console/imports/check", &fields, Some((name, &utf16)))
            .await;
        assert_eq!(status, 200, "{name}: {html}");
        assert!(
            html.contains("<strong>1</strong>new") && html.contains("id=\"confirm\""),
            "{name}: {html}"
        );
    }
    t.stop().await;
}
