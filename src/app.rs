//! Wiring at the top: builds each part from the configuration and hands it what it uses.
//!
//! [`App`] is the HTTP edge's state. Below the edge nothing takes it: the inbox, dialog and
//! scheduler get [`Services`], the dispatcher its own [`Dispatcher`], each gateway its settings.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;

use crate::config::Config;
use crate::db::group::{batch, Group};
use crate::db::Db;
use crate::dialog::keywords::{KeywordError, Keywords};
use crate::dialog::{ReplyBudget, Services};
use crate::features::consent::ConsentGuard;
use crate::features::maternal;
use crate::features::notices::Prices;
use crate::gateway::mode::{self, Mode};
use crate::gateway::simulator::Simulator;
use crate::gateway::webhook::WebhookAuth;
use crate::gateway::{files, Gateway, GatewayHandle, Gateways, ReportSink};
use crate::i18n::{LoadError, Locales};
use crate::inbox::Inbox;
use crate::outbox::dispatcher::{Dispatcher, Settings};
use crate::outbox::Outbox;
use crate::scheduler::Jobs;

pub struct App {
    pub services: Services,
    /// Stores and marks inbound messages with group commits (see `inbox::writer`).
    pub inbox: Inbox,
    pub config: Config,
    pub gateways: Arc<Gateways>,
    /// USSD aggregators by gateway id: they send no SMS, so they are not in `gateways`' routing.
    pub ussd_gateways: HashMap<String, WebhookAuth>,
    /// Names this process in leases and claims.
    pub instance: String,
}

