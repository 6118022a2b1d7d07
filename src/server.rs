//! Running loa: the HTTP server, the dispatcher and the scheduler in one process, and stopping them cleanly.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::app::{App, AppState, BuildError};
use crate::config::Config;
use crate::db::{self, connect::ConnectError};

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error(transparent)]
    Demo(#[from] crate::demo::DemoError),
    #[error("demo accounts: {0}")]
    DemoAccounts(#[from] crate::features::accounts::AccountError),
    #[error("cannot listen on {addr}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    #[error("scheduler")]
    Scheduler(#[from] tokio_cron_scheduler::JobSchedulerError),
    #[error(transparent)]
    LegalAidHome(#[from] crate::features::legal_aid::HomeError),
}

/// A started instance. Dropping it does not stop it; call [`Running::stop`].
pub struct Running {
    pub addr: SocketAddr,
    pub app: AppState,
    shutdown: CancellationToken,
    http: JoinHandle<()>,
    dispatcher: JoinHandle<()>,
    scheduler: tokio_cron_scheduler::JobScheduler,
}

/// Opens the database named in `config`, applies migrations, and builds the app.
pub async fn open(config: Config) -> Result<AppState, ServeError> {
    let db = db::connect(&config.database_url).await?;
    db::migrate(&db).await?;
    let app = App::build(config, db)?;
    legal_aid_home(&app, false).await?;
    Ok(app)
}

/// Checks `legal_aid.home_province` against the database (a code it does not have stops
/// start-up); `say` also logs where requests from phones in no household go, once the data
/// `serve` loads (the demo's) are in.
async fn legal_aid_home(app: &App, say: bool) -> Result<(), ServeError> {
    let svc = &app.services;
    let home = crate::features::legal_aid::check_home(&svc.db, &svc.legal_aid).await?;
    if !say {
        return Ok(());
    }
    match home {
        Some(province) => tracing::debug!(
            %province,
            "legal aid: requests from phones in no household go to this province's officers"
        ),
        None => tracing::warn!(
            "legal aid: legal_aid.home_province is unset and the database has not exactly one \
             province; requests from phones in no household are for admins only"
        ),
    }
    Ok(())
}

/// Starts HTTP on `listener`, the dispatcher and the scheduler.
pub async fn start(app: AppState, listener: TcpListener) -> Result<Running, ServeError> {
    let addr = listener.local_addr().map_err(|source| ServeError::Listen {
        addr: "listener".into(),
        source,
    })?;
    let shutdown = CancellationToken::new();
    let router = crate::http::app(app.clone());
    let http = {
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            // Peer addresses let webhooks check a gateway's allowed sources.
            let served = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await;
            if let Err(err) = served {
                tracing::error!(%err, "http server");
            }
        })
    };
    let dispatcher = {
        let d = Arc::new(app.dispatcher());
        let token = shutdown.clone();
        tokio::spawn(supervise("dispatcher", shutdown.clone(), move || {
            d.clone().run(token.clone())
        }))
    };
    let scheduler = crate::scheduler::start(Arc::new(app.jobs())).await?;
    Ok(Running {
        addr,
        app,
        shutdown,
        http,
        dispatcher,
        scheduler,
    })
}

impl Running {
    /// Stops the dispatcher at once, as a crash would: claimed rows stay claimed until their
    /// lease runs out and the dispatch lease is not given up, so another instance takes over
    /// only when it lapses. For tests of that takeover; a real stop is [`Running::stop`].
    pub fn crash_dispatcher(&self) {
        self.dispatcher.abort();
    }

    /// Stops taking requests, lets requests and sends in flight finish, puts claimed but unsent
    /// messages back in the queue, and closes the database.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Err(err) = self.scheduler.shutdown().await {
            tracing::warn!(%err, "scheduler shutdown");
        }
        let _ = self.http.await;
        let _ = self.dispatcher.await;
        self.app.services.db.close().await;
    }
}

/// How long a task that panicked waits before it starts again (a panic that recurs at once
/// must not spin).
const RESTART_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// Runs the task `make` builds until it returns or `shutdown` fires; a panic is logged (with
/// its message) and the task is started again, so that a server never answers 200 while
/// nothing sends.
/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn supervise<F, Fut>(name: &'static str, shutdown: CancellationToken, make: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    loop {
        // Dropping the supervisor (an abort, a crash test) stops the task it watches too.
        let task = tokio::spawn(make());
        let _stop_with_me = AbortOnDrop(task.abort_handle());
        match task.await {
            Ok(()) => return,
            Err(err) if err.is_panic() => {
                let message = crate::http::panic_message(err.into_panic().as_ref());
                tracing::error!(task = name, panic = %message, "task panicked; starting it again");
            }
            Err(err) => {
                tracing::error!(task = name, %err, "task stopped");
                return;
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(RESTART_AFTER) => {}
        }
    }
}

/// `loa serve`: runs until SIGTERM or Ctrl-C. `demo` is simulator mode with the demo data.
pub async fn serve(mut config: Config, demo: bool) -> Result<(), ServeError> {
    let listen = config.listen;
    if demo {
        config.simulator.enabled = true;
    }
    let app = open(config).await?;
    if demo {
        tracing::warn!(
            "DEMO: loa serve --demo runs on the demo communes and households with the simulator; \
             nothing reaches a real phone"
        );
        let loaded = crate::demo::load(&app.services.db).await?;
        if loaded.kept {
            tracing::info!(
                areas = loaded.areas,
                "demo data: the database has data already; left as it is"
            );
        } else {
            tracing::info!(
                areas = loaded.areas,
                households = loaded.households,
                support = loaded.support,
                staff = loaded.staff,
                contacts = loaded.contacts,
                "demo data loaded"
            );
        }
    }
    legal_aid_home(&app, true).await?;
    let accounts = if demo {
        crate::demo::accounts(&app.services.db).await?
    } else {
        Vec::new()
    };
    let listener = TcpListener::bind(&listen)
        .await
        .map_err(|source| ServeError::Listen {
            addr: listen.to_string(),
            source,
        })?;
    let line = app.gateway_line();
    match app.mode() {
        crate::gateway::mode::Mode::Simulator => tracing::warn!("{line}"),
        crate::gateway::mode::Mode::Live => tracing::info!("{line}"),
    }
    let running = start(app, listener).await?;
    tracing::info!(addr = %running.addr, "loa is listening");
    if demo {
        let svc = &running.app.services;
        crate::demo::banner::print(&svc.db, &svc.locales, &accounts, running.addr).await;
    }
    shutdown_signal().await;
    tracing::info!("stopping");
    running.stop().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(%err, "ctrl-c handler");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(err) => {
                tracing::error!(%err, "SIGTERM handler");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
