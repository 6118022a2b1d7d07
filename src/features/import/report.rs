//! What an import tells the office: counts, problems and notes by row and column, in the office's language.

use crate::features::support::StatusChange;
use crate::i18n::{Locales, Msg};

use super::Kind;

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
    /// Advice about the whole file, said once (import the areas before the households).
    pub hints: Vec<Msg>,
    pub dry_run: bool,
    /// Whether the rows were written.
    pub applied: bool,
    /// Status changes to existing support records that people should hear about.
    pub changes: Vec<StatusChange>,
}

/// At most this many problems are listed; the count says how many there were.
const MAX_LISTED: usize = 200;

impl Report {
    pub(super) fn problem(&mut self, row: usize, column: &str, problem: Msg) {
        self.problems.push(Problem {
            row,
            column: column.to_string(),
            problem,
        });
    }

    pub(super) fn note(&mut self, row: usize, column: &str, note: Msg) {
        self.notes.push(Problem {
            row,
            column: column.to_string(),
            problem: note,
        });
    }

    /// Advice said once, however many rows call for it.
    pub(super) fn hint(&mut self, hint: Msg) {
        if !self.hints.contains(&hint) {
            self.hints.push(hint);
        }
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
        for h in &self.hints {
            out.push(locales.render(lang, h));
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
