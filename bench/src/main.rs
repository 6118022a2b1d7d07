//! `loa-bench`: the driver behind `bench/run`. Runs each benchmark against the release build of
//! loa and beside it a baseline in the same run, prints one table and writes it, with the machine
//! it ran on, to bench/RESULTS.md. What each row measures: bench/README.md.

mod db;
mod kannel;
mod loa;
mod load;
mod report;
mod rows;
mod sys;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::report::Report;
use crate::sys::Proc;

/// Sizes and durations of one run; `--quick` shrinks them for a smoke run.
pub struct Sizes {
    pub warm_up: Duration,
    pub closed: Duration,
    pub open: Duration,
    pub open_rate: u32,
    pub kannel_messages: usize,
    pub households: usize,
    pub ussd: Duration,
    pub dispatch_messages: usize,
}

impl Sizes {
    fn full() -> Sizes {
        Sizes {
            warm_up: Duration::from_secs(3),
            closed: Duration::from_secs(15),
            open: Duration::from_secs(15),
            open_rate: 1000,
            kannel_messages: 2000,
            households: 100_000,
            ussd: Duration::from_secs(15),
            dispatch_messages: 5000,
        }
    }

    fn quick() -> Sizes {
        Sizes {
            warm_up: Duration::from_secs(1),
            closed: Duration::from_secs(3),
            open: Duration::from_secs(3),
            open_rate: 1000,
            kannel_messages: 200,
            households: 5_000,
            ussd: Duration::from_secs(3),
            dispatch_messages: 500,
        }
    }
}

/// What every row needs: where things are, and the baseline server that runs throughout.
pub struct Ctx {
    pub root: PathBuf,
    pub loa: PathBuf,
    pub work: PathBuf,
    pub postgres: Option<String>,
    pub sizes: Sizes,
    pub quick: bool,
    /// Keep the work folder and the SQLite files (`--keep`), for a look after the run.
    pub keep: bool,
    pub baseline: Proc,
    pub baseline_port: u16,
}

struct Args {
    root: PathBuf,
    loa: PathBuf,
    baseline: PathBuf,
    results: Option<PathBuf>,
    postgres: String,
    quick: bool,
    keep: bool,
    note: Option<String>,
    only: Vec<String>,
}

fn args() -> Result<Args> {
    let mut a = Args {
        root: PathBuf::from("."),
        loa: PathBuf::from("target/release/loa"),
        baseline: PathBuf::from("target/bench/release/loa-baseline"),
        results: None,
        postgres: "postgres://postgres@127.0.0.1:5432".into(),
        quick: false,
        keep: false,
        note: None,
        only: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--root" => a.root = value()?.into(),
            "--loa" => a.loa = value()?.into(),
            "--baseline" => a.baseline = value()?.into(),
            "--results" => a.results = Some(value()?.into()),
            "--postgres" => a.postgres = value()?,
            "--only" => a.only = value()?.split(',').map(str::to_string).collect(),
            "--quick" => a.quick = true,
            "--keep" => a.keep = true,
            "--note" => a.note = Some(value()?),
            other => bail!("unknown argument {other} (see bench/README.md)"),
        }
    }
    Ok(a)
}

fn main() -> Result<()> {
    let args = args()?;
    let work = std::env::temp_dir().join(format!("loa-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let postgres = match db::postgres_answers(&args.postgres) {
        Ok(()) => Some(args.postgres.clone()),
        Err(e) => {
            eprintln!(
                "\n!!! PostgreSQL at {} does not answer ({e:#}): the PostgreSQL rows are skipped !!!\n",
                args.postgres
            );
            None
        }
    };
    let baseline_port = sys::free_port()?;
    let mut cmd = std::process::Command::new(&args.baseline);
    cmd.arg(format!("127.0.0.1:{baseline_port}"));
    let baseline = Proc::spawn("loa-baseline", cmd, &work.join("baseline.log"))?;
    sys::wait_for_port(baseline_port, Duration::from_secs(10), "loa-baseline")?;
    let mut ctx = Ctx {
        root: args.root.clone(),
        loa: std::fs::canonicalize(&args.loa).context("the loa binary")?,
        work: work.clone(),
        postgres,
        sizes: if args.quick {
            Sizes::quick()
        } else {
            Sizes::full()
        },
        quick: args.quick,
        keep: args.keep,
        baseline,
        baseline_port,
    };
    let mut report = Report::new(&ctx, args.note.as_deref());
    let started = Instant::now();
    rows::run_all(&mut ctx, &mut report, &args.only);
    report.finish(&ctx, started.elapsed());
    println!("\n{}", report.table());
    if let Some(path) = &args.results {
        let before = std::fs::read_to_string(path).unwrap_or_default();
        std::fs::write(path, report::keep_hand_written(report.markdown(&ctx), &before))?;
        println!("written to {}", path.display());
    }
    ctx.baseline.stop(Duration::from_secs(2));
    if report.failures() > 0 {
        eprintln!(
            "bench: {} row(s) failed; the logs are kept in {}",
            report.failures(),
            work.display()
        );
        std::process::exit(1);
    }
    if args.keep {
        eprintln!("bench: logs and configurations kept in {}", work.display());
    } else {
        let _ = std::fs::remove_dir_all(&work);
    }
    Ok(())
}
