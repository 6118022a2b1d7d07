//! Opening a pool from a URL (SQLite in WAL mode, or PostgreSQL) and applying the migrations.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection};

use super::Db;

/// Longest wait for a pooled connection. Shorter than the HTTP edge's 15 s request time-out, so a
/// request that cannot reach the database is answered 503 with `Retry-After` (a gateway retries
/// its webhook) rather than cut off with a 408; a busy pool hands a connection out far sooner.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("database_url must start with sqlite: or postgres:// (got something else)")]
    UnknownScheme,
    #[error("cannot create the folder {path} for the SQLite file")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    /// `target` names the file or the server (host, port, database; never the password); the
    /// cause follows as the error's source, printed once after it.
    #[error("cannot open the database {target}")]
    Open {
        target: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot apply migrations")]
    Migrate(#[source] sqlx::migrate::MigrateError),
}

impl From<sqlx::migrate::MigrateError> for ConnectError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        ConnectError::Migrate(e)
    }
}

/// Where a URL points, for messages: the SQLite file, or PostgreSQL's host, port and database
/// (user and password left out).
pub fn describe(url: &str) -> String {
    match Backend::from_url(url) {
        Some(Backend::Sqlite) => match SqliteConnectOptions::from_str(url) {
            Ok(o) => format!("file {}", o.get_filename().display()),
            Err(_) => "(unreadable SQLite URL)".into(),
        },
        Some(Backend::Postgres) => match PgConnectOptions::from_str(url) {
            Ok(o) => format!(
                "at {}:{} (database {})",
                o.get_host(),
                o.get_port(),
                o.get_database().unwrap_or("(default)")
            ),
            Err(_) => "(unreadable PostgreSQL URL)".into(),
        },
        None => "(unknown scheme)".into(),
    }
}

/// Opens the database named by `url`. SQLite files are created (with their folder) when missing.
pub async fn connect(url: &str) -> Result<Db, ConnectError> {
    let open = |source| ConnectError::Open {
        target: describe(url),
        source,
    };
    match Backend::from_url(url) {
        Some(Backend::Sqlite) => {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(open)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let file = opts.get_filename();
            if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|source| ConnectError::CreateDir {
                    path: dir.display().to_string(),
                    source,
                })?;
            }
            // No ping before each use: a SQLite connection is a file handle on this machine
            // that does not go stale, and each ping is a hand-off to sqlx's worker thread (a
            // connection that failed is still tested and closed when it goes back).
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .test_before_acquire(false)
                .connect_with(opts)
                .await
                .map_err(open)?;
            Ok(Db::Sqlite(pool))
        }
        Some(Backend::Postgres) => {
            let opts = PgConnectOptions::from_str(url).map_err(open)?;
            // One connection first: an unreachable server says why at once ("connection
            // refused"), where the pool would only time out after 15 s.
            let first = opts.connect().await.map_err(open)?;
            first.close().await.map_err(open)?;
            // No ping before each use (a round trip per statement outside a transaction): a
            // connection the server dropped fails its next use once, which answers 503 (the
            // gateway retries), and is tested and closed as it goes back to the pool.
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .test_before_acquire(false)
                .connect_with(opts)
                .await
                .map_err(open)?;
            Ok(Db::Postgres(pool))
        }
        None => Err(ConnectError::UnknownScheme),
    }
}

/// Applies the backend's migrations. On PostgreSQL the migrator holds an advisory lock, so several
/// instances starting at once are safe.
pub async fn migrate(db: &Db) -> Result<(), ConnectError> {
    match db {
        Db::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
        Db::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(dir: &str) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .expect("migrations folder")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn both_backends_have_the_same_migrations() {
        let root = env!("CARGO_MANIFEST_DIR");
        let sqlite = versions(&format!("{root}/migrations/sqlite"));
        let postgres = versions(&format!("{root}/migrations/postgres"));
        assert!(!sqlite.is_empty());
        assert_eq!(
            sqlite, postgres,
            "migrations/sqlite and migrations/postgres differ"
        );
    }

    /// The chain as `loa` prints it (`{:#}`): each cause once.
    fn chain(e: &dyn std::error::Error) -> String {
        let mut out = e.to_string();
        let mut next = e.source();
        while let Some(s) = next {
            out.push_str(&format!(": {s}"));
            next = s.source();
        }
        out
    }

    #[tokio::test]
    async fn an_unreachable_server_is_named_at_once_and_its_cause_said_once() {
        let started = std::time::Instant::now();
        let err = connect("postgres://loa:s3cret@127.0.0.1:1/loa")
            .await
            .expect_err("nothing listens on port 1");
        let text = chain(&err);
        assert!(
            text.contains("127.0.0.1:1") && text.contains("database loa"),
            "{text}"
        );
        assert!(!text.contains("s3cret"), "{text}");
        let cause = std::error::Error::source(&err)
            .map(|s| s.to_string())
            .unwrap_or_default();
        assert_eq!(text.matches(&cause).count(), 1, "{text}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[tokio::test]
    async fn a_folder_that_cannot_be_made_is_named() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("f");
        std::fs::write(&file, "a file, not a folder").expect("write");
        let url = format!("sqlite://{}/sub/loa.db", file.display());
        let text = chain(&connect(&url).await.expect_err("cannot create"));
        assert!(text.contains(&file.display().to_string()), "{text}");
    }

    #[test]
    fn backend_is_chosen_by_url() {
        assert_eq!(
            Backend::from_url("sqlite://data/loa.db"),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::from_url("postgres://localhost/test"),
            Some(Backend::Postgres)
        );
        assert_eq!(Backend::from_url("mysql://x"), None);
    }
}
