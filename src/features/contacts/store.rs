//! The one statement that creates contacts: for a phone a household, a worker or an import names.

use chrono::{DateTime, Utc};

use crate::db::sql::{rows_per_statement, Bind, Sql, ROWS_PER_STATEMENT};
use crate::db::tx::{on_tx, Tx};

/// A contact for each of `phones` (E.164) that has none, in multi-row statements.
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
        tx.run(&sql).await?;
    }
    Ok(())
}

/// A contact for `phone` unless it has one.
pub async fn ensure_contact(
    tx: &mut Tx<'_>,
    phone: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    ensure_contacts(tx, &[phone], now).await
}

/// The id of the contact of `phone`, inside the transaction that made sure of it.
pub async fn id_of(tx: &mut Tx<'_>, phone: &str) -> Result<i64, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query_scalar("SELECT id FROM contacts WHERE msisdn = $1")
        .bind(phone)
        .fetch_one(conn)
        .await)
}
