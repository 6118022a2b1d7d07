//! The SQL of the area, household and staff importers: the stored rows they compare with, and their writes.
//!
//! These tables belong to the areas, households, staff and contacts features; their statements
//! live here until those features have stores of their own. Support records are written through
//! `features::support::store`.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use crate::db::tx::{on_tx, Tx};
use crate::db::Db;
use crate::features::areas::Area;
use crate::features::households::{code_key, Poverty};
use crate::features::staff::Role;
use crate::with_db;

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

/// A stored household: its id, code and fields, and the phones linked to it.
pub struct StoredHousehold {
    pub id: i64,
    pub code: String,
    pub fields: Household,
    pub phones: BTreeSet<String>,
}

type HouseholdRow = (
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<i64>,
    Option<i64>,
);

/// Every household with its linked phones.
pub async fn households(db: &Db) -> Result<Vec<StoredHousehold>, sqlx::Error> {
    let rows: Vec<HouseholdRow> = with_db!(db, pool => {
        sqlx::query_as(
        "SELECT id, code, head_name, village_code, ethnic_group, poverty_class, poverty_year, members
           FROM households"
    )
    .fetch_all(pool)
    .await
    })?;
    let mut phones = household_phones(db).await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, code, head, village, ethnic, poverty, year, members)| StoredHousehold {
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
                phones: phones.remove(&id).unwrap_or_default(),
            },
        )
        .collect())
}

async fn household_phones(db: &Db) -> Result<HashMap<i64, BTreeSet<String>>, sqlx::Error> {
    let links: Vec<(i64, String)> = with_db!(db, pool => sqlx::query_as(
        "SELECT hc.household_id, c.msisdn
           FROM household_contacts hc JOIN contacts c ON c.id = hc.contact_id"
    )
    .fetch_all(pool)
    .await)?;
    let mut phones: HashMap<i64, BTreeSet<String>> = HashMap::new();
    for (h, m) in links {
        phones.entry(h).or_default().insert(m);
    }
    Ok(phones)
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

/// Inserts the household with `code`, or updates the one stored with it; returns its id.
pub async fn save_household(
    tx: &mut Tx<'_>,
    code: &str,
    h: &Household,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query_scalar(
        "INSERT INTO households (code, code_key, head_name, village_code, ethnic_group,
                 poverty_class, poverty_year, members, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (code) DO UPDATE SET head_name = excluded.head_name,
             village_code = excluded.village_code, ethnic_group = excluded.ethnic_group,
             poverty_class = excluded.poverty_class, poverty_year = excluded.poverty_year,
             members = excluded.members, updated_at = excluded.updated_at
         RETURNING id",
    )
    .bind(code)
    .bind(code_key(code))
    .bind(&h.head)
    .bind(&h.village)
    .bind(&h.ethnic)
    .bind(h.poverty)
    .bind(h.year)
    .bind(h.members)
    .bind(now)
    .fetch_one(conn)
    .await)
}

pub async fn unlink_phones(tx: &mut Tx<'_>, household_id: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM household_contacts WHERE household_id = $1")
        .bind(household_id)
        .execute(conn)
        .await
        .map(drop))
}

pub async fn link_phone(
    tx: &mut Tx<'_>,
    household_id: i64,
    contact_id: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO household_contacts (household_id, contact_id) VALUES ($1, $2)",
    )
    .bind(household_id)
    .bind(contact_id)
    .execute(conn)
    .await
    .map(drop))
}

/// Contact ids by phone (E.164).
pub async fn contact_ids(db: &Db) -> Result<HashMap<String, i64>, sqlx::Error> {
    let rows: Vec<(String, i64)> = with_db!(db, pool => sqlx::query_as("SELECT msisdn, id FROM contacts")
            .fetch_all(pool)
            .await)?;
    Ok(rows.into_iter().collect())
}

/// A new contact for `phone`, which has none; returns its id.
pub async fn insert_contact(
    tx: &mut Tx<'_>,
    phone: &str,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query_scalar(
        "INSERT INTO contacts (msisdn, created_at, updated_at) VALUES ($1, $2, $2) RETURNING id",
    )
    .bind(phone)
    .bind(now)
    .fetch_one(conn)
    .await)
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
