//! Who may open a call connection, and for how long it may stay half-open.
//!
//! The listener's port is reachable by whatever can route to it, and its
//! `connect` reply is believed. So, before a byte is sent:
//!
//! * a peer outside `[listener] allow` ([`cidr`]) is closed at once;
//! * at most `max_pending_connects` connections may be between accept and
//!   the end of the `connect` handshake ([`limit`]); past it a new one is
//!   closed at once (FreeSWITCH's socket application then returns, and the
//!   dialplan's next action, e.g. `respond 503`, runs);
//! * a connection that has not answered `connect` within
//!   `connect_timeout_ms` is closed ([`Pending::connect`]).
//!
//! Every refusal is counted in `dialbridge_listener_refused_total{reason}`
//! and logged with the peer ([`limit::LogBudget`] caps the lines in a
//! flood). Running out of descriptors is [`fds`]'s.

pub(crate) mod fds;
pub(crate) mod limit;

use std::net::SocketAddr;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use freeswitch_esl_tokio::EslClient;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tracing::{error, warn};

use crate::config::Settings;
use crate::config::cidr::AllowList;
use crate::freeswitch::channel_data::ChannelData;
use crate::freeswitch::control::Control;
use crate::freeswitch::deadline::Limits;
use crate::freeswitch::socket::CallSocket;
use crate::metrics::{Gauge, Metrics};
use fds::FdWatch;
use limit::{Limiter, LogBudget, Slot, Verdict};

/// Why a connection was closed before it became a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Its address is outside `[listener] allow`.
    PeerNotAllowed,
    /// `max_pending_connects` connections were already half-open.
    TooManyPending,
    /// It did not answer `connect` within `connect_timeout_ms`.
    ConnectTimeout,
    /// It closed or spoke something other than ESL before `connect` ended.
    ConnectFailed,
}

impl Refusal {
    /// The metric label.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Refusal::PeerNotAllowed => "peer_not_allowed",
            Refusal::TooManyPending => "too_many_pending",
            Refusal::ConnectTimeout => "connect_timeout",
            Refusal::ConnectFailed => "connect_failed",
        }
    }

    fn explain(self) -> &'static str {
        match self {
            Refusal::PeerNotAllowed => {
                "call connection refused: the peer is not in [listener] allow"
            }
            Refusal::TooManyPending => {
                "call connection refused: [listener] max_pending_connects connections are still connecting"
            }
            Refusal::ConnectTimeout => {
                "call connection closed: no reply to `connect` within [listener] connect_timeout_ms"
            }
            Refusal::ConnectFailed => "call connection closed before `connect` completed",
        }
    }
}

/// Counts and logs refusals (shared by the accept loop and the pending
/// connections it spawns).
#[derive(Clone)]
struct Refusals {
    metrics: Arc<Metrics>,
    budget: Arc<Mutex<LogBudget>>,
}

impl Refusals {
    fn note(&self, why: Refusal, peer: SocketAddr, detail: Option<&str>) {
        self.metrics.listener_refused(why.label());
        let verdict = self
            .budget
            .lock()
            .map(|mut b| b.check(Instant::now()))
            .unwrap_or(Verdict::Log { unlogged: 0 });
        if let Verdict::Log { unlogged } = verdict {
            let unlogged_before = (unlogged > 0).then_some(unlogged);
            warn!(%peer, reason = why.label(), detail, unlogged_before, "{}", why.explain());
        }
    }
}

/// The allow-list of the configuration it was parsed from.
struct Rules {
    from: Arc<Settings>,
    allow: AllowList,
}

impl Rules {
    fn of(settings: &Arc<Settings>) -> Self {
        // Loading validated the list; should it fail here anyway, nobody is
        // let in (fail closed) and the log says why.
        let allow = AllowList::parse(&settings.listener.allow).unwrap_or_else(|e| {
            error!(error = %e, "[listener] allow is invalid; refusing every call connection");
            AllowList::default()
        });
        Self {
            from: Arc::clone(settings),
            allow,
        }
    }
}

/// The call listener's gate: [`Admission::accept`] yields only connections
/// worth a `connect`.
pub(crate) struct Admission {
    settings: watch::Receiver<Arc<Settings>>,
    rules: Rules,
    pending: Limiter,
    refusals: Refusals,
    fds: Arc<FdWatch>,
}

