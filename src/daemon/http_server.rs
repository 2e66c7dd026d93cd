//! Serving the HTTP endpoints with bounds `axum::serve` does not have:
//!
//! * at most `[http] max_connections` open at once; past it a new
//!   connection is closed at once (not queued: a scraper or probe sees the
//!   refusal now, and retries), counted in `dialbridge_http_refused_total`;
//! * a request's header must arrive whole within `header_read_timeout_ms`,
//!   counted from the connection's opening or from the request's first byte
//!   (a client sending half a header is cut off);
//! * a keep-alive connection without a request for `idle_timeout_secs` is
//!   closed.
//!
//! Timeouts close the connection and count in
//! `dialbridge_http_timeouts_total{kind}`. HTTP/1.1 only (hyper's server,
//! what `axum::serve` runs underneath). The limits are read for each new
//! connection, so a reload applies to the next one.

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::Instant;
use tower::ServiceExt;
use tracing::{debug, warn};

use super::admission::fds::FdWatch;
use super::admission::limit::{Limiter, LogBudget, Slot, Verdict};
use crate::config::{Http, Settings};
use crate::metrics::{Gauge, Metrics};

/// Where a connection is in its request cycle (no I/O: tested directly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Waiting for a request's header to end, since the connection opened
    /// or since the request's first byte.
    Header {
        /// Start of the wait.
        since: Instant,
    },
    /// A request is being answered.
    Busy,
    /// Between requests, since the last response.
    Idle {
        /// When the last response was ready.
        since: Instant,
    },
}

/// Which timeout closed a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timeout {
    /// `header_read_timeout_ms`.
    Header,
    /// `idle_timeout_secs`.
    Idle,
}

impl Timeout {
    /// The metric label.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Timeout::Header => "header",
            Timeout::Idle => "idle",
        }
    }
}

/// The connection limits of `[http]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// `header_read_timeout_ms`.
    pub(crate) header: Duration,
    /// `idle_timeout_secs`.
    pub(crate) idle: Duration,
    /// `max_connections`.
    pub max_connections: usize,
}

impl From<&Http> for Limits {
    fn from(h: &Http) -> Self {
        Self {
            header: Duration::from_millis(h.header_read_timeout_ms),
            idle: Duration::from_secs(h.idle_timeout_secs),
            max_connections: h.max_connections,
        }
    }
}

impl Phase {
    /// Bytes arrived at `now`: an idle connection starts a request.
    pub(crate) fn read(self, now: Instant) -> Self {
        match self {
            Phase::Idle { .. } => Phase::Header { since: now },
            other => other,
        }
    }

    /// When the connection is closed unless the phase changes, and why.
    pub(crate) fn deadline(self, limits: &Limits) -> Option<(Instant, Timeout)> {
        match self {
            Phase::Header { since } => Some((since + limits.header, Timeout::Header)),
            Phase::Idle { since } => Some((since + limits.idle, Timeout::Idle)),
            Phase::Busy => None,
        }
    }
}

/// Serves `router` on `listener` until the process ends.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    settings: watch::Receiver<Arc<Settings>>,
    metrics: Arc<Metrics>,
    fds: Arc<FdWatch>,
) {
    let open = Limiter::new(Arc::clone(&metrics), Gauge::HttpConnections);
    let mut budget = LogBudget::default();
    loop {
        let Some((stream, peer)) = fds.accept(&listener, "http").await else {
            continue;
        };
        let limits = Limits::from(&settings.borrow().http);
        let Some(slot) = open.try_enter(limits.max_connections) else {
            metrics.http_refused();
            if let Verdict::Log { unlogged } = budget.check(std::time::Instant::now()) {
                let unlogged_before = (unlogged > 0).then_some(unlogged);
                warn!(%peer, unlogged_before, max_connections = limits.max_connections,
                    "HTTP connection refused: [http] max_connections are open");
            }
            // Closed after it was counted.
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(
            stream,
            router.clone(),
            limits,
            Arc::clone(&metrics),
            slot,
        ));
    }
}

/// Serves one connection until it ends or a timeout closes it.
async fn connection(
    stream: TcpStream,
    router: Router,
    limits: Limits,
    metrics: Arc<Metrics>,
    _slot: Slot,
) {
    let (phase_tx, mut phase) = watch::channel(Phase::Header {
        since: Instant::now(),
    });
    let phase_tx = Arc::new(phase_tx);
    let io = TokioIo::new(Watched {
        inner: stream,
        phase: Arc::clone(&phase_tx),
    });
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        phase_tx.send_replace(Phase::Busy);
        let answer = router.clone().oneshot(req);
        let phase_tx = Arc::clone(&phase_tx);
        async move {
            let response = answer.await;
            phase_tx.send_replace(Phase::Idle {
                since: Instant::now(),
            });
            Ok::<_, Infallible>(match response {
                Ok(r) => r,
                Err(never) => match never {},
            })
        }
    });
    let conn = http1::Builder::new()
        .header_read_timeout(None)
        .keep_alive(true)
        .serve_connection(io, service);
    tokio::pin!(conn);
    loop {
        let deadline = phase.borrow_and_update().deadline(&limits);
        let sleep = tokio::time::sleep_until(deadline.map_or_else(far_future, |(at, _)| at));
        tokio::select! {
            ended = conn.as_mut() => {
                if let Err(e) = ended {
                    debug!(error = %e, "HTTP connection ended with an error");
                }
                return;
            }
            changed = phase.changed() => if changed.is_err() { return },
            _ = sleep, if deadline.is_some() => {
                // Closed only if the phase did not move meanwhile.
                if let Some((at, why)) = phase.borrow().deadline(&limits)
                    && at <= Instant::now()
                {
                    metrics.http_timeout(why.label());
                    debug!(timeout = why.label(), "HTTP connection closed by its timeout");
                    return;
                }
            }
        }
    }
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400)
}

/// The connection's socket, telling its [`Phase`] when bytes arrive.
struct Watched {
    inner: TcpStream,
    phase: Arc<watch::Sender<Phase>>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            let now = Instant::now();
            self.phase.send_if_modified(|p| {
                let next = p.read(now);
                let moved = next != *p;
                *p = next;
                moved
            });
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            header: Duration::from_secs(5),
            idle: Duration::from_secs(60),
            max_connections: 1,
        }
    }

    #[test]
    fn a_new_connection_must_finish_its_header_in_time() {
        let t0 = Instant::now();
        let p = Phase::Header { since: t0 };
        assert_eq!(
            p.deadline(&limits()),
            Some((t0 + Duration::from_secs(5), Timeout::Header))
        );
        assert_eq!(
            p.read(t0 + Duration::from_secs(1)),
            p,
            "more header bytes do not extend the header deadline"
        );
    }

    #[test]
    fn an_idle_connection_gets_the_idle_timeout_until_a_request_starts() {
        let t0 = Instant::now();
        let idle = Phase::Idle { since: t0 };
        assert_eq!(
            idle.deadline(&limits()),
            Some((t0 + Duration::from_secs(60), Timeout::Idle))
        );
        let t1 = t0 + Duration::from_secs(30);
        let started = idle.read(t1);
        assert_eq!(started, Phase::Header { since: t1 });
        assert_eq!(
            started.deadline(&limits()),
            Some((t1 + Duration::from_secs(5), Timeout::Header)),
            "the request's first byte starts the header timeout"
        );
    }

    #[test]
    fn a_request_being_answered_has_no_deadline() {
        assert_eq!(Phase::Busy.deadline(&limits()), None);
        assert_eq!(Phase::Busy.read(Instant::now()), Phase::Busy);
    }
}
