//! Scopes on every path: an officer's area upload keeps existing areas where the province put
//! them; writes that reach households are a commune officer's; an upload (the API's and the
//! console's) is judged by its headers before its body is read, one over the size limit gets its
//! 413, and a file past a reading limit its 422 `over_limit`.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::{self, staff_id, TestApp};

const TOKEN: &str = "test-token-scope";
const CSV: &str = "text/csv";

async fn call(
    t: &TestApp,
    method: reqwest::Method,
    path: &str,
    staff: i64,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, Value) {
    let res = t
        .client
        .request(method, t.url(path))
        .bearer_auth(TOKEN)
        .header("x-loa-staff", staff.to_string())
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("call");
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

async fn parent_and_level(t: &TestApp, code: &str) -> (Option<String>, String) {
    loa::with_db!(&t.app.services.db, pool => sqlx::query_as(
        "SELECT parent_code, level FROM areas WHERE code = $1"
    )
    .bind(code)
    .fetch_one(pool)
    .await)
    .expect("area")
}

#[tokio::test]
async fn an_officer_cannot_move_an_area_out_of_their_commune_or_demote_their_own() {
    let t = common::spawn_with(|c| c.api_token = Some(TOKEN.into())).await;
    let officer = staff_id(&t, "+84912009003").await; // Cẩm Giàng (02008)
    let before_village = parent_and_level(&t, "B010201").await;
    let before_commune = parent_and_level(&t, "02008").await;
    let header = "Mã,Tên,Cấp,Mã cấp trên,Đặc biệt khó khăn,Khu vực\n";
    for (row, column, needle) in [
        // A village of theirs moved into another commune (Vĩnh Thông).
        ("B010201,Bản Chiêng,thôn,01981,có,", "Mã cấp trên", "01981"),
        // Their own commune made a village.
        ("02008,Cẩm Giàng,thôn,19,có,III", "Cấp", "02008"),
        // Their own commune moved elsewhere.
        ("02008,Cẩm Giàng,xã,01981,có,III", "Mã cấp trên", "02008"),
    ] {
        let body = format!("{header}{row}\n");
        let (s, b) = call(
            &t,
            reqwest::Method::POST,
            "/api/v1/imports/areas?lang=en",
            officer,
            CSV,
            body.into(),
        )
        .await;
        assert_eq!(s, 422, "{row}: {b}");
        assert_eq!(b["applied"], json!(false));
        let found = b["problems"].as_array().is_some_and(|list| {
            list.iter().any(|p| {
                p["column"] == column && p["problem"].as_str().unwrap_or("").contains(needle)
            })
        });
        assert!(found, "{row}: {b}");
    }
    assert_eq!(parent_and_level(&t, "B010201").await, before_village);
    assert_eq!(parent_and_level(&t, "02008").await, before_commune);
    // Within their commune, a village may still be renamed, and stays where it is.
    let body = format!("{header}B010201,Bản Chiềng,thôn,02008,có,\n");
    let (s, b) = call(
        &t,
        reqwest::Method::POST,
        "/api/v1/imports/areas",
        officer,
        CSV,
        body.into(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["counts"]["updated"], json!(1), "{b}");
    t.stop().await;
}

#[tokio::test]
async fn only_a_commune_officer_changes_a_status_or_links_a_phone() {
    let t = common::spawn_with(|c| c.api_token = Some(TOKEN.into())).await;
    let record: i64 = loa::with_db!(&t.app.services.db, pool => sqlx::query_scalar(
        "SELECT id FROM support_records WHERE record_key LIKE 'CG0002|DA3.TDA1.ND1|%'"
    )
    .fetch_one(pool)
    .await)
    .expect("record");
    let json = "application/json";
    for phone in ["+84912009001", "+84912009004"] {
        // A village health worker of Cẩm Giàng's villages; the province's legal aid officer.
        let who = staff_id(&t, phone).await;
        let status = json!({ "status": "approved" }).to_string();
        let (s, b) = call(
            &t,
            reqwest::Method::POST,
            &format!("/api/v1/support/{record}/status"),
            who,
            json,
            status.into(),
        )
        .await;
        assert_eq!((s, b["error"]["code"].clone()), (403, json!("forbidden")));
        let link = json!({ "phone": "0912777001" }).to_string();
        let (s, b) = call(
            &t,
            reqwest::Method::POST,
            "/api/v1/households/CG-0002/contacts",
            who,
            json,
            link.into(),
        )
        .await;
        assert_eq!((s, b["error"]["code"].clone()), (403, json!("forbidden")));
        let (s, _) = call(
            &t,
            reqwest::Method::DELETE,
            "/api/v1/households/CG-0002/contacts/0912001002",
            who,
            json,
            Vec::new(),
        )
        .await;
        assert_eq!(s, 403);
    }
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM outbox").await,
        0,
        "no status SMS"
    );
    let history = format!("SELECT COUNT(*) FROM support_history WHERE record_id = {record}");
    assert_eq!(common::count(&t.app, &history).await, 1, "only its import");
    let links =
        "SELECT COUNT(*) FROM household_contacts hc JOIN contacts c ON c.id = hc.contact_id \
                 WHERE c.msisdn IN ('+84912777001', '+84912001002')";
    assert_eq!(
        common::count(&t.app, links).await,
        1,
        "CG-0002's phone stays"
    );
    t.stop().await;
}

/// Sends a request head by hand and a body in `chunks`, then reads the answer's status line.
async fn raw_upload(t: &TestApp, head: &str, chunks: &[Vec<u8>], wait: Duration) -> String {
    let addr = t.base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    s.write_all(head.as_bytes()).await.expect("head");
    for c in chunks {
        if s.write_all(c).await.is_err() {
            break; // the server answered and closed: fine
        }
    }
    let mut buf = vec![0u8; 512];
    let n = tokio::time::timeout(wait, s.read(&mut buf))
        .await
        .expect("an answer in time")
        .expect("read");
    String::from_utf8_lossy(&buf[..n])
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

#[tokio::test]
async fn an_upload_is_judged_by_its_headers_before_its_body_and_over_the_limit_is_413() {
    let t = common::spawn_with(|c| c.api_token = Some(TOKEN.into())).await;
    let worker = staff_id(&t, "+84912009001").await;
    let officer = staff_id(&t, "+84912009003").await;
    // 10 MB announced, 1 KB sent, the rest never comes: a non-officer hears 403 at once.
    let head = format!(
        "POST /api/v1/imports/households HTTP/1.1\r\nhost: loa\r\nauthorization: Bearer {TOKEN}\r\n\
         x-loa-staff: {worker}\r\ncontent-type: text/csv\r\ncontent-length: 10000000\r\n\r\n"
    );
    let status = raw_upload(&t, &head, &[vec![b'a'; 1024]], Duration::from_secs(5)).await;
    assert!(status.contains(" 403 "), "{status}");
    // Chunked, no length given: the officer's file over 20 MiB is a 413.
    let head = format!(
        "POST /api/v1/imports/households HTTP/1.1\r\nhost: loa\r\nauthorization: Bearer {TOKEN}\r\n\
         x-loa-staff: {officer}\r\ncontent-type: text/csv\r\ntransfer-encoding: chunked\r\n\r\n"
    );
    let mib = 1024 * 1024;
    let mut chunk = format!("{mib:x}\r\n").into_bytes();
    chunk.extend(vec![b'a'; mib]);
    chunk.extend(b"\r\n");
    let chunks = vec![chunk; 22];
    let status = raw_upload(&t, &head, &chunks, Duration::from_secs(30)).await;
    assert!(status.contains(" 413 "), "{status}");
    t.stop().await;
}

#[tokio::test]
async fn a_file_past_a_limit_is_a_422_over_limit_naming_it_and_writes_nothing() {
    let t = common::spawn_with(|c| c.api_token = Some(TOKEN.into())).await;
    let officer = staff_id(&t, "+84912009003").await;
    let households = "SELECT COUNT(*) FROM households";
    let before = common::count(&t.app, households).await;
    let long_line = format!("Mã hộ,Họ tên chủ hộ\nCG-0501,{}\n", "y".repeat(70 * 1024));
    let wide = format!("Mã hộ{}\n", ",x".repeat(250));
    let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    for (content_type, body, needle) in [
        (CSV, long_line.into_bytes(), "line 2"),
        (CSV, wide.into_bytes(), "columns"),
        // calamine would reserve room for 10^11 strings and abort the process.
        (
            xlsx,
            crate::fuzz::xlsx_declaring_strings("100000000000"),
            "shared strings",
        ),
    ] {
        let (s, b) = call(
            &t,
            reqwest::Method::POST,
            "/api/v1/imports/households?lang=en",
            officer,
            content_type,
            body,
        )
        .await;
        assert_eq!(s, 422, "{needle}: {b}");
        assert_eq!(b["error"]["code"], "over_limit", "{b}");
        let message = b["error"]["message"].as_str().unwrap_or("");
        assert!(message.contains(needle), "{message}");
    }
    assert_eq!(common::count(&t.app, households).await, before);
    t.stop().await;
}

/// The console's upload as the API's: a non-officer is refused from the session alone, before
/// the file is read, and a file over 20 MiB is a 413.
#[tokio::test]
async fn the_console_upload_judges_the_session_before_the_body_and_over_the_limit_is_413() {
    let t = common::spawn().await;
    let worker = crate::console::Page::of(&t, Some("0912009001")).await;
    let officer = crate::console::Page::of(&t, Some("0912009003")).await;
    let head = |cookie: &str, length: &str| {
        format!(
            "POST /console/imports/check HTTP/1.1\r\nhost: loa\r\ncookie: {cookie}\r\n\
             content-type: multipart/form-data; boundary=x\r\n{length}\r\n"
        )
    };
    let start = |csrf: &str| {
        format!(
            "--x\r\ncontent-disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--x\r\n\
             content-disposition: form-data; name=\"kind\"\r\n\r\nhouseholds\r\n--x\r\n\
             content-disposition: form-data; name=\"file\"; filename=\"ho.csv\"\r\n\r\n"
        )
        .into_bytes()
    };
    // 10 MB announced, the start sent, the rest never comes: the worker hears 403 at once.
    let status = raw_upload(
        &t,
        &head(&worker.cookie, "content-length: 10000000\r\n"),
        &[start(&worker.csrf)],
        Duration::from_secs(5),
    )
    .await;
    assert!(status.contains(" 403 "), "{status}");
    // Chunked, no length given: the officer's file over 20 MiB is a 413.
    let mib = 1024 * 1024;
    let chunk = |body: Vec<u8>| {
        let mut c = format!("{:x}\r\n", body.len()).into_bytes();
        c.extend(body);
        c.extend(b"\r\n");
        c
    };
    let mut chunks = vec![chunk(start(&officer.csrf))];
    chunks.extend(std::iter::repeat_n(chunk(vec![b'a'; mib]), 22));
    let status = raw_upload(
        &t,
        &head(&officer.cookie, "transfer-encoding: chunked\r\n"),
        &chunks,
        Duration::from_secs(30),
    )
    .await;
    assert!(status.contains(" 413 "), "{status}");
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM import_uploads").await,
        0
    );
    t.stop().await;
}
