//! A TCP proxy between loa and PostgreSQL that the test can cut.
//!
//! Why not restart PostgreSQL itself: the server is shared by every test running at the same
//! time (each in its own database), and a restart would break them all. Seen from loa, a cut
//! proxy is what a restart or a network fault is: the connections it had are reset, and new ones
//! are first reset as they open, then refused, until the database is back.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use anyhow::{Context, Result};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// How the proxy treats connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Forward,
    /// Accepts and resets at once (a server going down).
    Reset,
}

struct State {
    mode: Mode,
    /// Cancelled to reset every forwarded connection at once.
    cut: CancellationToken,
    accept: Option<tokio::task::JoinHandle<()>>,
}

pub struct DbProxy {
    pub addr: SocketAddr,
    upstream: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl DbProxy {
    /// Listens on a free port and forwards to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Result<DbProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("bind proxy")?;
        let proxy = DbProxy {
            addr: listener.local_addr()?,
            upstream,
            state: Arc::new(Mutex::new(State {
                mode: Mode::Forward,
                cut: CancellationToken::new(),
                accept: None,
            })),
        };
        proxy.accept_on(listener);
        Ok(proxy)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn accept_on(&self, listener: TcpListener) {
        let (state, upstream) = (self.state.clone(), self.upstream);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (mode, cut) = {
                    let s = state.lock().unwrap_or_else(|p| p.into_inner());
                    (s.mode, s.cut.clone())
                };
                match mode {
                    Mode::Forward => {
                        tokio::spawn(forward(client, upstream, cut));
                    }
                    Mode::Reset => reset(client),
                }
            }
        });
        if let Some(old) = self.state().accept.replace(task) {
            old.abort();
        }
    }

    /// Resets every open connection; new ones are accepted and reset at once.
    pub fn reset_all(&self) {
        let mut s = self.state();
        s.mode = Mode::Reset;
        s.cut.cancel();
        s.cut = CancellationToken::new();
    }

    /// Stops listening: connecting is refused (the open connections were reset before).
    pub fn refuse(&self) {
        self.reset_all();
        if let Some(task) = self.state().accept.take() {
            task.abort();
        }
    }

    /// Forwards again, listening on the same port if it had stopped.
    pub async fn restore(&self) -> Result<()> {
        let listening = self.state().accept.is_some();
        self.state().mode = Mode::Forward;
        if !listening {
            let listener = TcpListener::bind(self.addr)
                .await
                .with_context(|| format!("bind {} again", self.addr))?;
            self.accept_on(listener);
        }
        Ok(())
    }
}

impl Drop for DbProxy {
    fn drop(&mut self) {
        let mut s = self.state();
        s.cut.cancel();
        if let Some(task) = s.accept.take() {
            task.abort();
        }
    }
}

/// Closes with RST rather than FIN: the peer sees "connection reset", as when a server dies.
fn reset(stream: TcpStream) {
    let _ = stream.set_zero_linger();
    drop(stream);
}

async fn forward(mut client: TcpStream, upstream: SocketAddr, cut: CancellationToken) {
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        reset(client);
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let cut_off = tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => false,
        _ = cut.cancelled() => true,
    };
    if cut_off {
        reset(client);
        reset(server);
    }
}
