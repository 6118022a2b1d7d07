//! The SQL of `households` and `household_contacts`: the import's look-ups and multi-row writes, and the staff API's links.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{code_key, Poverty};
use crate::db::sql::{rows_per_statement, Bind, Sql, ROWS_PER_STATEMENT};
use crate::db::tx::{on_tx, Tx};
use crate::db::Backend;
use crate::db::Db;
use crate::{bind_all, with_db};

/// A household's fields as an import compares and writes them (its code and id aside).
#[derive(Clone, Debug, PartialEq)]
pub struct Fields {
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
    pub fields: Fields,
    pub phones: Vec<String>,
}

/// A stored household as [`by_keys`] reads it: id, code, head, village, ethnic group,
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
pub async fn by_keys(db: &Db, keys: &[String]) -> Result<Vec<StoredHousehold>, sqlx::Error> {
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
        fields: Fields {
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
pub async fn ids_by_key(db: &Db) -> Result<HashMap<String, i64>, sqlx::Error> {
    let rows: Vec<(String, i64)> = with_db!(db, pool => sqlx::query_as(
        "SELECT code_key, id FROM households"
    )
    .fetch_all(pool)
    .await)?;
    Ok(rows.into_iter().collect())
}

/// Household villages by code key, for the scope checks of an upload.
pub async fn villages_by_key(db: &Db) -> Result<HashMap<String, String>, sqlx::Error> {
    let rows: Vec<(String, String)> = with_db!(db, pool => sqlx::query_as(
        "SELECT code_key, village_code FROM households"
    )
    .fetch_all(pool)
    .await)?;
    Ok(rows.into_iter().collect())
}

/// Inserts the households of `rows` (code, fields), or updates those stored with their codes,
/// in multi-row statements.
pub async fn save(
    tx: &mut Tx<'_>,
    rows: &[(&str, &Fields)],
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
        tx.run(&sql).await?;
    }
    Ok(())
}

/// Removes every phone link of the households `ids`.
pub async fn unlink_all(tx: &mut Tx<'_>, ids: &[i64]) -> Result<(), sqlx::Error> {
    for chunk in ids.chunks(rows_per_statement(1, ROWS_PER_STATEMENT)) {
        let mut sql = Sql::ordered(
            tx.backend(),
            "DELETE FROM household_contacts WHERE household_id IN ",
        );
        sql.push_list(chunk.iter().map(|id| Bind::Int(*id)));
        tx.run(&sql).await?;
    }
    Ok(())
}

/// Links each household to a phone's contact: (household code, phone) pairs, both stored, the
/// household without links to them yet. Ids are found in the statement, so that no row comes
/// back to be matched here; each by its unique index, so that a plan made on statistics from
/// before the import (PostgreSQL's, while its tables fill) never scans a table per pair. A pair
/// whose household or contact is missing fails the statement (its ids are NOT NULL).
pub async fn link_many(tx: &mut Tx<'_>, links: &[(&str, &str)]) -> Result<(), sqlx::Error> {
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
        tx.run(&sql).await?;
    }
    Ok(())
}

/// Links contact `contact_id` to household `household_id`; false when it already was.
pub async fn link(
    tx: &mut Tx<'_>,
    household_id: i64,
    contact_id: i64,
) -> Result<bool, sqlx::Error> {
    let added = on_tx!(tx, conn => sqlx::query(
        "INSERT INTO household_contacts (household_id, contact_id) VALUES ($1, $2)
         ON CONFLICT DO NOTHING",
    )
    .bind(household_id)
    .bind(contact_id)
    .execute(conn)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(added > 0)
}
