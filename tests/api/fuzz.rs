//! Random and hostile input, for a bounded time (3 s by default; `LOA_TEST_FUZZ_SECONDS`), to the
//! spreadsheet importer and the webhooks: broken and random `.xlsx` zips, sparse sheets and huge
//! dimensions, CSV with NUL and control characters, forms full of them. The server must answer
//! every call (never a 5xx), stay up, and store nothing half-way: a refused call changes no
//! table. The seed is printed, and `LOA_TEST_FUZZ_SEED` replays it.

use std::io::Write;
use std::sync::Once;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use crate::common::{self, TestApp, TestDb};

const TOKEN: &str = "test-token-fuzz";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const TABLES: &[&str] = &[
    "areas",
    "households",
    "household_contacts",
    "support_records",
    "support_history",
    "staff",
    "staff_areas",
    "inbound_messages",
    "outbox",
];

fn env() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::env::set_var("LOA_TEST_FUZZ_KEY", "k");
        std::env::set_var("LOA_TEST_FUZZ_SECRET", "s");
    });
}

/// Real gateways (an aggregator and a USSD aggregator, whose webhooks are fuzzed), the demo
/// data, the staff API.
async fn spawn() -> TestApp {
    env();
    let db = TestDb::new().await;
    let mut config = common::test_config(&db);
    config.simulator.enabled = false;
    config.api_token = Some(TOKEN.into());
    let dir = tempfile::tempdir().expect("dir");
    let agg = "id = \"fz\"\nkind = \"aggregator\"\nrate = 10\n[aggregator]\n\
        send_url = \"http://127.0.0.1:9/x\"\nusername = \"u\"\napi_key_env = \"LOA_TEST_FUZZ_KEY\"\n\
        [webhook]\nsecret_env = \"LOA_TEST_FUZZ_SECRET\"\n";
    let ussd = "id = \"fu\"\nkind = \"ussd\"\n[webhook]\nsecret_env = \"LOA_TEST_FUZZ_SECRET\"\n";
    std::fs::write(dir.path().join("agg.toml"), agg).expect("file");
    std::fs::write(dir.path().join("ussd.toml"), ussd).expect("file");
    config.gateway_dir = dir.keep();
    let app = loa::server::open(config).await.expect("open");
    loa::demo::load(&app.services.db).await.expect("demo");
    common::start(app, db).await
}

async fn counts(t: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for table in TABLES {
        out.push(common::count(&t.app, &format!("SELECT COUNT(*) FROM {table}")).await);
    }
    out
}

/// Text with the characters that broke things: NUL and other controls, invisible and wide
/// letters, Vietnamese, separators.
fn hostile_text(rng: &mut StdRng, max: usize) -> String {
    const PIECES: &[&str] = &[
        "\u{0}",
        "\u{1}",
        "\u{7f}",
        "\u{85}",
        "\u{200B}",
        "\u{FEFF}",
        "ＨＤ",
        "H U Y",
        "Hủy",
        "TT",
        "NN x",
        ";",
        ",",
        "\"",
        "\n",
        "\r\n",
        "=1+1",
        "@",
        "-",
        "Mã hộ",
        "0912001001",
        "B010201",
        "02008",
        "CG-0001",
        "đã duyệt",
        "40.000.000",
        "ư",
        "%00",
        "&",
        "=",
        "x",
    ];
    let n = rng.random_range(0..max.max(1));
    (0..n)
        .map(|_| PIECES[rng.random_range(0..PIECES.len())])
        .collect()
}

fn random_bytes(rng: &mut StdRng, max: usize) -> Vec<u8> {
    let n = rng.random_range(0..max.max(1));
    (0..n).map(|_| rng.random()).collect()
}

/// A workbook with cells where a hostile file puts them: far corners, huge rows, a header.
fn sparse_xlsx(rng: &mut StdRng) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    if rng.random_bool(0.7) {
        for (c, h) in ["Mã hộ", "Họ tên chủ hộ", "Thôn/bản", "Số điện thoại"]
            .iter()
            .enumerate()
        {
            let _ = sheet.write_string(0, c as u16, *h);
        }
    }
    for _ in 0..rng.random_range(0..6) {
        let row = if rng.random_bool(0.5) {
            rng.random_range(1..20)
        } else {
            rng.random_range(0..1_048_576)
        };
        let col = if rng.random_bool(0.5) {
            rng.random_range(0..8)
        } else {
            rng.random_range(0..16_384)
        };
        let text = hostile_text(rng, 8);
        let _ = sheet.write_string(row, col, &text);
    }
    book.save_to_buffer().expect("xlsx")
}

/// A valid workbook with some of its bytes changed.
fn mangled(rng: &mut StdRng, mut bytes: Vec<u8>) -> Vec<u8> {
    for _ in 0..rng.random_range(1..20) {
        if bytes.is_empty() {
            break;
        }
        let i = rng.random_range(0..bytes.len());
        bytes[i] = rng.random();
    }
    if rng.random_bool(0.2) {
        let cut = rng.random_range(0..bytes.len().max(1));
        bytes.truncate(cut);
    }
    bytes
}