impl Admission {
    /// A gate reading `[listener]` from `settings` (a reload applies to the
    /// next connection).
    pub(crate) fn new(
        settings: watch::Receiver<Arc<Settings>>,
        metrics: Arc<Metrics>,
        fds: Arc<FdWatch>,
    ) -> Self {
        let rules = Rules::of(&settings.borrow());
        Self {
            settings,
            rules,
            pending: Limiter::new(Arc::clone(&metrics), Gauge::ListenerPending),
            refusals: Refusals {
                metrics,
                budget: Arc::default(),
            },
            fds,
        }
    }

    /// The next admitted connection, with its place among the pending ones;
    /// `None` when the one accepted was refused (or accept failed): call
    /// again. Cancel-safe.
    pub(crate) async fn accept(&mut self, listener: &TcpListener) -> Option<(TcpStream, Pending)> {
        let (stream, peer) = self.fds.accept(listener, "calls").await?;
        let settings = self.settings.borrow().clone();
        if !self.allow(&settings).allows(peer.ip()) {
            // Counted before the peer can see the close.
            self.refusals.note(Refusal::PeerNotAllowed, peer, None);
            drop(stream);
            return None;
        }
        let Some(slot) = self
            .pending
            .try_enter(settings.listener.max_pending_connects)
        else {
            self.refusals.note(Refusal::TooManyPending, peer, None);
            drop(stream);
            return None;
        };
        let pending = Pending {
            _slot: slot,
            peer,
            timeout: Duration::from_millis(settings.listener.connect_timeout_ms),
            refusals: self.refusals.clone(),
        };
        Some((stream, pending))
    }

    /// The allow-list of `settings` (parsed once per configuration).
    fn allow(&mut self, settings: &Arc<Settings>) -> &AllowList {
        if !Arc::ptr_eq(&self.rules.from, settings) {
            self.rules = Rules::of(settings);
        }
        &self.rules.allow
    }
}

/// An admitted connection that has not finished `connect`: it holds a place
/// among `max_pending_connects` until [`Pending::connect`] returns.
pub(crate) struct Pending {
    _slot: Slot,
    peer: SocketAddr,
    timeout: Duration,
    refusals: Refusals,
}

impl Pending {
    /// Who connected.
    pub(crate) fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// Sends `connect` and reads the channel data within the timeout. On
    /// failure the socket is shut down at once (even if the peer keeps it
    /// open or trickles bytes), counted and logged with the peer; `None`.
    pub(crate) async fn connect(
        self,
        stream: TcpStream,
        limits: Limits,
        control: Control,
    ) -> Option<(CallSocket, ChannelData)> {
        let _ = stream.set_nodelay(true);
        let fd = stream.as_raw_fd();
        let (client, events) = EslClient::accept_outbound_stream_with_options(
            stream,
            crate::freeswitch::sizing::call_socket_options(),
        );
        // A handle that keeps the socket (and so `fd`) open until we are done.
        let keep = client.clone();
        // `connect` itself is bounded by `connect_timeout_ms` (below); the
        // call's commands afterwards by `[freeswitch] reply_timeout_ms`.
        let reply_timeout = limits.reply;
        let connecting = CallSocket::connect(client, events, limits, control);
        let outcome = tokio::time::timeout(self.timeout, connecting).await;
        match outcome {
            Ok(Ok(connected)) => {
                keep.set_command_timeout(reply_timeout);
                Some(connected)
            }
            Ok(Err(e)) => {
                let detail = e.to_string();
                self.refusals
                    .note(Refusal::ConnectFailed, self.peer, Some(&detail));
                shut_down(&keep, fd);
                None
            }
            Err(_) => {
                self.refusals.note(Refusal::ConnectTimeout, self.peer, None);
                shut_down(&keep, fd);
                None
            }
        }
    }
}

/// Shuts the socket `fd` down both ways, so the ESL reader sees the end at
/// once and the descriptor is freed, whatever the peer does. `_open` is the
/// client that owns `fd`: while it lives, `fd` is this socket's.
fn shut_down(_open: &EslClient, fd: RawFd) {
    // SAFETY: `fd` is the socket owned by `_open`'s connection, which is
    // alive for this call, so the number cannot have been reused; shutdown
    // touches no memory and its failure (ENOTCONN) is harmless.
    unsafe {
        libc::shutdown(fd, libc::SHUT_RDWR);
    }
}
