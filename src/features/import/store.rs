//! The SQL of the area, household and staff importers: the stored rows they compare with, and their writes.
//!
//! These tables belong to the areas, households, staff and contacts features; their statements
//! live here until those features have stores of their own. Support records are written through
//! `features::support::store`.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use crate::db::sql::{rows_per_statement, Bind, Sql};
use crate::db::tx::{on_tx, Tx};
use crate::db::Backend;
use crate::db::Db;
use crate::features::areas::Area;
use crate::features::households::{code_key, Poverty};
use crate::features::staff::Role;
use crate::{bind_all, with_db};

pub async fn upsert_area(tx: &mut Tx<'_>, a: &Area, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO areas (code, name, level, parent_code, especially_difficult, region, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
             parent_code = excluded.parent_code,
             especially_difficult = excluded.especially_difficult,
             region = excluded.region, updated_at = excluded.updated_at",
    )
    .bind(&a.code)
    .bind(&a.name)
    .bind(a.level.as_str())
    .bind(&a.parent_code)
    .bind(a.especially_difficult)
    .bind(&a.region)
    .bind(now)
    .execute(conn)
    .await
    .map(drop))
}

/// A household's fields as an import compares and writes them (its code and id aside).
#[derive(Clone, Debug, PartialEq)]
pub struct Household {
    pub head: String,
    pub village: String,
    pub ethnic: Option<String>,
    pub poverty: &'static str,
    pub year: Option<i64>,
    pub members: Option<i64>,
}

/// A stored household: its id, code and fields, and the phones linked to it (sorted, each once).
pub struct StoredHousehold {
    pub id: i64,
    pub code: String,
    pub fields: Household,
    pub phones: Vec<String>,
}

/// A stored household as [`households_by_key`] reads it: id, code, head, village, ethnic group,
/// poverty class, year, members, phones.
type HouseholdJson = (
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<i64>,
    Option<i64>,
    Vec<String>,
);

/// How many values one `IN` list or `VALUES` of an import's statements holds at most: large
/// enough that a statement's round trip is a small part of its cost, small enough that its text
/// and binds stay a few hundred KiB.
const ROWS_PER_STATEMENT: usize = 2_000;

/// How many keys one look-up of stored rows names: more than a write carries, since each
/// look-up may read a whole table once (PostgreSQL prefers that to thousands of index probes)
/// and answers in one value.
const KEYS_PER_LOOKUP: usize = 10_000;

/// The stored households whose code keys are among `keys`, with their linked phones: one
/// statement per [`KEYS_PER_LOOKUP`] keys, whatever the size of the table.
///
/// Each statement answers one row, a JSON array of its households: sqlx hands rows over one at
/// a time (on SQLite through a channel from the connection's thread), which cost far more than
/// the look-ups (2.5 s for the 130,000 household-and-phone rows of a 100,000-household file,
/// against 0.1 s for the look-ups). One plain join, so that a plan made on stale statistics
/// (right after a large import) still reads each table at most once. The aggregate functions
/// are each backend's own.
pub async fn households_by_key(
    db: &Db,
    keys: &[String],
) -> Result<Vec<StoredHousehold>, sqlx::Error> {
    let (head, tail) = match db.backend() {
        Backend::Sqlite => (
            "SELECT json_group_array(json_array(id, code, head_name, village_code, ethnic_group,
                    poverty_class, poverty_year, members, json(phones)))
               FROM (SELECT h.id, h.code, h.head_name, h.village_code, h.ethnic_group,
                            h.poverty_class, h.poverty_year, h.members,
                            json_group_array(c.msisdn) FILTER (WHERE c.msisdn IS NOT NULL) AS phones
                       FROM households h
                       LEFT JOIN household_contacts hc ON hc.household_id = h.id
                       LEFT JOIN contacts c ON c.id = hc.contact_id
                      WHERE h.code_key IN ",
            " GROUP BY h.id)",
        ),
        Backend::Postgres => (
            "SELECT COALESCE(json_agg(json_build_array(id, code, head_name, village_code,
                    ethnic_group, poverty_class, poverty_year, members, phones)), '[]'::json)::text
               FROM (SELECT h.id, h.code, h.head_name, h.village_code, h.ethnic_group,
                            h.poverty_class, h.poverty_year, h.members,
                            COALESCE(json_agg(c.msisdn) FILTER (WHERE c.msisdn IS NOT NULL),
                                     '[]'::json) AS phones
                       FROM households h
                       LEFT JOIN household_contacts hc ON hc.household_id = h.id
                       LEFT JOIN contacts c ON c.id = hc.contact_id
                      WHERE h.code_key IN ",
            " GROUP BY h.id) AS stored",
        ),
    };
    let mut found = Vec::new();
    for chunk in keys.chunks(rows_per_statement(1, KEYS_PER_LOOKUP)) {
        let mut sql = Sql::ordered(db.backend(), head);
        sql.push_list(chunk.iter().map(|k| Bind::Text(k.clone())));
        sql.push(tail);
        let json: String = with_db!(db, pool => bind_all!(
            sqlx::query_scalar(&sql.text).persistent(false), sql
        ).fetch_one(pool).await)?;
        let rows: Vec<HouseholdJson> =
            serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        found.extend(rows.into_iter().map(stored_household));
    }
    Ok(found)
}

