//! Random and hostile input, for a bounded time (3 s by default; `LOA_TEST_FUZZ_SECONDS`), to the
//! spreadsheet importer (the API's upload and the console's, `.ods` too) and the webhooks (the
//! aggregator's, USSD, Kannel's, Jasmin's, Android's signed JSON): broken and random `.xlsx` and
//! `.ods` zips, sparse sheets and huge dimensions and repeats, a shared-strings count of 10^11, a
//! zip that inflates past what it declares, CSV with NUL and control characters, forms full of
//! them. The server must answer
//! every call (never a 5xx), stay up, and store nothing half-way: a refused call changes no
//! table. The seed is printed, and `LOA_TEST_FUZZ_SEED` replays it.

use std::io::Write;
use std::sync::Once;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use crate::common::{self, TestApp, TestDb};
use crate::console::Page;

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
    let kannel = "id = \"fk\"\nkind = \"kannel\"\nrate = 10\n[kannel]\n\
        sendsms_url = \"http://127.0.0.1:9/cgi-bin/sendsms\"\nusername = \"u\"\n\
        password_env = \"LOA_TEST_FUZZ_KEY\"\ndlr_url = \"http://127.0.0.1:9/d\"\n\
        [webhook]\nsecret_env = \"LOA_TEST_FUZZ_SECRET\"\n";
    let jasmin = "id = \"fj\"\nkind = \"jasmin\"\nrate = 10\n[jasmin]\n\
        send_url = \"http://127.0.0.1:9/send\"\nusername = \"u\"\n\
        password_env = \"LOA_TEST_FUZZ_KEY\"\ndlr_url = \"http://127.0.0.1:9/d\"\n\
        [webhook]\nsecret_env = \"LOA_TEST_FUZZ_SECRET\"\n";
    let android = "id = \"fa\"\nkind = \"android\"\nrate = 10\n[android]\n\
        url = \"http://127.0.0.1:9\"\nusername = \"u\"\npassword_env = \"LOA_TEST_FUZZ_KEY\"\n\
        signing_key_env = \"LOA_TEST_FUZZ_SECRET\"\n";
    for (name, body) in [
        ("agg", agg),
        ("ussd", ussd),
        ("kannel", kannel),
        ("jasmin", jasmin),
        ("android", android),
    ] {
        std::fs::write(dir.path().join(format!("{name}.toml")), body).expect("file");
    }
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

/// A small `.xlsx` whose shared strings declare `unique` of them (calamine reserves room for
/// that many before it reads one).
pub(crate) fn xlsx_declaring_strings(unique: &str) -> Vec<u8> {
    use std::io::Read;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Mã hộ").expect("cell");
    let good = book.save_to_buffer().expect("xlsx");
    let mut from = zip::ZipArchive::new(std::io::Cursor::new(good)).expect("zip");
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    for i in 0..from.len() {
        let mut part = from.by_index(i).expect("part");
        let name = part.name().to_string();
        let mut body = String::new();
        part.read_to_string(&mut body).expect("xml");
        if name == "xl/sharedStrings.xml" {
            body = body.replace("uniqueCount=\"1\"", &format!("uniqueCount=\"{unique}\""));
        }
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("zip");
        zip.write_all(body.as_bytes()).expect("zip");
    }
    zip.finish().expect("zip");
    out.into_inner()
}

/// Bits of a deflate stream, first bit lowest.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    byte: u8,
    used: u8,
}

impl Bits {
    fn bit(&mut self, b: u32) {
        self.byte |= ((b & 1) as u8) << self.used;
        self.used += 1;
        if self.used == 8 {
            self.out.push(self.byte);
            (self.byte, self.used) = (0, 0);
        }
    }

    /// A Huffman code, its first bit highest.
    fn code(&mut self, code: u32, len: u32) {
        for i in (0..len).rev() {
            self.bit(code >> i);
        }
    }
}

