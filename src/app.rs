//! The application state every handler, job and the dispatcher share.

use std::num::NonZeroU32;
use std::sync::Arc;

use chrono_tz::Tz;

use crate::config::{Config, ConfigError};
use crate::db::Db;
use crate::dialog::keywords::{KeywordError, Keywords};
use crate::gateway::simulator::Simulator;
use crate::gateway::{GatewayHandle, Gateways};
use crate::i18n::{LoadError, Locales};
use crate::outbox::Outbox;

pub struct App {
    pub db: Db,
    pub config: Config,
    pub tz: Tz,
    pub locales: Locales,
    pub keywords: Keywords,
    pub outbox: Outbox,
    pub gateways: Gateways,
    /// USSD aggregators by gateway id: they send no SMS, so they are not in `gateways`' routing.
    pub ussd_gateways: std::collections::HashMap<String, crate::gateway::webhook::WebhookAuth>,
    /// Names this process in leases and claims.
    pub instance: String,
}

pub type AppState = Arc<App>;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Locales(#[from] LoadError),
    #[error(transparent)]
    Keywords(#[from] KeywordError),
    #[error(transparent)]
    GatewayFile(#[from] crate::gateway::files::GatewayFileError),
}

impl App {
    /// Everything but the database comes from `config`; the database is opened (and migrated) by
    /// the caller, so tests can hand in their own.
    pub fn build(config: Config, db: Db) -> Result<AppState, BuildError> {
        let tz = config.timezone;
        let locales = match &config.locales_dir {
            Some(dir) => Locales::from_dir(dir)?,
            None => Locales::embedded()?,
        };
        let keywords = Keywords::from_locales(&locales)?;
        let outbox = Outbox::new(
            db.clone(),
            config.dispatcher.reply_ttl_hours,
            config.dispatcher.bulk_ttl_hours,
        );
        let mut gateways = Gateways::default();
        if config.simulator.enabled {
            let rate = NonZeroU32::new(config.simulator.rate).unwrap_or(NonZeroU32::MIN);
            gateways.add(GatewayHandle::new(
                Arc::new(Simulator::new(db.clone())),
                rate,
                Vec::new(),
                0,
            ));
        }
        let mut ussd_gateways = std::collections::HashMap::new();
        for (path, file) in crate::gateway::files::read_dir(&config.gateway_dir)? {
            if !file.enabled {
                continue;
            }
            tracing::info!(gateway = %file.id, kind = %file.kind, file = %path.display(), "gateway");
            if file.kind == crate::gateway::files::USSD {
                let auth = crate::gateway::files::webhook_auth(&path, &file)?;
                ussd_gateways.insert(file.id.clone(), auth);
            } else {
                gateways.add(crate::gateway::files::build(&path, &file, &db)?);
            }
        }
        let instance = config.instance();
        Ok(Arc::new(App {
            db,
            config,
            tz,
            locales,
            keywords,
            outbox,
            gateways,
            ussd_gateways,
            instance,
        }))
    }
}
