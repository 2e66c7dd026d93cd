//! `dialbridge run`: the listener for FreeSWITCH's per-call connections,
//! the control connection, the HTTP endpoints, and the process's life under
//! systemd — READY once the listener is bound, WATCHDOG from the main loop,
//! SIGHUP reloads, SIGTERM/SIGINT drains (a second one exits at once).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{error, info, warn};

pub mod admission;
pub mod api;
pub mod health;
pub mod http_server;
pub mod listener;
pub mod logging;
mod recordings;
pub(crate) mod registry;
pub(crate) mod sweep;
pub(crate) mod systemd;

use crate::call::Engine;
use crate::call::tasks::Tasks;
use crate::config::Settings;
use crate::freeswitch::control::{self, Control, ControlState};
use crate::metrics::Metrics;
use admission::fds::FdWatch;
use health::Readiness;
use listener::CallSlots;
use registry::Registry;

/// Why the daemon could not run.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// An address is taken or not local.
    #[error("cannot listen on {address} ({key}): {source}")]
    Bind {
        /// The setting.
        key: &'static str,
        /// The address.
        address: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The async runtime could not start.
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The HTTP client for webhooks could not be built.
    #[error("{0}")]
    Http(#[source] crate::webhook::ClientError),
}

/// A running daemon (tests start it in-process).
pub struct Daemon {
    /// Live calls.
    pub(crate) slots: CallSlots,
    /// Where FreeSWITCH's `socket` application connects.
    pub listener_addr: SocketAddr,
    /// Where `/health`, `/ready` and `/metrics` answer.
    pub http_addr: SocketAddr,
    /// Where the REST API answers, when `[api]` is configured.
    pub api_addr: Option<SocketAddr>,
    /// The configuration calls start with (a reload sends a new one).
    pub settings: watch::Sender<Arc<Settings>>,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// The control connection's state.
    pub control: watch::Receiver<ControlState>,
    /// Work calls left running (hook posts, clean-up, connections).
    pub(crate) tasks: Tasks,
    /// Every live call by call_sid, with its handle.
    calls: Registry,
    listener: JoinHandle<()>,
    /// Turns true once the drain is over: the control connection closes.
    closed: watch::Sender<bool>,
}

/// Binds `address` for `key`.
async fn bind(key: &'static str, address: &str) -> Result<(TcpListener, SocketAddr), DaemonError> {
    let err = |e: std::io::Error| DaemonError::Bind {
        key,
        address: address.to_owned(),
        source: e,
    };
    let tcp = TcpListener::bind(address).await.map_err(err)?;
    let addr = tcp.local_addr().map_err(err)?;
    Ok((tcp, addr))
}

impl Daemon {
    /// Binds the listener and the HTTP endpoints, starts accepting calls and
    /// the control connection. `stop` turning true starts the drain.
    pub async fn start(
        settings: Settings,
        stop: watch::Receiver<bool>,
    ) -> Result<Self, DaemonError> {
        if settings.uses_default_esl_password() {
            warn!("[freeswitch] password is FreeSWITCH's default \"ClueCon\"; change it");
        }
        if let Some(w) = crate::config::current_fd_limit()
            .and_then(|limit| crate::config::fd_warning(&settings, limit))
        {
            warn!("{w}");
        }
        let http_client = crate::webhook::http_client().map_err(DaemonError::Http)?;
        sweep::leftovers(&settings).await;
        let (tcp, listener_addr) = bind("[listener] address", &settings.listener.address).await?;
        let (http, http_addr) = bind("[http] address", &settings.http.address).await?;
        let api_bound = match &settings.api {
            Some(api) => Some((bind("[api] address", &api.address).await?, api.keys.clone())),
            None => None,
        };
        let slots = CallSlots::new(settings.listener.max_calls);
        let mut settings = settings;
        settings.listener.address = reachable(listener_addr).to_string();
        let (settings_tx, settings_rx) = watch::channel(Arc::new(settings));
        let metrics = Arc::new(Metrics::default());
        let (control_tx, control_rx) = watch::channel(ControlState::Connecting);
        let control = Control::default();
        // The control connection outlives the drain: calls still running
        // may need it to end a channel their own socket cannot.
        let (closed, closed_rx) = watch::channel(false);
        tokio::spawn(control::run(
            settings_rx.clone(),
            control_tx,
            Arc::clone(&metrics),
            control.clone(),
            closed_rx,
        ));
        let fds = Arc::new(FdWatch::new(Arc::clone(&metrics)));
        let readiness = Readiness {
            control: control_rx.clone(),
            draining: stop.clone(),
            metrics: Arc::clone(&metrics),
            listener: listener_addr,
            fds: Arc::clone(&fds),
        };
        tokio::spawn(http_server::serve(
            http,
            health::router(readiness).merge(recordings::router(settings_rx.clone())),
            settings_rx.clone(),
            Arc::clone(&metrics),
            Arc::clone(&fds),
        ));
        let engine = Arc::new(Engine::new(
            settings_rx,
            Arc::clone(&metrics),
            http_client,
            control,
        ));
        let tasks = engine.tasks.clone();
        let calls = Registry::default();
        // `rest:dial` places calls with createCall's engine, API on or off.
        let api_state = |keys: &[crate::secret::Secret]| {
            api::ApiState::new(
                calls.clone(),
                engine.control.clone(),
                engine.settings.clone(),
                engine.http.clone(),
                engine.tasks.clone(),
                slots.clone(),
                engine.media.clone(),
                keys,
            )
        };
        let _ = engine.originator.set(Arc::new(api_state(&[])));
        let api_addr = api_bound.map(|((tcp, addr), keys)| {
            let state = api_state(&keys);
            tokio::spawn(http_server::serve(
                tcp,
                api::router(state),
                engine.settings.clone(),
                Arc::clone(&metrics),
                Arc::clone(&fds),
            ));
            info!(%addr, "REST API listening");
            addr
        });
        info!(%listener_addr, %http_addr, "listening for FreeSWITCH call connections");
        let listener = tokio::spawn(listener::serve(
            tcp,
            engine,
            slots.clone(),
            calls.clone(),
            stop,
            fds,
        ));
        Ok(Self {
            slots,
            listener_addr,
            http_addr,
            api_addr,
            settings: settings_tx,
            metrics,
            control: control_rx,
            tasks,
            calls,
            listener,
            closed,
        })
    }

    /// The live calls, each with the handle that steers it.
    pub fn calls(&self) -> &Registry {
        &self.calls
    }

    /// Replaces the configuration for calls that start from now on. Live
    /// calls keep theirs; addresses need a restart.
    pub fn reload(&self, mut new: Settings) {
        let old = self.settings.borrow().clone();
        if new.http.address != old.http.address {
            warn!("[http] address changed; it takes effect after a restart");
        }
        new.listener.address = old.listener.address.clone();
        if new.api.as_ref().map(|a| (&a.address, &a.keys))
            != old.api.as_ref().map(|a| (&a.address, &a.keys))
        {
            warn!("[api] changed; it takes effect after a restart");
        }
        if new.listener.max_calls != old.listener.max_calls {
            warn!("[listener] max_calls changed; it takes effect after a restart");
        }
        self.settings.send_replace(Arc::new(new));
        info!("configuration reloaded; calls from now on use it");
    }

    /// Waits, up to `timeout`, until every call and everything calls
    /// started (status and error hook posts, DTMF and AMD posts, AMD
    /// clean-up, screening) is done, logging progress. The listener keeps
    /// accepting meanwhile (new calls are refused with 503, screening
    /// connections served); it closes, with the control connection, when
    /// this returns. True when everything finished.
    pub async fn drain(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        let drained = loop {
            let (live, tasks) = (self.slots.live(), self.tasks.running());
            if tasks == 0 {
                info!("drained: every call finished");
                break true;
            }
            systemd::notify(&format!("STATUS=draining: {live} call(s) left"));
            info!(live_calls = live, tasks, "draining");
            let wait = tokio::time::sleep(Duration::from_secs(5));
            tokio::select! {
                _ = self.tasks.idle() => {}
                _ = wait => {}
                _ = tokio::time::sleep_until(deadline) => {
                    warn!(
                        live_calls = self.slots.live(),
                        tasks = self.tasks.running(),
                        "drain_timeout reached; exiting with calls live (bridged calls go on in FreeSWITCH)"
                    );
                    break false;
                }
            }
        };
        self.listener.abort();
        let _ = self.closed.send(true);
        drained
    }
}

/// Runs until SIGTERM or SIGINT, then drains; SIGHUP reloads `path`.
pub fn run(settings: Settings, path: Option<PathBuf>) -> Result<(), DaemonError> {
    logging::init(&settings.log);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(DaemonError::Runtime)?;
    runtime.block_on(async move {
        let mut signals = StopSignals::new();
        let mut hangup =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
        let drain_timeout = Duration::from_secs(settings.shutdown.drain_timeout);
        let (stop_tx, stop_rx) = watch::channel(false);
        let daemon = Daemon::start(settings, stop_rx).await?;
        systemd::notify("READY=1\nSTATUS=accepting calls");
        let mut watchdog = systemd::watchdog_interval().map(tokio::time::interval);
        loop {
            tokio::select! {
                _ = signals.terminate() => break,
                _ = recv(&mut hangup) => match Settings::load(path.as_deref()) {
                    Ok((new, origin)) => {
                        info!(%origin, "SIGHUP: reloading the configuration");
                        daemon.reload(new);
                    }
                    Err(e) => error!(error = %e, "SIGHUP: the configuration is invalid; keeping the old one"),
                },
                _ = tick(&mut watchdog) => { systemd::notify("WATCHDOG=1"); }
            }
        }
        info!(live_calls = daemon.slots.live(), "stopping: no new calls; draining live calls");
        systemd::notify("STOPPING=1\nSTATUS=draining");
        daemon.metrics.draining();
        let _ = stop_tx.send(true);
        tokio::select! {
            _ = daemon.drain(drain_timeout) => {}
            _ = signals.terminate() => warn!(live_calls = daemon.slots.live(), "second signal: exiting now"),
            _ = keep_watchdog(&mut watchdog) => {}
        }
        Ok(())
    })
}

async fn tick(watchdog: &mut Option<tokio::time::Interval>) {
    match watchdog {
        Some(i) => {
            i.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// Keeps notifying the watchdog while draining (never returns).
async fn keep_watchdog(watchdog: &mut Option<tokio::time::Interval>) {
    loop {
        tick(watchdog).await;
        systemd::notify("WATCHDOG=1");
    }
}

/// The address FreeSWITCH (on this host) reaches the listener at: the bound
/// port, and 127.0.0.1 / ::1 when bound to every address. Screened legs'
/// `group_confirm_file=socket <address> async full` uses it.
pub(crate) fn reachable(bound: SocketAddr) -> SocketAddr {
    let mut addr = bound;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    addr
}

/// SIGTERM and SIGINT: both stop the daemon.
struct StopSignals {
    term: Option<tokio::signal::unix::Signal>,
    int: Option<tokio::signal::unix::Signal>,
}

impl StopSignals {
    fn new() -> Self {
        use tokio::signal::unix::{SignalKind, signal};
        let s = Self {
            term: signal(SignalKind::terminate()).ok(),
            int: signal(SignalKind::interrupt()).ok(),
        };
        if s.term.is_none() || s.int.is_none() {
            error!("cannot install SIGTERM/SIGINT handlers; stop dialbridge with SIGKILL");
        }
        s
    }

    async fn terminate(&mut self) {
        tokio::select! {
            _ = recv(&mut self.term) => {}
            _ = recv(&mut self.int) => {}
        }
    }
}

/// Waits for `signal` (forever when it could not be installed).
async fn recv(signal: &mut Option<tokio::signal::unix::Signal>) {
    match signal {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending().await,
    }
}
