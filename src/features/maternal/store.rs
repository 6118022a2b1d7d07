//! The pregnancies table: every statement of the maternal feature, written once for both backends.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::db::Db;
use crate::{execute, with_db};

/// A pregnancy as the feature reads it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Pregnancy {
    pub id: i64,
    pub contact_id: i64,
    pub msisdn: String,
    pub village_code: String,
    pub household_id: Option<i64>,
    pub household_code: Option<String>,
    pub edd: NaiveDate,
    pub schedule: String,
    pub status: String,
    pub visits_done: i64,
    pub birth_date: Option<NaiveDate>,
    pub registered_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT p.id, p.contact_id, c.msisdn, p.village_code, p.household_id,
    h.code AS household_code, p.edd, p.schedule, p.status, p.visits_done, p.birth_date,
    p.registered_by, p.created_at, p.updated_at
    FROM pregnancies p JOIN contacts c ON c.id = p.contact_id
    LEFT JOIN households h ON h.id = p.household_id";

/// What registering writes.
pub struct NewPregnancy<'a> {
    pub contact_id: i64,
    pub village_code: &'a str,
    pub household_id: Option<i64>,
    pub edd: NaiveDate,
    pub schedule: &'a str,
    pub registered_by: Option<i64>,
    pub now: DateTime<Utc>,
}

/// Inserts the mother's open pregnancy, or updates it when she has one (one statement, on the
/// partial unique index, so two registrations at once still leave one row). Returns its id and
/// the EDD it had before (None when it is new).
pub async fn upsert(db: &Db, p: &NewPregnancy<'_>) -> Result<(i64, bool), sqlx::Error> {
    let (id, created_at): (i64, DateTime<Utc>) = with_db!(db, pool => sqlx::query_as(
        "INSERT INTO pregnancies (contact_id, village_code, household_id, edd, schedule, status,
                                  registered_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $7)
         ON CONFLICT (contact_id) WHERE status = 'active' DO UPDATE
            SET village_code = excluded.village_code, household_id = excluded.household_id,
                edd = excluded.edd, registered_by = excluded.registered_by,
                updated_at = excluded.updated_at
         RETURNING id, created_at"
    )
    .bind(p.contact_id)
    .bind(p.village_code)
    .bind(p.household_id)
    .bind(p.edd)
    .bind(p.schedule)
    .bind(p.registered_by)
    .bind(p.now)
    .fetch_one(pool)
    .await)?;
    Ok((id, created_at == p.now))
}

/// The mother's open (`active`) pregnancy.
pub async fn active_of(db: &Db, msisdn: &str) -> Result<Option<Pregnancy>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE c.msisdn = $1 AND p.status = 'active'");
    with_db!(db, pool => sqlx::query_as(&sql).bind(msisdn).fetch_optional(pool).await)
}

/// The mother's newest pregnancy still followed (before or after the birth).
pub async fn followed_of(db: &Db, msisdn: &str) -> Result<Option<Pregnancy>, sqlx::Error> {
    let sql = format!(
        "{SELECT} WHERE c.msisdn = $1 AND p.status IN ('active', 'born') ORDER BY p.id DESC LIMIT 1"
    );
    with_db!(db, pool => sqlx::query_as(&sql).bind(msisdn).fetch_optional(pool).await)
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Pregnancy>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE p.id = $1");
    with_db!(db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)
}

/// Marks visits up to `n` done; false when they already were (a repeated `KHAM`).
pub async fn mark_visit(db: &Db, id: i64, n: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let changed = execute!(db, pool => sqlx::query(
        "UPDATE pregnancies SET visits_done = $2, updated_at = $3
          WHERE id = $1 AND status = 'active' AND visits_done < $2"
    )
    .bind(id)
    .bind(n)
    .bind(now)
    .execute(pool)
    .await)?;
    Ok(changed > 0)
}

/// Records the birth; false when the pregnancy was no longer open.
pub async fn mark_born(
    db: &Db,
    id: i64,
    birth: NaiveDate,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let changed = execute!(db, pool => sqlx::query(
        "UPDATE pregnancies SET status = 'born', birth_date = $2, updated_at = $3
          WHERE id = $1 AND status = 'active'"
    )
    .bind(id)
    .bind(birth)
    .bind(now)
    .execute(pool)
    .await)?;
    Ok(changed > 0)
}

/// Records a loss; false when it was already closed.
pub async fn mark_lost(db: &Db, id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let changed = execute!(db, pool => sqlx::query(
        "UPDATE pregnancies SET status = 'lost', updated_at = $2
          WHERE id = $1 AND status IN ('active', 'born')"
    )
    .bind(id)
    .bind(now)
    .execute(pool)
    .await)?;
    Ok(changed > 0)
}

