//! The SQL of `staff` and `staff_areas` that the import writes with.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use super::Role;
use crate::db::sql::{rows_per_statement, Bind, Sql, ROWS_PER_STATEMENT};
use crate::db::tx::Tx;
use crate::db::Db;
use crate::with_db;

/// A stored staff member: name and role as stored, and the areas they cover.
pub struct StoredStaff {
    pub name: String,
    pub role: String,
    pub areas: BTreeSet<String>,
}

/// Every staff member by phone.
pub async fn all_by_phone(db: &Db) -> Result<HashMap<String, StoredStaff>, sqlx::Error> {
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

/// One staff member as the import writes them.
pub struct NewStaff<'a> {
    pub phone: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub areas: &'a BTreeSet<String>,
}

/// Inserts `staff`, or updates those stored with their phones, and makes each one's areas the
/// ones given: multi-row statements, a few per chunk of rows. Each phone once.
pub async fn save(
    tx: &mut Tx<'_>,
    staff: &[NewStaff<'_>],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    for chunk in staff.chunks(rows_per_statement(4, ROWS_PER_STATEMENT)) {
        let ids = upsert(tx, chunk, now).await?;
        let mut stale = Sql::ordered(tx.backend(), "DELETE FROM staff_areas WHERE staff_id IN ");
        stale.push_list(ids.values().map(|id| Bind::Int(*id)));
        tx.run(&stale).await?;
        let covered: Vec<(i64, &str)> = chunk
            .iter()
            .filter_map(|s| ids.get(s.phone).map(|id| (*id, s.areas)))
            .flat_map(|(id, areas)| areas.iter().map(move |a| (id, a.as_str())))
            .collect();
        for part in covered.chunks(rows_per_statement(2, ROWS_PER_STATEMENT)) {
            let mut sql = Sql::ordered(
                tx.backend(),
                "INSERT INTO staff_areas (staff_id, area_code) VALUES ",
            );
            sql.push_rows(
                part.iter()
                    .map(|(id, a)| [Bind::Int(*id), Bind::Text(a.to_string())]),
            );
            tx.run(&sql).await?;
        }
    }
    Ok(())
}

/// The staff rows of `chunk`, written; their ids by phone (`RETURNING` promises no order).
async fn upsert(
    tx: &mut Tx<'_>,
    chunk: &[NewStaff<'_>],
    now: DateTime<Utc>,
) -> Result<HashMap<String, i64>, sqlx::Error> {
    let mut sql = Sql::ordered(
        tx.backend(),
        "INSERT INTO staff (msisdn, name, role, updated_at) VALUES ",
    );
    sql.push_rows(chunk.iter().map(|s| {
        [
            Bind::Text(s.phone.to_string()),
            Bind::Text(s.name.to_string()),
            Bind::Text(s.role.as_str().to_string()),
            Bind::Time(now),
        ]
    }));
    sql.push(
        " ON CONFLICT (msisdn) DO UPDATE SET name = excluded.name, role = excluded.role,
             updated_at = excluded.updated_at
         RETURNING msisdn, id",
    );
    let rows: Vec<(String, i64)> = tx.fetch_all(&sql).await?;
    Ok(rows.into_iter().collect())
}
