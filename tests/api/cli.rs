//! The `loa` command as a person at a terminal (or a script) meets it: the demo's start-up
//! output, `GET /`, the small tools speaking Vietnamese by default, and the README a clone reads.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common;

/// `loa` with none of the test runner's LOA_* variables, and an empty gateway folder.
fn loa(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_loa"));
    for (name, _) in std::env::vars().filter(|(k, _)| k.starts_with("LOA_")) {
        cmd.env_remove(name);
    }
    cmd.env_remove("RUST_LOG")
        .env("LOA_GATEWAY_DIR", dir.join("no-gateways"))
        .env(
            "LOA_DATABASE_URL",
            format!("sqlite://{}/loa.db", dir.display()),
        );
    cmd
}

fn run(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = loa(dir).args(args).output().expect("run loa");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Starts `loa serve --demo` on the database in `dir`, reads what it prints up to the banner's
/// last line, and stops it: (stdout, stderr).
fn demo_start_up(dir: &std::path::Path) -> (String, String) {
    let mut child = loa(dir)
        .args(["serve", "--demo"])
        .env("LOA_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start loa");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut banner = Vec::new();
    while !banner.iter().any(|l: &String| l.contains("Ctrl-C")) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => banner.push(line),
            Err(_) => break,
        }
    }
    // SIGTERM: loa stops cleanly, and what it wrote on stderr can be read whole.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    let _ = child.wait();
    (banner.join("\n"), stderr)
}

/// The banner's line that starts with `start` (after its indent).
fn line_of<'a>(banner: &'a str, start: &str) -> &'a str {
    banner
        .lines()
        .find(|l| l.trim_start().starts_with(start))
        .unwrap_or_else(|| panic!("no line for {start:?} in:\n{banner}"))
}

#[test]
fn serve_demo_says_where_to_go_who_the_demo_phones_are_and_the_accounts() {
    let dir = tempfile::tempdir().expect("dir");
    let (banner, stderr) = demo_start_up(dir.path());
    assert!(
        banner.contains("Dừng: Ctrl-C."),
        "{banner}\n--- stderr:\n{stderr}"
    );
    // The banner is all stdout says, from its first line: no block in English before it.
    let first = banner.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    assert!(
        first.starts_with("loa đang chạy với dữ liệu demo: http://127.0.0.1:"),
        "{banner}"
    );
    for want in [
        "Mở điện thoại mô phỏng: http://127.0.0.1:",
        "/simulator",
        "Bàn làm việc của cán bộ (console): http://127.0.0.1:",
        "/console (đăng nhập bằng một tài khoản demo dưới đây)",
        "0912001001  người dân, hộ CG-0001 (Hoàng Văn Thụ)",
        "0912009003  cán bộ xã Hoàng Văn Quyết (02008)",
        "0912009001  y tế thôn bản Hà Thị Duyên",
        "0912001005  số dùng chung của các hộ CG-0004, CG-0005",
        "0912999999  người lạ",
        "Tài khoản demo (tên đăng nhập, vai trò, mật khẩu):",
        "POST /api/v1/tokens",
        "Authorization: Bearer loa_",
    ] {
        assert!(banner.contains(want), "{want:?} missing from:\n{banner}");
    }
    // Accounts in Vietnamese, with role names and whom they act as, and a new password each.
    for (account, who) in [
        ("admin ", "quản trị viên"),
        ("hoang.van.quyet ", "cán bộ xã Hoàng Văn Quyết"),
        ("ha.thi.duyen ", "y tế thôn bản Hà Thị Duyên"),
        ("le.minh.tam ", "người thực hiện trợ giúp pháp lý"),
    ] {
        let line = line_of(&banner, account);
        assert!(line.contains(who) && line.contains("mật khẩu: "), "{line}");
    }
    // Not the deprecated shared token, no raw role codes.
    for gone in [
        "x-loa-staff",
        "LOA_API_TOKEN",
        "commune_officer",
        "Demo accounts",
    ] {
        assert!(!banner.contains(gone), "{gone:?} in:\n{banner}");
    }
    // Start-up says it is a demo, and that nothing reaches a real phone.
    assert!(stderr.contains("DEMO: loa serve --demo"), "{stderr}");
    assert!(
        stderr.contains("SIMULATOR MODE: no real phone receives anything"),
        "{stderr}"
    );
    // Nothing noisy: no colour codes into a pipe, no scheduler internals.
    let all = format!("{banner}\n{stderr}");
    assert!(!all.contains('\u{1b}'), "colour codes: {all:?}");
    assert!(!stderr.contains("tokio_cron_scheduler"), "{stderr}");
    assert!(stderr.lines().count() <= 6, "a noisy start-up:\n{stderr}");

    // Started again on the same database: the accounts are there, their passwords kept.
    let (again, _) = demo_start_up(dir.path());
    let line = line_of(&again, "hoang.van.quyet ");
    assert!(
        line.contains("giữ nguyên mật khẩu cũ") && line.contains("loa user passwd hoang.van.quyet"),
        "{again}"
    );
    assert!(!again.contains("mật khẩu: "), "a password reset:\n{again}");
}