/// A row the daily job may message: the pregnancy's dates and the mother's language and script.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Due {
    pub id: i64,
    pub contact_id: i64,
    pub msisdn: String,
    pub language: Option<String>,
    pub script: String,
    pub edd: NaiveDate,
    pub schedule: String,
    pub visits_done: i64,
    pub birth_date: Option<NaiveDate>,
    pub registered_by: Option<i64>,
}

/// Which date a due look-up is on: open pregnancies by EDD, births by birth date.
#[derive(Clone, Copy, Debug)]
pub enum On {
    Edd,
    Birth,
}

/// One page of the rows due on `date`, after `after_id`, by id: an index range scan
/// (`pregnancies_due` or `pregnancies_born`), so a page costs the same at any size.
pub async fn due_page(
    db: &Db,
    on: On,
    date: NaiveDate,
    after_id: i64,
    limit: i64,
) -> Result<Vec<Due>, sqlx::Error> {
    // Fixed texts chosen by the enum: nothing from outside reaches the statement.
    let filter = match on {
        On::Edd => "p.status = 'active' AND p.edd = $1",
        On::Birth => "p.status = 'born' AND p.birth_date = $1",
    };
    let sql = format!(
        "SELECT p.id, p.contact_id, c.msisdn, c.language, c.script, p.edd, p.schedule,
                p.visits_done, p.birth_date, p.registered_by
           FROM pregnancies p JOIN contacts c ON c.id = p.contact_id
          WHERE {filter} AND p.id > $2 ORDER BY p.id LIMIT $3"
    );
    with_db!(db, pool => sqlx::query_as(&sql)
        .bind(date)
        .bind(after_id)
        .bind(limit)
        .fetch_all(pool)
        .await)
}

/// A page of the pregnancies of `villages` with one of `statuses`, by id (digest, campaign, API).
pub async fn in_villages(
    db: &Db,
    villages: &[String],
    after_id: i64,
    limit: i64,
) -> Result<Vec<Pregnancy>, sqlx::Error> {
    if villages.is_empty() {
        return Ok(Vec::new());
    }
    // Placeholders after the two fixed ones; a worker covers a handful of villages.
    let marks: Vec<String> = (0..villages.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "{SELECT} WHERE p.village_code IN ({}) AND p.status IN ('active', 'born')
            AND p.id > $1 ORDER BY p.id LIMIT $2",
        marks.join(", ")
    );
    with_db!(db, pool => {
        let mut q = sqlx::query_as(&sql).bind(after_id).bind(limit);
        for v in villages {
            q = q.bind(v);
        }
        q.fetch_all(pool).await
    })
}

/// A page of every village's active and born pregnancies, by id (an admin's list).
pub async fn everywhere(db: &Db, after_id: i64, limit: i64) -> Result<Vec<Pregnancy>, sqlx::Error> {
    let sql = format!(
        "{SELECT} WHERE p.status IN ('active', 'born') AND p.id > $1 ORDER BY p.id LIMIT $2"
    );
    with_db!(db, pool => sqlx::query_as(&sql)
        .bind(after_id)
        .bind(limit)
        .fetch_all(pool)
        .await)
}

/// Phone numbers of the staff with these ids (the workers a message about a pregnancy goes to).
pub async fn staff_phone(db: &Db, staff_id: i64) -> Result<Option<String>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_scalar("SELECT msisdn FROM staff WHERE id = $1")
        .bind(staff_id)
        .fetch_optional(pool)
        .await)
}

/// Village health workers and midwives: (id, phone), for the Monday digest.
pub async fn village_workers(db: &Db) -> Result<Vec<(i64, String)>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_as(
        "SELECT id, msisdn FROM staff
          WHERE role IN ('village_health_worker', 'village_midwife') ORDER BY id"
    )
    .fetch_all(pool)
    .await)
}

/// Whether `code` is a village (the level a pregnancy is registered in).
pub async fn is_village(db: &Db, code: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = with_db!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM areas WHERE code = $1 AND level = 'village'"
    )
    .bind(code)
    .fetch_one(pool)
    .await)?;
    Ok(n > 0)
}

