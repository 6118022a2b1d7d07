//! Importing the spreadsheets commune offices keep (areas, households, support records, staff): validate every row, then all or nothing.

mod areas;
mod households;
pub mod parse;
mod places;
pub mod scope;
mod staff;
mod support;
pub mod table;
#[cfg(test)]
mod tests;

use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::db::Db;
use crate::features::support::StatusChange;
use crate::i18n::{Locales, Msg};

pub use table::Table;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Areas,
    Households,
    Support,
    Staff,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "areas" => Some(Kind::Areas),
            "households" => Some(Kind::Households),
            "support" => Some(Kind::Support),
            "staff" => Some(Kind::Staff),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Areas => "areas",
            Kind::Households => "households",
            Kind::Support => "support",
            Kind::Staff => "staff",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read the file: {0}")]
    Read(String),
    #[error("unknown file type `{0}`: give a .csv or .xlsx file")]
    Format(String),
    #[error("the file has more than {0} rows")]
    TooLarge(usize),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Validate and report; write nothing.
    pub dry_run: bool,
    /// More header spellings: (header as in the file, field name), from `--map`.
    pub header_map: Vec<(String, String)>,
    /// Show a progress bar on stderr while writing.
    pub progress: bool,
    /// Who made the changes, for the support history (`import:<file name>` by default).
    pub actor: Option<String>,
}

/// One problem in one cell; `row` counts like the spreadsheet (the header is row 1).
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub row: usize,
    pub column: String,
    pub problem: Msg,
}

#[derive(Debug, Default)]
pub struct Report {
    pub kind: Option<Kind>,
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Errors: any one of them and nothing is written.
    pub problems: Vec<Problem>,
    /// Not errors, but worth a look (a code typed as a number and matched anyway).
    pub notes: Vec<Problem>,
    pub dry_run: bool,
    /// Whether the rows were written.
    pub applied: bool,
    /// Status changes to existing support records that people should hear about.
    pub changes: Vec<StatusChange>,
}

/// At most this many problems are listed; the count says how many there were.
const MAX_LISTED: usize = 200;

impl Report {
    fn problem(&mut self, row: usize, column: &str, problem: Msg) {
        self.problems.push(Problem {
            row,
            column: column.to_string(),
            problem,
        });
    }

    fn note(&mut self, row: usize, column: &str, note: Msg) {
        self.notes.push(Problem {
            row,
            column: column.to_string(),
            problem: note,
        });
    }

    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// The report as an office reads it, in `lang` (`vi` or `en`).
    pub fn render(&self, locales: &Locales, lang: &str) -> String {
        let mut out = Vec::new();
        let line = |kind: &'static str, p: &Problem| {
            locales.render(
                lang,
                &Msg::new(kind)
                    .num("row", p.row as i64)
                    .arg("column", p.column.clone())
                    .arg("problem", locales.render(lang, &p.problem)),
            )
        };
        for p in self.problems.iter().take(MAX_LISTED) {
            out.push(line("import-line-error", p));
        }
        for p in self.notes.iter().take(MAX_LISTED) {
            out.push(line("import-line-note", p));
        }
        let counts = |m: Msg| {
            m.num("rows", self.rows as i64)
                .num("created", self.created as i64)
                .num("updated", self.updated as i64)
                .num("unchanged", self.unchanged as i64)
        };
        out.push(locales.render(
            lang,
            &if !self.ok() {
                Msg::new("import-rejected").num("problems", self.problems.len() as i64)
            } else if self.applied {
                counts(Msg::new("import-done"))
            } else {
                counts(Msg::new("import-dry-run"))
            },
        ));
        out.join("\n")
    }
}

fn bar(opts: &Options, len: usize) -> ProgressBar {
    if !opts.progress {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} rows {elapsed_precise}") {
        bar.set_style(style);
    }
    bar
}

/// Imports the file at `path` (`.csv` or `.xlsx`).
pub async fn run(db: &Db, kind: Kind, path: &Path, opts: &Options) -> Result<Report, ImportError> {
    let table = table::read(path)?;
    let mut opts = opts.clone();
    if opts.actor.is_none() {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        opts.actor = Some(format!("import:{name}"));
    }
    run_table(db, kind, &table, &opts).await
}

/// Imports an already read table: validates every row, then writes all of it in one
/// transaction, or nothing when any row has a problem or `dry_run` is set.
pub async fn run_table(
    db: &Db,
    kind: Kind,
    table: &Table,
    opts: &Options,
) -> Result<Report, ImportError> {
    let mut report = Report {
        kind: Some(kind),
        rows: table.rows.len(),
        dry_run: opts.dry_run,
        ..Report::default()
    };
    let bar = bar(opts, table.rows.len());
    match kind {
        Kind::Areas => areas::import(db, table, opts, &mut report, &bar).await?,
        Kind::Households => households::import(db, table, opts, &mut report, &bar).await?,
        Kind::Support => support::import(db, table, opts, &mut report, &bar).await?,
        Kind::Staff => staff::import(db, table, opts, &mut report, &bar).await?,
    }
    bar.finish_and_clear();
    Ok(report)
}

/// Imports a table uploaded by `staff`: a row reaching outside their areas is a problem like
/// any other, so such a file imports nothing and its report lists those rows too.
pub async fn run_table_within(
    db: &Db,
    staff: &crate::features::staff::Staff,
    kind: Kind,
    table: &Table,
    opts: &Options,
) -> Result<Report, ImportError> {
    let outside = scope::outside_areas(db, staff, kind, table, opts).await?;
    if outside.is_empty() {
        return run_table(db, kind, table, opts).await;
    }
    let checked = Options {
        dry_run: true,
        ..opts.clone()
    };
    let mut report = run_table(db, kind, table, &checked).await?;
    report.problems.extend(outside);
    report.problems.sort_by_key(|p| p.row);
    report.dry_run = opts.dry_run;
    Ok(report)
}

/// Finds the columns of `fields`, reporting each missing one on row 1.
fn find_columns(
    table: &Table,
    fields: &[table::Field],
    opts: &Options,
    report: &mut Report,
) -> Option<table::Columns> {
    match table::columns(table, fields, &opts.header_map) {
        Ok(c) => Some(c),
        Err(missing) => {
            for m in missing {
                report.problem(1, m, Msg::new("import-missing-column"));
            }
            None
        }
    }
}

/// Whether the write phase should run.
fn should_write(opts: &Options, report: &Report) -> bool {
    report.ok() && !opts.dry_run
}