fn stored_household(row: HouseholdJson) -> StoredHousehold {
    let (id, code, head, village, ethnic, poverty, year, members, mut phones) = row;
    phones.sort_unstable();
    StoredHousehold {
        id,
        code,
        fields: Household {
            head,
            village,
            ethnic,
            poverty: Poverty::parse(&poverty.replace('_', " "))
                .unwrap_or(Poverty::None)
                .as_str(),
            year,
            members,
        },
        phones,
    }
}

/// Household ids by code key (`code_key`), for rows that name a household.
pub async fn household_ids(db: &Db) -> Result<HashMap<String, i64>, sqlx::Error> {
    let rows: Vec<(String, i64)> = with_db!(db, pool => sqlx::query_as(
        "SELECT code_key, id FROM households"
    )
    .fetch_all(pool)
    .await)?;
    Ok(rows.into_iter().collect())
}

/// Household villages by code key, for the scope checks of an upload.
pub async fn household_villages(db: &Db) -> Result<HashMap<String, String>, sqlx::Error> {
    let rows: Vec<(String, String)> = with_db!(db, pool => sqlx::query_as(
        "SELECT code_key, village_code FROM households"
    )
    .fetch_all(pool)
    .await)?;
    Ok(rows.into_iter().collect())
}

/// Inserts the households of `rows` (code, fields), or updates those stored with their codes,
/// in multi-row statements.
pub async fn save_households(
    tx: &mut Tx<'_>,
    rows: &[(&str, &Household)],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(rows_per_statement(9, ROWS_PER_STATEMENT)) {
        let mut sql = Sql::ordered(
            tx.backend(),
            "INSERT INTO households (code, code_key, head_name, village_code, ethnic_group,
                 poverty_class, poverty_year, members, updated_at) VALUES ",
        );
        sql.push_rows(chunk.iter().map(|(code, h)| {
            [
                Bind::Text(code.to_string()),
                Bind::Text(code_key(code)),
                Bind::Text(h.head.clone()),
                Bind::Text(h.village.clone()),
                Bind::OptText(h.ethnic.clone()),
                Bind::Text(h.poverty.to_string()),
                Bind::OptInt(h.year),
                Bind::OptInt(h.members),
                Bind::Time(now),
            ]
        }));
        sql.push(
            " ON CONFLICT (code) DO UPDATE SET head_name = excluded.head_name,
                 village_code = excluded.village_code, ethnic_group = excluded.ethnic_group,
                 poverty_class = excluded.poverty_class, poverty_year = excluded.poverty_year,
                 members = excluded.members, updated_at = excluded.updated_at",
        );
        run(tx, sql).await?;
    }
    Ok(())
}

/// Removes every phone link of the households `ids`.
pub async fn unlink_households(tx: &mut Tx<'_>, ids: &[i64]) -> Result<(), sqlx::Error> {
    for chunk in ids.chunks(rows_per_statement(1, ROWS_PER_STATEMENT)) {
        let mut sql = Sql::ordered(
            tx.backend(),
            "DELETE FROM household_contacts WHERE household_id IN ",
        );
        sql.push_list(chunk.iter().map(|id| Bind::Int(*id)));
        run(tx, sql).await?;
    }
    Ok(())
}

/// A contact for each of `phones` (E.164) that has none.
pub async fn ensure_contacts(
    tx: &mut Tx<'_>,
    phones: &[&str],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    for chunk in phones.chunks(rows_per_statement(3, ROWS_PER_STATEMENT)) {
        let mut sql = Sql::ordered(
            tx.backend(),
            "INSERT INTO contacts (msisdn, created_at, updated_at) VALUES ",
        );
        sql.push_rows(
            chunk
                .iter()
                .map(|p| [Bind::Text(p.to_string()), Bind::Time(now), Bind::Time(now)]),
        );
        sql.push(" ON CONFLICT (msisdn) DO NOTHING");
        run(tx, sql).await?;
    }
    Ok(())
}