/// The village codes in `scope` order: every village below the given area codes.
pub async fn villages_under(db: &Db, codes: &[String]) -> Result<Vec<String>, sqlx::Error> {
    let mut out = Vec::new();
    for code in codes {
        let mut found: Vec<String> = with_db!(db, pool => sqlx::query_scalar(
            "WITH RECURSIVE below(code, level) AS (
                 SELECT code, level FROM areas WHERE code = $1
                 UNION
                 SELECT a.code, a.level FROM areas a JOIN below b ON a.parent_code = b.code
             )
             SELECT code FROM below WHERE level = 'village' ORDER BY code"
        )
        .bind(code)
        .fetch_all(pool)
        .await)?;
        out.append(&mut found);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// A phone's household and its village (the lowest household id when it has several).
pub async fn homes_by_phone(
    db: &Db,
) -> Result<std::collections::HashMap<String, (i64, String)>, sqlx::Error> {
    let rows: Vec<(String, i64, String)> = with_db!(db, pool => sqlx::query_as(
        "SELECT c.msisdn, h.id, h.village_code FROM household_contacts hc
           JOIN contacts c ON c.id = hc.contact_id JOIN households h ON h.id = hc.household_id
          ORDER BY h.id DESC"
    )
    .fetch_all(pool)
    .await)?;
    Ok(rows.into_iter().map(|(p, id, v)| (p, (id, v))).collect())
}

/// Village health workers, midwives and commune health staff by phone.
pub async fn health_staff_by_phone(
    db: &Db,
) -> Result<std::collections::HashMap<String, i64>, sqlx::Error> {
    let rows: Vec<(String, i64)> = with_db!(db, pool => sqlx::query_as(
        "SELECT msisdn, id FROM staff
          WHERE role IN ('village_health_worker', 'village_midwife', 'commune_health', 'admin')"
    )
    .fetch_all(pool)
    .await)?;
    Ok(rows.into_iter().collect())
}

/// Every open pregnancy by the mother's phone: (EDD, village).
pub async fn open_by_phone(
    db: &Db,
) -> Result<std::collections::HashMap<String, (NaiveDate, String)>, sqlx::Error> {
    let rows: Vec<(String, NaiveDate, String)> = with_db!(db, pool => sqlx::query_as(
        "SELECT c.msisdn, p.edd, p.village_code FROM pregnancies p
           JOIN contacts c ON c.id = p.contact_id WHERE p.status = 'active'"
    )
    .fetch_all(pool)
    .await)?;
    Ok(rows.into_iter().map(|(p, e, v)| (p, (e, v))).collect())
}

/// The contact ids of those of `phones` that are stored, by phone.
pub async fn contacts_of(
    db: &Db,
    phones: &[&str],
) -> Result<std::collections::HashMap<String, i64>, sqlx::Error> {
    let mut out = std::collections::HashMap::new();
    for chunk in phones.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT msisdn, id FROM contacts WHERE msisdn IN ({})",
            marks.join(", ")
        );
        let rows: Vec<(String, i64)> = with_db!(db, pool => {
            let mut q = sqlx::query_as(&sql);
            for p in chunk {
                q = q.bind(*p);
            }
            q.fetch_all(pool).await
        })?;
        out.extend(rows);
    }
    Ok(out)
}

/// A pregnancy row of an import.
pub struct Imported<'a> {
    pub phone: &'a str,
    pub village: &'a str,
    pub household: Option<i64>,
    pub edd: NaiveDate,
    pub schedule: &'a str,
    pub worker: Option<i64>,
    /// False when the mother had opted out of reminders: her choice stands, no opt-in is written.
    pub opt_in: bool,
}

/// [`upsert`] inside an import's transaction, with the opt-in the registration stands for
/// (unless the mother had opted out).
pub async fn upsert_in(
    tx: &mut crate::db::tx::Tx<'_>,
    p: &Imported<'_>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    crate::db::tx::on_tx!(tx, conn => {
        let contact: i64 = sqlx::query_scalar("SELECT id FROM contacts WHERE msisdn = $1")
            .bind(p.phone)
            .fetch_one(&mut *conn)
            .await?;
        sqlx::query(
            "INSERT INTO pregnancies (contact_id, village_code, household_id, edd, schedule, status,
                                      registered_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $7)
             ON CONFLICT (contact_id) WHERE status = 'active' DO UPDATE
                SET village_code = excluded.village_code, household_id = excluded.household_id,
                    edd = excluded.edd, registered_by = COALESCE(excluded.registered_by, pregnancies.registered_by),
                    updated_at = excluded.updated_at",
        )
        .bind(contact)
        .bind(p.village)
        .bind(p.household)
        .bind(p.edd)
        .bind(p.schedule)
        .bind(p.worker)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        if !p.opt_in {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO consent_events (contact_id, action, scope, channel, created_at)
             VALUES ($1, 'opt_in', 'reminder', 'api', $2)",
        )
        .bind(contact)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(drop)
    })
}
