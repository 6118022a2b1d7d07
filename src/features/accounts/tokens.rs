//! API tokens for machine clients: one account's, shown once when made, kept only as a hash, revocable.

use super::{new_secret, secret_hash, store, Account};
use crate::db::Db;

/// Every token starts so, which tells it apart from the old shared token and from a session.
pub const PREFIX: &str = "loa_";
/// Longest token name kept.
pub const MAX_NAME: usize = 80;

/// Makes a token for `account_id`: its id and the token (the only time it is seen).
pub async fn create(db: &Db, account_id: i64, name: &str) -> Result<(i64, String), sqlx::Error> {
    let token = new_secret(PREFIX);
    let name: String = name.trim().chars().take(MAX_NAME).collect();
    let id = store::insert_token(db, account_id, &name, &secret_hash(&token)).await?;
    Ok((id, token))
}

/// The enabled account an unrevoked `token` belongs to.
pub async fn account(db: &Db, token: &str) -> Result<Option<Account>, sqlx::Error> {
    if !token.starts_with(PREFIX) {
        return Ok(None);
    }
    store::token_account(db, &secret_hash(token)).await
}