#[tokio::test]
async fn the_root_leads_somewhere() {
    let t = common::spawn().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let res = client.get(t.url("/")).send().await.expect("get /");
    assert_eq!(res.status(), 307);
    assert_eq!(res.headers()["location"], "/simulator");
    t.stop().await;
    // Without the simulator: a browser goes to the console, a script reads where things are.
    let t = common::spawn_with(|c| c.simulator.enabled = false).await;
    let res = client
        .get(t.url("/"))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .expect("get / as a browser");
    assert_eq!(res.status(), 307);
    assert_eq!(res.headers()["location"], "/console");
    let res = t.client.get(t.url("/")).send().await.expect("get /");
    assert_eq!(res.status(), 200);
    let v: serde_json::Value = res.json().await.expect("json");
    assert_eq!(
        (
            v["service"].as_str(),
            v["health"].as_str(),
            v["console"].as_str()
        ),
        (Some("loa"), Some("/healthz"), Some("/console"))
    );
    t.stop().await;
}

#[test]
fn the_small_tools_speak_vietnamese_unless_asked_for_english() {
    let dir = tempfile::tempdir().expect("dir");
    let (code, _, err) = run(dir.path(), &["phone", "0212 345 678"]);
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("loa: \"0212 345 678\" không dùng được: "),
        "{err}"
    );
    // The reason, once.
    assert_eq!(err.lines().count(), 1, "{err}");
    let (_, _, err) = run(dir.path(), &["phone", "--lang", "en", "12345"]);
    assert!(
        err.contains("has 10 digits") && err.matches("Vietnamese").count() == 1,
        "{err}"
    );

    let (code, out, _) = run(dir.path(), &["sms-info", "Hỗ trợ"]);
    assert_eq!(code, Some(0));
    assert!(
        out.starts_with("UCS-2: 6 ký tự (chars), 1 phần tin (parts)"),
        "{out}"
    );
    assert!(out.contains("Không dấu (GSM-7"), "{out}");
    let (_, out, _) = run(dir.path(), &["sms-info", "--lang", "en", "Hỗ trợ"]);
    assert!(out.starts_with("UCS-2: 6 chars, 1 part(s)"), "{out}");

    let (_, help, _) = run(dir.path(), &["sms-info", "--help"]);
    assert!(
        help.contains("--json") && help.contains("`encoding`"),
        "{help}"
    );

    let (code, out, _) = run(dir.path(), &["locales"]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("vi: đã dịch") && out.contains("hmn: đã dịch 0 /"),
        "{out}"
    );
}

#[test]
fn sms_info_json_has_the_field_names_the_readme_gives() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README");
    let row = readme
        .lines()
        .find(|l| l.starts_with("| `loa sms-info"))
        .expect("the Commands table's sms-info row");
    // The names the row gives: its backticked words that are plain identifiers.
    let named: std::collections::BTreeSet<&str> = row
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .collect();
    let dir = tempfile::tempdir().expect("dir");
    let (code, out, err) = run(dir.path(), &["sms-info", "--json", "Hỗ trợ"]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let keys = |v: &serde_json::Value| -> std::collections::BTreeSet<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    let top = keys(&v);
    let plain = keys(&v["unaccented"]);
    let mut all: std::collections::BTreeSet<&str> = top.iter().map(String::as_str).collect();
    all.extend(plain.iter().map(String::as_str));
    assert_eq!(all, named, "sms-info --json: {out}\nREADME: {row}");
    // "`unaccented` with `text` and the same three".
    let mut same: Vec<&str> = top.iter().map(String::as_str).collect();
    same.retain(|k| *k != "unaccented");
    same.push("text");
    same.sort_unstable();
    assert_eq!(plain.iter().map(String::as_str).collect::<Vec<_>>(), same);
}

