//! `dialbridge run`: the listener for FreeSWITCH's per-call connections, the
//! signals that stop it, and the drain of live calls.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{error, info, warn};

use crate::call::Engine;
use crate::config::Settings;
use crate::freeswitch::listener::{self, CallSlots};

/// Why the daemon could not run.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The listener address is taken or not local.
    #[error("cannot listen on {address} ([listener] address): {reason}")]
    Bind {
        /// The address.
        address: String,
        /// Why.
        reason: String,
    },
    /// The async runtime could not start.
    #[error("cannot start the runtime: {0}")]
    Runtime(String),
}

/// Runs until SIGTERM or SIGINT, then drains.
pub fn run(settings: Settings) -> Result<(), DaemonError> {
    crate::logging::init(&settings.log);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| DaemonError::Runtime(e.to_string()))?;
    runtime.block_on(async move {
        let (stop_tx, stop_rx) = watch::channel(false);
        let daemon = Daemon::start(settings, stop_rx).await?;
        wait_for_signal().await;
        info!(live_calls = daemon.slots.live(), "stopping: no new calls; draining live calls");
        let _ = stop_tx.send(true);
        tokio::select! {
            _ = daemon.drained() => info!("all calls finished"),
            _ = wait_for_signal() => warn!(live_calls = daemon.slots.live(), "second signal: exiting now"),
        }
        Ok(())
    })
}

/// A running daemon (also used by tests, which start it in-process).
pub struct Daemon {
    /// Live calls.
    pub slots: CallSlots,
    /// The listener's address.
    pub listener_addr: std::net::SocketAddr,
    /// The configuration channel (a reload sends a new one).
    pub settings: watch::Sender<Arc<Settings>>,
    listener: tokio::task::JoinHandle<()>,
}

impl Daemon {
    /// Binds the listener and starts accepting calls.
    pub async fn start(
        settings: Settings,
        stop: watch::Receiver<bool>,
    ) -> Result<Self, DaemonError> {
        if settings.uses_default_esl_password() {
            warn!("[freeswitch] password is FreeSWITCH's default \"ClueCon\"; change it");
        }
        let address = settings.listener.address.clone();
        let tcp = TcpListener::bind(&address)
            .await
            .map_err(|e| DaemonError::Bind {
                address: address.clone(),
                reason: e.to_string(),
            })?;
        let listener_addr = tcp.local_addr().map_err(|e| DaemonError::Bind {
            address: address.clone(),
            reason: e.to_string(),
        })?;
        let slots = CallSlots::new(settings.listener.max_calls);
        let mut settings = settings;
        settings.listener.address = reachable(listener_addr).to_string();
        let (settings_tx, settings_rx) = watch::channel(Arc::new(settings));
        let engine = Arc::new(Engine::new(settings_rx));
        info!(%listener_addr, "listening for FreeSWITCH call connections");
        let listener = tokio::spawn(listener::serve(tcp, engine, slots.clone(), stop));
        Ok(Self {
            slots,
            listener_addr,
            settings: settings_tx,
            listener,
        })
    }

    /// Waits for the listener to close and every call to finish.
    pub async fn drained(&self) {
        while !self.listener.is_finished() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.slots.idle().await;
    }
}

/// The address FreeSWITCH (on this host) reaches the listener at: the bound
/// port, and 127.0.0.1 / ::1 when bound to every address. Screened legs'
/// `group_confirm_file=socket <address> async full` uses it.
pub fn reachable(bound: std::net::SocketAddr) -> std::net::SocketAddr {
    let mut addr = bound;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    addr
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            _ => {
                error!("cannot install signal handlers; stop with SIGKILL");
                std::future::pending::<()>().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
