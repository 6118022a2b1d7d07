//! Households of the communes loa serves: code, head, village, poverty class, members, and the phones linked to each.

use serde::Serialize;

use crate::db::tx::Tx;
use crate::db::Db;
use crate::features::contacts;
use crate::phone::Msisdn;
use crate::with_db;

pub mod store;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Poverty {
    Poor,
    NearPoor,
    None,
}

impl Poverty {
    pub fn as_str(self) -> &'static str {
        match self {
            Poverty::Poor => "poor",
            Poverty::NearPoor => "near_poor",
            Poverty::None => "none",
        }
    }

    /// As offices write it: nghèo, cận nghèo, không (or empty), thoát nghèo; or in English.
    pub fn parse(s: &str) -> Option<Poverty> {
        let w = crate::features::import::parse::words(s).replace('-', " ");
        match w.as_str() {
            "ngheo" | "ho ngheo" | "poor" | "n" => Some(Poverty::Poor),
            "can ngheo" | "ho can ngheo" | "near poor" | "cn" => Some(Poverty::NearPoor),
            "" | "khong" | "thoat ngheo" | "none" | "no" | "binh thuong" => Some(Poverty::None),
            _ => None,
        }
    }
}

/// The household code as a villager types it after `TT`: upper case, letters and digits only,
/// so `cg 0001`, `CG-0001` and `cg0001` are one household.
pub fn code_key(code: &str) -> String {
    crate::text::unaccent(code)
        .to_uppercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Household {
    pub id: i64,
    pub code: String,
    pub head_name: String,
    pub village_code: String,
    pub ethnic_group: Option<String>,
    pub poverty_class: String,
    pub poverty_year: Option<i64>,
    pub members: Option<i64>,
}

const SELECT: &str = "SELECT id, code, head_name, village_code, ethnic_group, poverty_class,
    poverty_year, members FROM households";

/// The households `phone` is linked to, by code.
pub async fn of_phone(db: &Db, phone: &Msisdn) -> Result<Vec<Household>, sqlx::Error> {
    let sql = format!(
        "{SELECT} WHERE id IN (SELECT hc.household_id FROM household_contacts hc
            JOIN contacts c ON c.id = hc.contact_id WHERE c.msisdn = $1) ORDER BY code"
    );
    with_db!(db, pool => sqlx::query_as(&sql)
        .bind(phone.as_str())
        .fetch_all(pool)
        .await)
}

/// The household whose code is `code` in any spelling (see [`code_key`]).
pub async fn by_code(db: &Db, code: &str) -> Result<Option<Household>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE code_key = $1");
    with_db!(db, pool => sqlx::query_as(&sql)
        .bind(code_key(code))
        .fetch_optional(pool)
        .await)
}

/// The code of household `id`.
pub async fn code_of(db: &Db, id: i64) -> Result<Option<String>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_scalar("SELECT code FROM households WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await)
}

/// The phones linked to a household (E.164).
pub async fn phones(db: &Db, household_id: i64) -> Result<Vec<String>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_scalar(
        "SELECT c.msisdn FROM household_contacts hc JOIN contacts c ON c.id = hc.contact_id
          WHERE hc.household_id = $1 ORDER BY c.msisdn"
    )
    .bind(household_id)
    .fetch_all(pool)
    .await)
}

/// The phones of the households lying in `villages` (village codes), each once: whose
/// messages an officer of those villages may count.
pub async fn phones_in_villages(db: &Db, villages: &[String]) -> Result<Vec<String>, sqlx::Error> {
    let mut out = Vec::new();
    // A province has some thousands of villages: a few statements, each under the bind limits.
    for chunk in villages.chunks(1000) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT DISTINCT c.msisdn FROM households h
               JOIN household_contacts hc ON hc.household_id = h.id
               JOIN contacts c ON c.id = hc.contact_id
              WHERE h.village_code IN ({})",
            marks.join(", ")
        );
        let mut found: Vec<String> = with_db!(db, pool => {
            let mut q = sqlx::query_scalar(&sql);
            for v in chunk {
                q = q.bind(v);
            }
            q.fetch_all(pool).await
        })?;
        out.append(&mut found);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// A page of the households lying in `villages` (village codes), by code.