/// A zip of 4 MiB whose one part declares 1,000 bytes and inflates to 600 MiB of zeros (deflate's
/// fixed code: one literal 0, then matches of 258 bytes at distance 1), past the 512 MiB a
/// workbook may unpack to.
pub(crate) fn zip_bomb() -> Vec<u8> {
    let mut bits = Bits::default();
    bits.bit(1); // the last block
    bits.bit(1); // fixed Huffman codes (01, low bit first)
    bits.bit(0);
    bits.code(0x30, 8); // literal 0
    for _ in 0..(600u64 << 20) / 258 {
        bits.code(0xC5, 8); // length 258
        bits.code(0, 5); // distance 1
    }
    bits.code(0, 7); // end of block
    if bits.used > 0 {
        bits.out.push(bits.byte);
    }
    let data = bits.out;
    let name = b"xl/worksheets/sheet1.xml";
    let (size, declared) = (data.len() as u32, 1_000u32);
    let fields = |out: &mut Vec<u8>| {
        for v in [20u16, 0, 8, 0, 0x21] {
            out.extend(v.to_le_bytes()); // version, flags, deflate, time, date
        }
        for v in [0u32, size, declared] {
            out.extend(v.to_le_bytes()); // crc, compressed and declared sizes
        }
        out.extend((name.len() as u16).to_le_bytes());
        out.extend(0u16.to_le_bytes());
    };
    let mut zip = b"PK\x03\x04".to_vec();
    fields(&mut zip);
    zip.extend(name);
    zip.extend(&data);
    let directory = zip.len() as u32;
    zip.extend(b"PK\x01\x02\x14\x00");
    fields(&mut zip);
    zip.extend([0u8; 10]); // comment, disk, attributes
    zip.extend(0u32.to_le_bytes()); // the part's offset
    zip.extend(name);
    let directory_size = zip.len() as u32 - directory;
    zip.extend(b"PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00");
    zip.extend(directory_size.to_le_bytes());
    zip.extend(directory.to_le_bytes());
    zip.extend(0u16.to_le_bytes());
    zip
}

/// An `.ods` of rows and cells repeated a little or enormously, some of them broken XML.
fn random_ods(rng: &mut StdRng) -> Vec<u8> {
    let mut rows = String::new();
    for _ in 0..rng.random_range(0..6) {
        let times: u64 = [1, 3, 1_048_576, 4_000_000_000][rng.random_range(0..4)];
        let cols: u64 = [1, 4, 16_384, 99_999_999][rng.random_range(0..4)];
        let mut text = hostile_text(rng, 4);
        if rng.random_bool(0.8) {
            text = text.replace('&', "&amp;").replace('<', "&lt;");
        }
        rows.push_str(&format!(
            "<table:table-row table:number-rows-repeated=\"{times}\"><table:table-cell \
             table:number-columns-repeated=\"{cols}\" office:value-type=\"string\"><text:p>{text}\
             </text:p></table:table-cell></table:table-row>"
        ));
    }
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content \
         xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
         xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" \
         xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\"><office:body>\
         <office:spreadsheet><table:table table:name=\"S\">{rows}</table:table>\
         </office:spreadsheet></office:body></office:document-content>"
    );
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, body) in [
        ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
        ("content.xml", content.as_str()),
    ] {
        zip.start_file(name, stored).expect("zip");
        zip.write_all(body.as_bytes()).expect("zip");
    }
    zip.finish().expect("zip");
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

/// A file through the console's check (`.ods` is the console's alone): a dry run, so whatever
/// it answers nothing is written.
async fn console_upload(t: &TestApp, rng: &mut StdRng, officer: &Page) -> u16 {
    let kind = ["areas", "households", "support", "staff"][rng.random_range(0..4)];
    let (name, body) = match rng.random_range(0..5) {
        0 => ("ho.csv", csv(rng)),
        1 => ("ho.xlsx", sparse_xlsx(rng)),
        2 => ("ho.ods", random_ods(rng)),
        3 => {
            let good = random_ods(rng);
            ("ho.ods", mangled(rng, good))
        }
        _ => ("ho.ods", random_bytes(rng, 4000)),
    };
    let fields = [("csrf", officer.csrf.as_str()), ("kind", kind)];
    let (status, _, _) = officer
        .upload(t, "/console/imports/check", &fields, Some((name, &body)))
        .await;
    status
}

