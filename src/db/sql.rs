//! Statements built at run time (an audience's filters, an import's multi-row writes): the text with its placeholders and its binds, kept in step.

use chrono::{DateTime, NaiveDate, Utc};

use super::Backend;

/// The most values one statement binds: SQLite (since 3.32) takes 32,766, PostgreSQL 65,535.
/// Multi-row statements are cut into as many rows as fit under the lower of the two.
pub const MAX_BINDS: usize = 32_766;

/// One bound value.
#[derive(Clone, Debug)]
pub enum Bind {
    Text(String),
    Time(DateTime<Utc>),
    Int(i64),
    /// A nullable text column: bound as text either way, which PostgreSQL needs to type a NULL.
    OptText(Option<String>),
    /// A nullable integer column.
    OptInt(Option<i64>),
    Bool(bool),
    Date(NaiveDate),
    /// A nullable time column.
    OptTime(Option<DateTime<Utc>>),
}

/// A statement being built: its text and its binds, in order.
#[derive(Clone, Debug, Default)]
pub struct Sql {
    pub text: String,
    pub binds: Vec<Bind>,
    /// Placeholders are `?` (SQLite, see [`Sql::ordered`]) rather than `$1…`.
    anonymous: bool,
}

impl Sql {
    /// A statement whose placeholders are written in the order of their binds, for `backend`:
    /// anonymous `?` on SQLite, `$N` on PostgreSQL. sqlx finds each numbered `$N` of a SQLite
    /// statement by name, a linear scan per value, so a statement of thousands of values would
    /// spend most of its time naming them. Only [`push`](Sql::push) and the methods that append
    /// to `text` keep text and binds in step; a placeholder from [`bind`](Sql::bind) must go into
    /// `text` before the next bind.
    pub fn ordered(backend: Backend, text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            binds: Vec::new(),
            anonymous: backend == Backend::Sqlite,
        }
    }

    /// Adds a bind and returns its placeholder.
    pub fn bind(&mut self, b: Bind) -> String {
        self.binds.push(b);
        if self.anonymous {
            "?".to_string()
        } else {
            format!("${}", self.binds.len())
        }
    }

    /// Appends text.
    pub fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    /// `(…, …)` placeholders for a list of text values.
    pub fn list(&mut self, values: &[impl AsRef<str>]) -> String {
        let p: Vec<String> = values
            .iter()
            .map(|v| self.bind(Bind::Text(v.as_ref().to_string())))
            .collect();
        format!("({})", p.join(", "))
    }

    /// Appends `(…, …), (…, …)`: one parenthesized group of placeholders per row, for a
    /// multi-row `VALUES`.
    pub fn push_rows<R: IntoIterator<Item = Bind>>(&mut self, rows: impl IntoIterator<Item = R>) {
        for (i, row) in rows.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.text.push('(');
            for (j, value) in row.into_iter().enumerate() {
                if j > 0 {
                    self.text.push_str(", ");
                }
                let p = self.bind(value);
                self.text.push_str(&p);
            }
            self.text.push(')');
        }
    }

    /// Appends `(…, …)`: one placeholder per value, for an `IN` list.
    pub fn push_list(&mut self, values: impl IntoIterator<Item = Bind>) {
        self.push_rows([values]);
    }
}

/// How many rows one `VALUES` or `IN` list of a bulk write (an import's) holds at most: large
/// enough that a statement's round trip is a small part of its cost, small enough that its text
/// and binds stay a few hundred KiB.
pub const ROWS_PER_STATEMENT: usize = 2_000;

/// How many rows of `per_row` values one statement may carry (see [`MAX_BINDS`]), at most `cap`.
pub fn rows_per_statement(per_row: usize, cap: usize) -> usize {
    (MAX_BINDS / per_row.max(1)).clamp(1, cap.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_get_placeholders_in_bind_order_on_each_backend() {
        let rows = || {
            [
                vec![Bind::Int(1), Bind::Text("a".into())],
                vec![Bind::Int(2), Bind::OptText(None)],
            ]
        };
        let mut lite = Sql::ordered(Backend::Sqlite, "INSERT INTO t (n, s) VALUES ");
        lite.push_rows(rows());
        assert_eq!(lite.text, "INSERT INTO t (n, s) VALUES (?, ?), (?, ?)");
        let mut pg = Sql::ordered(Backend::Postgres, "INSERT INTO t (n, s) VALUES ");
        pg.push_rows(rows());
        pg.push(" WHERE x IN ");
        pg.push_list([Bind::Int(3)]);
        assert_eq!(
            pg.text,
            "INSERT INTO t (n, s) VALUES ($1, $2), ($3, $4) WHERE x IN ($5)"
        );
        assert_eq!(pg.binds.len(), 5);
    }

    #[test]
    fn a_statement_stays_under_the_lower_bind_limit() {
        assert_eq!(rows_per_statement(9, 1_000), 1_000);
        assert_eq!(rows_per_statement(9, 100_000), 3_640);
        assert!(rows_per_statement(9, 100_000) * 9 <= 32_766);
        assert_eq!(rows_per_statement(100_000, 10), 1);
    }
}
