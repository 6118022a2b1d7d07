//! The staff API: a bearer token from the configuration, a staff id scoping every call to its areas.

use serde_json::{json, Value};

use crate::common::{self, staff_id, TestApp};

const TOKEN: &str = "test-token-5";

async fn get(t: &TestApp, path: &str, token: Option<&str>, staff: Option<i64>) -> (u16, Value) {
    let mut req = t.client.get(t.url(path));
    if let Some(tok) = token {
        req = req.bearer_auth(tok);
    }
    if let Some(s) = staff {
        req = req.header("x-loa-staff", s.to_string());
    }
    let res = req.send().await.expect("get");
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

async fn post(t: &TestApp, path: &str, staff: i64, body: Value) -> (u16, Value) {
    let res = t
        .client
        .post(t.url(path))
        .bearer_auth(TOKEN)
        .header("x-loa-staff", staff.to_string())
        .json(&body)
        .send()
        .await
        .expect("post");
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

async fn record(t: &TestApp, key_prefix: &str) -> i64 {
    loa::with_db!(&t.app.services.db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM support_records WHERE record_key LIKE $1"
    )
    .bind(format!("{key_prefix}%"))
    .fetch_one(pool)
    .await)
    .expect("record")
}

#[tokio::test]
async fn without_a_configured_token_the_api_refuses_everything() {
    let t = common::spawn().await;
    let officer = staff_id(&t, "+84912009003").await;
    let (status, body) = get(&t, "/api/v1/households/CG-0001", Some(TOKEN), Some(officer)).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "api_disabled");
    t.stop().await;
}

#[tokio::test]
async fn staff_see_and_change_households_of_their_areas_only() {
    let t = common::spawn_with(|c| c.api_token = Some(TOKEN.into())).await;
    let officer = staff_id(&t, "+84912009003").await; // Cẩm Giàng (02008)

    let (s, b) = get(&t, "/api/v1/households/CG-0001", None, Some(officer)).await;
    assert_eq!(
        (s, b["error"]["code"].clone()),
        (401, json!("unauthorized"))
    );
    let (s, _) = get(
        &t,
        "/api/v1/households/CG-0001",
        Some("wrong"),
        Some(officer),
    )
    .await;
    assert_eq!(s, 401);
    let (s, b) = get(&t, "/api/v1/households/CG-0001", Some(TOKEN), None).await;
    assert_eq!(
        (s, b["error"]["code"].clone()),
        (403, json!("unknown_staff"))
    );

    let (s, b) = get(&t, "/api/v1/households/cg-0002", Some(TOKEN), Some(officer)).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["household"]["code"], "CG-0002");
    assert_eq!(b["phones"], json!(["+84388001002", "+84912001002"]));
    assert_eq!(b["records"][0]["content_code"], "DA3.TDA1.ND1");
    let (s, _) = get(&t, "/api/v1/households/VT-0001", Some(TOKEN), Some(officer)).await;
    assert_eq!(s, 404, "another commune's household is not found");

    let (s, b) = get(&t, "/api/v1/areas", Some(TOKEN), Some(officer)).await;
    assert_eq!(s, 200);
    let codes: Vec<&str> = b["areas"]
        .as_array()
        .expect("areas")
        .iter()
        .filter_map(|a| a["code"].as_str())
        .collect();
    assert_eq!(codes, vec!["02008", "B010201", "B010202", "B010203"]);

    // A status change through the API: history, and one SMS per phone of the household.
    let id = record(&t, "CG0002|DA3.TDA1.ND1|").await;
    let (s, b) = post(
        &t,
        &format!("/api/v1/support/{id}/status"),
        officer,
        json!({"status": "đã giải ngân"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (b["changed"].clone(), b["messages_queued"].clone()),
        (json!(true), json!(2))
    );
    let (s, b) = post(
        &t,
        &format!("/api/v1/support/{id}/status"),
        officer,
        json!({"status": "disbursed"}),
    )
    .await;
    assert_eq!(
        (s, b["changed"].clone(), b["messages_queued"].clone()),
        (200, json!(false), json!(0))
    );
    let (s, b) = post(
        &t,
        &format!("/api/v1/support/{id}/status"),
        officer,
        json!({"status": "approved"}),
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].clone()),
        (400, json!("bad_transition"))
    );
    let (s, b) = get(
        &t,
        &format!("/api/v1/support/{id}/history"),
        Some(TOKEN),
        Some(officer),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(b["history"][1]["changed_by"], format!("staff:{officer}"));

    let other = record(&t, "VT0001|").await;
    let (s, _) = post(
        &t,
        &format!("/api/v1/support/{other}/status"),
        officer,
        json!({"status": "approved"}),
    )
    .await;
    assert_eq!(s, 404);
    t.stop().await;
}

