//! Households and support status end to end: imports (csv and xlsx), TT by SMS, status-change SMS.

use std::path::{Path, PathBuf};

use loa::features::import::{self, Kind, Options, Report};
use loa::features::support::{self, Status};
use loa::i18n::Msg;
use serde_json::Value;

use crate::common::{self, TestDb};

fn opts() -> Options {
    Options::default()
}

async fn import_file(db: &loa::db::Db, kind: Kind, path: &Path) -> Report {
    import::run(db, kind, path, &opts())
        .await
        .expect("import runs")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write csv");
    p
}

/// The sample as an office's spreadsheet program would save it: digits as numbers (so `01969`
/// becomes 1969 and `0912001001` becomes 912001001), dates as date cells.
fn csv_to_xlsx(csv_text: &str, path: &Path) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let date_format = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv_text.as_bytes());
    for (r, rec) in reader.records().enumerate() {
        let rec = rec.expect("csv");
        for (c, cell) in rec.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            let parts: Vec<&str> = cell.split('/').collect();
            if r > 0 && cell.bytes().all(|b| b.is_ascii_digit() || b == b'.') && !cell.is_empty() {
                let n: f64 = cell.parse().expect("number");
                sheet.write_number(r, c, n).expect("cell");
            } else if r > 0 && parts.len() == 3 && parts.iter().all(|p| p.parse::<u16>().is_ok()) {
                let d = rust_xlsxwriter::ExcelDateTime::from_ymd(
                    parts[2].parse().expect("y"),
                    parts[1].parse().expect("m"),
                    parts[0].parse().expect("d"),
                )
                .expect("date");
                sheet
                    .write_datetime_with_format(r, c, &d, &date_format)
                    .expect("cell");
            } else {
                sheet.write_string(r, c, cell).expect("cell");
            }
        }
    }
    book.save(path).expect("save xlsx");
}

async fn counts(db: &loa::db::Db) -> [i64; 6] {
    let mut out = [0; 6];
    for (i, table) in [
        "areas",
        "households",
        "household_contacts",
        "support_records",
        "support_history",
        "staff_areas",
    ]
    .iter()
    .enumerate()
    {
        out[i] = loa::with_db!(db, pool => sqlx::query_scalar::<_, i64>(&format!(
            "SELECT COUNT(*) FROM {table}"
        ))
        .fetch_one(pool)
        .await)
        .expect("count");
    }
    out
}

#[tokio::test]
async fn the_samples_import_as_xlsx_and_as_csv_to_the_same_data_and_twice_changes_nothing() {
    let db = TestDb::new().await;
    let app = loa::server::open(common::test_config(&db))
        .await
        .expect("open");
    let dir = tempfile::tempdir().expect("dir");
    for (kind, file, text) in loa::demo::FILES {
        let xlsx = dir.path().join(file.replace(".csv", ".xlsx"));
        csv_to_xlsx(text, &xlsx);
        let r = import_file(&app.services.db, kind, &xlsx).await;
        assert!(r.ok(), "{file}: {}", r.render(&app.services.locales, "en"));
        assert!(r.applied);
        assert_eq!(r.created, r.rows, "{file}");
        if kind == Kind::Areas {
            // 01969 was saved as the number 1969: matched, and the report says so.
            let text = r.render(&app.services.locales, "en");
            assert!(
                text.contains("\"1969\"") && text.contains("\"01969\""),
                "{text}"
            );
        }
    }
    let after_xlsx = counts(&app.services.db).await;
    assert_eq!(after_xlsx, [10, 8, 9, 8, 8, 7]);
    let hh = loa::features::households::by_code(&app.services.db, "cg-0002")
        .await
        .expect("q")
        .expect("CG-0002");
    assert_eq!(
        loa::features::households::phones(&app.services.db, hh.id)
            .await
            .expect("phones"),
        vec!["+84388001002", "+84912001002"]
    );
    let code: Option<String> = loa::with_db!(&app.services.db, pool => sqlx::query_scalar(
        "SELECT code FROM areas WHERE code = '01969'"
    )
    .fetch_optional(pool)
    .await)
    .expect("q");
    assert_eq!(code.as_deref(), Some("01969"));

    // The same data again, from csv: nothing to change; and the xlsx again: nothing either.
    for (kind, file, text) in loa::demo::FILES {
        let csv = write(dir.path(), file, text);
        let r = import_file(&app.services.db, kind, &csv).await;
        assert_eq!(
            (r.created, r.updated, r.unchanged),
            (0, 0, r.rows),
            "{file} as csv"
        );
        let r = import_file(
            &app.services.db,
            kind,
            &dir.path().join(file.replace(".csv", ".xlsx")),
        )
        .await;
        assert_eq!(
            (r.created, r.updated, r.unchanged),
            (0, 0, r.rows),
            "{file} as xlsx again"
        );
    }
    assert_eq!(counts(&app.services.db).await, after_xlsx);
    app.services.db.close().await;
    db.drop_db().await;
}

