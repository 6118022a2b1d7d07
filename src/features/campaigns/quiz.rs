//! Quiz answers: `A`, `B` or `C` scored against the contact's latest question, once, until the quiz closes; results by commune without phone numbers.

use chrono::{DateTime, TimeDelta, Utc};

use super::store;
use crate::db::Db;

pub use store::ResultRow;

/// A reply `A`/`B`/`C` counts as a quiz answer while the contact's latest question is of a quiz
/// open, or closed less than this long ago (so a late answer is told the quiz closed).
const GRACE_DAYS: i64 = 7;

/// What an answer did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scored {
    Right,
    Wrong {
        answer: String,
    },
    /// This question was answered already; the first answer stands.
    Repeat,
    /// The quiz had closed.
    Closed,
    /// No question to answer: the letter is not a quiz answer.
    NoQuestion,
}

/// Scores `letter` from contact `contact` at `now`.
pub async fn answer(
    db: &Db,
    contact: i64,
    letter: &str,
    now: DateTime<Utc>,
) -> Result<Scored, sqlx::Error> {
    let open = store::open_question(db, contact, now - TimeDelta::days(GRACE_DAYS)).await?;
    let Some((campaign, step, closes_at, right)) = open else {
        return Ok(Scored::NoQuestion);
    };
    if closes_at.is_some_and(|t| t <= now) {
        return Ok(Scored::Closed);
    }
    let right = right.unwrap_or_default();
    let correct = letter == right;
    let first = store::insert_answer(db, (campaign, step, contact), (letter, correct), now).await?;
    Ok(match (first, correct) {
        (false, _) => Scored::Repeat,
        (true, true) => Scored::Right,
        (true, false) => Scored::Wrong { answer: right },
    })
}

/// Quiz `id`'s answers by commune and question.
pub async fn results(db: &Db, id: i64) -> Result<Vec<ResultRow>, sqlx::Error> {
    store::results(db, id).await
}

/// The results as CSV (UTF-8, header first).
pub fn csv(rows: &[ResultRow]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "commune_code",
        "commune_name",
        "question",
        "answers",
        "correct",
    ]);
    for r in rows {
        // Names come from spreadsheets: a cell that looks like a formula is neutralised.
        let _ = w.write_record([
            crate::text::csv_cell(&r.commune_code).into_owned(),
            crate::text::csv_cell(&r.commune_name).into_owned(),
            r.question.to_string(),
            r.answers.to_string(),
            r.correct.to_string(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
