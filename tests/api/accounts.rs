//! Staff accounts: the `loa user` command, the demo's accounts, sign-in, sessions, CSRF, throttling and API tokens.

use std::process::Command;

use loa::features::accounts::{self, sessions, store};

use crate::common;

/// Runs `loa user …` on the test's database, with `stdin` as standard input.
fn loa_user(db_url: &str, args: &[&str], stdin: &str) -> (bool, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_loa"))
        .arg("user")
        .args(args)
        .env("LOA_DATABASE_URL", db_url)
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run loa");
    if let Some(mut s) = child.stdin.take() {
        s.write_all(stdin.as_bytes()).expect("stdin");
    }
    let out = child.wait_with_output().expect("loa output");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn the_user_command_adds_changes_disables_and_lists_accounts() {
    let t = common::spawn().await;
    let url = t.db.url.clone();
    let db = t.app.services.db.clone();
    let run = move |args: Vec<&'static str>, stdin: &'static str| {
        let url = url.clone();
        tokio::task::spawn_blocking(move || loa_user(&url, &args, stdin))
    };

    let (ok, out) = run(vec!["add", "root", "--role", "admin"], "")
        .await
        .expect("join");
    assert!(ok, "{out}");
    let made = out
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .expect("a made password is printed")
        .to_string();
    let (a, hash) = store::by_username(&db, "root")
        .await
        .expect("db")
        .expect("root");
    assert!(hash.starts_with("$argon2id$"), "argon2id at rest");
    assert!(accounts::verify_password(Some(hash), &made).await);
    assert_eq!(a.own_role, Some(loa::features::staff::Role::Admin));

    let (ok, out) = run(
        vec!["add", "quyet", "--staff", "0912009003", "--password-stdin"],
        "a long password 1\n",
    )
    .await
    .expect("join");
    assert!(ok, "{out}");
    let (ok, out) = run(vec!["add", "quyet", "--role", "monitor"], "")
        .await
        .expect("join");
    assert!(!ok && out.contains("taken"), "{out}");
    let (ok, out) = run(vec!["add", "nobody", "--staff", "0912999999"], "")
        .await
        .expect("join");
    assert!(!ok && out.contains("no staff member"), "{out}");
    let (ok, out) = run(
        vec!["add", "short", "--role", "admin", "--password-stdin"],
        "abc\n",
    )
    .await
    .expect("join");
    assert!(!ok && out.contains("password"), "{out}");

    let (ok, out) = run(
        vec!["passwd", "quyet", "--password-stdin"],
        "another long one\n",
    )
    .await
    .expect("join");
    assert!(ok, "{out}");
    let (_, hash) = store::by_username(&db, "quyet")
        .await
        .expect("db")
        .expect("quyet");
    assert!(accounts::verify_password(Some(hash), "another long one").await);

    let (ok, out) = run(vec!["disable", "quyet"], "").await.expect("join");
    assert!(ok, "{out}");
    let (ok, out) = run(vec!["list"], "").await.expect("join");
    assert!(ok, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with("quyet") && lines[0].contains("commune_officer"));
    assert!(lines[0].ends_with("disabled"), "{out}");
    assert!(
        lines[1].starts_with("root") && lines[1].ends_with("active"),
        "{out}"
    );
    t.stop().await;
}

#[tokio::test]
async fn the_demo_makes_an_admin_and_one_account_per_staff_row_with_new_passwords() {
    let t = common::spawn().await;
    let db = &t.app.services.db;
    let first = loa::demo::accounts(db).await.expect("demo accounts");
    let names: Vec<&str> = first.iter().map(|a| a.username.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "admin",
            "ha.thi.duyen",
            "dam.thi.lan",
            "hoang.van.quyet",
            "le.minh.tam"
        ]
    );
    for a in &first {
        let (acc, hash) = store::by_username(db, &a.username)
            .await
            .expect("db")
            .expect("row");
        assert!(accounts::verify_password(Some(hash), &a.password).await);
        assert_eq!(acc.staff_id.is_some(), a.username != "admin");
    }
    // Again (a restart with --demo): the same accounts, new passwords.
    let second = loa::demo::accounts(db).await.expect("again");
    assert_eq!(store::list(db).await.expect("list").len(), 5);
    assert_ne!(first[3].password, second[3].password);
    let addr = "127.0.0.1".parse().expect("ip");
    let signed = sessions::sign_in(db, "hoang.van.quyet", &second[3].password, addr)
        .await
        .expect("sign in");
    assert!(matches!(signed, sessions::SignIn::Ok { .. }));
    t.stop().await;
}
