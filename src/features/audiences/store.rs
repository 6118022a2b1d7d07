//! The audience as SQL: one `WHERE` over `contacts` for counting, previewing, listing and joining.
//!
//! Values are bound, never formatted in; only integers loa made itself (a page size, a prefix
//! length, an id to start after) are written into the statement's text.

use super::Audience;
use crate::db::sql::{Bind, Sql};
use crate::db::Db;
use crate::{bind_all, execute, with_db};

/// How the household part of the condition is written: `Driving` lets the database start from
/// the audience's households (`c.id IN (…)`, best when the whole audience is read at once, as a
/// count is), `PerContact` probes each contact's households by index (`EXISTS`), so that reading
/// the audience a page of contact ids at a time costs that page, not the whole audience again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    Driving,
    PerContact,
}

/// The condition on `contacts c` that selects the audience of `topic` (`notice`, `campaign`):
/// in the areas, of the languages, households of the groups and classes (or staff of the roles),
/// and not opted out of everything or of the topic. Appends its binds to `sql`.
pub fn condition(sql: &mut Sql, a: &Audience, topic: &str) -> String {
    condition_with(sql, a, topic, Plan::Driving)
}

pub fn condition_with(sql: &mut Sql, a: &Audience, topic: &str, plan: Plan) -> String {
    let mut covered = String::new();
    if !a.areas.is_empty() {
        let list = sql.list(&a.areas);
        covered = format!(
            "(WITH RECURSIVE covered(code) AS (
                  SELECT code FROM areas WHERE code IN {list}
                  UNION SELECT x.code FROM areas x JOIN covered y ON x.parent_code = y.code)
              SELECT code FROM covered)"
        );
    }
    let mut who = Vec::new();
    if a.households() {
        let mut w = vec!["1 = 1".to_string()];
        if !covered.is_empty() {
            w.push(format!("h.village_code IN {covered}"));
        }
        if !a.poverty.is_empty() {
            w.push(format!("h.poverty_class IN {}", sql.list(&a.poverty)));
        }
        if !a.ethnic_groups.is_empty() {
            w.push(format!("h.ethnic_group IN {}", sql.list(&a.ethnic_groups)));
        }
        let households = "FROM households h JOIN household_contacts hc ON hc.household_id = h.id";
        who.push(match plan {
            Plan::Driving => format!(
                "c.id IN (SELECT hc.contact_id {households} WHERE {})",
                w.join(" AND ")
            ),
            Plan::PerContact => format!(
                "EXISTS (SELECT 1 {households} WHERE hc.contact_id = c.id AND {})",
                w.join(" AND ")
            ),
        });
    }
    let roles = a.staff_roles();
    if !roles.is_empty() {
        let mut w = vec![format!("s.role IN {}", sql.list(&roles))];
        if !covered.is_empty() {
            w.push(format!("sa.area_code IN {covered}"));
        }
        who.push(format!(
            "c.msisdn IN (SELECT s.msisdn FROM staff s
                           JOIN staff_areas sa ON sa.staff_id = s.id WHERE {})",
            w.join(" AND ")
        ));
    }
    let mut all = vec![format!("({})", who.join(" OR "))];
    if !a.languages.is_empty() {
        all.push(format!(
            "COALESCE(c.language, 'vi') IN {}",
            sql.list(&a.languages)
        ));
    }
    let topic = sql.bind(Bind::Text(topic.to_string()));
    all.push(not_opted_out(&topic));
    all.join(" AND ")
}

/// An opt-out (of all, or of `topic`) with no later opt-in that undoes it leaves the contact out;
/// the same rule as the consent ledger's replay (an opt-in to all undoes a topic's opt-out too).
fn not_opted_out(topic: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM consent_events e
                      WHERE e.contact_id = c.id AND e.action = 'opt_out' AND e.scope IN ('all', {topic})
                        AND NOT EXISTS (SELECT 1 FROM consent_events l
                                         WHERE l.contact_id = c.id AND l.id > e.id AND l.action = 'opt_in'
                                           AND l.scope IN ('all', e.scope)))"
    )
}

/// How many contacts the audience reaches now: one query.
pub async fn count(db: &Db, a: &Audience, topic: &str) -> Result<i64, sqlx::Error> {
    let mut sql = Sql::default();
    let cond = condition(&mut sql, a, topic);
    sql.text = format!("SELECT COUNT(*) FROM contacts c WHERE {cond}");
    with_db!(db, pool => bind_all!(sqlx::query_scalar(&sql.text), sql).fetch_one(pool).await)
}

/// A group of recipients that get the same text at the same price: language, script and the
/// first `prefix_len` characters of the number (every gateway prefix is at most that long).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Slice {
    pub language: String,
    pub script: String,
    pub prefix: String,
    pub count: i64,
}

/// The audience grouped into [`Slice`]s, for a preview's parts and cost.
pub async fn breakdown(
    db: &Db,
    a: &Audience,
    topic: &str,
    prefix_len: usize,
) -> Result<Vec<Slice>, sqlx::Error> {
    let mut sql = Sql::default();
    let cond = condition(&mut sql, a, topic);
    sql.text = format!(
        "SELECT COALESCE(c.language, 'vi') AS language, c.script AS script,
                SUBSTR(c.msisdn, 1, {}) AS prefix, COUNT(*) AS count
           FROM contacts c WHERE {cond} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        prefix_len.max(1)
    );
    with_db!(db, pool => bind_all!(sqlx::query_as(&sql.text), sql).fetch_all(pool).await)
}

/// A recipient: enough to render and address a message.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Member {
    pub id: i64,
    pub msisdn: String,
    pub language: Option<String>,
    pub script: String,
}

/// The next `limit` members with an id above `after`, by id (pages for queuing in batches).
pub async fn members(
    db: &Db,
    a: &Audience,
    topic: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<Member>, sqlx::Error> {
    let mut sql = Sql::default();
    let cond = condition_with(&mut sql, a, topic, Plan::PerContact);
    sql.text = format!(
        "SELECT c.id, c.msisdn, c.language, c.script FROM contacts c
          WHERE c.id > {after} AND {cond} ORDER BY c.id LIMIT {limit}"
    );
    with_db!(db, pool => bind_all!(sqlx::query_as(&sql.text), sql).fetch_all(pool).await)
}

/// Runs `INSERT … SELECT` with `select` (a statement's head, ending in `FROM contacts c WHERE` or
/// in `AND`) over the audience's contacts with ids in `(after, upto]`, e.g. to add everyone not yet
/// in a campaign. A span of ids bounds what one statement reads (each contact probed by index,
/// [`Plan::PerContact`]), so a caller walking the whole audience span by span never holds the
/// SQLite writer for more than one span. Returns the rows inserted.
pub async fn insert_select(
    db: &Db,
    mut sql: Sql,
    a: &Audience,
    topic: &str,
    (after, upto): (i64, i64),
    tail: &str,
) -> Result<u64, sqlx::Error> {
    let cond = condition_with(&mut sql, a, topic, Plan::PerContact);
    sql.text = format!(
        "{} c.id > {after} AND c.id <= {upto} AND {cond} {tail}",
        sql.text
    );
    execute!(db, pool => bind_all!(sqlx::query(&sql.text), sql).execute(pool).await)
}

/// The highest contact id, 0 with none: where a walk over contact-id spans ends.
pub async fn last_contact_id(db: &Db) -> Result<i64, sqlx::Error> {
    with_db!(db, pool => sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM contacts")
        .fetch_one(pool)
        .await)
}