async fn send(
    t: &TestApp,
    method: reqwest::Method,
    path: &str,
    staff: i64,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = t
        .client
        .request(method, t.url(path))
        .bearer_auth(TOKEN)
        .header("x-loa-staff", staff.to_string());
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("send");
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

async fn upload(
    t: &TestApp,
    path: &str,
    token: &str,
    staff: i64,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, Value) {
    let res = t
        .client
        .post(t.url(path))
        .bearer_auth(token)
        .header("x-loa-staff", staff.to_string())
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("upload");
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

fn codes(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("households")
        .iter()
        .filter_map(|h| h["household"]["code"].as_str().map(String::from))
        .collect()
}

#[tokio::test]
async fn staff_list_households_edit_contacts_and_read_support_within_their_areas() {
    let t = common::spawn_with(|c| c.api_token = Some(TOKEN.into())).await;
    let officer = staff_id(&t, "+84912009003").await; // Cẩm Giàng (02008)

    let (s, b) = get(&t, "/api/v1/households", Some(TOKEN), Some(officer)).await;
    assert_eq!(s, 200, "{b}");
    let all = codes(&b["households"]);
    assert!(all.contains(&"CG-0001".to_string()), "{all:?}");
    assert!(
        all.iter().all(|c| c.starts_with("CG-")),
        "only the officer's commune: {all:?}"
    );
    let cg2 = &b["households"][1];
    assert_eq!(cg2["household"]["code"], "CG-0002");
    assert_eq!(cg2["phones"], json!(["+84388001002", "+84912001002"]));

    let (s, b) = get(
        &t,
        "/api/v1/households?village=B010202&limit=1&offset=1",
        Some(TOKEN),
        Some(officer),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(codes(&b["households"]), vec!["CG-0005"]);
    let (s, _) = get(
        &t,
        "/api/v1/households?village=B010301",
        Some(TOKEN),
        Some(officer),
    )
    .await;
    assert_eq!(s, 404, "another commune's village");
    let (s, _) = get(&t, "/api/v1/households", None, Some(officer)).await;
    assert_eq!(s, 401);

    // Support records, newest first.
    let (s, b) = get(
        &t,
        "/api/v1/households/CG-0003/support",
        Some(TOKEN),
        Some(officer),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let recs = b["records"].as_array().expect("records");
    assert!(recs.len() >= 2, "{b}");
    assert_eq!(
        recs[0]["content_code"], "DA3.TDA1.ND4",
        "the newest first: {b}"
    );
    let (s, _) = get(
        &t,
        "/api/v1/households/VT-0001/support",
        Some(TOKEN),
        Some(officer),
    )
    .await;
    assert_eq!(s, 404);

    // Contacts: link (any common spelling, idempotent), a bad phone, unlink.
    let path = "/api/v1/households/CG-0004/contacts";
    let (s, b) = send(
        &t,
        reqwest::Method::POST,
        path,
        officer,
        Some(json!({"phone": "0977 123 456"})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (b["changed"].clone(), b["phones"].clone()),
        (json!(true), json!(["+84912001005", "+84977123456"]))
    );
    let (s, b) = send(
        &t,
        reqwest::Method::POST,
        path,
        officer,
        Some(json!({"phone": "+84977123456"})),
    )
    .await;
    assert_eq!((s, b["changed"].clone()), (200, json!(false)));
    let (s, b) = send(
        &t,
        reqwest::Method::POST,
        path,
        officer,
        Some(json!({"phone": "0977 12"})),
    )
    .await;
    assert_eq!((s, b["error"]["code"].clone()), (400, json!("bad_phone")));
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("10 digits"),
        "{b}"
    );
    let (s, _) = send(
        &t,
        reqwest::Method::POST,
        "/api/v1/households/VT-0001/contacts",
        officer,
        Some(json!({"phone": "0977123456"})),
    )
    .await;
    assert_eq!(s, 404);
    let (s, b) = send(
        &t,
        reqwest::Method::DELETE,
        "/api/v1/households/CG-0004/contacts/0977123456",
        officer,
        None,
    )
    .await;
    assert_eq!(
        (s, b["changed"].clone(), b["phones"].clone()),
        (200, json!(true), json!(["+84912001005"]))
    );
    let (s, _) = send(
        &t,
        reqwest::Method::DELETE,
        "/api/v1/households/VT-0001/contacts/0912002001",
        officer,
        None,
    )
    .await;
    assert_eq!(s, 404);
    let linked = common::count(
        &t.app,
        "SELECT COUNT(*) FROM household_contacts hc JOIN households h ON h.id = hc.household_id
          WHERE h.code = 'VT-0001'",
    )
    .await;
    assert_eq!(linked, 1, "the other commune's phone stays linked");
    t.stop().await;
}

const CSV: &str = "text/csv; charset=utf-8";

#[tokio::test]
async fn commune_officers_upload_spreadsheets_for_their_areas_only() {
    let t = common::spawn_with(|c| c.api_token = Some(TOKEN.into())).await;
    let officer = staff_id(&t, "+84912009003").await; // Cẩm Giàng (02008)
    let health = staff_id(&t, "+84912009001").await;
    let households = |t: &TestApp| {
        let app = t.app.clone();
        async move { common::count(&app, "SELECT COUNT(*) FROM households").await }
    };
    let before = households(&t).await;
    let good = "Mã hộ,Họ tên chủ hộ,Thôn/bản,Dân tộc,Phân loại hộ,Năm phân loại,Số nhân khẩu,Số điện thoại\n\
                CG-0101,Hoàng Văn A,B010201,Tày,nghèo,2025,4,0912 101 101\n";

    let (s, _) = upload(
        &t,
        "/api/v1/imports/households",
        "wrong",
        officer,
        CSV,
        good.into(),
    )
    .await;
    assert_eq!(s, 401);
    let (s, b) = upload(
        &t,
        "/api/v1/imports/households",
        TOKEN,
        health,
        CSV,
        good.into(),
    )
    .await;
    assert_eq!((s, b["error"]["code"].clone()), (403, json!("forbidden")));

    let (s, b) = upload(
        &t,
        "/api/v1/imports/households?dry_run=true&lang=en",
        TOKEN,
        officer,
        CSV,
        good.into(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (b["applied"].clone(), b["counts"]["created"].clone()),
        (json!(false), json!(1))
    );
    assert_eq!(households(&t).await, before, "a dry run writes nothing");

    let (s, b) = upload(
        &t,
        "/api/v1/imports/households",
        TOKEN,
        officer,
        CSV,
        good.into(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["applied"], json!(true));
    assert_eq!(households(&t).await, before + 1);
    let (s, b) = get(&t, "/api/v1/households/CG-0101", Some(TOKEN), Some(officer)).await;
    assert_eq!((s, b["phones"].clone()), (200, json!(["+84912101101"])));

    // Bad rows and a row in another commune: the whole file is refused, with a report in English.
    let bad = "Mã hộ,Họ tên chủ hộ,Thôn/bản,Dân tộc,Phân loại hộ,Năm phân loại,Số nhân khẩu,Số điện thoại\n\
               CG-0102,Hoàng Văn B,B010201,Tày,nghèo,2025,4,0912 101 102\n\
               CG-0103,Hoàng Văn C,B999999,Tày,nghèo,2025,4,\n\
               VT-0101,Lường Văn D,B010301,Tày,nghèo,2025,4,\n";
    let (s, b) = upload(
        &t,
        "/api/v1/imports/households?lang=en",
        TOKEN,
        officer,
        CSV,
        bad.into(),
    )
    .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["applied"], json!(false));
    let problems = b["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 2, "{b}");
    assert_eq!(problems[0]["row"], 3);
    assert_eq!(problems[0]["column"], "Thôn/bản");
    assert_eq!(problems[0]["problem"], "no village with code \"B999999\"");
    assert_eq!(problems[1]["row"], 4);
    assert_eq!(
        problems[1]["problem"],
        "\"B010301\" lies outside your areas"
    );
    assert_eq!(
        households(&t).await,
        before + 1,
        "nothing of the bad file is stored"
    );
    let (_, b) = upload(
        &t,
        "/api/v1/imports/households?lang=vi",
        TOKEN,
        officer,
        CSV,
        bad.into(),
    )
    .await;
    assert_eq!(
        b["problems"][1]["problem"],
        "\"B010301\" nằm ngoài địa bàn của bạn"
    );

    // A support file: a status change is announced to the household's phones, as by `loa import`.
    let support = "Mã hộ,Mã nội dung,Trạng thái,Số lượng,Đơn vị,Ngày,Ghi chú\n\
                   CG-0101,DA1.ND2,đăng ký,40000000,VND,01/10/2025,\n";
    let (s, b) = upload(
        &t,
        "/api/v1/imports/support",
        TOKEN,
        officer,
        CSV,
        support.into(),
    )
    .await;
    assert_eq!((s, b["counts"]["created"].clone()), (200, json!(1)), "{b}");
    let support = "Mã hộ,Mã nội dung,Trạng thái,Số lượng,Đơn vị,Ngày,Ghi chú\n\
                   CG-0101,DA1.ND2,đã duyệt,40000000,VND,01/10/2025,\n";
    let (s, b) = upload(
        &t,
        "/api/v1/imports/support",
        TOKEN,
        officer,
        CSV,
        support.into(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (b["counts"]["updated"].clone(), b["messages_queued"].clone()),
        (json!(1), json!(1))
    );
    let other = "Mã hộ,Mã nội dung,Trạng thái,Số lượng,Đơn vị,Ngày,Ghi chú\n\
                 VT-0001,DA1.ND2,đã duyệt,,,05/11/2025,\n";
    let (s, b) = upload(
        &t,
        "/api/v1/imports/support",
        TOKEN,
        officer,
        CSV,
        other.into(),
    )
    .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["problems"][0]["column"], "Mã hộ");

    let (s, b) = upload(
        &t,
        "/api/v1/imports/households",
        TOKEN,
        officer,
        "application/pdf",
        good.into(),
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].clone()),
        (415, json!("unsupported_media_type"))
    );
    let (s, _) = upload(
        &t,
        "/api/v1/imports/nothing",
        TOKEN,
        officer,
        CSV,
        good.into(),
    )
    .await;
    assert_eq!(s, 404);
    t.stop().await;
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn xlsx_of(rows: &[&[&str]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, cells) in rows.iter().enumerate() {
        for (c, cell) in cells.iter().enumerate() {
            sheet
                .write_string(r as u32, c as u16, *cell)
                .expect("write cell");
        }
    }
    book.save_to_buffer().expect("xlsx")
}

#[tokio::test]
async fn uploads_take_xlsx_and_files_larger_than_the_usual_body_limit() {
    let t = common::spawn_with(|c| c.api_token = Some(TOKEN.into())).await;
    let officer = staff_id(&t, "+84912009003").await;
    let header = [
        "Mã hộ",
        "Họ tên chủ hộ",
        "Thôn/bản",
        "Dân tộc",
        "Phân loại hộ",
        "Năm phân loại",
        "Số nhân khẩu",
        "Số điện thoại",
    ];
    let book = xlsx_of(&[
        &header,
        &[
            "CG-0201",
            "Lò Văn E",
            "B010203",
            "Mông",
            "cận nghèo",
            "2025",
            "5",
            "0912201201",
        ],
    ]);
    let (s, b) = upload(&t, "/api/v1/imports/households", TOKEN, officer, XLSX, book).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (b["applied"].clone(), b["counts"]["created"].clone()),
        (json!(true), json!(1))
    );
    let (s, b) = get(&t, "/api/v1/households/CG-0201", Some(TOKEN), Some(officer)).await;
    assert_eq!(
        (s, b["household"]["village_code"].clone()),
        (200, json!("B010203"))
    );

    // 2,000 rows, about 150 KiB: past the app's 64 KiB limit, within the upload limit.
    let mut big = header.join(",");
    for i in 0..2000 {
        big.push_str(&format!(
            "\nCG-9{i:04},Người thử nghiệm số {i},B010201,Tày,nghèo,2025,4,091230{i:04}"
        ));
    }
    assert!(big.len() > 64 * 1024);
    let (s, b) = upload(
        &t,
        "/api/v1/imports/households?dry_run=true",
        TOKEN,
        officer,
        CSV,
        big.into(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["counts"]["created"], json!(2000));
    assert_eq!(b["applied"], json!(false));
    let huge = vec![b'a'; loa::http::imports::MAX_UPLOAD_BYTES + 1];
    let (s, b) = upload(&t, "/api/v1/imports/households", TOKEN, officer, CSV, huge).await;
    assert_eq!(s, 413, "{b}");
    t.stop().await;
}

#[tokio::test]
async fn area_and_staff_uploads_stay_within_the_officers_commune() {
    let t = common::spawn_with(|c| c.api_token = Some(TOKEN.into())).await;
    let officer = staff_id(&t, "+84912009003").await; // Cẩm Giàng (02008)
    let areas = "Mã,Tên,Cấp,Mã cấp trên,Đặc biệt khó khăn,Khu vực\n\
                 B010204,Bản Mới,thôn,02008,có,\n";
    let (s, b) = upload(
        &t,
        "/api/v1/imports/areas",
        TOKEN,
        officer,
        CSV,
        areas.into(),
    )
    .await;
    assert_eq!((s, b["counts"]["created"].clone()), (200, json!(1)), "{b}");

    // Another commune's new village, a new commune, and renaming another commune.
    let areas = "Mã,Tên,Cấp,Mã cấp trên,Đặc biệt khó khăn,Khu vực\n\
                 B010205,Bản Khác,thôn,02008,có,\n\
                 B010399,Bản Ngoài,thôn,01981,có,\n\
                 09999,Xã Mới,xã,19,có,III\n\
                 01981,Vĩnh Thông Mới,xã,19,có,III\n";
    let (s, b) = upload(
        &t,
        "/api/v1/imports/areas?lang=en",
        TOKEN,
        officer,
        CSV,
        areas.into(),
    )
    .await;
    assert_eq!(s, 422, "{b}");
    let rows: Vec<(i64, String)> = b["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["row"].as_i64().unwrap_or(0),
                p["column"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (3, "Mã cấp trên".to_string()),
            (4, "Mã cấp trên".to_string()),
            (5, "Mã".to_string())
        ]
    );
    assert_eq!(
        common::count(&t.app, "SELECT COUNT(*) FROM areas WHERE code = 'B010205'").await,
        0,
        "the good row of a refused file is not stored"
    );

    // Staff: a health worker for the officer's villages, yes; moving another commune's midwife, no.
    let staff = "Số điện thoại,Họ tên,Vai trò,Địa bàn\n\
                 0912009100,Nông Văn Mới,y tế thôn bản,B010201; B010204\n";
    let (s, b) = upload(
        &t,
        "/api/v1/imports/staff",
        TOKEN,
        officer,
        CSV,
        staff.into(),
    )
    .await;
    assert_eq!((s, b["counts"]["created"].clone()), (200, json!(1)), "{b}");
    let staff = "Số điện thoại,Họ tên,Vai trò,Địa bàn\n\
                 0912009002,Đàm Thị Lan,cô đỡ thôn bản,B010201\n\
                 0912009101,Lò Thị Mới,cô đỡ thôn bản,B010301\n";
    let (s, b) = upload(
        &t,
        "/api/v1/imports/staff",
        TOKEN,
        officer,
        CSV,
        staff.into(),
    )
    .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["problems"][0]["column"], "Số điện thoại");
    assert_eq!(b["problems"][1]["column"], "Địa bàn");
    assert!(
        !b.to_string().contains("0912009002") && !b.to_string().contains("84912009002"),
        "another commune's staff phone is shown masked: {b}"
    );
    t.stop().await;
}

/// The Cẩm Giàng households of the demo file, as a commune officer may upload them.
fn demo_cg_households() -> String {
    loa::demo::HOUSEHOLDS
        .lines()
        .filter(|l| l.starts_with("Mã hộ") || l.starts_with("CG-"))
        .map(|l| format!("{l}\r\n"))
        .collect()
}

#[tokio::test]
async fn files_as_commune_offices_save_them_are_read_or_refused_with_advice() {
    use unicode_normalization::UnicodeNormalization;
    let t = common::spawn_with(|c| c.api_token = Some(TOKEN.into())).await;
    let officer = staff_id(&t, "+84912009003").await; // Cẩm Giàng (02008)
    let file = demo_cg_households();
    let unchanged = |b: &Value| {
        (
            b["counts"]["unchanged"].clone(),
            b["counts"]["updated"].clone(),
        )
    };

    // Excel "CSV" on a Vietnamese Windows: Windows-1258, the tone marks apart.
    let cp1258 = loa::features::import::decode::to_windows_1258(&file).expect("cp1258");
    assert!(std::str::from_utf8(&cp1258).is_err());
    let path = "/api/v1/imports/households?dry_run=true";
    let (s, b) = upload(&t, path, TOKEN, officer, CSV, cp1258).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(unchanged(&b), (json!(5), json!(0)), "{b}");

    // Excel "Unicode text": UTF-16 little-endian with its mark, tab-separated.
    let tabbed = file.replace(',', "\t");
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(tabbed.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let (s, b) = upload(&t, path, TOKEN, officer, CSV, utf16).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(unchanged(&b), (json!(5), json!(0)), "{b}");

    // Unikey's "Unicode tổ hợp" (or a Mac): decomposed letters, read as the same names and
    // stored composed.
    let nfd: String = file
        .replace("Hoàng Văn Thụ", "Hoàng Văn Thụ Hai")
        .nfd()
        .collect();
    let (s, b) = upload(
        &t,
        "/api/v1/imports/households",
        TOKEN,
        officer,
        CSV,
        nfd.into(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(unchanged(&b), (json!(4), json!(1)), "{b}");
    let head: String = loa::with_db!(&t.app.services.db, pool => sqlx::query_scalar(
        "SELECT head_name FROM households WHERE code = 'CG-0001'"
    )
    .fetch_one(pool)
    .await)
    .expect("head");
    assert_eq!(head, "Hoàng Văn Thụ Hai");
    assert_eq!(head, head.nfc().collect::<String>(), "stored in NFC");

    // A file typed with a TCVN3 font (.VnTime) is refused, with what to do, in Vietnamese.
    let tcvn3 = b"M\xb8 h\xe9,H\xe4 t\xaan ch\xf2 h\xe9,Th\xabn/b\xb8n\nCG-0001,Ho\xb5ng V\xa8n Th\xf4,B010201\n";
    let (s, b) = upload(&t, path, TOKEN, officer, CSV, tcvn3.to_vec()).await;
    assert_eq!(
        (s, b["error"]["code"].clone()),
        (400, json!("bad_file")),
        "{b}"
    );
    let advice = b["error"]["message"].as_str().unwrap_or("");
    assert!(
        advice.contains("TCVN3") && advice.contains("CSV UTF-8"),
        "{advice}"
    );
    t.stop().await;
}

/// An admin's scope is everywhere: a new province and its commune are theirs to upload.
#[tokio::test]
async fn an_admin_uploads_areas_anywhere_new_provinces_included() {
    let t = common::spawn_with(|c| c.api_token = Some(TOKEN.into())).await;
    let admin: i64 = loa::with_db!(&t.app.services.db, pool => sqlx::query_scalar(
        "INSERT INTO staff (msisdn, name, role, updated_at) VALUES ('+84912009099', 'Admin', 'admin', $1) RETURNING id"
    )
    .bind(chrono::Utc::now())
    .fetch_one(pool)
    .await)
    .expect("admin");
    let areas = "Mã,Tên,Cấp,Mã cấp trên,Đặc biệt khó khăn,Khu vực\n\
                 77,Tỉnh Mới,tỉnh,,có,\n\
                 07701,Xã Mới,xã,77,có,III\n";
    let (s, b) = upload(&t, "/api/v1/imports/areas", TOKEN, admin, CSV, areas.into()).await;
    assert_eq!((s, b["counts"]["created"].clone()), (200, json!(2)), "{b}");
    t.stop().await;
}
