//! A lock held until the end of the current write transaction, for a read-then-write that must
//! be exact across instances (the inbox's repeat check, the reply budget).
//!
//! SQLite needs none: `with_tx!` opens its transactions with `BEGIN IMMEDIATE`, so one writer at
//! a time holds the whole database. On PostgreSQL a transaction-level advisory lock on the key's
//! hash makes the writers of one key (one sender, one recipient) take turns; others go on.

use super::tx::Tx;

/// Takes the lock for `key` in the open transaction `tx`; it is released at commit or rollback.
pub async fn xact_lock(tx: &mut Tx<'_>, key: &str) -> Result<(), sqlx::Error> {
    match tx {
        Tx::Sqlite(_) => Ok(()),
        Tx::Postgres(conn) => {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind(key)
                .execute(&mut **conn)
                .await?;
            Ok(())
        }
    }
}
