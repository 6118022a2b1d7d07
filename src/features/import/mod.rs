//! Importing the spreadsheets commune offices keep (areas, households, support records, staff): validate every row, then all or nothing.
//!
//! `driver` runs every import the same way; each kind of file (`areas`, `households`,
//! `support`, `staff`) is a `driver::Importer`: its field table and its rules. Their SQL is in
//! the stores of the features that own the tables (`areas::store`, `households::store`,
//! `staff::store`, `contacts::store`, `support::store`), in multi-row statements; `table` and `parse` read files
//! and cells, `scope` keeps an upload within its uploader's areas, `report` says what happened.

mod areas;
pub mod decode;
mod driver;
mod households;
pub mod limits;
pub mod parse;
mod places;
mod pregnancies;
mod report;
pub mod scope;
mod staff;
mod store;
mod support;
pub mod table;
#[cfg(test)]
mod tests;
pub mod uploads;

use std::path::Path;

use serde::Serialize;

use crate::db::Db;
use crate::i18n::Msg;

pub use report::{Problem, Report};
pub use table::Table;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Areas,
    Households,
    Support,
    Staff,
    Pregnancies,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "areas" => Some(Kind::Areas),
            "households" => Some(Kind::Households),
            "support" => Some(Kind::Support),
            "staff" => Some(Kind::Staff),
            "pregnancies" => Some(Kind::Pregnancies),
            _ => None,
        }
    }

    /// The columns a file of this kind is read by.
    pub fn fields(self) -> &'static [table::Field] {
        match self {
            Kind::Areas => areas::FIELDS,
            Kind::Households => households::FIELDS,
            Kind::Support => support::FIELDS,
            Kind::Staff => staff::FIELDS,
            Kind::Pregnancies => pregnancies::FIELDS,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Areas => "areas",
            Kind::Households => "households",
            Kind::Support => "support",
            Kind::Staff => "staff",
            Kind::Pregnancies => "pregnancies",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read the file: {0}")]
    Read(String),
    #[error("unknown file type `{0}`: give a .csv, .xlsx or .ods file")]
    Format(String),
    #[error("the file has more than {0} rows")]
    TooLarge(usize),
    #[error("the file's text is not UTF-8, UTF-16 or Windows-1258 ({0:?})")]
    Encoding(decode::Refusal),
    /// Past one of the bounds in [`limits`]: the text says which, and where.
    #[error("the file is past a limit: {0}")]
    OverLimit(limits::OverLimit),
    #[error("database")]
    Db(#[from] sqlx::Error),
}

impl From<limits::OverLimit> for ImportError {
    fn from(e: limits::OverLimit) -> Self {
        ImportError::OverLimit(e)
    }
}

impl ImportError {
    /// What the office reads, in its language: every error but the database's, which is ours.
    pub fn msg(&self) -> Option<Msg> {
        Some(match self {
            ImportError::Read(detail) => {
                Msg::new("import-error-read").arg("detail", detail.clone())
            }
            ImportError::Format(ext) => Msg::new("import-error-format").arg("ext", ext.clone()),
            ImportError::TooLarge(n) => Msg::new("import-error-too-large").num("rows", *n as i64),
            ImportError::OverLimit(limit) => {
                Msg::new("import-error-over-limit").arg("detail", limit.to_string())
            }
            ImportError::Encoding(decode::Refusal::Tcvn3) => Msg::new("import-error-tcvn3"),
            ImportError::Encoding(decode::Refusal::Vni) => Msg::new("import-error-vni"),
            ImportError::Encoding(decode::Refusal::Unknown) => Msg::new("import-error-encoding"),
            ImportError::Db(_) => return None,
        })
    }
}

#[derive(Clone, Debug)]
pub struct Options {
    /// Validate and report; write nothing.
    pub dry_run: bool,
    /// More header spellings: (header as in the file, field name), from `--map`.
    pub header_map: Vec<(String, String)>,
    /// Show a progress bar on stderr while writing.
    pub progress: bool,
    /// Who made the changes, for the support history (`import:<file name>` by default).
    pub actor: Option<String>,
    /// The deployment's antenatal schedule (`maternal.schedule`), for imported pregnancies.
    pub schedule: crate::config::AncSchedule,
    /// The deployment's `timezone`: which calendar day "today" is when dates are checked.
    pub timezone: chrono_tz::Tz,
    /// The import's clock: None for the real one; a test sets it.
    pub now: Option<chrono::DateTime<chrono::Utc>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            dry_run: false,
            header_map: Vec::new(),
            progress: false,
            actor: None,
            schedule: crate::config::AncSchedule::Moh,
            timezone: chrono_tz::Asia::Ho_Chi_Minh,
            now: None,
        }
    }
}

impl Options {
    /// Now, on the import's clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.now.unwrap_or_else(crate::db::time::now)
    }

    /// The local calendar day of [`now`](Options::now) in the deployment's timezone.
    pub fn today(&self) -> chrono::NaiveDate {
        self.now().with_timezone(&self.timezone).date_naive()
    }
}

/// Imports the file at `path` (`.csv` or `.xlsx`).
pub async fn run(db: &Db, kind: Kind, path: &Path, opts: &Options) -> Result<Report, ImportError> {
    let started = std::time::Instant::now();
    let table = table::read(path)?;
    tracing::debug!(
        rows = table.rows.len(),
        read_ms = started.elapsed().as_millis() as u64,
        "import file read"
    );
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
    match kind {
        Kind::Areas => driver::run::<areas::Areas>(db, table, opts, &mut report).await?,
        Kind::Households => {
            driver::run::<households::Households>(db, table, opts, &mut report).await?
        }
        Kind::Support => driver::run::<support::Support>(db, table, opts, &mut report).await?,
        Kind::Staff => driver::run::<staff::Staff>(db, table, opts, &mut report).await?,
        Kind::Pregnancies => {
            driver::run::<pregnancies::Pregnancies>(db, table, opts, &mut report).await?
        }
    }
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