#[tokio::test]
async fn a_bad_file_is_rejected_whole_with_row_column_and_problem() {
    let t = common::spawn().await;
    let db = &t.app.services.db;
    let before = counts(db).await;
    let dir = tempfile::tempdir().expect("dir");

    let households = write(
        dir.path(),
        "ho.csv",
        "Mã hộ,Họ tên chủ hộ,Thôn/bản,Dân tộc,Phân loại hộ,Năm phân loại,Số nhân khẩu,Số điện thoại\n\
         CG-0100,Good Row,B010201,Tày,nghèo,2025,3,0912001100\n\
         CG-0101,Wrong Village,B999999,Tày,nghèo,2025,3,\n\
         CG-0102,First,B010202,Dao,cận nghèo,2025,4,\n\
         CG-0102,Again,B010202,Dao,cận nghèo,2025,4,\n",
    );
    let r = import_file(db, Kind::Households, &households).await;
    let got: Vec<(usize, String, &str)> = r
        .problems
        .iter()
        .map(|p| (p.row, p.column.clone(), p.problem.id))
        .collect();
    assert_eq!(
        got,
        vec![
            (3, "Thôn/bản".to_string(), "import-unknown-village"),
            (5, "Mã hộ".to_string(), "import-duplicate"),
        ]
    );
    assert!(!r.applied);
    let en = r.render(&t.app.services.locales, "en");
    assert!(
        en.contains("Row 3, column \"Thôn/bản\": no village with code \"B999999\""),
        "{en}"
    );
    assert!(
        en.contains("Row 5, column \"Mã hộ\": \"CG-0102\" repeats row 4"),
        "{en}"
    );
    assert!(en.contains("Nothing imported"), "{en}");
    let vi = r.render(&t.app.services.locales, "vi");
    assert!(
        vi.contains("Dòng 3") && vi.contains("Không nhập gì"),
        "{vi}"
    );

    let support = write(
        dir.path(),
        "ht.csv",
        "Mã hộ,Mã nội dung,Trạng thái,Số lượng,Đơn vị,Ngày,Ghi chú\n\
         CG-0004,DA1.ND2,đăng ký,,,01/12/2025,\n\
         CG-0004,DA1.ND4,đã duyệt,,,31/02/2025,\n\
         CG-0004,DA1.ND2,đã duyệt,0,VND,02/12/2025,\n\
         CG-0004,DA1.ND3,từ chối,,,01/12/2025,\n",
    );
    let r = import_file(db, Kind::Support, &support).await;
    let got: Vec<(usize, String, &str)> = r
        .problems
        .iter()
        .map(|p| (p.row, p.column.clone(), p.problem.id))
        .collect();
    assert_eq!(
        got,
        vec![
            (3, "Ngày".to_string(), "import-bad-date"),
            (4, "Số lượng".to_string(), "import-zero-amount"),
            (5, "Lý do".to_string(), "import-reason-required"),
        ]
    );
    // The good first rows of both files were not written either.
    assert_eq!(counts(db).await, before);

    // --dry-run of a good file reports what it would do and writes nothing.
    let good = write(
        dir.path(),
        "ok.csv",
        "Mã hộ,Mã nội dung,Trạng thái,Ngày\nCG-0004,DA1.ND2,đăng ký,01/12/2025\n",
    );
    let dry = import::run(
        db,
        Kind::Support,
        &good,
        &Options {
            dry_run: true,
            ..opts()
        },
    )
    .await
    .expect("dry");
    assert!(dry.ok() && !dry.applied && dry.created == 1);
    assert_eq!(counts(db).await, before);
    t.stop().await;
}

