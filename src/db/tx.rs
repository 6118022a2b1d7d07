//! An open write transaction on either backend, as a value that store functions can take.
//!
//! `with_tx!` hands its body the connection of the transaction it opened, a different type on
//! each backend; a store function called from that body needs one type to accept. [`Tx`] is
//! that type, and [`on_tx!`] runs a query on the arm it holds, as `with_db!` does for a pool, so
//! each statement is still written once. It serves every store that writes inside a caller's
//! transaction (the support history, the importers).

use sqlx::{PgConnection, SqliteConnection};

/// The connection of an open transaction: `Tx::from(tx)` inside `with_tx!(db, tx => …)`.
pub enum Tx<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

impl<'a> From<&'a mut SqliteConnection> for Tx<'a> {
    fn from(c: &'a mut SqliteConnection) -> Self {
        Tx::Sqlite(c)
    }
}

impl<'a> From<&'a mut PgConnection> for Tx<'a> {
    fn from(c: &'a mut PgConnection) -> Self {
        Tx::Postgres(c)
    }
}

/// Runs the same query code on the connection a `&mut Tx` holds: `conn` names it inside the
/// expression, which is compiled once per backend.
///
/// `on_tx!(tx, conn => sqlx::query_scalar("…").bind(x).fetch_one(conn).await)`
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::db::tx::Tx::Sqlite(c) => {
                let $conn = &mut **c;
                $body
            }
            $crate::db::tx::Tx::Postgres(c) => {
                let $conn = &mut **c;
                $body
            }
        }
    };
}
pub(crate) use on_tx;

impl Tx<'_> {
    /// Runs a built statement (see [`Sql`](super::sql::Sql)). Not kept prepared: most built
    /// statements are one of a kind (their number of rows differs), and one of thousands of
    /// values is a large thing to keep.
    pub async fn run(&mut self, sql: &super::sql::Sql) -> Result<(), sqlx::Error> {
        on_tx!(self, conn => crate::bind_all!(sqlx::query(&sql.text).persistent(false), sql)
            .execute(conn)
            .await
            .map(drop))
    }

    /// Runs a built statement and reads every row it answers as a `T` (a tuple of columns).
    pub async fn fetch_all<T>(&mut self, sql: &super::sql::Sql) -> Result<Vec<T>, sqlx::Error>
    where
        T: Send + Unpin,
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>,
        T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        on_tx!(self, conn => crate::bind_all!(sqlx::query_as(&sql.text).persistent(false), sql)
            .fetch_all(conn)
            .await)
    }

    pub fn backend(&self) -> super::Backend {
        match self {
            Tx::Sqlite(_) => super::Backend::Sqlite,
            Tx::Postgres(_) => super::Backend::Postgres,
        }
    }
}
