//! Staff accounts: a username, an argon2id password hash, and either a staff row (whose role and areas the account acts with) or, for admins and monitors without one, a role of its own.
//!
//! Sessions (`sessions`), API tokens (`tokens`) and sign-in throttling (`throttle`) hang off an
//! account; their SQL is in `store`. Hashing runs on tokio's blocking pool: argon2id takes tens of
//! milliseconds of CPU by design, which must not stall the async workers.

pub mod sessions;
pub mod store;
pub mod throttle;
pub mod tokens;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::Db;
use crate::features::staff::{self, Role, Scope, Staff};

/// Shortest password accepted (NIST SP 800-63B asks for at least 8; offices share computers).
pub const MIN_PASSWORD: usize = 10;
/// Longest password accepted, in bytes: hashing cost grows with it.
pub const MAX_PASSWORD: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("password hashing: {0}")]
    Hash(String),
    #[error("a username is 3 to 64 letters, digits, dots, dashes, underscores or @")]
    BadUsername,
    #[error("a password is {MIN_PASSWORD} to {MAX_PASSWORD} bytes long")]
    BadPassword,
    #[error("an account without a staff row must be an admin or a monitor")]
    RoleNeedsStaff,
    #[error("the username is taken")]
    Taken,
    #[error("no such staff member")]
    NoSuchStaff,
    #[error("no such account")]
    NotFound,
}

/// An account as loa reads it.
#[derive(Clone, Debug, Serialize)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub staff_id: Option<i64>,
    /// The role of an account without a staff row (admin or monitor).
    pub own_role: Option<Role>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

impl Account {
    /// `account:<id>`, as the audit log names it.
    pub fn actor(&self) -> String {
        format!("account:{}", self.id)
    }
}

/// What a new account is.
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub password: &'a str,
    /// The staff row it acts as; its role and areas come from there.
    pub staff_id: Option<i64>,
    /// Without a staff row: `Admin` or `Monitor`.
    pub role: Option<Role>,
}

pub fn check_username(name: &str) -> Result<String, AccountError> {
    let name = name.trim().to_lowercase();
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@' | '+');
    if (3..=64).contains(&name.len()) && name.chars().all(ok_char) {
        Ok(name)
    } else {
        Err(AccountError::BadUsername)
    }
}

pub fn check_password(pw: &str) -> Result<(), AccountError> {
    if pw.chars().count() >= MIN_PASSWORD && pw.len() <= MAX_PASSWORD {
        Ok(())
    } else {
        Err(AccountError::BadPassword)
    }
}

/// The argon2id hash (PHC string, with its own salt and parameters) of `password`, computed off
/// the async runtime.
pub async fn hash_password(password: &str) -> Result<String, AccountError> {
    let password = password.to_owned();
    let salt = random_bytes::<16>();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&salt).map_err(|e| AccountError::Hash(e.to_string()))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AccountError::Hash(e.to_string()))
    })
    .await
    .map_err(|e| AccountError::Hash(e.to_string()))?
}