/// A workbook typed with Unikey's "Unicode tổ hợp" (or on a Mac) holds decomposed letters; what
/// `loa import` stores is composed (NFC), so the same name typed either way is one name.
#[tokio::test]
async fn decomposed_text_in_an_xlsx_is_stored_composed() {
    use unicode_normalization::UnicodeNormalization;
    let t = common::spawn().await;
    let dir = tempfile::tempdir().expect("dir");
    let nfd = |s: &str| s.nfd().collect::<String>();
    let name = "Hoàng Thị Ngọc Ánh";
    assert_ne!(nfd(name), name);
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let rows = [
        [
            "Mã hộ",
            "Họ tên chủ hộ",
            "Thôn/bản",
            "Dân tộc",
            "Phân loại hộ",
            "Năm phân loại",
            "Số nhân khẩu",
            "Số điện thoại",
        ],
        [
            "CG-0321",
            name,
            "B010201",
            "Tày",
            "cận nghèo",
            "2025",
            "3",
            "0912301321",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet
                .write_string(r as u32, c as u16, nfd(cell))
                .expect("cell");
        }
    }
    let file = dir.path().join("ho.xlsx");
    book.save(&file).expect("xlsx");
    let path = file.display().to_string();
    let url = t.db.url.clone();
    let out = tokio::task::spawn_blocking(move || {
        loa(std::path::Path::new("."))
            .env("LOA_DATABASE_URL", url)
            .args(["import", "households", &path, "--lang", "en"])
            .output()
            .expect("run loa")
    })
    .await
    .expect("join");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stored: (String, Option<String>, String) =
        loa::with_db!(&t.app.services.db, pool => sqlx::query_as(
        "SELECT head_name, ethnic_group, poverty_class FROM households WHERE code = 'CG-0321'"
    )
    .fetch_one(pool)
    .await)
        .expect("the household");
    assert_eq!(
        stored,
        (
            name.to_string(),
            Some("Tày".to_string()),
            "near_poor".to_string()
        )
    );
    t.stop().await;
}

#[test]
fn import_refuses_a_tcvn3_file_with_advice_in_vietnamese() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("ho.csv");
    std::fs::write(
        &file,
        b"M\xb8 h\xe9,Th\xabn\nCG-0001,Ho\xb5ng V\xa8n Th\xf4\n",
    )
    .expect("write");
    let path = file.display().to_string();
    let (code, out, err) = run(dir.path(), &["import", "households", &path]);
    assert_ne!(code, Some(0), "{out}");
    assert!(err.contains("TCVN3") && err.contains("CSV UTF-8"), "{err}");
}
/// The anchors GitHub makes for a Markdown file's headings: lower case, every character but
/// letters, digits, `_`, `-` and spaces dropped, spaces made `-`, and `-1`, `-2`… after a repeat.
fn heading_anchors(text: &str) -> std::collections::HashSet<String> {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    let mut anchors = std::collections::HashSet::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if in_code || !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let title = line[hashes..].trim().trim_end_matches('#').trim();
        let slug: String = title
            .to_lowercase()
            .chars()
            .filter(|&c| c.is_alphanumeric() || matches!(c, '_' | '-' | ' '))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let n = seen.entry(slug.clone()).or_default();
        anchors.insert(match *n {
            0 => slug,
            k => format!("{slug}-{k}"),
        });
        *n += 1;
    }
    anchors
}

#[test]
fn github_anchors_follow_its_rules() {
    let anchors = heading_anchors(
        "# loa\n## Prenatal checkups (Project 7.3)\n```\n# not a heading\n```\n\
         ### `loa` — the CLI\n## Tests\n## Tests\n#no heading\n",
    );
    let mut got: Vec<&str> = anchors.iter().map(String::as_str).collect();
    got.sort_unstable();
    assert_eq!(
        got,
        [
            "loa",
            "loa--the-cli",
            "prenatal-checkups-project-73",
            "tests",
            "tests-1"
        ]
    );
}

#[test]
fn readme_links_stay_inside_the_repository_and_their_anchors_exist() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for doc in [
        "README.md",
        "locales/README.md",
        "gateway-config/README.md",
        "docs/deploy.md",
        "demo/README.md",
    ] {
        let text = std::fs::read_to_string(root.join(doc)).expect("read the document");
        let dir = root
            .join(doc)
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default();
        for (i, _) in text.match_indices("](") {
            let rest = &text[i + 2..];
            let target = &rest[..rest.find(')').unwrap_or(rest.len())];
            let (path, fragment) = target.split_once('#').unwrap_or((target, ""));
            if path.contains("://") || path.starts_with("mailto:") {
                continue;
            }
            let full = if path.is_empty() {
                root.join(doc)
            } else {
                dir.join(path)
            };
            assert!(
                full.exists() && full.starts_with(root) && !path.contains(".."),
                "{doc} links to {target:?}, which a clone does not have"
            );
            if fragment.is_empty() {
                continue;
            }
            let linked = std::fs::read_to_string(&full).unwrap_or_default();
            assert!(
                full.extension().is_some_and(|e| e == "md")
                    && heading_anchors(&linked).contains(fragment),
                "{doc} links to {target:?}, and no heading there has the anchor #{fragment}"
            );
        }
    }
}