pub async fn in_villages(
    db: &Db,
    villages: &[String],
    limit: i64,
    offset: i64,
) -> Result<Vec<Household>, sqlx::Error> {
    search(db, villages, None, limit, offset).await
}

/// A page of the households lying in `villages` whose code contains `code` in any spelling
/// (see [`code_key`]; all of them for None), by code.
pub async fn search(
    db: &Db,
    villages: &[String],
    code: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Household>, sqlx::Error> {
    if villages.is_empty() {
        return Ok(Vec::new());
    }
    // Letters and digits only: nothing in the pattern is a LIKE wildcard.
    let pattern = format!("%{}%", code.map(code_key).unwrap_or_default());
    // Placeholders numbered after limit, offset and pattern; a commune has tens of villages.
    let marks: Vec<String> = (0..villages.len()).map(|i| format!("${}", i + 4)).collect();
    let sql = format!(
        "{SELECT} WHERE code_key LIKE $3 AND village_code IN ({}) ORDER BY code LIMIT $1 OFFSET $2",
        marks.join(", ")
    );
    with_db!(db, pool => {
        let mut q = sqlx::query_as(&sql).bind(limit).bind(offset).bind(&pattern);
        for v in villages {
            q = q.bind(v);
        }
        q.fetch_all(pool).await
    })
}

/// The households each of `contact_ids` is linked to: `(contact id, household code, village
/// code)`, by code. At most a page of ids at a time.
pub async fn of_contacts(
    db: &Db,
    contact_ids: &[i64],
) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    if contact_ids.is_empty() {
        return Ok(Vec::new());
    }
    // Integers only, formatted here: nothing from outside reaches the statement's text.
    let list = contact_ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let sql = format!(
        "SELECT hc.contact_id, h.code, h.village_code FROM household_contacts hc
           JOIN households h ON h.id = hc.household_id
          WHERE hc.contact_id IN ({list}) ORDER BY h.code"
    );
    with_db!(db, pool => sqlx::query_as(&sql).fetch_all(pool).await)
}

/// Links `phone` to the household; false when it already was.
pub async fn link_phone(db: &Db, household_id: i64, phone: &Msisdn) -> Result<bool, sqlx::Error> {
    let now = crate::db::time::now();
    Ok(crate::with_tx!(db, tx => {
        let mut tx = Tx::from(tx);
        contacts::store::ensure_contact(&mut tx, phone.as_str(), now).await?;
        let contact = contacts::store::id_of(&mut tx, phone.as_str()).await?;
        store::link(&mut tx, household_id, contact).await?
    }))
}

/// Unlinks `phone` from the household (the contact itself stays: it may be linked elsewhere and
/// holds its consent); false when it was not linked.
pub async fn unlink_phone(db: &Db, household_id: i64, phone: &Msisdn) -> Result<bool, sqlx::Error> {
    let done = crate::execute!(db, pool => sqlx::query(
        "DELETE FROM household_contacts WHERE household_id = $1
          AND contact_id IN (SELECT id FROM contacts WHERE msisdn = $2)"
    )
    .bind(household_id)
    .bind(phone.as_str())
    .execute(pool)
    .await)?;
    Ok(done > 0)
}

pub async fn count(db: &Db) -> Result<i64, sqlx::Error> {
    with_db!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM households"
    )
    .fetch_one(pool)
    .await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poverty_as_written() {
        assert_eq!(Poverty::parse("nghèo"), Some(Poverty::Poor));
        assert_eq!(Poverty::parse("Cận nghèo"), Some(Poverty::NearPoor));
        assert_eq!(Poverty::parse("CẬN  NGHÈO"), Some(Poverty::NearPoor));
        assert_eq!(Poverty::parse("không"), Some(Poverty::None));
        assert_eq!(Poverty::parse("near-poor"), Some(Poverty::NearPoor));
        assert_eq!(Poverty::parse("giàu"), None);
    }

    #[test]
    fn codes_match_in_any_spelling() {
        assert_eq!(code_key("CG-0001"), "CG0001");
        assert_eq!(code_key("cg 0001"), "CG0001");
    }
}
