//! Every importer's rules on one SQLite database, file after file: what each report says and what each file writes.
//!
//! The files run in order, each on what the ones before left: the demo places, households,
//! support records and staff, then files that break each rule, change stored rows, run dry,
//! map headers, or reach outside an officer's commune. A line per fact keeps a failure readable.

use super::*;
use crate::db::Db;
use crate::i18n::Arg;
use crate::phone::Msisdn;

// The demo's spreadsheets, read here directly: `demo` sits above the features (layers.rs).
const DEMO_PLACES: &str = include_str!("../../../demo/dia-ban.csv");
const DEMO_HOUSEHOLDS: &str = include_str!("../../../demo/ho-gia-dinh.csv");
const DEMO_SUPPORT: &str = include_str!("../../../demo/ho-tro.csv");
const DEMO_STAFF: &str = include_str!("../../../demo/can-bo.csv");
const DEMO_FILES: [(Kind, &str); 4] = [
    (Kind::Areas, DEMO_PLACES),
    (Kind::Households, DEMO_HOUSEHOLDS),
    (Kind::Support, DEMO_SUPPORT),
    (Kind::Staff, DEMO_STAFF),
];

enum How {
    Apply,
    DryRun,
    /// With `--map` (header as in the file, field name).
    Map(&'static [(&'static str, &'static str)]),
    /// Uploaded by the commune officer of Cẩm Giàng (02008).
    Within,
}

struct Case {
    name: &'static str,
    kind: Kind,
    how: How,
    file: &'static str,
    /// Counts, then each problem, note and status change, then the rows in each table.
    expect: &'static str,
}

const MAP: &[(&str, &str)] = &[
    ("Household", "code"),
    ("Who", "head"),
    ("Where", "village"),
    ("Điện thoại liên hệ", "phones"),
];

fn line(what: &str, p: &Problem) -> String {
    let args: Vec<String> = p
        .problem
        .args
        .iter()
        .map(|(name, value)| match value {
            Arg::Text(t) => format!(" {name}={t}"),
            Arg::Number(n) => format!(" {name}={n}"),
            Arg::Msg(id) => format!(" {name}={id}"),
        })
        .collect();
    format!(
        "{what} {} {}: {}{}",
        p.row,
        p.column,
        p.problem.id,
        args.concat()
    )
}

async fn summary(db: &Db, r: &Report) -> String {
    let mut out = vec![format!(
        "created {}, updated {}, unchanged {}, applied {}",
        r.created, r.updated, r.unchanged, r.applied
    )];
    out.extend(r.problems.iter().map(|p| line("problem", p)));
    out.extend(r.notes.iter().map(|p| line("note", p)));
    out.extend(r.changes.iter().map(|c| {
        format!(
            "change {} of record {}: {:?} -> {:?}, reason {:?}",
            c.history_id, c.record_id, c.from, c.to, c.reason
        )
    }));
    out.push(format!("tables {:?}", tables(db).await));
    out.join("\n")
}

const TABLES: [&str; 8] = [
    "areas",
    "households",
    "household_contacts",
    "contacts",
    "support_records",
    "support_history",
    "staff",
    "staff_areas",
];

async fn tables(db: &Db) -> Vec<i64> {
    let mut counts = Vec::new();
    for t in TABLES {
        let sql = format!("SELECT COUNT(*) FROM {t}");
        let n: i64 = crate::with_db!(db, pool => sqlx::query_scalar(&sql).fetch_one(pool).await)
            .expect("count");
        counts.push(n);
    }
    counts
}

async fn run_case(db: &Db, case: &Case) -> Report {
    let table = table::read_csv(case.file.as_bytes()).expect("csv");
    let mut opts = Options {
        actor: Some(format!("test:{}", case.name)),
        ..Options::default()
    };
    match case.how {
        How::Apply => {}
        How::DryRun => opts.dry_run = true,
        How::Map(map) => {
            opts.header_map = map
                .iter()
                .map(|(h, f)| (h.to_string(), f.to_string()))
                .collect();
        }
        How::Within => {
            let phone = Msisdn::parse("0912009003").expect("phone");
            let officer = crate::features::staff::by_phone(db, &phone)
                .await
                .expect("query")
                .expect("the demo's commune officer");
            return run_table_within(db, &officer, case.kind, &table, &opts)
                .await
                .expect(case.name);
        }
    }
    run_table(db, case.kind, &table, &opts)
        .await
        .expect(case.name)
}

async fn run_cases(db: &Db) {
    for case in CASES {
        let report = run_case(db, case).await;
        assert_eq!(
            summary(db, &report).await,
            case.expect,
            "file {}",
            case.name
        );
    }
}

#[test]
fn every_file_reports_and_writes_as_expected() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("dir");
    rt.block_on(async {
        let url = format!("sqlite://{}/import.db", dir.path().display());
        let db = crate::db::connect(&url).await.expect("db");
        crate::db::migrate(&db).await.expect("migrate");
        run_cases(&db).await;
    });
}

