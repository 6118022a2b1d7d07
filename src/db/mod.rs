//! One database handle over SQLite or PostgreSQL, chosen by the URL, with shared query code.

pub mod connect;
pub mod group;
pub mod lock;
pub mod sql;
pub mod time;
pub mod tx;
pub mod unavailable;

pub use connect::{connect, migrate, Backend};
pub use unavailable::unavailable;

use sqlx::{PgPool, SqlitePool};

/// The pool of whichever backend the URL named. Queries are written once with `$1…` placeholders
/// and expanded for both arms by [`with_db!`]; SQL that must differ lives in the module that needs
/// it, in a `match` on this enum, and nowhere else.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same query code against whichever pool `db` holds: `pool` names the pool of either
/// backend inside the expression, which is compiled once per backend.
///
/// `with_db!(db, pool => sqlx::query_scalar("…").fetch_one(pool).await)`
#[macro_export]
macro_rules! with_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` inside one write transaction and commits it; `tx` names the open transaction's
/// connection. On SQLite the transaction starts with `BEGIN IMMEDIATE`, so that a read followed
/// by a write waits for the lock instead of failing.
///
/// `with_tx!(db, tx => { sqlx::query("…").execute(&mut *tx).await?; … })`
#[macro_export]
macro_rules! with_tx {
    ($db:expr, $tx:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let $tx = &mut *tx;
                let out = $body;
                tx.commit().await?;
                out
            }
            $crate::db::Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                let $tx = &mut *tx;
                let out = $body;
                tx.commit().await?;
                out
            }
        }
    };
}

impl Db {
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// A cheap round trip, for `/readyz`.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        crate::execute!(self, pool => sqlx::query("SELECT 1").execute(pool).await).map(|_| ())
    }

    /// Refreshes the planner's statistics of `tables` after a bulk write, on PostgreSQL: its plans
    /// otherwise rest on the tables as they were before until autovacuum comes by (or never,
    /// where it is off), and a join planned for an empty table reads a full one once per row.
    /// SQLite plans without statistics unless it is asked to keep them, and is left alone.
    pub async fn analyze(&self, tables: &[&str]) -> Result<(), sqlx::Error> {
        match self {
            Db::Postgres(pool) if !tables.is_empty() => {
                let sql = format!("ANALYZE {}", tables.join(", "));
                sqlx::query(&sql).execute(pool).await.map(drop)
            }
            _ => Ok(()),
        }
    }

    pub async fn close(&self) {
        with_db!(self, pool => pool.close().await)
    }
}

/// Like [`with_db!`] for statements: the result is the number of rows affected, since the two
/// backends' result types differ.
///
/// `execute!(db, pool => sqlx::query("…").bind(x).execute(pool).await)`
#[macro_export]
macro_rules! execute {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body.map(|r| r.rows_affected()),
            $crate::db::Db::Postgres($pool) => $body.map(|r| r.rows_affected()),
        }
    };
}

/// Binds every value of `$sql` to the query `$q` (expanded once per backend by `with_db!`).
#[macro_export]
macro_rules! bind_all {
    ($q:expr, $sql:expr) => {{
        let mut q = $q;
        for b in &$sql.binds {
            q = match b {
                $crate::db::sql::Bind::Text(s) => q.bind(s.clone()),
                $crate::db::sql::Bind::Time(t) => q.bind(*t),
                $crate::db::sql::Bind::Int(i) => q.bind(*i),
                $crate::db::sql::Bind::OptText(s) => q.bind(s.clone()),
                $crate::db::sql::Bind::OptInt(i) => q.bind(*i),
                $crate::db::sql::Bind::Bool(v) => q.bind(*v),
                $crate::db::sql::Bind::Date(d) => q.bind(*d),
                $crate::db::sql::Bind::OptTime(t) => q.bind(*t),
            };
        }
        q
    }};
}