/// A call to the SMS gateways' parsers: Kannel's and Jasmin's forms, Android's signed JSON.
async fn gateway_call(t: &TestApp, rng: &mut StdRng) -> u16 {
    let text = hostile_text(rng, 6);
    let phone = if rng.random_bool(0.6) {
        format!("+84912{:06}", rng.random_range(0..1_000_000))
    } else {
        hostile_text(rng, 3)
    };
    let form = |pairs: &[(&str, &str)]| serde_urlencoded::to_string(pairs).expect("form");
    let hex = hex::encode(text.as_bytes());
    let (path, content_type, body, signed) = match rng.random_range(0..5) {
        0 => (
            "/webhooks/fk/mo/s",
            "application/x-www-form-urlencoded",
            form(&[
                ("from", &phone),
                ("text", &text),
                ("id", &text),
                ("coding", "2"),
            ]),
            false,
        ),
        1 => (
            "/webhooks/fk/dlr/s",
            "application/x-www-form-urlencoded",
            form(&[("ref", &text), ("status", &text), ("answer", &text)]),
            false,
        ),
        2 => (
            "/webhooks/fj/mo/s",
            "application/x-www-form-urlencoded",
            form(&[
                ("from", &phone),
                ("content", &text),
                ("binary", &hex),
                ("coding", "8"),
            ]),
            false,
        ),
        3 => (
            "/webhooks/fj/dlr/s",
            "application/x-www-form-urlencoded",
            form(&[("id", &text), ("message_status", &text), ("level", "3")]),
            false,
        ),
        _ => {
            let event =
                ["sms:received", "sms:delivered", "sms:failed", "x"][rng.random_range(0..4)];
            let payload = serde_json::json!({
                "event": event,
                "payload": { "messageId": text, "phoneNumber": phone, "message": text, "reason": text },
            });
            let body = if rng.random_bool(0.9) {
                payload.to_string()
            } else {
                hostile_text(rng, 20)
            };
            (
                "/webhooks/fa/events",
                "application/json",
                body,
                rng.random_bool(0.9),
            )
        }
    };
    let mut req = t
        .client
        .post(t.url(path))
        .header("content-type", content_type);
    if signed {
        let ts = chrono::Utc::now().timestamp().to_string();
        let sig = loa::gateway::android::sign("s", body.as_bytes(), &ts);
        req = req.header("x-timestamp", ts).header("x-signature", sig);
    }
    let res = req.body(body).send().await.expect("the server answers");
    res.status().as_u16()
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

/// Files that took the process down or past its memory (a shared-strings count calamine
/// reserves for, a zip that inflates past what it declares): refused with 422 `over_limit`, by
/// the API and the console alike, and nothing written.
async fn hostile_files_are_refused(t: &TestApp, officer: i64, page: &Page) {
    let before = counts(t).await;
    for (name, body) in [
        ("sst.xlsx", xlsx_declaring_strings("100000000000")),
        ("bomb.xlsx", zip_bomb()),
    ] {
        let res = t
            .client
            .post(t.url("/api/v1/imports/households?lang=en"))
            .bearer_auth(TOKEN)
            .header("x-loa-staff", officer.to_string())
            .header("content-type", XLSX)
            .body(body.clone())
            .send()
            .await
            .expect("the server answers");
        assert_eq!(res.status(), 422, "{name}");
        let v: Value = res.json().await.expect("json");
        assert_eq!(v["error"]["code"], "over_limit", "{name}: {v}");
        for file in [name.to_string(), name.replace(".xlsx", ".ods")] {
            let fields = [("csrf", page.csrf.as_str()), ("kind", "households")];
            let (status, _, html) = page
                .upload(t, "/console/imports/check", &fields, Some((&file, &body)))
                .await;
            assert_eq!(status, 422, "{file}: {html}");
        }
    }
    assert_eq!(counts(t).await, before, "a refused file wrote");
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
    let page = Page::of(&t, Some("0912009003")).await;
    hostile_files_are_refused(&t, officer, &page).await;
    let until = Instant::now() + Duration::from_secs(seconds);
    let (mut uploads, mut hooks) = (0, 0);
    while Instant::now() < until {
        let before = counts(&t).await;
        let pick = rng.random_range(0..6);
        if pick == 0 {
            let status = console_upload(&t, &mut rng, &page).await;
            assert!(
                matches!(status, 200 | 400 | 413 | 422),
                "seed {seed}: console upload answered {status}"
            );
            assert_eq!(counts(&t).await, before, "seed {seed}: a check wrote");
            uploads += 1;
        } else if pick == 1 {
            let status = gateway_call(&t, &mut rng).await;
            assert!(
                status < 500,
                "seed {seed}: gateway webhook answered {status}"
            );
            if status >= 400 {
                assert_eq!(
                    counts(&t).await,
                    before,
                    "seed {seed}: a refused call wrote"
                );
            }
            hooks += 1;
        } else if pick < 4 {
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