/// The same files on PostgreSQL when `LOA_TEST_DATABASE_URL` names a server (as the integration
/// tests do).
#[test]
fn every_file_reports_and_writes_as_expected_on_postgres() {
    on_postgres(|db| Box::pin(async move { run_cases(&db).await }));
}

/// Runs `body` on a fresh PostgreSQL database when `LOA_TEST_DATABASE_URL` names a server, and
/// drops the database afterwards, whatever `body` did.
fn on_postgres(body: fn(Db) -> futures::future::BoxFuture<'static, ()>) {
    let Some(admin) = std::env::var("LOA_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
    else {
        eprintln!("SKIPPED: LOA_TEST_DATABASE_URL names no PostgreSQL server");
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let name = format!("loa_t_{}", uuid::Uuid::new_v4().simple());
        let server = sqlx::PgPool::connect(&admin).await.expect("PostgreSQL");
        let create = format!("CREATE DATABASE {name}");
        sqlx::query(&create).execute(&server).await.expect("create");
        let (base, _) = admin.split_once('?').unwrap_or((&admin, ""));
        let root = base.rsplit_once('/').map_or(base, |(r, _)| r);
        let db = crate::db::connect(&format!("{root}/{name}"))
            .await
            .expect("db");
        crate::db::migrate(&db).await.expect("migrate");
        let ran = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(body(db.clone())));
        let ran = ran.await;
        db.close().await;
        let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        sqlx::query(&drop).execute(&server).await.expect("drop");
        if let Err(panic) = ran {
            std::panic::resume_unwind(panic);
        }
    });
}

/// A households file of `n` rows (codes `T-00000`…, village B010201). Household `i` has its own
/// phone; with `shared`, every seventh also lists the phone of the household 2,001 rows before
/// it (another write chunk); with `moved`, every fifth lists a new phone instead of its own.
fn many_households(n: usize, shared: bool, moved: bool) -> String {
    let mut out = String::from("Mã hộ,Họ tên chủ hộ,Thôn/bản,Số điện thoại\n");
    for i in 0..n {
        let mut phones = vec![if moved && i % 5 == 0 {
            format!("0913{i:06}")
        } else {
            format!("0912{i:06}")
        }];
        if shared && i % 7 == 0 && i >= 2_001 {
            phones.push(format!("0912{:06}", i - 2_001));
        }
        out.push_str(&format!("T-{i:05},Hộ {i},B010201,{}\n", phones.join("; ")));
    }
    out
}

async fn count(db: &Db, sql: &str) -> i64 {
    crate::with_db!(db, pool => sqlx::query_scalar(sql).fetch_one(pool).await).expect("count")
}

async fn phones_of(db: &Db, code: &str) -> Vec<String> {
    crate::with_db!(db, pool => sqlx::query_scalar(
        "SELECT c.msisdn FROM household_contacts hc
           JOIN contacts c ON c.id = hc.contact_id JOIN households h ON h.id = hc.household_id
          WHERE h.code = $1 ORDER BY c.msisdn"
    ).bind(code).fetch_all(pool).await)
    .expect("phones")
}

