//! The `loa` command as operators script it: `loa import` checks what it needs before it writes
//! and reports what it did; a hostile spreadsheet gets a refusal and an exit status, never an
//! abort.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `loa` with `args` in `dir`, with only the `LOA_*` variables given.
fn loa(dir: &Path, args: &[&str], env: &[(&str, String)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_loa"));
    for (name, _) in std::env::vars().filter(|(k, _)| k.starts_with("LOA_")) {
        cmd.env_remove(name);
    }
    cmd.args(args).current_dir(dir).env("RUST_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run loa")
}

fn demo_file(name: &str) -> String {
    format!("{}/demo/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn import_needs_no_gateway_and_reports_what_it_wrote() {
    let dir = tempfile::tempdir().expect("dir");
    let gateways = dir.path().join("gateways");
    std::fs::create_dir(&gateways).expect("mkdir");
    // A gateway whose password variable is not set: `loa serve` would refuse to start; an
    // import has nothing to send and does not read gateways.
    std::fs::write(
        gateways.join("kannel.toml"),
        "id = \"k\"\nkind = \"kannel\"\nrate = 1\n[kannel]\n\
         sendsms_url = \"http://127.0.0.1:13013/cgi-bin/sendsms\"\nusername = \"u\"\n\
         password_env = \"LOA_TEST_CLI_SURELY_UNSET\"\ndlr_url = \"http://127.0.0.1/d\"\n\
         [webhook]\nsecret_env = \"LOA_TEST_CLI_SURELY_UNSET_TOO\"\n",
    )
    .expect("gateway file");
    let env = [
        (
            "LOA_DATABASE_URL",
            format!("sqlite://{}/loa.db", dir.path().display()),
        ),
        ("LOA_GATEWAY_DIR", gateways.display().to_string()),
    ];
    let out = loa(
        dir.path(),
        &["import", "areas", &demo_file("dia-ban.csv"), "--lang", "en"],
        &env,
    );
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("10"), "{}", text(&out.stdout));
    // A second run changes nothing and says so, with the same status.
    let out = loa(
        dir.path(),
        &["import", "areas", &demo_file("dia-ban.csv"), "--lang", "en"],
        &env,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn a_sheet_with_a_cell_at_the_far_corner_is_refused_with_an_exit_status() {
    let dir = tempfile::tempdir().expect("dir");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Mã hộ").expect("cell");
    sheet.write_string(1_048_575, 16_383, "x").expect("cell");
    let file = dir.path().join("far.xlsx");
    book.save(&file).expect("xlsx");
    let env = [(
        "LOA_DATABASE_URL",
        format!("sqlite://{}/loa.db", dir.path().display()),
    )];
    let out = loa(
        dir.path(),
        &["import", "households", &file.display().to_string()],
        &env,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "an exit status, not a signal: {}",
        text(&out.stderr)
    );
    let err = text(&out.stderr);
    // In the office's language (Vietnamese by default), naming the cell.
    assert!(
        err.contains("vượt quá giới hạn") && err.contains("XFD"),
        "{err}"
    );
}
