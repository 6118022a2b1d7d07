//! A fresh database for each loa instance (a new SQLite file, or a PostgreSQL database created
//! and dropped), read with the backends' own command-line clients.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{Context, Result};

use crate::sys::output;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

pub enum Db {
    Sqlite(PathBuf),
    Postgres { server: String, name: String },
}

static NEXT: AtomicU32 = AtomicU32::new(0);

impl Db {
    /// A new, empty database: a file under `dir`, or a database on `server` (a URL without the
    /// database name, e.g. `postgres://postgres@127.0.0.1:5432`).
    pub fn fresh(backend: Backend, dir: &Path, server: &str) -> Result<Db> {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        match backend {
            Backend::Sqlite => Ok(Db::Sqlite(dir.join(format!("loa-{n}.db")))),
            Backend::Postgres => {
                let name = format!("loa_bench_{}_{n}", std::process::id());
                psql(
                    &format!("{server}/postgres"),
                    &format!("CREATE DATABASE {name}"),
                )
                .with_context(|| format!("creating database {name} on {server}"))?;
                Ok(Db::Postgres {
                    server: server.to_string(),
                    name,
                })
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres { .. } => Backend::Postgres,
        }
    }

    /// The URL loa's `database_url` takes.
    pub fn url(&self) -> String {
        match self {
            Db::Sqlite(path) => format!("sqlite://{}", path.display()),
            Db::Postgres { server, name } => format!("{server}/{name}"),
        }
    }

    /// The first column of the first row of `sql`, as text.
    pub fn scalar(&self, sql: &str) -> Result<String> {
        let out = match self {
            Db::Sqlite(path) => output(
                Command::new("sqlite3")
                    .arg("-cmd")
                    .arg(".timeout 10000")
                    .arg(path)
                    .arg(sql),
            )?,
            Db::Postgres { .. } => psql(&self.url(), sql)?,
        };
        Ok(out.lines().next().unwrap_or("").trim().to_string())
    }

    pub fn count(&self, sql: &str) -> Result<i64> {
        let v = self.scalar(sql)?;
        v.parse()
            .with_context(|| format!("`{sql}` gave `{v}`, not a number"))
    }

    pub fn number(&self, sql: &str) -> Result<f64> {
        let v = self.scalar(sql)?;
        v.parse()
            .with_context(|| format!("`{sql}` gave `{v}`, not a number"))
    }

    /// Seconds between the earliest and the latest of a timestamp column over `rows`
    /// (`FROM … WHERE …`), in the database's own arithmetic.
    pub fn span_seconds(&self, column: &str, rows: &str) -> Result<f64> {
        let sql = match self {
            Db::Sqlite(_) => format!(
                "SELECT (julianday(MAX({column})) - julianday(MIN({column}))) * 86400.0 {rows}"
            ),
            Db::Postgres { .. } => {
                format!("SELECT EXTRACT(EPOCH FROM MAX({column}) - MIN({column})) {rows}")
            }
        };
        self.number(&sql)
    }

    /// The latest value of a timestamp column over `rows` (`FROM … WHERE …`), as seconds since
    /// the Unix epoch.
    pub fn max_epoch(&self, column: &str, rows: &str) -> Result<f64> {
        let sql = match self {
            Db::Sqlite(_) => {
                format!("SELECT (julianday(MAX({column})) - 2440587.5) * 86400.0 {rows}")
            }
            Db::Postgres { .. } => format!("SELECT EXTRACT(EPOCH FROM MAX({column})) {rows}"),
        };
        self.number(&sql)
    }

    /// Removes the database (PostgreSQL: dropped; SQLite: the file and its WAL).
    pub fn drop_db(&self) {
        match self {
            Db::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Db::Postgres { server, name } => {
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                if let Err(e) = psql(&format!("{server}/postgres"), &sql) {
                    eprintln!("bench: could not drop database {name}: {e:#}");
                }
            }
        }
    }
}

pub fn psql(url: &str, sql: &str) -> Result<String> {
    output(Command::new("psql").args([
        "-X",
        "-q",
        "-A",
        "-t",
        "-v",
        "ON_ERROR_STOP=1",
        url,
        "-c",
        sql,
    ]))
}

/// Whether the PostgreSQL server answers (the PostgreSQL rows are skipped, loudly, when not).
pub fn postgres_answers(server: &str) -> Result<()> {
    psql(&format!("{server}/postgres"), "SELECT 1").map(drop)
}