fn text(v: &Value) -> &str {
    v["text"].as_str().unwrap_or("")
}

#[tokio::test]
async fn tt_answers_a_linked_phone_and_tells_anyone_else_how_to_register() {
    let t = common::spawn().await;
    let linked = t.ask("0912001001", "TT").await;
    let body = text(&linked);
    assert!(body.contains("CG-0001"), "{body}");
    let water = body.find("Nước sinh hoạt phân tán").expect("water record");
    let house = body.find("Nhà ở").expect("housing record");
    assert!(water < house, "newest first: {body}");
    assert!(
        body.contains("40.000.000đ") && body.contains("đã giải ngân"),
        "{body}"
    );
    assert!(linked["parts"].as_i64().unwrap_or(9) <= 2, "{linked}");

    let stranger = t.ask("0912999999", "tt").await;
    assert_eq!(
        stranger["text"],
        t.app
            .services
            .locales
            .render("vi", &Msg::new("tt-not-registered"))
    );
    let probing = t.ask("0912999999", "TT CG-0001").await;
    assert_eq!(
        probing["text"],
        t.app
            .services
            .locales
            .render("vi", &Msg::new("tt-not-registered"))
    );

    // A linked phone asking for another household learns nothing about it.
    let other = t.ask("0912001001", "TT VT-0001").await;
    assert!(
        !text(&other).contains("Nhà ở") && text(&other).contains("VT-0001"),
        "{other}"
    );

    // In English and unaccented, as the contact chose.
    t.ask("0912001001", "NN en").await;
    t.ask("0912001001", "KD").await;
    let en = t.ask("0912001001", "status").await;
    assert!(
        text(&en).contains("Household CG-0001") && text(&en).contains("40,000,000 VND"),
        "{en}"
    );
    assert_eq!(en["encoding"], "GSM-7");
    t.stop().await;
}

#[tokio::test]
async fn tt_from_a_phone_in_two_households_and_paging() {
    let t = common::spawn().await;
    let dir = tempfile::tempdir().expect("dir");
    // 0912001001 is also the phone of a second household, which has many records.
    let hh = write(
        dir.path(),
        "ho.csv",
        "Mã hộ,Họ tên chủ hộ,Thôn/bản,Phân loại hộ,Số điện thoại\nCG-0009,Hoàng Thị Hoa,B010201,nghèo,0912 001 001\n",
    );
    assert!(
        import_file(&t.app.services.db, Kind::Households, &hh)
            .await
            .applied
    );
    let mut rows = String::from("Mã hộ,Mã nội dung,Trạng thái,Số lượng,Đơn vị,Ngày\n");
    for m in 1..=9 {
        rows.push_str(&format!(
            "CG-0009,DA3.TDA1.ND4,đã giải ngân,15,kg,0{m}/0{m}/2025\n"
        ));
    }
    let ht = write(dir.path(), "ht.csv", &rows);
    let r = import_file(&t.app.services.db, Kind::Support, &ht).await;
    assert!(r.applied, "{}", r.render(&t.app.services.locales, "en"));

    let mut seen = String::new();
    let first = t.ask("0912001001", "TT").await;
    assert!(
        text(&first).contains("CG-0001") || text(&first).contains("CG-0009"),
        "{first}"
    );
    seen.push_str(text(&first));
    let mut page = 1;
    while text(
        &t.messages("0912001001")
            .await
            .last()
            .cloned()
            .unwrap_or_default(),
    )
    .contains("TT ")
        && page < 10
    {
        page += 1;
        let next = t.ask("0912001001", &format!("TT {page}")).await;
        assert!(next["parts"].as_i64().unwrap_or(9) <= 2, "{next}");
        seen.push_str(text(&next));
        if !text(&next).contains(&format!("TT {}", page + 1)) {
            break;
        }
    }
    assert!(
        page >= 2,
        "nine records and two households need more than one page: {seen}"
    );
    assert!(
        seen.contains("CG-0001") && seen.contains("CG-0009"),
        "{seen}"
    );
    assert_eq!(seen.matches("Gạo bảo vệ rừng").count(), 9, "{seen}");

    // One household by its code.
    let one = t.ask("0912001001", "TT cg 0001").await;
    assert!(
        text(&one).contains("CG-0001") && !text(&one).contains("CG-0009"),
        "{one}"
    );
    t.stop().await;
}

