//! Telling "the database is out of reach for now" from a real failure, so the HTTP edge can say
//! 503 and "try again" (a gateway then retries its webhook) instead of 500.

use sqlx::postgres::PgDatabaseError;
use sqlx::sqlite::SqliteError;

/// Whether `err` says the database could not be reached or could not take the work right now: a
/// connection refused, reset or never given within the pool's time, a server shutting down or
/// starting up, SQLite's writer still locked when its busy time-out ran out. Repeating the same
/// request later can succeed; nothing about the request itself was wrong.
pub fn unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(e) => {
            if let Some(pg) = e.try_downcast_ref::<PgDatabaseError>() {
                sqlstate_unavailable(pg.code())
            } else if e.try_downcast_ref::<SqliteError>().is_some() {
                e.code()
                    .and_then(|c| c.parse::<i32>().ok())
                    .is_some_and(sqlite_busy)
            } else {
                false
            }
        }
        _ => false,
    }
}

/// PostgreSQL's SQLSTATEs for "not now": class 08 (connection exception), 57P01–57P03 (the
/// server is shutting down, crashed, or still starting) and 53300 (too many connections).
fn sqlstate_unavailable(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300")
}

/// SQLITE_BUSY and its extended codes (the primary code is the low byte): another writer held
/// the lock past the busy time-out.
fn sqlite_busy(extended: i32) -> bool {
    extended & 0xff == 5
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::sqlite::SqliteConnectOptions;
    use sqlx::{ConnectOptions, Connection};
    use std::time::Duration;

    #[test]
    fn connection_failures_are_unavailable_and_query_mistakes_are_not() {
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert!(unavailable(&sqlx::Error::Io(reset)));
        assert!(unavailable(&sqlx::Error::PoolTimedOut));
        assert!(unavailable(&sqlx::Error::PoolClosed));
        assert!(!unavailable(&sqlx::Error::RowNotFound));
        assert!(!unavailable(&sqlx::Error::ColumnNotFound("x".into())));
        assert!(!unavailable(&sqlx::Error::Protocol("unexpected".into())));
    }

    #[test]
    fn postgres_states_for_not_now() {
        for code in [
            "08000", "08006", "08001", "57P01", "57P02", "57P03", "53300",
        ] {
            assert!(sqlstate_unavailable(code), "{code}");
        }
        // Unique violation, syntax error, serialization failure: the request's own business.
        for code in ["23505", "42601", "40001", "57014"] {
            assert!(!sqlstate_unavailable(code), "{code}");
        }
    }

    #[test]
    fn sqlite_busy_codes() {
        for code in [5, 261, 517, 773] {
            assert!(sqlite_busy(code), "{code}");
        }
        for code in [1, 6, 19, 2067] {
            assert!(!sqlite_busy(code), "{code}");
        }
    }

    /// A real SQLITE_BUSY: one connection holds the write lock, another gives up at once.
    #[tokio::test]
    async fn a_locked_sqlite_writer_is_unavailable() {
        let dir = tempfile::tempdir().expect("dir");
        let opts = SqliteConnectOptions::new()
            .filename(dir.path().join("busy.db"))
            .create_if_missing(true)
            .busy_timeout(Duration::ZERO);
        let mut holder = opts.connect().await.expect("connect");
        sqlx::query("CREATE TABLE t (x INTEGER)")
            .execute(&mut holder)
            .await
            .expect("create");
        let mut tx = holder.begin_with("BEGIN IMMEDIATE").await.expect("begin");
        sqlx::query("INSERT INTO t VALUES (1)")
            .execute(&mut *tx)
            .await
            .expect("insert");
        let mut other = opts.connect().await.expect("connect");
        let err = sqlx::query("INSERT INTO t VALUES (2)")
            .execute(&mut other)
            .await
            .expect_err("the writer is locked");
        assert!(unavailable(&err), "{err}");
        tx.rollback().await.expect("rollback");
        let unique = sqlx::query("CREATE TABLE t (x INTEGER)")
            .execute(&mut other)
            .await
            .expect_err("exists");
        assert!(!unavailable(&unique), "{unique}");
    }
}
