//! The one way every import runs: find the columns, load what is stored, check every row, then write all of it in one transaction or nothing.
//!
//! An importer says only what is particular to its kind of file, by implementing [`Importer`]:
//! the columns it reads, what it loads from the database to compare with, the rules a row must
//! keep, and how a checked row is written. Everything an office relies on being the same for
//! every file lives here, once: the missing-column problems, the created/updated/unchanged
//! counts, dry-run, the single transaction (a file with one bad row writes nothing) and the
//! progress bar. A new kind of file (pregnancies, legal aid officers, audiences) is a new
//! `Importer` (its field table and its rules, with its SQL in a store), a `Kind` with its arm
//! in `run_table`, and the rows `scope` must hold to a staff member's areas.

use std::collections::HashMap;
use std::time::Instant;

use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressStyle};

use super::places::{Found, Places};
use super::table::{Columns, Field, Table};
use super::{ImportError, Options, Report};
use crate::db::tx::Tx;
use crate::db::Db;
use crate::features::support::StatusChange;
use crate::i18n::Msg;
use crate::with_tx;

/// One kind of spreadsheet. The implementing type is the importer's working state: built by
/// [`load`](Importer::load) from the database before the first row is checked, it holds what rows
/// are compared with (stored rows by key, known places), so checking a file of a million rows
/// asks the database nothing per row.
///
/// The driver calls, in order: `load` and `configure`; `survey` on every row; `check` on every row; and, only
/// when no row has a problem and this is no dry run, `prepare` and then `write_chunk` on the
/// rows `check` kept, [`WRITE_CHUNK`] at a time, all within one transaction.
pub(crate) trait Importer: Sized {
    /// A row that passed its checks, ready to write.
    type Item;

    /// The columns read, in the order the importer's field indexes count them. Their names are
    /// what `--map` maps headers to.
    const FIELDS: &'static [Field];

    /// The tables a large import of this kind fills, whose statistics are refreshed after it
    /// (see [`Db::analyze`]).
    const TABLES: &'static [&'static str] = &[];

    /// Reads what the rows are compared with. `cells` are the file's, so that an importer can
    /// read only the stored rows the file names, whatever the size of the database.
    async fn load(db: &Db, cells: &Cells<'_>) -> Result<Self, sqlx::Error>;

    /// Takes the settings the import was started with (the deployment's schedule, timezone and
    /// clock), right after [`load`](Importer::load). Most importers need none.
    fn configure(&mut self, _opts: &Options) {}

    /// A first look at each row before any row is checked, for a file whose rows refer to each
    /// other (a village naming a commune further down the same file). Most importers need none.
    fn survey(&mut self, _row: &mut Row<'_>) {}

    /// Applies the rules to one row: each problem goes to the report through `row`, and the
    /// verdict says what writing the row would do. A row with problems may still be counted, so
    /// that a report shows what the file would have done once it is corrected.
    fn check(&mut self, row: &mut Row<'_>) -> Checked<Self::Item>;

    /// Runs once before the transaction, with every row to write: order them, or load what only
    /// writing needs, so that a file with problems never pays for it.
    async fn prepare(&mut self, _db: &Db, _items: &mut Vec<Self::Item>) -> Result<(), sqlx::Error> {
        Ok(())
    }

    /// Writes one checked row inside the import's transaction (`w.tx`), through store functions.
    /// An importer implements this or [`write_chunk`](Importer::write_chunk) (each one's default
    /// calls the other).
    async fn write(&mut self, item: &Self::Item, w: &mut Writing<'_>) -> Result<(), sqlx::Error> {
        self.write_chunk(std::slice::from_ref(item), w).await
    }

    /// Writes a chunk of checked rows: row by row unless the importer writes a chunk in
    /// multi-row statements (a statement costs a round trip, and on SQLite a hop to its
    /// connection's thread and back, whatever its size), as every importer but pregnancies does.
    async fn write_chunk(
        &mut self,
        items: &[Self::Item],
        w: &mut Writing<'_>,
    ) -> Result<(), sqlx::Error> {
        for item in items {
            self.write(item, w).await?;
        }
        Ok(())
    }
}

/// How many checked rows one `write_chunk` gets.
pub(crate) const WRITE_CHUNK: usize = 2_000;

/// From how many written rows on an import counts as large (see [`Importer::TABLES`]).
const ANALYZE_AFTER: usize = 1_000;

/// The file's cells by field, for [`Importer::load`].
pub(crate) struct Cells<'a> {
    table: &'a Table,
    cols: &'a Columns,
}

impl<'a> Cells<'a> {
    /// The cell of `field` in every row (empty where the optional column is absent).
    pub fn column(&self, field: usize) -> impl Iterator<Item = &'a str> + '_ {
        self.table
            .rows
            .iter()
            .map(move |(_, cells)| self.cols.get(cells, field))
    }
}

/// What writing a row would do; the driver counts it in the report and keeps the item to write.
pub(crate) enum Checked<T> {
    /// Not counted: the row is too broken to say (its problems are in the report).
    Skip,
    Created(T),
    Updated(T),
    Unchanged,
}

/// What every row of one import is written with.
pub(crate) struct Writing<'a> {
    /// The one transaction of the whole file.
    pub tx: Tx<'a>,
    /// One time for every row of the file.
    pub now: DateTime<Utc>,
    /// Who made the change, for histories.
    pub actor: &'a str,
    /// Status changes people should hear about; they reach the report once the transaction commits.
    pub changes: Vec<StatusChange>,
}

