//! Quiz answers: `A`, `B` or `C` scored against the contact's latest question, once, until the quiz closes; results by commune without phone numbers.

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use crate::db::Db;
use crate::{execute, with_db};

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

type Latest = (i64, i64, Option<DateTime<Utc>>, Option<String>);

/// Scores `letter` from contact `contact` at `now`.
pub async fn answer(
    db: &Db,
    contact: i64,
    letter: &str,
    now: DateTime<Utc>,
) -> Result<Scored, sqlx::Error> {
    let latest: Option<Latest> = with_db!(db, pool => sqlx::query_as(
        "SELECT p.campaign_id, p.step_no, c.closes_at, s.answer
           FROM campaign_progress p
           JOIN campaigns c ON c.id = p.campaign_id AND c.kind = 'quiz'
           JOIN campaign_steps s ON s.campaign_id = p.campaign_id AND s.step_no = p.step_no
          WHERE p.contact_id = $1 AND p.step_no >= 1 AND (c.closes_at IS NULL OR c.closes_at > $2)
          ORDER BY p.at DESC, p.step_no DESC LIMIT 1"
    )
    .bind(contact)
    .bind(now - TimeDelta::days(GRACE_DAYS))
    .fetch_optional(pool)
    .await)?;
    let Some((campaign, step, closes_at, right)) = latest else {
        return Ok(Scored::NoQuestion);
    };
    if closes_at.is_some_and(|t| t <= now) {
        return Ok(Scored::Closed);
    }
    let right = right.unwrap_or_default();
    let correct = letter == right;
    // The key (campaign, step, contact) keeps the first answer: a repeat inserts nothing.
    let n = execute!(db, pool => sqlx::query(
        "INSERT INTO quiz_answers (campaign_id, step_no, contact_id, answer, correct, answered_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING"
    )
    .bind(campaign)
    .bind(step)
    .bind(contact)
    .bind(letter)
    .bind(correct)
    .bind(now)
    .execute(pool)
    .await)?;
    Ok(match (n, correct) {
        (0, _) => Scored::Repeat,
        (_, true) => Scored::Right,
        (_, false) => Scored::Wrong { answer: right },
    })
}

/// Answers to one question in one commune: no phone numbers, no names.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = QuizResultRow)]
pub struct ResultRow {
    /// Empty for contacts in no household (staff).
    pub commune_code: String,
    pub commune_name: String,
    pub question: i64,
    pub answers: i64,
    pub correct: i64,
}

/// Quiz `id`'s answers by commune (the commune of the contact's household's village) and question.
pub async fn results(db: &Db, id: i64) -> Result<Vec<ResultRow>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_as(
        "SELECT COALESCE(co.code, '') AS commune_code, COALESCE(co.name, '') AS commune_name,
                a.step_no AS question, COUNT(*) AS answers,
                SUM(CASE WHEN a.correct THEN 1 ELSE 0 END) AS correct
           FROM quiz_answers a
           LEFT JOIN (SELECT hc.contact_id, MIN(h.village_code) AS village
                        FROM household_contacts hc JOIN households h ON h.id = hc.household_id
                       GROUP BY hc.contact_id) cv ON cv.contact_id = a.contact_id
           LEFT JOIN areas v ON v.code = cv.village
           LEFT JOIN areas co ON co.code = v.parent_code
          WHERE a.campaign_id = $1
          GROUP BY co.code, co.name, a.step_no ORDER BY 1, 3"
    )
    .bind(id)
    .fetch_all(pool)
    .await)
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
