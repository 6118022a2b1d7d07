//! The dialog: turns what a person typed into feature calls and a reply in their words.
//!
//! Two grammars over the same feature functions: SMS keywords ([`sms`]) and USSD menus
//! ([`ussd`]). Below the HTTP edge nothing takes the whole application: the dialog, the inbox and
//! the scheduler take [`Services`], the handful of things a reply needs.

mod confirm;
pub mod keywords;
mod legal_aid;
mod reply;
pub mod sms;
pub mod tt;
pub mod ussd;

use std::sync::Arc;

use chrono_tz::Tz;

use crate::db::Db;
use crate::i18n::Locales;
use crate::outbox::{Outbox, OutboxError};
use keywords::Keywords;

pub use reply::reply;

/// What the dialog (and the inbox and scheduler above it) work with: cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub locales: Arc<Locales>,
    pub keywords: Arc<Keywords>,
    pub outbox: Outbox,
    /// Where people live: dates and times in texts.
    pub tz: Tz,
}

#[derive(Debug, thiserror::Error)]
pub enum DialogError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("outbox: {0}")]
    Outbox(#[from] OutboxError),
}