pub type AppState = Arc<App>;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Locales(#[from] LoadError),
    #[error(transparent)]
    Keywords(#[from] KeywordError),
    #[error(transparent)]
    GatewayFile(#[from] files::GatewayFileError),
}

impl App {
    /// Everything but the database comes from `config`; the database is opened (and migrated) by
    /// the caller, so tests can hand in their own.
    pub fn build(config: Config, db: Db) -> Result<AppState, BuildError> {
        let mut services = App::services(&config, db.clone())?;
        let (gateways, ussd_gateways) = gateways(&config, &db, &services.outbox)?;
        // The campaign preview's cost: a price lookup over a copy of the routing (the handles are
        // shared), not the gateways the app owns, which tests still extend after building.
        let prices: Arc<dyn Prices> = Arc::new(gateways.clone());
        services.maternal = maternal::Settings::new(&config.maternal, prices.clone());
        services.prices = prices;
        let instance = config.instance();
        Ok(Arc::new(App {
            inbox: Inbox::new(services.clone()),
            services,
            config,
            gateways: Arc::new(gateways),
            ussd_gateways,
            instance,
        }))
    }

    /// What features, the dialog and the scheduler work with, without any gateway: enough for
    /// `loa import` (which queues SMS for `loa serve` to send) to check before it writes.
    pub fn services(config: &Config, db: Db) -> Result<Services, BuildError> {
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
        let unknown: Arc<dyn Prices> = Arc::new(Gateways::default());
        let ussd_sessions = Group::new(
            outbox.writer(),
            batch(|tx, records| Box::pin(crate::dialog::ussd::record_batch(tx, records))),
        );
        Ok(Services {
            ussd_sessions,
            db,
            locales: Arc::new(locales),
            keywords: Arc::new(keywords),
            outbox,
            tz: config.timezone,
            replies: ReplyBudget {
                replies: i64::from(config.replies.budget),
                window_minutes: i64::from(config.replies.window_minutes),
            },
            // `loa import` sends no campaign or notice: no gateway, no price.
            maternal: maternal::Settings::new(&config.maternal, unknown.clone()),
            legal_aid: crate::features::legal_aid::Settings::new(&config.legal_aid),
            prices: unknown,
        })
    }

    /// The dispatcher of this instance, over its gateways.
    pub fn dispatcher(&self) -> Dispatcher {
        let cfg = &self.config.dispatcher;
        Dispatcher {
            db: self.services.db.clone(),
            gateways: self.gateways.clone(),
            wake: self.services.outbox.wake_signal(),
            settings: Settings {
                batch_size: cfg.batch_size,
                lease: TimeDelta::seconds(cfg.lease_seconds as i64),
                hold: TimeDelta::seconds(cfg.hold_seconds as i64),
                poll: Duration::from_millis(cfg.poll_millis),
                concurrency: cfg.concurrency,
                max_backoff: TimeDelta::seconds(cfg.max_backoff_seconds as i64),
                quiet: self.config.quiet_window(),
                tz: self.services.tz,
            },
            holder: self.instance.clone(),
            guard: Arc::new(ConsentGuard(self.services.db.clone())),
        }
    }

    /// What the scheduler's jobs work with.
    pub fn jobs(&self) -> Jobs {
        Jobs {
            services: self.services.clone(),
            retention_days: self.config.retention_days,
            instance: self.instance.clone(),
            holidays: self.config.legal_aid.holidays.clone(),
        }
    }
}

type GatewaySet = (Gateways, HashMap<String, WebhookAuth>);

impl App {
    /// Simulator mode or real gateways (never both), from the configuration.
    pub fn mode(&self) -> Mode {
        mode_of(&self.config)
    }

    /// One line for the start-up log: which gateways are live, or that this is simulator mode.
    pub fn gateway_line(&self) -> String {
        let sms: Vec<String> = self
            .gateways
            .all()
            .iter()
            .map(|g| format!("{} ({}, {}/s)", g.id(), g.gateway.kind(), g.rate()))
            .collect();
        let mut ussd: Vec<&str> = self.ussd_gateways.keys().map(String::as_str).collect();
        ussd.sort_unstable();
        let ussd = if ussd.is_empty() {
            String::new()
        } else {
            format!("; USSD: {}", ussd.join(", "))
        };
        match self.mode() {
            Mode::Simulator => format!(
                "SIMULATOR MODE: no real phone receives anything; messages go to {}",
                sms.join(", ")
            ),
            Mode::Live if sms.is_empty() => {
                format!("no SMS gateway is live: messages stay queued{ussd}")
            }
            Mode::Live => format!("gateways live: {}{ussd}", sms.join(", ")),
        }
    }
}

fn mode_of(config: &Config) -> Mode {
    if config.simulator.enabled {
        Mode::Simulator
    } else {
        Mode::Live
    }
}

/// In simulator mode, the built-in simulator and any simulated networks; otherwise every
/// enabled real gateway file: SMS gateways in the routing, USSD aggregators apart.
fn gateways(config: &Config, db: &Db, outbox: &Outbox) -> Result<GatewaySet, BuildError> {
    let reports: Arc<dyn ReportSink> = Arc::new(outbox.clone());
    let simulated = |id: &str| -> Arc<dyn Gateway> {
        Arc::new(Simulator::with_id(db.clone(), id, reports.clone()))
    };
    let mode = mode_of(config);
    let plan = mode::plan(&config.gateway_dir, mode)?;
    for warning in &plan.warnings {
        tracing::warn!("{warning}");
    }
    let mut sms = Gateways::default();
    if mode == Mode::Simulator {
        let rate = NonZeroU32::new(config.simulator.rate).unwrap_or(NonZeroU32::MIN);
        let sim = Simulator::new(db.clone(), reports.clone());
        sms.add(GatewayHandle::new(Arc::new(sim), rate, Vec::new(), 0));
    }
    let mut ussd = HashMap::new();
    for (path, file) in plan.files {
        tracing::info!(gateway = %file.id, kind = %file.kind, file = %path.display(), "gateway");
        if file.kind == files::USSD {
            ussd.insert(file.id.clone(), files::webhook_auth(&path, &file)?);
        } else {
            sms.add(files::build(&path, &file, &simulated)?);
        }
    }
    Ok((sms, ussd))
}
