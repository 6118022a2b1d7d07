//! Demo data: the sample spreadsheets in `demo/`, loaded through the importers by `loa serve --demo`.

pub mod banner;

use crate::db::Db;
use crate::features::accounts::{self, AccountError, NewAccount};
use crate::features::import::{self, table, ImportError, Kind, Options};
use crate::features::staff::{self, Role};
use crate::i18n::Locales;

pub const PLACES: &str = include_str!("../demo/dia-ban.csv");
pub const HOUSEHOLDS: &str = include_str!("../demo/ho-gia-dinh.csv");
pub const SUPPORT: &str = include_str!("../demo/ho-tro.csv");
pub const STAFF: &str = include_str!("../demo/can-bo.csv");

/// The four samples in import order (places before the households in them, households before
/// their records), with the file name each came from.
pub const FILES: [(Kind, &str, &str); 4] = [
    (Kind::Areas, "dia-ban.csv", PLACES),
    (Kind::Households, "ho-gia-dinh.csv", HOUSEHOLDS),
    (Kind::Support, "ho-tro.csv", SUPPORT),
    (Kind::Staff, "can-bo.csv", STAFF),
];

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo file {file}: {report}")]
    Rejected { file: &'static str, report: String },
    #[error("demo file {file}")]
    Import {
        file: &'static str,
        source: ImportError,
    },
}

#[derive(Debug, Default, serde::Serialize)]
pub struct Loaded {
    pub areas: usize,
    pub households: usize,
    pub support: usize,
    pub staff: usize,
    /// Kept for the start-up log: phones of households and staff are contacts.
    pub contacts: usize,
    /// The database had data already: nothing was loaded.
    pub kept: bool,
}

/// Imports the four samples into an empty database. A database that already has places (the
/// demo loaded before, then changed by staff or the simulator; or real data) is left as it is:
/// the demo never fights what was changed since (`Loaded::kept` says so).
pub async fn load(db: &Db) -> Result<Loaded, DemoError> {
    let mut loaded = Loaded::default();
    let places = crate::features::areas::all(db)
        .await
        .map_err(|e| DemoError::Import {
            file: "areas",
            source: e.into(),
        })?;
    if !places.is_empty() {
        loaded.kept = true;
        loaded.areas = places.len();
        return Ok(loaded);
    }
    for (kind, file, text) in FILES {
        let t = table::read_csv(text.as_bytes())
            .map_err(|source| DemoError::Import { file, source })?;
        let opts = Options {
            actor: Some(format!("demo:{file}")),
            ..Options::default()
        };
        let report = import::run_table(db, kind, &t, &opts)
            .await
            .map_err(|source| DemoError::Import { file, source })?;
        if !report.ok() {
            let locales = Locales::embedded().map_err(|e| DemoError::Rejected {
                file,
                report: e.to_string(),
            })?;
            return Err(DemoError::Rejected {
                file,
                report: report.render(&locales, "en"),
            });
        }
        match kind {
            Kind::Areas => loaded.areas = report.rows,
            Kind::Households => loaded.households = report.rows,
            Kind::Support => loaded.support = report.rows,
            Kind::Staff => loaded.staff = report.rows,
            // The demo ships no pregnancies: its dates would pass; tests register their own.
            Kind::Pregnancies => {}
        }
    }
    loaded.contacts = crate::features::contacts::count(db)
        .await
        .map_err(|e| DemoError::Import {
            file: "contacts",
            source: e.into(),
        })? as usize;
    Ok(loaded)
}

/// A demo account, printed by `loa serve --demo`: its password when this start made it.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: String,
    pub role: Role,
    /// The staff member it acts as (none for `admin`).
    pub staff_name: Option<String>,
    /// Made now, with this password; `None`: the account was there, its password is kept.
    pub password: Option<String>,
}

/// One admin (`admin`) and one account per demo staff row (named after the person, e.g.
/// `hoang.van.quyet`), made when absent. An account that exists keeps its password: it may be
/// one staff set (`loa user passwd`) or a real account of the same name, and a demo must never
/// take it over; its password is printed only the once it is made.
pub async fn accounts(db: &Db) -> Result<Vec<DemoAccount>, AccountError> {
    let mut wanted: Vec<(String, Option<Member>, Role)> = vec![("admin".into(), None, Role::Admin)];
    for id in staff::ids(db).await? {
        if let Some(s) = staff::by_id(db, id).await? {
            wanted.push((demo_username(&s.name), Some((id, s.name)), s.role));
        }
    }
    let mut out = Vec::new();
    for (username, staff, role) in wanted {
        let password = match accounts::store::by_username(db, &username).await? {
            Some(_) => None,
            None => make(db, &username, staff.as_ref().map(|s| s.0), role).await?,
        };
        out.push(DemoAccount {
            username,
            role,
            staff_name: staff.map(|s| s.1),
            password,
        });
    }
    Ok(out)
}

/// A staff row's id and name.
type Member = (i64, String);

/// Makes a demo account with a fresh password; `None` when another process made it first.
async fn make(
    db: &Db,
    username: &str,
    staff_id: Option<i64>,
    role: Role,
) -> Result<Option<String>, AccountError> {
    let password = accounts::generate_password();
    let new = NewAccount {
        username,
        password: &password,
        staff_id,
        role: staff_id.is_none().then_some(role),
    };
    match accounts::add(db, &new).await {
        Ok(_) => Ok(Some(password)),
        Err(AccountError::Taken) => Ok(None),
        Err(err) => Err(err),
    }
}

/// `Hoàng Văn Quyết` → `hoang.van.quyet`.
fn demo_username(name: &str) -> String {
    deunicode::deunicode(name)
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(".")
}