/// A file of several write chunks, whose rows share phones across chunk boundaries, written in
/// multi-row statements: every household and link once, a phone listed twice one contact; the
/// same file again changes nothing; moving phones relinks exactly the rows that moved.
async fn households_across_chunks(db: &Db) {
    let import = |kind: Kind, file: String| async move {
        let t = table::read_csv(file.as_bytes()).expect("csv");
        run_table(db, kind, &t, &Options::default())
            .await
            .expect("import")
    };
    let import_households = |file: String| import(Kind::Households, file);
    assert!(import(Kind::Areas, DEMO_PLACES.to_string()).await.applied);
    let n = 2 * driver::WRITE_CHUNK + 500;
    let shared = (2_001..n).filter(|i| i % 7 == 0).count() as i64;
    let r = import_households(many_households(n, true, false)).await;
    assert_eq!((r.created, r.applied), (n, true));
    assert_eq!(count(db, "SELECT COUNT(*) FROM households").await, n as i64);
    assert_eq!(count(db, "SELECT COUNT(*) FROM contacts").await, n as i64);
    let links = "SELECT COUNT(*) FROM household_contacts";
    assert_eq!(count(db, links).await, n as i64 + shared);
    assert_eq!(
        phones_of(db, "T-04207").await,
        ["+84912002206", "+84912004207"]
    );

    let r = import_households(many_households(n, true, false)).await;
    assert_eq!((r.unchanged, r.created, r.updated), (n, 0, 0));
    assert_eq!(count(db, links).await, n as i64 + shared);

    let r = import_households(many_households(n, false, true)).await;
    let moved = (0..n).filter(|i| i % 5 == 0).count();
    let unshared = (2_001..n).filter(|i| i % 7 == 0 && i % 5 != 0).count();
    assert_eq!((r.updated, r.applied), (moved + unshared, true));
    assert_eq!(count(db, links).await, n as i64);
    let contacts = count(db, "SELECT COUNT(*) FROM contacts").await;
    assert_eq!(contacts, (n + moved) as i64, "old contacts stay");
    assert_eq!(phones_of(db, "T-04207").await, ["+84912004207"]);
    assert_eq!(phones_of(db, "T-04205").await, ["+84913004205"]);
}

#[test]
fn households_across_write_chunks() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("dir");
    rt.block_on(async {
        let url = format!("sqlite://{}/import.db", dir.path().display());
        let db = crate::db::connect(&url).await.expect("db");
        crate::db::migrate(&db).await.expect("migrate");
        households_across_chunks(&db).await;
    });
}

#[test]
fn households_across_write_chunks_on_postgres() {
    on_postgres(|db| Box::pin(async move { households_across_chunks(&db).await }));
}

/// A report as a Vietnamese office reads it: statuses in Vietnamese, a hint when households come
/// before their areas, every line in Vietnamese.
#[test]
fn a_vietnamese_report_reads_vietnamese_from_first_line_to_last() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("dir");
    let locales = crate::i18n::Locales::embedded().expect("locales");
    rt.block_on(async {
        let url = format!("sqlite://{}/import.db", dir.path().display());
        let db = crate::db::connect(&url).await.expect("db");
        crate::db::migrate(&db).await.expect("migrate");
        let run = |kind, file: &'static str| {
            let db = db.clone();
            async move {
                let t = table::read_csv(file.as_bytes()).expect("csv");
                run_table(&db, kind, &t, &Options::default())
                    .await
                    .expect("import")
            }
        };
        // Households before any area: each row's village is unknown, and the report says once
        // what to do first.
        let early = run(Kind::Households, DEMO_HOUSEHOLDS).await;
        let text = early.render(&locales, "vi");
        let hint = locales.render("vi", &crate::i18n::Msg::new("import-hint-areas-first"));
        assert_eq!(text.matches(&hint).count(), 1, "{text}");
        assert!(
            text.lines()
                .last()
                .is_some_and(|l| l.starts_with("Không nhập gì")),
            "{text}"
        );

        for (kind, file) in DEMO_FILES {
            assert!(run(kind, file).await.applied);
        }
        let back = run(
            Kind::Support,
            "Mã hộ,Mã nội dung,Trạng thái,Ngày\nCG-0001,DA1.ND2,đăng ký,15/09/2025\n",
        )
        .await;
        let text = back.render(&locales, "vi");
        assert!(
            text.contains("không thể chuyển từ \"đã giải ngân\" sang \"đã đăng ký\""),
            "{text}"
        );
        let en = back.render(&locales, "en");
        assert!(
            en.contains("cannot go from \"paid\" to \"registered\""),
            "{en}"
        );
    });
}

