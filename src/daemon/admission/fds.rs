//! Running out of file descriptors. When `accept()` fails with EMFILE
//! (this process's limit) or ENFILE (the system's), the connection stays in
//! the kernel's backlog and the listening socket stays readable: retrying at
//! once would spin a core and fill the journal. Instead the condition is an
//! *episode*: logged once when it starts and once when it ends, counted,
//! shown by `/ready` (503) while it lasts, and accepting backs off
//! (10 ms doubling to 1 s) until a few descriptors can be opened again.
//! Both listeners (calls and HTTP) share one [`FdWatch`].

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tracing::{debug, info, warn};

use crate::metrics::Metrics;

/// The first pause after a failed accept; it doubles up to [`MAX_DELAY`].
const FIRST_DELAY: Duration = Duration::from_millis(10);
/// The longest pause between tries while descriptors are exhausted.
const MAX_DELAY: Duration = Duration::from_secs(1);
/// Descriptors that must be free before accepting resumes, so that the
/// backlog's next connection does not start a new episode at once.
const HEADROOM: usize = 4;
/// The pause after an accept error that is neither exhaustion nor transient.
const OTHER_ERROR_DELAY: Duration = Duration::from_millis(50);

/// What an accept error means for the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AcceptFailure {
    /// Out of descriptors or kernel memory: an episode (the errno's name).
    Exhausted(&'static str),
    /// About that one connection only (it was reset before accept): retry.
    Transient,
    /// Anything else: log, pause briefly, retry.
    Other,
}

/// Classifies an accept error by its errno.
pub(crate) fn classify(e: &io::Error) -> AcceptFailure {
    match e.raw_os_error() {
        Some(libc::EMFILE) => AcceptFailure::Exhausted("EMFILE"),
        Some(libc::ENFILE) => AcceptFailure::Exhausted("ENFILE"),
        Some(libc::ENOBUFS) => AcceptFailure::Exhausted("ENOBUFS"),
        Some(libc::ENOMEM) => AcceptFailure::Exhausted("ENOMEM"),
        Some(libc::ECONNABORTED | libc::ECONNRESET | libc::EINTR | libc::EPROTO) => {
            AcceptFailure::Transient
        }
        _ => AcceptFailure::Other,
    }
}

/// One stretch of exhaustion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Episode {
    /// The errno that started it.
    pub cause: &'static str,
    /// When it started.
    pub(crate) since: Instant,
    /// Pauses taken so far.
    pub(crate) backoffs: u64,
    delay: Duration,
}

/// The episode state machine (no I/O).
#[derive(Debug, Default)]
pub(crate) struct Exhaustion {
    episode: Option<Episode>,
}

impl Exhaustion {
    /// An accept failed with `cause` at `now`; true when this starts an
    /// episode (false while one is already running).
    pub(crate) fn failed(&mut self, cause: &'static str, now: Instant) -> bool {
        if self.episode.is_some() {
            return false;
        }
        self.episode = Some(Episode {
            cause,
            since: now,
            backoffs: 0,
            delay: FIRST_DELAY,
        });
        true
    }

    /// During an episode, the pause before the next try (each one twice
    /// the last, up to [`MAX_DELAY`]); `None` when descriptors are fine.
    pub(crate) fn backoff(&mut self) -> Option<Duration> {
        let e = self.episode.as_mut()?;
        let delay = e.delay;
        e.delay = (e.delay * 2).min(MAX_DELAY);
        e.backoffs += 1;
        Some(delay)
    }

    /// Descriptors are available again: the episode that ended, if any.
    pub(crate) fn recovered(&mut self) -> Option<Episode> {
        self.episode.take()
    }

    /// The running episode.
    pub(crate) fn current(&self) -> Option<&Episode> {
        self.episode.as_ref()
    }
}

/// The shared exhaustion state of both listeners, with its log lines and
/// metrics.
pub(crate) struct FdWatch {
    state: Mutex<Exhaustion>,
    metrics: Arc<Metrics>,
}

