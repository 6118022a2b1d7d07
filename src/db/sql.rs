//! Statements built at run time (an audience's filters): the text with `$1…` placeholders and its binds, kept in step.

use chrono::{DateTime, Utc};

/// One bound value.
#[derive(Clone, Debug)]
pub enum Bind {
    Text(String),
    Time(DateTime<Utc>),
    Int(i64),
}

/// A statement being built: its text and its binds, `$1…` in order.
#[derive(Clone, Debug, Default)]
pub struct Sql {
    pub text: String,
    pub binds: Vec<Bind>,
}

impl Sql {
    /// Adds a bind and returns its placeholder.
    pub fn bind(&mut self, b: Bind) -> String {
        self.binds.push(b);
        format!("${}", self.binds.len())
    }

    /// `(…, …)` placeholders for a list of text values.
    pub fn list(&mut self, values: &[impl AsRef<str>]) -> String {
        let p: Vec<String> = values
            .iter()
            .map(|v| self.bind(Bind::Text(v.as_ref().to_string())))
            .collect();
        format!("({})", p.join(", "))
    }
}