const CASES: &[Case] = &[
    Case {
        name: "areas-missing-cols",
        kind: Kind::Areas,
        how: How::Apply,
        file: "Tên,Cấp\nX,tỉnh\n",
        expect: "created 0, updated 0, unchanged 0, applied false\n\
         problem 1 Mã: import-missing-column\n\
         problem 1 Mã cấp trên: import-missing-column\n\
         tables [0, 0, 0, 0, 0, 0, 0, 0]",
    },
    Case {
        name: "areas-demo",
        kind: Kind::Areas,
        how: How::Apply,
        file: DEMO_PLACES,
        expect: "created 10, updated 0, unchanged 0, applied true\n\
         tables [10, 0, 0, 0, 0, 0, 0, 0]",
    },
    Case {
        name: "areas-bad",
        kind: Kind::Areas,
        how: How::Apply,
        file: "Mã,Tên,Cấp,Mã cấp trên,Đặc biệt khó khăn,Khu vực\n\
         ,Nameless,xã,19,,\n\
         1970,Padded,xã,19,không,KV II\n\
         1970,Again,xã,19,,\n\
         B9,Village,thôn,,,\n\
         B10,Village,thôn,XX99,,\n\
         B11,Village,cấp lạ,02008,,\n\
         C1,Commune,xã,B010201,,\n\
         B12,,thôn,1969,có,\n\
         B13,Vil,thôn,02008,maybe,IV\n\
         B14,Forward,thôn,C77,,\n\
         C77,Later,xã,19,,3\n",
        expect: "created 9, updated 0, unchanged 0, applied false\n\
         problem 2 Mã: import-required\n\
         problem 4 Mã: import-duplicate value=01970 first=3\n\
         problem 7 Cấp: import-unknown-level value=cấp lạ\n\
         problem 5 Mã cấp trên: import-required\n\
         problem 6 Mã cấp trên: import-unknown-area value=XX99\n\
         problem 8 Mã cấp trên: import-bad-parent value=B010201\n\
         problem 9 Tên: import-required\n\
         problem 10 Đặc biệt khó khăn: import-bad-yes-no value=maybe\n\
         problem 10 Khu vực: import-bad-region value=IV\n\
         note 3 Mã: import-note-padded value=1970 code=01970\n\
         note 4 Mã: import-note-padded value=1970 code=01970\n\
         note 9 Mã cấp trên: import-note-padded value=1969 code=01969\n\
         tables [10, 0, 0, 0, 0, 0, 0, 0]",
    },
    Case {
        name: "areas-update",
        kind: Kind::Areas,
        how: How::Apply,
        file: "Mã,Tên,Cấp,Mã cấp trên,Đặc biệt khó khăn,Khu vực\n\
         B010203,Khuổi Cuồng Mới,thôn,02008,có,\n\
         B020001,Village New,thôn,C88,x,\n\
         C88,Commune New,phường,19,,khu vực 2\n\
         19,Thái Nguyên,tỉnh,,,\n",
        expect: "created 2, updated 1, unchanged 1, applied true\n\
         tables [12, 0, 0, 0, 0, 0, 0, 0]",
    },
    Case {
        name: "hh-demo",
        kind: Kind::Households,
        how: How::Apply,
        file: DEMO_HOUSEHOLDS,
        expect: "created 8, updated 0, unchanged 0, applied true\n\
         tables [12, 8, 9, 8, 0, 0, 0, 0]",
    },
    Case {
        name: "hh-bad",
        kind: Kind::Households,
        how: How::Apply,
        file: "Mã hộ,Họ tên chủ hộ,Thôn/bản,Dân tộc,Phân loại hộ,Năm phân loại,Số nhân khẩu,Số điện thoại\n\
         ,No Code,B010201,,,,,\n\
         CG-0100,,,Tày,giàu,1800,0,12345\n\
         CG-0101,A,B999999,,nghèo,2025,100,0912 001 100; abc\n\
         CG-0101,Again,B010201,,,,,\n\
         cg 0001,Dup Key,B010201,,,,,\n\
         CG-0102,Commune,02008,,,,,\n",
        expect: "created 4, updated 0, unchanged 0, applied false\n\
         problem 2 Mã hộ: import-required\n\
         problem 3 Họ tên chủ hộ: import-required\n\
         problem 3 Thôn/bản: import-required\n\
         problem 3 Phân loại hộ: import-unknown-poverty value=giàu\n\
         problem 3 Năm phân loại: import-bad-number value=1800\n\
         problem 3 Số nhân khẩu: import-bad-number value=0\n\
         problem 3 Số điện thoại: import-bad-phone value=12345\n\
         problem 4 Thôn/bản: import-unknown-village value=B999999\n\
         problem 4 Số nhân khẩu: import-bad-number value=100\n\
         problem 4 Số điện thoại: import-bad-phone value=abc\n\
         problem 5 Mã hộ: import-duplicate value=CG-0101 first=4\n\
         problem 6 Mã hộ: import-duplicate-code value=cg 0001\n\
         problem 7 Thôn/bản: import-not-a-village value=02008\n\
         tables [12, 8, 9, 8, 0, 0, 0, 0]",
    },
    Case {
        name: "hh-update",
        kind: Kind::Households,
        how: How::Apply,
        file: "Mã hộ,Họ tên chủ hộ,Thôn/bản,Dân tộc,Phân loại hộ,Năm phân loại,Số nhân khẩu,Số điện thoại\n\
         CG-0001,Hoàng Văn Thụ Mới,B010201,Tày,nghèo,2025,5,0912 001 001\n\
         CG-0002,Nông Thị Mai,B010201,Tày,cận nghèo,2025,4,0912001002\n\
         CG-0003,Triệu Văn Lìu,B010202,Dao,nghèo,2025,6,0912001003; 0912001099\n\
         CG-0004,Lý Thị Sảo,B010203,Mông,nghèo,2025,7,0912001005\n\
         CG-0200,New One,B020001,,,,,0912001200; 0912001001\n\
         CG-0201,New Two,B010101,,không,,,\n",
        expect: "created 2, updated 3, unchanged 1, applied true\n\
         tables [12, 10, 11, 10, 0, 0, 0, 0]",
    },
    Case {
        name: "sup-demo",
        kind: Kind::Support,
        how: How::Apply,
        file: DEMO_SUPPORT,
        expect: "created 8, updated 0, unchanged 0, applied true\n\
         tables [12, 10, 11, 10, 8, 8, 0, 0]",
    },
    Case {
        name: "sup-bad",
        kind: Kind::Support,
        how: How::Apply,
        file: "Mã hộ,Mã nội dung,Trạng thái,Số lượng,Đơn vị,Ngày,Ghi chú,Mã hồ sơ,Lý do\n\
         ,DA1.ND2,đăng ký,,,01/12/2025,,,\n\
         ZZ-9999,DA1.ND2,đăng ký,,,01/12/2025,,,\n\
         CG-0004,XX.1,chờ,abc,,hôm qua,,,\n\
         CG-0004,DA1.ND2,đăng ký,5,,01/12/2025,,,\n\
         CG-0004,DA1.ND2,đăng ký,5,con,02/12/2025,,,\n\
         CG-0004,DA1.ND2,đăng ký,5,kg,03/12/2025,,,\n\
         CG-0004,DA1.ND2,đăng ký,0,VND,04/12/2025,,,\n\
         CG-0004,DA1.ND3,từ chối,,,05/12/2025,,,\n\
         CG-0004,DA1.ND3,đăng ký,,,06/12/2025,,R1,\n\
         CG-0004,DA1.ND4,đăng ký,,,07/12/2025,,R1,\n\
         CG-0004,DA1.ND5,đăng ký,,,08/12/2025,,,\n\
         cg-0004,DA1.ND5,đăng ký,,,08/12/2025,,,\n\
         CG-0001,DA1.ND2,đăng ký,40000000,VND,15/09/2025,,,\n\
         CG-0003,DA1.ND3,đã duyệt,,,20/08/2025,,,\n",
        expect: "created 2, updated 0, unchanged 0, applied false\n\
         problem 2 Mã hộ: import-required\n\
         problem 3 Mã hộ: import-unknown-household value=ZZ-9999\n\
         problem 4 Mã nội dung: import-unknown-content value=XX.1\n\
         problem 4 Trạng thái: import-unknown-status value=chờ\n\
         problem 4 Số lượng: import-bad-number value=abc\n\
         problem 4 Đơn vị: import-unit-required\n\
         problem 4 Ngày: import-bad-date value=hôm qua\n\
         problem 5 Đơn vị: import-unit-required\n\
         problem 6 Đơn vị: import-unknown-unit value=con\n\
         problem 7 Đơn vị: import-wrong-unit value=kg content=DA1.ND2\n\
         problem 8 Số lượng: import-zero-amount unit=VND\n\
         problem 9 Lý do: import-reason-required\n\
         problem 11 Mã hồ sơ: import-duplicate-record first=10\n\
         problem 13 Mã nội dung: import-duplicate-record first=12\n\
         problem 14 Trạng thái: import-bad-transition from=support-status-disbursed to=support-status-registered\n\
         problem 15 Trạng thái: import-bad-transition from=support-status-rejected to=support-status-approved\n\
         tables [12, 10, 11, 10, 8, 8, 0, 0]",
    },
    Case {
        name: "sup-update",
        kind: Kind::Support,
        how: How::Apply,
        file: "Mã hộ,Mã nội dung,Trạng thái,Số lượng,Đơn vị,Ngày,Ghi chú,Mã hồ sơ,Lý do\n\
         CG-0001,DA1.ND2,hoàn thành,40000000,VND,15/09/2025,Hỗ trợ làm nhà,,\n\
         CG-0001,DA1.ND4,đã giải ngân,,,02/10/2025,Bể chứa nước,,\n\
         CG-0002,DA3.TDA1.ND1,từ chối,2.5,ha,01/03/2025,Không đủ điều kiện,,\n\
         CG-0003,DA3.TDA1.ND4,đã giải ngân,15,kg gạo,01/11/2025,Trợ cấp gạo tháng 11,,\n\
         VT-0001,DA1.ND2,đã duyệt,,,05/11/2025,,,\n\
         VT-0002,DA1.ND4,hoàn thành,,,30/06/2025,Đổi ghi chú,,\n\
         PT-0001,DA1.ND2,từ chối,40000000,VND,12/10/2025,,,Sai đối tượng\n\
         CG-0200,DA1.ND2,đã duyệt,1.500,VND,01/12/2025,,HS-01,\n\
         CG-0201,DA1.ND3,đang thực hiện,,,01/12/2025,,,\n",
        expect: "created 2, updated 6, unchanged 1, applied true\n\
         change 10 of record 2: Some(Approved) -> Disbursed, reason None\n\
         change 11 of record 3: Some(InProgress) -> Rejected, reason Some(\"Không đủ điều kiện\")\n\
         change 12 of record 6: Some(Registered) -> Approved, reason None\n\
         change 13 of record 8: Some(Approved) -> Rejected, reason Some(\"Sai đối tượng\")\n\
         tables [12, 10, 11, 10, 10, 15, 0, 0]",
    },
    Case {
        name: "sup-update-2",
        kind: Kind::Support,
        how: How::Apply,
        file: "Mã hộ,Mã nội dung,Trạng thái,Ngày,Mã hồ sơ\n\
         CG-0200,DA1.ND2,đã giải ngân,02/12/2025,HS-01\n\
         CG-0201,DA1.ND3,đã duyệt,01/12/2025,\n",
        expect: "created 0, updated 1, unchanged 0, applied false\n\
         problem 3 Trạng thái: import-bad-transition from=support-status-in-progress to=support-status-approved\n\
         tables [12, 10, 11, 10, 10, 15, 0, 0]",
    },
    Case {
        name: "staff-demo",
        kind: Kind::Staff,
        how: How::Apply,
        file: DEMO_STAFF,
        expect: "created 4, updated 0, unchanged 0, applied true\n\
         tables [12, 10, 11, 14, 10, 15, 4, 7]",
    },
    Case {
        name: "staff-bad",
        kind: Kind::Staff,
        how: How::Apply,
        file: "Số điện thoại,Họ tên,Vai trò,Địa bàn\n\
         ,No Phone,cán bộ xã,02008\n\
         0912 abc,Bad Phone,cán bộ xã,02008\n\
         0912009010; 0912009011,Two Phones,cán bộ xã,02008\n\
         0912009012,,cán bộ xã,02008\n\
         0912009012,Dup,cán bộ xã,02008\n\
         0912009013,Role,giám đốc,02008\n\
         0912009014,Areas,cán bộ xã,XX; 1969\n\
         0912009015,No Areas,cán bộ xã,\n\
         0912009016,Unknown Area,cán bộ xã,XX\n",
        expect: "created 4, updated 0, unchanged 0, applied false\n\
         problem 2 Số điện thoại: import-required\n\
         problem 3 Số điện thoại: import-bad-phone value=0912 abc\n\
         problem 4 Số điện thoại: import-bad-phone value=0912009010; 0912009011\n\
         problem 5 Họ tên: import-required\n\
         problem 6 Số điện thoại: import-duplicate value=0912009012 first=5\n\
         problem 7 Vai trò: import-unknown-role value=giám đốc\n\
         problem 8 Địa bàn: import-unknown-area value=XX\n\
         problem 9 Địa bàn: import-required\n\
         problem 10 Địa bàn: import-unknown-area value=XX\n\
         note 8 Địa bàn: import-note-padded value=1969 code=01969\n\
         tables [12, 10, 11, 14, 10, 15, 4, 7]",
    },
    Case {
        name: "staff-update",
        kind: Kind::Staff,
        how: How::Apply,
        file: "Số điện thoại,Họ tên,Vai trò,Địa bàn\n\
         0912009001,Hà Thị Duyên,y tế thôn bản,B010201; B010202\n\
         0912009002,Đàm Thị Lan,cô đỡ thôn bản,B010301; B010302\n\
         0912009003,Hoàng Văn Quyết,cán bộ xã,02008\n\
         0912009004,Lê Minh Tâm Mới,trợ giúp pháp lý,19\n\
         912009020,Mới,cán bộ xã,1969, 01981\n\
         0912001001,Villager Staff,y tế thôn bản,B010201\n",
        expect: "created 2, updated 2, unchanged 2, applied true\n\
         note 6 Địa bàn: import-note-padded value=1969 code=01969\n\
         tables [12, 10, 11, 15, 10, 15, 6, 8]",
    },
    Case {
        name: "hh-dry",
        kind: Kind::Households,
        how: How::DryRun,
        file: "Mã hộ,Họ tên chủ hộ,Thôn/bản,Số điện thoại\n\
         CG-0001,Dry Run,B010201,0912001001\n\
         CG-0300,Dry New,B010201,0912001300\n",
        expect: "created 1, updated 1, unchanged 0, applied false\n\
         tables [12, 10, 11, 15, 10, 15, 6, 8]",
    },
    Case {
        name: "sup-dry",
        kind: Kind::Support,
        how: How::DryRun,
        file: "Mã hộ,Mã nội dung,Trạng thái,Ngày\nCG-0004,DA1.ND2,đăng ký,01/12/2025\n",
        expect: "created 1, updated 0, unchanged 0, applied false\n\
         tables [12, 10, 11, 15, 10, 15, 6, 8]",
    },
    Case {
        name: "hh-map",
        kind: Kind::Households,
        how: How::Map(MAP),
        file: "Household,Who,Where,Điện thoại liên hệ\nCG-0400,Mapped,B010201,0912001400\n",
        expect: "created 1, updated 0, unchanged 0, applied true\n\
         tables [12, 11, 12, 16, 10, 15, 6, 8]",
    },
    Case {
        name: "hh-unmapped",
        kind: Kind::Households,
        how: How::Apply,
        file: "Household,Who,Where\nCG-0401,Unmapped,B010201\n",
        expect: "created 0, updated 0, unchanged 0, applied false\n\
         problem 1 Mã hộ: import-missing-column\n\
         problem 1 Họ tên chủ hộ: import-missing-column\n\
         problem 1 Thôn/bản: import-missing-column\n\
         tables [12, 11, 12, 16, 10, 15, 6, 8]",
    },
    Case {
        name: "within-hh",
        kind: Kind::Households,
        how: How::Within,
        file: "Mã hộ,Họ tên chủ hộ,Thôn/bản\nCG-0500,In,B010201\nVT-0001,Out,B010201\nCG-0501,Out,B010301\n",
        expect: "created 2, updated 1, unchanged 0, applied false\n\
         problem 3 Mã hộ: import-outside-area value=VT-0001\n\
         problem 4 Thôn/bản: import-outside-area value=B010301\n\
         tables [12, 11, 12, 16, 10, 15, 6, 8]",
    },
    Case {
        name: "within-sup",
        kind: Kind::Support,
        how: How::Within,
        file: "Mã hộ,Mã nội dung,Trạng thái,Ngày\nCG-0004,DA1.ND5,đăng ký,01/12/2025\nVT-0001,DA1.ND5,đăng ký,01/12/2025\n",
        expect: "created 2, updated 0, unchanged 0, applied false\n\
         problem 3 Mã hộ: import-outside-area value=VT-0001\n\
         tables [12, 11, 12, 16, 10, 15, 6, 8]",
    },
    Case {
        name: "within-areas",
        kind: Kind::Areas,
        how: How::Within,
        file: "Mã,Tên,Cấp,Mã cấp trên\nB010299,In,thôn,02008\nB010399,Out,thôn,01981\nB010201,Own,thôn,02008\n",
        expect: "created 2, updated 1, unchanged 0, applied false\n\
         problem 3 Mã cấp trên: import-outside-area value=01981\n\
         tables [12, 11, 12, 16, 10, 15, 6, 8]",
    },
    Case {
        name: "within-staff",
        kind: Kind::Staff,
        how: How::Within,
        file: "Số điện thoại,Họ tên,Vai trò,Địa bàn\n0912009030,In,y tế thôn bản,B010201\n0912009002,Out,cô đỡ thôn bản,B010201\n0912009031,Out,y tế thôn bản,B010301\n",
        expect: "created 2, updated 1, unchanged 0, applied false\n\
         problem 3 Số điện thoại: import-outside-area value=+8491*****02\n\
         problem 4 Địa bàn: import-outside-area value=B010301\n\
         tables [12, 11, 12, 16, 10, 15, 6, 8]",
    },
    Case {
        name: "within-hh-ok",
        kind: Kind::Households,
        how: How::Within,
        file: "Mã hộ,Họ tên chủ hộ,Thôn/bản\nCG-0500,In,B010201\n",
        expect: "created 1, updated 0, unchanged 0, applied true\n\
         tables [12, 12, 12, 16, 10, 15, 6, 8]",
    },
];