/// One row of the file as a rule sees it: its cells by field index, and the report, so that a
/// problem is filed under the row's number and the column's header as the file spells it.
pub(crate) struct Row<'a> {
    pub number: usize,
    cells: &'a [String],
    cols: &'a Columns,
    report: &'a mut Report,
    /// The first row each key was seen on (see [`Row::repeats`]).
    first_rows: &'a mut HashMap<String, usize>,
    problems_before: usize,
}

/// What the rows of one file share while they are read.
struct Reading {
    cols: Columns,
    first_rows: HashMap<String, usize>,
}

impl Reading {
    fn row<'a>(&'a mut self, row: &'a (usize, Vec<String>), report: &'a mut Report) -> Row<'a> {
        Row {
            number: row.0,
            cells: &row.1,
            cols: &self.cols,
            problems_before: report.problems.len(),
            report,
            first_rows: &mut self.first_rows,
        }
    }
}

impl<'a> Row<'a> {
    /// The cell of `field` (empty when the optional column is absent).
    pub fn get(&self, field: usize) -> &'a str {
        self.cols.get(self.cells, field)
    }

    pub fn problem(&mut self, field: usize, problem: Msg) {
        let column = self.cols.header(field);
        self.report.problem(self.number, column, problem);
    }

    /// Advice about the whole file (said once in the report, whichever row asks).
    pub fn hint(&mut self, hint: Msg) {
        self.report.hint(hint);
    }

    pub fn note(&mut self, field: usize, note: Msg) {
        let column = self.cols.header(field);
        self.report.note(self.number, column, note);
    }

    /// A problem that quotes the cell: `problem` gets the cell as its `value`.
    pub fn invalid(&mut self, field: usize, problem: Msg) {
        let value = self.get(field);
        self.problem(field, problem.arg("value", value));
    }

    /// The cell of `field`, or None and an `import-required` problem when it is empty.
    pub fn required(&mut self, field: usize) -> Option<&'a str> {
        let value = self.get(field);
        if value.is_empty() {
            self.problem(field, Msg::new("import-required"));
            return None;
        }
        Some(value)
    }

    /// The earlier row that had `key` (the code, phone or record number a row stands for),
    /// or None, and then this row has it from now on: a file may name each thing once.
    pub fn repeats(&mut self, key: &str) -> Option<usize> {
        if let Some(first) = self.first_rows.get(key) {
            return Some(*first);
        }
        self.first_rows.insert(key.to_string(), self.number);
        None
    }

    /// Whether this row has added a problem so far.
    pub fn has_problems(&self) -> bool {
        self.report.problems.len() > self.problems_before
    }

    /// The code of the place `raw` (in column `field`) names, noting when it was found only once
    /// its leading zeros were put back. None when no such place is known: the caller says why
    /// that matters.
    pub fn place(&mut self, places: &Places, field: usize, raw: &str) -> Option<String> {
        match places.find(raw)? {
            Found::Exact(code) => Some(code),
            Found::Padded(code) => {
                let note = Msg::new("import-note-padded")
                    .arg("value", raw)
                    .arg("code", code.clone());
                self.note(field, note);
                Some(code)
            }
        }
    }
}

