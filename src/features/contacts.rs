//! Contacts: one row per phone number loa talks to, with its language and script preference.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::sql::{Bind, Sql};
use crate::db::tx::{on_tx, Tx};
use crate::db::{time, Db};
use crate::i18n::{Locales, Msg};
use crate::phone::Msisdn;
use crate::{bind_all, execute, with_db, with_tx};

pub mod store;

/// How a contact wants Vietnamese written: with diacritics (UCS-2, about three times the parts)
/// or unaccented ("không dấu", GSM-7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Script {
    Full,
    Unaccented,
}

impl Script {
    pub fn as_str(self) -> &'static str {
        match self {
            Script::Full => "full",
            Script::Unaccented => "unaccented",
        }
    }

    pub fn from_db(s: &str) -> Script {
        if s == "unaccented" {
            Script::Unaccented
        } else {
            Script::Full
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Contact {
    pub id: i64,
    pub msisdn: String,
    pub language: Option<String>,
    pub script: Script,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    msisdn: String,
    language: Option<String>,
    script: String,
    created_at: DateTime<Utc>,
}

impl From<Row> for Contact {
    fn from(r: Row) -> Contact {
        Contact {
            id: r.id,
            msisdn: r.msisdn,
            language: r.language,
            script: Script::from_db(&r.script),
            created_at: r.created_at,
        }
    }
}

impl Contact {
    /// The language to render in; the fallback chain then ends in Vietnamese.
    pub fn lang(&self) -> &str {
        self.language.as_deref().unwrap_or(crate::i18n::FALLBACK)
    }

    /// `msg` as this contact reads it: their language chain, then their script.
    pub fn render(&self, locales: &Locales, msg: &Msg) -> String {
        let text = locales.render(self.lang(), msg);
        match self.script {
            Script::Full => text,
            Script::Unaccented => crate::text::to_gsm7_lossy(&text),
        }
    }
}

const SELECT: &str = "SELECT id, msisdn, language, script, created_at FROM contacts";

pub async fn find(db: &Db, msisdn: &Msisdn) -> Result<Option<Contact>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE msisdn = $1");
    let row: Option<Row> = with_db!(db, pool => sqlx::query_as(&sql)
        .bind(msisdn.as_str())
        .fetch_optional(pool)
        .await)?;
    Ok(row.map(Contact::from))
}

/// How many phones loa knows.
pub async fn count(db: &Db) -> Result<i64, sqlx::Error> {
    with_db!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM contacts")
        .fetch_one(pool)
        .await)
}

/// A page of contacts by number: those linked to a household of `villages` (every contact for
/// None), whose number contains `digits` (all for None).
pub async fn page(
    db: &Db,
    villages: Option<&[String]>,
    digits: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Contact>, sqlx::Error> {
    if villages.is_some_and(<[String]>::is_empty) {
        return Ok(Vec::new());
    }
    // Digits only: nothing in the pattern is a LIKE wildcard.
    let digits: String = digits
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let pattern = format!("%{digits}%");
    let place = match villages {
        // Placeholders numbered after limit, offset and pattern; a commune has tens of villages.
        Some(v) => {
            let marks: Vec<String> = (0..v.len()).map(|i| format!("${}", i + 4)).collect();
            format!(
                " AND id IN (SELECT hc.contact_id FROM household_contacts hc
                   JOIN households h ON h.id = hc.household_id WHERE h.village_code IN ({}))",
                marks.join(", ")
            )
        }
        None => String::new(),
    };
    let sql = format!("{SELECT} WHERE msisdn LIKE $3{place} ORDER BY msisdn LIMIT $1 OFFSET $2");
    let rows: Vec<Row> = with_db!(db, pool => {
        let mut q = sqlx::query_as(&sql).bind(limit).bind(offset).bind(&pattern);
        for v in villages.unwrap_or(&[]) {
            q = q.bind(v);
        }
        q.fetch_all(pool).await
    })?;
    Ok(rows.into_iter().map(Contact::from).collect())
}

/// The contact for `msisdn`, created on first contact.
pub async fn find_or_create(db: &Db, msisdn: &Msisdn) -> Result<Contact, sqlx::Error> {
    if let Some(c) = find(db, msisdn).await? {
        return Ok(c);
    }
    let now = time::now();
    with_tx!(db, tx => {
        let mut tx = Tx::from(tx);
        store::ensure_contact(&mut tx, msisdn.as_str(), now).await?
    });
    find(db, msisdn).await?.ok_or(sqlx::Error::RowNotFound)
}

/// The contacts of `phones`, created where missing, inside the caller's transaction, by number:
/// one look-up and (for new numbers) one multi-row insert, whatever their number. Numbers go in
/// sorted, so two instances' batches take the new rows' locks in the same order.
pub async fn find_or_create_many_tx(
    tx: &mut Tx<'_>,
    phones: &[&Msisdn],
) -> Result<HashMap<String, Contact>, sqlx::Error> {
    let mut wanted: Vec<&str> = phones.iter().map(|p| p.as_str()).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut found = select_many_tx(tx, &wanted).await?;
    let missing: Vec<&str> = wanted
        .into_iter()
        .filter(|m| !found.contains_key(*m))
        .collect();
    if missing.is_empty() {
        return Ok(found);
    }
    // The one insert of contacts (the store's); a number another writer created meanwhile
    // is read like the others once the insert has waited for it.
    store::ensure_contacts(tx, &missing, time::now()).await?;
    found.extend(select_many_tx(tx, &missing).await?);
    Ok(found)
}

async fn select_many_tx(
    tx: &mut Tx<'_>,
    msisdns: &[&str],
) -> Result<HashMap<String, Contact>, sqlx::Error> {
    if msisdns.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Sql::ordered(tx.backend(), &format!("{SELECT} WHERE msisdn IN "));
    sql.push_list(msisdns.iter().map(|m| Bind::Text(m.to_string())));
    let rows: Vec<Row> = on_tx!(tx, conn => {
        bind_all!(sqlx::query_as(&sql.text).persistent(false), sql)
            .fetch_all(conn)
            .await
    })?;
    Ok(rows
        .into_iter()
        .map(|r| (r.msisdn.clone(), Contact::from(r)))
        .collect())
}

pub async fn set_language(db: &Db, id: i64, lang: &str) -> Result<(), sqlx::Error> {
    execute!(db, pool => sqlx::query(
        "UPDATE contacts SET language = $2, updated_at = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(lang)
    .bind(time::now())
    .execute(pool)
    .await)?;
    Ok(())
}

/// Flips the script preference once per inbound message: handling the same message again (after a
/// crash) leaves it as the first handling set it.
pub async fn toggle_script(db: &Db, id: i64, inbound_id: i64) -> Result<Script, sqlx::Error> {
    execute!(db, pool => sqlx::query(
        "UPDATE contacts
            SET script = CASE script WHEN 'full' THEN 'unaccented' ELSE 'full' END,
                script_changed_by = $2, updated_at = $3
          WHERE id = $1 AND (script_changed_by IS NULL OR script_changed_by <> $2)"
    )
    .bind(id)
    .bind(inbound_id)
    .bind(time::now())
    .execute(pool)
    .await)?;
    let script: String = with_db!(db, pool => sqlx::query_scalar(
        "SELECT script FROM contacts WHERE id = $1"
    )
    .bind(id)
    .fetch_one(pool)
    .await)?;
    Ok(Script::from_db(&script))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_round_trips_through_its_column_value() {
        for s in [Script::Full, Script::Unaccented] {
            assert_eq!(Script::from_db(s.as_str()), s);
        }
    }
}
