//! The dialog: turns what a person typed into feature calls and a reply in their words.
//!
//! Two grammars over the same feature functions: SMS keywords ([`sms`]) and USSD menus
//! ([`ussd`]). Below the HTTP edge nothing takes the whole application: the dialog, the inbox and
//! the scheduler take [`Services`], the handful of things a reply needs.

pub mod campaigns;
mod confirm;
pub mod keywords;
mod legal_aid;
pub mod maternal;
pub mod notices;
mod reply;
pub mod sms;
pub mod tt;
pub mod ussd;

use std::sync::Arc;

use chrono_tz::Tz;

use crate::db::Db;
use crate::features::notices::Prices;
use crate::i18n::Locales;
use crate::outbox::{Outbox, OutboxError};
use keywords::Keywords;

pub use reply::{reply, Replied, ReplyBudget};

/// What the dialog (and the inbox and scheduler above it) work with: cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub locales: Arc<Locales>,
    pub keywords: Arc<Keywords>,
    pub outbox: Outbox,
    /// Where people live: dates and times in texts.
    pub tz: Tz,
    /// How many replies one number may draw.
    pub replies: ReplyBudget,
    /// The maternal feature's schedule choice and reminder window (`maternal` in the
    /// configuration), with the same price lookup as `prices`.
    pub maternal: crate::features::maternal::Settings,
    /// Whose requests from phones in no household are (`legal_aid` in the configuration).
    pub legal_aid: crate::features::legal_aid::Settings,
    /// What SMS parts cost through the gateways (a notice's preview).
    pub prices: Arc<dyn Prices>,
    /// USSD steps' session rows, written with group commits (see `db::group`).
    pub ussd_sessions: crate::db::group::Group<ussd::Record, ()>,
}

#[derive(Debug, thiserror::Error)]
pub enum DialogError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("outbox: {0}")]
    Outbox(#[from] OutboxError),
    #[error("notice: {0}")]
    Notice(#[from] crate::features::notices::NoticeError),
    #[error(transparent)]
    Group(#[from] crate::db::group::GroupError),
}
