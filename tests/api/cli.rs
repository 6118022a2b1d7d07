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

#[test]
fn serve_demo_says_where_to_go_and_who_the_demo_phones_are() {
    let dir = tempfile::tempdir().expect("dir");
    let mut child = loa(dir.path())
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
    let banner = banner.join("\n");
    assert!(
        banner.contains("Dừng: Ctrl-C."),
        "{banner}\n--- stderr:\n{stderr}"
    );
    for want in [
        "/simulator",
        "0912001001  người dân, hộ CG-0001 (Hoàng Văn Thụ)",
        "0912009003  cán bộ xã Hoàng Văn Quyết (02008), mã cán bộ (x-loa-staff) 3",
        "0912009001  y tế thôn bản Hà Thị Duyên",
        "0912001005  một số điện thoại trong các hộ CG-0004, CG-0005",
        "0912999999  người lạ",
        "LOA_API_TOKEN",
    ] {
        assert!(banner.contains(want), "{want:?} missing from:\n{banner}");
    }
    // Nothing noisy: no colour codes into a pipe, no scheduler internals.
    let all = format!("{banner}\n{stderr}");
    assert!(!all.contains('\u{1b}'), "colour codes: {all:?}");
    assert!(!stderr.contains("tokio_cron_scheduler"), "{stderr}");
    assert!(stderr.lines().count() <= 6, "a noisy start-up:\n{stderr}");
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
    let t = common::spawn_with(|c| c.simulator.enabled = false).await;
    let res = t.client.get(t.url("/")).send().await.expect("get /");
    assert_eq!(res.status(), 200);
    let v: serde_json::Value = res.json().await.expect("json");
    assert_eq!(
        (v["service"].as_str(), v["health"].as_str()),
        (Some("loa"), Some("/healthz"))
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
#[test]
fn readme_links_stay_inside_the_repository() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for doc in ["README.md", "locales/README.md", "gateway-config/README.md"] {
        let text = std::fs::read_to_string(root.join(doc)).expect("read the document");
        let dir = root
            .join(doc)
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default();
        for (i, _) in text.match_indices("](") {
            let rest = &text[i + 2..];
            let target = &rest[..rest.find(')').unwrap_or(rest.len())];
            let path = target.split('#').next().unwrap_or("");
            if path.is_empty() || path.contains("://") || path.starts_with("mailto:") {
                continue;
            }
            let full = dir.join(path);
            assert!(
                full.exists() && full.starts_with(root) && !path.contains(".."),
                "{doc} links to {target:?}, which a clone does not have"
            );
        }
    }
}