/// A hash no password matches, verified when the username is unknown so that the answer takes as
/// long as for a known one (no telling which usernames exist by timing). Made once, on first use.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let Ok(salt) = SaltString::encode_b64(&random_bytes::<16>()) else {
            return String::new();
        };
        Argon2::default()
            .hash_password(&random_bytes::<16>(), &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// Whether `password` matches `hash` (off the async runtime). `None` checks against a dummy.
pub async fn verify_password(hash: Option<String>, password: &str) -> bool {
    let password = password.to_owned();
    let known = hash.is_some();
    let ok = tokio::task::spawn_blocking(move || {
        let hash = hash.unwrap_or_else(|| dummy_hash().to_owned());
        PasswordHash::new(&hash).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false);
    known && ok
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rand::rng().fill_bytes(&mut b);
    b
}

/// A new secret for a cookie or a token: 32 random bytes in hex, after `prefix`.
pub fn new_secret(prefix: &str) -> String {
    format!("{prefix}{}", hex::encode(random_bytes::<32>()))
}

/// How a secret is kept at rest: SHA-256 in hex. Enough for 256-bit random secrets (nothing to
/// guess), and a lookup by equality.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A password to print once (demo accounts, `loa user add` without one): 16 letters and digits
/// without look-alikes, in groups of four.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let raw = random_bytes::<16>();
    let chars: Vec<char> = raw
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Makes an account; the password is hashed here.
pub async fn add(db: &Db, new: &NewAccount<'_>) -> Result<Account, AccountError> {
    let username = check_username(new.username)?;
    check_password(new.password)?;
    let role = match (new.staff_id, new.role) {
        (Some(id), _) => {
            staff::by_id(db, id)
                .await?
                .ok_or(AccountError::NoSuchStaff)?;
            None
        }
        (None, Some(r @ (Role::Admin | Role::Monitor))) => Some(r),
        (None, _) => return Err(AccountError::RoleNeedsStaff),
    };
    let hash = hash_password(new.password).await?;
    store::insert(db, &username, &hash, new.staff_id, role).await
}

/// Sets a new password; every session of the account ends (its tokens stay).
pub async fn set_password(db: &Db, username: &str, password: &str) -> Result<(), AccountError> {
    check_password(password)?;
    let account = store::by_username(db, username)
        .await?
        .ok_or(AccountError::NotFound)?;
    let hash = hash_password(password).await?;
    store::set_hash(db, account.0.id, &hash).await?;
    store::end_sessions(db, account.0.id).await?;
    Ok(())
}

/// Disables an account: its sessions end and its tokens stop working.
pub async fn disable(db: &Db, username: &str) -> Result<(), AccountError> {
    let (account, _) = store::by_username(db, username)
        .await?
        .ok_or(AccountError::NotFound)?;
    store::disable(db, account.id).await?;
    store::end_sessions(db, account.id).await?;
    Ok(())
}

/// The staff member an account acts as, and the areas it covers. An account without a staff row
/// acts as a staff member of its own role with no row: its `id` is minus the account's id (so it
/// never names a real staff row), and its scope is everywhere (admins, and monitors, whose
/// figures cover the whole programme).
pub async fn acting_as(db: &Db, account: &Account) -> Result<Option<(Staff, Scope)>, sqlx::Error> {
    let staff = match (account.staff_id, account.own_role) {
        (Some(id), _) => match staff::by_id(db, id).await? {
            Some(s) => s,
            None => return Ok(None),
        },
        (None, Some(role)) => {
            let staff = Staff {
                id: -account.id,
                name: account.username.clone(),
                role,
                areas: Vec::new(),
            };
            return Ok(Some((staff, Scope::everywhere())));
        }
        (None, None) => return Ok(None),
    };
    let scope = staff::scope(db, &staff).await?;
    Ok(Some((staff, scope)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_salted_and_verify() {
        let a = hash_password("correct horse battery").await.expect("hash");
        let b = hash_password("correct horse battery").await.expect("hash");
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify_password(Some(a.clone()), "correct horse battery").await);
        assert!(!verify_password(Some(a), "correct horse batterY").await);
        assert!(!verify_password(None, "anything at all").await);
    }

    #[test]
    fn usernames_and_passwords_are_checked() {
        assert_eq!(check_username(" Lan.CG ").expect("ok"), "lan.cg");
        assert!(check_username("ab").is_err());
        assert!(check_username("có dấu").is_err());
        assert!(check_password("short").is_err());
        assert!(check_password("long enough pw").is_ok());
        assert!(check_password(&"x".repeat(MAX_PASSWORD + 1)).is_err());
        let p = generate_password();
        assert_eq!(p.len(), 19);
        assert!(check_password(&p).is_ok());
    }

    #[test]
    fn secrets_differ_and_hash_stably() {
        let a = new_secret("loa_");
        assert!(a.starts_with("loa_") && a.len() == 68);
        assert_ne!(a, new_secret("loa_"));
        assert_eq!(secret_hash(&a), secret_hash(&a));
        assert_eq!(secret_hash(&a).len(), 64);
    }
}