/// Runs importer `I` over `table`: counts, problems and notes go to `report`; rows are written
/// only when there is no problem and this is no dry run.
pub(crate) async fn run<I: Importer>(
    db: &Db,
    table: &Table,
    opts: &Options,
    report: &mut Report,
) -> Result<(), ImportError> {
    let Some(cols) = find_columns(table, I::FIELDS, opts, report) else {
        return Ok(());
    };
    let started = Instant::now();
    let cells = Cells { table, cols: &cols };
    let mut importer = I::load(db, &cells).await?;
    importer.configure(opts);
    let loaded = Instant::now();
    let mut reading = Reading {
        cols,
        first_rows: HashMap::new(),
    };
    for row in &table.rows {
        importer.survey(&mut reading.row(row, report));
    }
    let mut items = Vec::new();
    for row in &table.rows {
        let verdict = importer.check(&mut reading.row(row, report));
        count(verdict, report, &mut items);
    }
    let checked = Instant::now();
    if report.ok() && !opts.dry_run {
        importer.prepare(db, &mut items).await?;
        let actor = opts.actor.as_deref().unwrap_or("import");
        report.changes = write_all(db, &mut importer, &items, actor, opts).await?;
        report.applied = true;
        if items.len() >= ANALYZE_AFTER {
            // The rows are in; slow plans later are no reason to say they are not.
            if let Err(e) = db.analyze(I::TABLES).await {
                tracing::warn!(error = %e, "refreshing statistics after an import failed");
            }
        }
    }
    // Where an import's time goes, for `RUST_LOG=loa=debug` (no cell values).
    tracing::debug!(
        rows = table.rows.len(),
        written = items.len(),
        load_ms = (loaded - started).as_millis() as u64,
        check_ms = (checked - loaded).as_millis() as u64,
        write_ms = checked.elapsed().as_millis() as u64,
        "import timings"
    );
    Ok(())
}

fn count<T>(verdict: Checked<T>, report: &mut Report, items: &mut Vec<T>) {
    match verdict {
        Checked::Skip => {}
        Checked::Unchanged => report.unchanged += 1,
        Checked::Created(item) => {
            report.created += 1;
            items.push(item);
        }
        Checked::Updated(item) => {
            report.updated += 1;
            items.push(item);
        }
    }
}

/// Writes every item in one transaction, a chunk at a time: all of them, or none when any
/// write fails.
async fn write_all<I: Importer>(
    db: &Db,
    importer: &mut I,
    items: &[I::Item],
    actor: &str,
    opts: &Options,
) -> Result<Vec<StatusChange>, ImportError> {
    let bar = bar(opts, items.len());
    let now = opts.now();
    let changes = with_tx!(db, tx => {
        let mut w = Writing {
            tx: Tx::from(tx),
            now,
            actor,
            changes: Vec::new(),
        };
        for chunk in items.chunks(WRITE_CHUNK) {
            importer.write_chunk(chunk, &mut w).await?;
            bar.inc(chunk.len() as u64);
        }
        w.changes
    });
    bar.finish_and_clear();
    Ok(changes)
}

/// Finds the columns of `fields`, reporting each missing one on row 1.
fn find_columns(
    table: &Table,
    fields: &[Field],
    opts: &Options,
    report: &mut Report,
) -> Option<Columns> {
    match super::table::columns(table, fields, &opts.header_map) {
        Ok(c) => Some(c),
        Err(missing) => {
            for m in missing {
                report.problem(1, m, Msg::new("import-missing-column"));
            }
            None
        }
    }
}

/// A progress bar on stderr while writing, when asked for.
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