#[tokio::test]
async fn a_commune_officer_may_ask_for_households_of_its_commune_only() {
    let t = common::spawn().await;
    let officer = "0912009003"; // cán bộ xã of Cẩm Giàng (02008)
    let own = t.ask(officer, "TT CG-0003").await;
    assert!(
        text(&own).contains("CG-0003") && text(&own).contains("từ chối"),
        "{own}"
    );
    let elsewhere = t.ask(officer, "TT VT-0001").await;
    assert_eq!(
        elsewhere["text"],
        t.app
            .services
            .locales
            .render("vi", &Msg::new("tt-no-access").arg("code", "VT-0001"))
    );
    let bare = t.ask(officer, "TT").await;
    assert_eq!(
        bare["text"],
        t.app
            .services
            .locales
            .render("vi", &Msg::new("tt-officer-needs-code"))
    );
    // A health worker is no commune officer.
    let worker = t.ask("0912009001", "TT CG-0001").await;
    assert!(!text(&worker).contains("Nhà ở"), "{worker}");
    t.stop().await;
}

async fn record_id(app: &loa::app::App, key_prefix: &str) -> i64 {
    loa::with_db!(&app.services.db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM support_records WHERE record_key LIKE $1"
    )
    .bind(format!("{key_prefix}%"))
    .fetch_one(pool)
    .await)
    .expect("record")
}

async fn notices(app: &loa::app::App) -> i64 {
    common::count(
        app,
        "SELECT COUNT(*) FROM outbox WHERE origin LIKE 'support:%'",
    )
    .await
}