impl FdWatch {
    /// No episode yet.
    pub(crate) fn new(metrics: Arc<Metrics>) -> Self {
        Self {
            state: Mutex::new(Exhaustion::default()),
            metrics,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Exhaustion> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// For `/ready`: why descriptors are short, or `None` when they are not.
    pub(crate) fn problem(&self) -> Option<String> {
        self.lock().current().map(|e| {
            format!(
                "exhausted: accept failed with {} {} s ago; new connections wait until descriptors free up",
                e.cause,
                e.since.elapsed().as_secs()
            )
        })
    }

    /// Accepts the next connection on `listener` (named `which` in logs and
    /// metrics), backing off while descriptors are exhausted. `None` after a
    /// failed or postponed try: call again. Cancel-safe.
    pub(crate) async fn accept(
        &self,
        listener: &TcpListener,
        which: &'static str,
    ) -> Option<(TcpStream, SocketAddr)> {
        let pause = self.lock().backoff();
        if let Some(delay) = pause {
            self.metrics.accept_backoff(which);
            tokio::time::sleep(delay).await;
            if !headroom() {
                return None;
            }
            self.recover();
        }
        match listener.accept().await {
            Ok(accepted) => {
                self.recover();
                Some(accepted)
            }
            Err(e) => {
                match classify(&e) {
                    AcceptFailure::Exhausted(cause) => {
                        if self.lock().failed(cause, Instant::now()) {
                            self.metrics.fd_exhaustion(true);
                            warn!(
                                cause,
                                listener = which,
                                error = %e,
                                "out of file descriptors: accepting paused, new connections wait \
                                 in the kernel's backlog and /ready reports 503 until descriptors \
                                 free up (raise LimitNOFILE or lower [listener] max_calls)"
                            );
                        }
                    }
                    AcceptFailure::Transient => {
                        debug!(listener = which, error = %e, "a connection was reset before accept");
                    }
                    AcceptFailure::Other => {
                        warn!(listener = which, error = %e, "accept failed; retrying");
                        self.metrics.accept_backoff(which);
                        tokio::time::sleep(OTHER_ERROR_DELAY).await;
                    }
                }
                None
            }
        }
    }

    /// Ends a running episode, logging it once.
    fn recover(&self) {
        let ended = self.lock().recovered();
        if let Some(e) = ended {
            self.metrics.fd_exhaustion(false);
            info!(
                cause = e.cause,
                lasted_ms = e.since.elapsed().as_millis() as u64,
                backoffs = e.backoffs,
                "file descriptors available again; accepting connections"
            );
        }
    }
}

/// True when [`HEADROOM`] new sockets can be opened (then closed): the
/// process is below its descriptor limit and the system has files to give.
fn headroom() -> bool {
    let mut held = Vec::with_capacity(HEADROOM);
    for _ in 0..HEADROOM {
        match TcpSocket::new_v4() {
            Ok(s) => held.push(s),
            Err(_) => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_and_memory_errors_are_exhaustion_and_resets_are_transient() {
        let err = |n| io::Error::from_raw_os_error(n);
        assert_eq!(
            classify(&err(libc::EMFILE)),
            AcceptFailure::Exhausted("EMFILE")
        );
        assert_eq!(
            classify(&err(libc::ENFILE)),
            AcceptFailure::Exhausted("ENFILE")
        );
        assert_eq!(classify(&err(libc::ECONNABORTED)), AcceptFailure::Transient);
        assert_eq!(classify(&err(libc::EINVAL)), AcceptFailure::Other);
    }

    #[test]
    fn an_episode_starts_once_backs_off_exponentially_and_ends_once() {
        let mut x = Exhaustion::default();
        let t0 = Instant::now();
        assert_eq!(x.backoff(), None, "no pause while descriptors are fine");
        assert!(x.failed("EMFILE", t0));
        assert!(
            !x.failed("EMFILE", t0),
            "a second failure is the same episode"
        );
        assert!(!x.failed("ENFILE", t0));
        let delays: Vec<Duration> = (0..9).filter_map(|_| x.backoff()).collect();
        let ms: Vec<u128> = delays.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, [10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
        let ended = x.recovered().expect("the episode ends");
        assert_eq!((ended.cause, ended.backoffs), ("EMFILE", 9));
        assert_eq!(x.recovered(), None, "it ends once");
        assert!(x.failed("EMFILE", t0), "a later failure is a new episode");
        assert_eq!(x.backoff(), Some(FIRST_DELAY), "with its own backoff");
    }
}
