//! The one table (each loa figure beside its baseline from the same run), the machine it ran on,
//! and bench/RESULTS.md.

use std::process::Command;
use std::time::Duration;

use crate::Ctx;

pub struct Row {
    pub path: String,
    pub loa: String,
    pub baseline: String,
    pub ratio: String,
}

pub struct Report {
    rows: Vec<Row>,
    notes: Vec<String>,
    failed: usize,
    machine: Vec<(String, String)>,
}

impl Report {
    /// `note`: what the person running it says about the run (what else the machine was doing).
    pub fn new(ctx: &Ctx, note: Option<&str>) -> Report {
        let mut machine = machine(ctx);
        if let Some(note) = note {
            machine.push(("note".into(), note.to_string()));
        }
        Report {
            rows: Vec::new(),
            notes: Vec::new(),
            failed: 0,
            machine,
        }
    }

    pub fn row(&mut self, path: &str, loa: String, baseline: String, ratio: String) {
        let row = Row {
            path: path.to_string(),
            loa,
            baseline,
            ratio,
        };
        eprintln!(
            "bench: {} | {} | {} | {}",
            row.path, row.loa, row.baseline, row.ratio
        );
        self.rows.push(row);
    }

    /// A row whose measurement failed: the table says so, and the run exits non-zero.
    pub fn failed(&mut self, path: &str, err: &anyhow::Error) {
        let msg = format!("{err:#}");
        let short: String = msg.lines().next().unwrap_or("").chars().take(160).collect();
        eprintln!("bench: {path}: FAILED: {msg}");
        self.failed += 1;
        self.row(path, format!("FAILED: {short}"), "-".into(), "-".into());
    }

    /// A row whose figures are in the table but whose check failed (said in its cells): the
    /// run exits non-zero.
    pub fn check_failed(&mut self) {
        self.failed += 1;
    }

    pub fn skipped(&mut self, path: &str, why: &str) {
        self.row(path, format!("skipped: {why}"), "-".into(), "-".into());
    }

    pub fn note(&mut self, note: String) {
        eprintln!("bench: note: {note}");
        self.notes.push(note);
    }

    pub fn failures(&self) -> usize {
        self.failed
    }

    pub fn finish(&mut self, ctx: &Ctx, took: Duration) {
        self.machine
            .push(("load average at the end".into(), loadavg()));
        self.machine.push((
            "harness run time".into(),
            format!(
                "{:.0} s{}",
                took.as_secs_f64(),
                if ctx.quick { " (--quick)" } else { "" }
            ),
        ));
    }

    pub fn table(&self) -> String {
        let mut t = String::from(
            "| path | loa | baseline, same run | loa ÷ baseline |\n| --- | --- | --- | --- |\n",
        );
        for r in &self.rows {
            t.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                r.path, r.loa, r.baseline, r.ratio
            ));
        }
        t
    }

    pub fn markdown(&self, ctx: &Ctx) -> String {
        let mut md = String::from("# loa benchmark results\n\n");
        md.push_str("Written by `bench/run`");
        if ctx.quick {
            md.push_str(" `--quick` (a smoke run: short and small, figures not comparable)");
        }
        md.push_str(
            ". Each loa figure stands beside a baseline measured in the same run on the same \
             machine; on a shared machine the ratios are what to compare between runs. What each \
             row measures: [README.md](README.md).\n\n## Machine\n\n",
        );
        for (k, v) in &self.machine {
            md.push_str(&format!("- {k}: {v}\n"));
        }
        md.push_str("\n## Table\n\n");
        md.push_str(&self.table());
        if !self.notes.is_empty() {
            md.push_str("\n## Checks and details from the same run\n\n");
            for n in &self.notes {
                md.push_str(&format!("- {n}\n"));
            }
        }
        md
    }
}

/// The line in RESULTS.md below which the text is written by hand (before and after tables,
/// later runs, notes): each run keeps it.
pub const HAND_WRITTEN: &str = "<!-- written by hand below: bench/run keeps it -->";

/// `generated` followed by what `before` (the file as it was) has from [`HAND_WRITTEN`] on.
pub fn keep_hand_written(mut generated: String, before: &str) -> String {
    if let Some(at) = before.find(HAND_WRITTEN) {
        generated.push('\n');
        generated.push_str(&before[at..]);
    }
    generated
}

/// The first line a command prints (on stdout, else stderr), whatever its exit status: some
/// tools print their version and exit 1.
fn first_line(cmd: &mut Command) -> String {
    match cmd.stdin(std::process::Stdio::null()).output() {
        Ok(o) => {
            let text = if o.stdout.is_empty() {
                o.stderr
            } else {
                o.stdout
            };
            String::from_utf8_lossy(&text)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        }
        Err(_) => "?".into(),
    }
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn machine(ctx: &Ctx) -> Vec<(String, String)> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "?".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let ram = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or("?".into(), |kib| {
            format!("{:.1} GiB", kib / 1024.0 / 1024.0)
        });
    let os = std::fs::read_to_string("/etc/os-release")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_string())
        .unwrap_or_else(|| "?".into());
    let git = |args: &[&str]| first_line(Command::new("git").arg("-C").arg(&ctx.root).args(args));
    let dirty = if git(&["status", "--porcelain", "--untracked-files=no"]).is_empty() {
        ""
    } else {
        " (with uncommitted changes)"
    };
    let postgres = match &ctx.postgres {
        Some(server) => crate::db::psql(&format!("{server}/postgres"), "SHOW server_version")
            .map(|v| format!("PostgreSQL {} at {server}", v.trim()))
            .unwrap_or_else(|_| "?".into()),
        None => "not reachable: PostgreSQL rows skipped".into(),
    };
    let kannel = first_line(Command::new("bearerbox").arg("--version"));
    vec![
        (
            "date".into(),
            first_line(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"])),
        ),
        (
            "git commit".into(),
            format!(
                "{} ({}){dirty}",
                git(&["rev-parse", "--short", "HEAD"]),
                git(&["log", "-1", "--format=%s"])
                    .chars()
                    .take(72)
                    .collect::<String>()
            ),
        ),
        ("nproc".into(), first_line(&mut Command::new("nproc"))),
        ("CPU".into(), cpu),
        ("RAM".into(), ram),
        (
            "OS".into(),
            format!(
                "{os}, kernel {}",
                first_line(Command::new("uname").arg("-r"))
            ),
        ),
        ("load average at the start".into(), loadavg()),
        (
            "loa".into(),
            format!("`cargo build --release` ({})", ctx.loa.display()),
        ),
        (
            "database".into(),
            format!(
                "SQLite {} (WAL, synchronous=NORMAL, as loa opens it); {postgres}",
                first_line(Command::new("sqlite3").arg("--version"))
                    .split_whitespace()
                    .next()
                    .unwrap_or("?")
            ),
        ),
        (
            "load generators".into(),
            format!(
                "{}; {}",
                first_line(Command::new("oha").arg("--version")),
                first_line(Command::new("wrk").arg("-v"))
                    .split(" [")
                    .next()
                    .unwrap_or("wrk")
            ),
        ),
        ("Kannel".into(), kannel.replace(['`', '\''], "")),
    ]
}