/// Links each household to a phone's contact: (household code, phone) pairs, both stored, the
/// household without links to them yet. Ids are found in the statement, so that no row comes
/// back to be matched here; each by its unique index, so that a plan made on statistics from
/// before the import (PostgreSQL's, while its tables fill) never scans a table per pair. A pair
/// whose household or contact is missing fails the statement (its ids are NOT NULL).
pub async fn link_phones(tx: &mut Tx<'_>, links: &[(&str, &str)]) -> Result<(), sqlx::Error> {
    for chunk in links.chunks(rows_per_statement(2, ROWS_PER_STATEMENT)) {
        let mut sql = Sql::ordered(tx.backend(), "WITH v (code, msisdn) AS (VALUES ");
        sql.push_rows(
            chunk
                .iter()
                .map(|(code, phone)| [Bind::Text(code.to_string()), Bind::Text(phone.to_string())]),
        );
        sql.push(
            ") INSERT INTO household_contacts (household_id, contact_id)
               SELECT (SELECT h.id FROM households h WHERE h.code = v.code),
                      (SELECT c.id FROM contacts c WHERE c.msisdn = v.msisdn)
                 FROM v",
        );
        run(tx, sql).await?;
    }
    Ok(())
}

/// Runs a built statement inside the import's transaction. Not kept prepared: most of these are
/// one of a kind (their number of rows differs), and a statement of thousands of values is a
/// large thing to keep.
async fn run(tx: &mut Tx<'_>, sql: Sql) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => bind_all!(sqlx::query(&sql.text).persistent(false), sql)
        .execute(conn)
        .await
        .map(drop))
}

/// A contact for `phone` unless it has one.
pub async fn ensure_contact(
    tx: &mut Tx<'_>,
    phone: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO contacts (msisdn, created_at, updated_at) VALUES ($1, $2, $2)
         ON CONFLICT (msisdn) DO NOTHING",
    )
    .bind(phone)
    .bind(now)
    .execute(conn)
    .await
    .map(drop))
}

/// A stored staff member: name and role as stored, and the areas they cover.
pub struct StoredStaff {
    pub name: String,
    pub role: String,
    pub areas: BTreeSet<String>,
}

/// Every staff member by phone.
pub async fn staff(db: &Db) -> Result<HashMap<String, StoredStaff>, sqlx::Error> {
    let rows: Vec<(i64, String, String, String)> = with_db!(db, pool => sqlx::query_as(
        "SELECT id, msisdn, name, role FROM staff"
    )
    .fetch_all(pool)
    .await)?;
    let covered: Vec<(i64, String)> = with_db!(db, pool => sqlx::query_as(
        "SELECT staff_id, area_code FROM staff_areas"
    )
    .fetch_all(pool)
    .await)?;
    let mut areas: HashMap<i64, BTreeSet<String>> = HashMap::new();
    for (s, a) in covered {
        areas.entry(s).or_default().insert(a);
    }
    Ok(rows
        .into_iter()
        .map(|(id, phone, name, role)| {
            let areas = areas.remove(&id).unwrap_or_default();
            (phone, StoredStaff { name, role, areas })
        })
        .collect())
}

/// Inserts or updates the staff member with `phone`; returns their id.
pub async fn upsert_staff(
    tx: &mut Tx<'_>,
    phone: &str,
    name: &str,
    role: Role,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query_scalar(
        "INSERT INTO staff (msisdn, name, role, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (msisdn) DO UPDATE SET name = excluded.name, role = excluded.role,
             updated_at = excluded.updated_at
         RETURNING id",
    )
    .bind(phone)
    .bind(name)
    .bind(role.as_str())
    .bind(now)
    .fetch_one(conn)
    .await)
}

/// Makes `areas` the areas staff member `id` covers.
pub async fn set_staff_areas(
    tx: &mut Tx<'_>,
    id: i64,
    areas: &BTreeSet<String>,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM staff_areas WHERE staff_id = $1")
        .bind(id)
        .execute(conn)
        .await
        .map(drop))?;
    for a in areas {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO staff_areas (staff_id, area_code) VALUES ($1, $2)",
        )
        .bind(id)
        .bind(a)
        .execute(conn)
        .await
        .map(drop))?;
    }
    Ok(())
}