#[tokio::test]
async fn a_status_change_sends_one_sms_per_linked_phone_and_none_on_a_repeat() {
    let t = common::spawn().await;
    assert_eq!(notices(&t.app).await, 0, "loading records sends nothing");
    // CG-0002 has two phones.
    let id = record_id(&t.app, "CG0002|DA3.TDA1.ND1|").await;
    let change = support::set_status(&t.app.services.db, id, Status::Disbursed, None, "test")
        .await
        .expect("set")
        .expect("a change");
    assert_eq!(
        announce(&t.app, std::slice::from_ref(&change))
            .await
            .expect("announce"),
        2
    );
    for phone in ["0912001002", "0388001002"] {
        let got = t.wait_for_messages(phone, 1).await;
        assert_eq!(got.len(), 1, "{got:#?}");
        assert!(
            text(&got[0]).contains("CG-0002") && text(&got[0]).contains("đã được giải ngân"),
            "{got:#?}"
        );
    }
    // The same change announced again, and the same status set again: nothing more.
    assert_eq!(announce(&t.app, &[change]).await.expect("again"), 0);
    let repeat = support::set_status(&t.app.services.db, id, Status::Disbursed, None, "test")
        .await
        .expect("set");
    assert!(repeat.is_none());
    assert_eq!(notices(&t.app).await, 2);
    let history = support::history(&t.app.services.db, id)
        .await
        .expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].from_status.as_deref(), Some("in_progress"));
    assert_eq!(history[1].to_status, "disbursed");
    assert_eq!(history[1].changed_by, "test");

    // Not allowed: back from disbursed; a rejection needs a reason.
    assert!(
        support::set_status(&t.app.services.db, id, Status::Approved, None, "test")
            .await
            .is_err()
    );

    // Through an import: VT-0001's housing goes from registered to approved.
    let dir = tempfile::tempdir().expect("dir");
    // The office's sheet must agree with the change made above: going back is refused.
    let stale = loa::demo::SUPPORT.replace("VT-0001,DA1.ND2,đăng ký", "VT-0001,DA1.ND2,đã duyệt");
    let f = write(dir.path(), "stale.csv", &stale);
    let r = import_file(&t.app.services.db, Kind::Support, &f).await;
    assert_eq!(r.problems.len(), 1);
    assert_eq!(r.problems[0].problem.id, "import-bad-transition");
    assert!(!r.applied);
    let updated = stale.replace(
        "CG-0002,DA3.TDA1.ND1,đang thực hiện",
        "CG-0002,DA3.TDA1.ND1,đã giải ngân",
    );
    let f = write(dir.path(), "ho-tro.csv", &updated);
    let r = import_file(&t.app.services.db, Kind::Support, &f).await;
    assert_eq!(
        (r.created, r.updated, r.changes.len()),
        (0, 1, 1),
        "{}",
        r.render(&t.app.services.locales, "en")
    );
    assert_eq!(announce(&t.app, &r.changes).await.expect("announce"), 1);
    let got = t.wait_for_messages("0912002001", 1).await;
    assert!(
        text(&got[0]).contains("VT-0001") && text(&got[0]).contains("duyệt"),
        "{got:#?}"
    );
    let again = import_file(&t.app.services.db, Kind::Support, &f).await;
    assert!(again.changes.is_empty() && again.updated == 0);
    assert_eq!(notices(&t.app).await, 3);
    t.stop().await;
}

#[tokio::test]
async fn a_change_whose_sms_were_never_queued_is_announced_by_the_sweep_once() {
    let t = common::spawn().await;
    let id = record_id(&t.app, "CG0002|DA3.TDA1.ND1|").await;
    // The change is recorded, then the process "dies" before announcing it.
    support::set_status(&t.app.services.db, id, Status::Disbursed, None, "test")
        .await
        .expect("set")
        .expect("a change");
    assert_eq!(notices(&t.app).await, 0);
    // Too recent for the sweep: the normal path may still be announcing it.
    loa::scheduler::housekeeping::sweep_announcements(&t.app.services).await;
    assert_eq!(notices(&t.app).await, 0);
    loa::execute!(&t.app.services.db, pool => sqlx::query(
        "UPDATE support_history SET changed_at = $1"
    )
    .bind(chrono::Utc::now() - chrono::TimeDelta::minutes(5))
    .execute(pool)
    .await)
    .expect("age the change");
    loa::scheduler::housekeeping::sweep_announcements(&t.app.services).await;
    assert_eq!(notices(&t.app).await, 2, "one SMS per linked phone");
    loa::scheduler::housekeeping::sweep_announcements(&t.app.services).await;
    assert_eq!(notices(&t.app).await, 2, "announced once");
    t.stop().await;
}

/// The status SMS of `changes`, queued as the API and the importer queue them.
async fn announce(
    app: &loa::app::App,
    changes: &[loa::features::support::StatusChange],
) -> Result<usize, loa::outbox::OutboxError> {
    let svc = &app.services;
    loa::features::support::announce::announce(&svc.db, &svc.locales, &svc.outbox, changes).await
}