/// A zip of random entries, some named as a workbook's parts.
fn random_zip(rng: &mut StdRng) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let names = [
        "[Content_Types].xml",
        "xl/workbook.xml",
        "xl/worksheets/sheet1.xml",
        "xl/sharedStrings.xml",
        "xl/_rels/workbook.xml.rels",
        "_rels/.rels",
        "x",
    ];
    for _ in 0..rng.random_range(0..6) {
        let name = names[rng.random_range(0..names.len())];
        if zip
            .start_file(name, zip::write::SimpleFileOptions::default())
            .is_err()
        {
            continue;
        }
        let body = if rng.random_bool(0.5) {
            format!(
                "<worksheet><sheetData><row r=\"{0}\"><c r=\"XFD{0}\" t=\"inlineStr\"><is><t>{1}</t></is></c></row></sheetData></worksheet>",
                rng.random_range(1..2_000_000u32),
                hostile_text(rng, 4)
            )
            .into_bytes()
        } else {
            random_bytes(rng, 300)
        };
        let _ = zip.write_all(&body);
    }
    let _ = zip.finish();
    out.into_inner()
}

fn csv(rng: &mut StdRng) -> Vec<u8> {
    if rng.random_bool(0.2) {
        return random_bytes(rng, 2000);
    }
    let mut s = String::from("Mã hộ,Họ tên chủ hộ,Thôn/bản,Số điện thoại\n");
    for _ in 0..rng.random_range(0..8) {
        let cells: Vec<String> = (0..rng.random_range(1..6))
            .map(|_| hostile_text(rng, 5))
            .collect();
        s.push_str(&cells.join(if rng.random_bool(0.8) { "," } else { ";" }));
        s.push('\n');
    }
    if rng.random_bool(0.1) {
        s.push_str(&",x".repeat(rng.random_range(150..400)));
    }
    s.into_bytes()
}

async fn upload(t: &TestApp, rng: &mut StdRng, officer: i64) -> (u16, bool) {
    let kind = ["areas", "households", "support", "staff"][rng.random_range(0..4)];
    let (content_type, body) = match rng.random_range(0..5) {
        0 => ("text/csv", csv(rng)),
        1 => (XLSX, sparse_xlsx(rng)),
        2 => {
            let good = sparse_xlsx(rng);
            (XLSX, mangled(rng, good))
        }
        3 => (XLSX, random_zip(rng)),
        _ => (XLSX, random_bytes(rng, 4000)),
    };
    let res = t
        .client
        .post(t.url(&format!("/api/v1/imports/{kind}")))
        .bearer_auth(TOKEN)
        .header("x-loa-staff", officer.to_string())
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("the server answers");
    let status = res.status().as_u16();
    let v: Value = res.json().await.expect("a JSON answer");
    (status, v["applied"] == Value::Bool(true))
}

async fn webhook(t: &TestApp, rng: &mut StdRng) -> u16 {
    let path = [
        "/webhooks/fz/inbound/s",
        "/webhooks/fz/dlr/s",
        "/webhooks/fu/ussd/s",
        "/webhooks/fz/inbound/wrong",
    ][rng.random_range(0..4)];
    let fields = [
        "from",
        "text",
        "id",
        "to",
        "status",
        "sessionId",
        "phoneNumber",
        "serviceCode",
        "networkCode",
        "failureReason",
    ];
    let mut form: Vec<(String, String)> = Vec::new();
    for f in fields {
        if rng.random_bool(0.7) {
            let value = match f {
                "from" | "phoneNumber" if rng.random_bool(0.6) => {
                    format!("0912{:06}", rng.random_range(0..1_000_000))
                }
                _ => hostile_text(rng, 6),
            };
            form.push((f.to_string(), value));
        }
    }
    let body = if rng.random_bool(0.9) {
        serde_urlencoded::to_string(&form)
            .expect("form")
            .into_bytes()
    } else {
        random_bytes(rng, 500)
    };
    let res = t
        .client
        .post(t.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("the server answers");
    res.status().as_u16()
}

#[tokio::test]
async fn hostile_files_and_webhooks_never_crash_and_store_nothing_half_way() {
    let seconds: u64 = std::env::var("LOA_TEST_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let seed: u64 = std::env::var("LOA_TEST_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("fuzz: seed {seed} (LOA_TEST_FUZZ_SEED), {seconds} s");
    let mut rng = StdRng::seed_from_u64(seed);
    let t = spawn().await;
    let officer = common::staff_id(&t, "+84912009003").await;
    let until = Instant::now() + Duration::from_secs(seconds);
    let (mut uploads, mut hooks) = (0, 0);
    while Instant::now() < until {
        let before = counts(&t).await;
        if rng.random_bool(0.5) {
            let (status, applied) = upload(&t, &mut rng, officer).await;
            assert!(
                matches!(status, 200 | 400 | 413 | 415 | 422),
                "seed {seed}: upload answered {status}"
            );
            if !applied {
                assert_eq!(
                    counts(&t).await,
                    before,
                    "seed {seed}: a refused file wrote"
                );
            }
            uploads += 1;
        } else {
            let status = webhook(&t, &mut rng).await;
            assert!(status < 500, "seed {seed}: webhook answered {status}");
            if status >= 400 {
                assert_eq!(
                    counts(&t).await,
                    before,
                    "seed {seed}: a refused call wrote"
                );
            }
            hooks += 1;
        }
    }
    let res = t.client.get(t.url("/readyz")).send().await.expect("alive");
    assert_eq!(res.status(), 200);
    eprintln!("fuzz: {uploads} uploads, {hooks} webhook calls");
    t.stop().await;
}
