//! The outbound-socket listener: FreeSWITCH's `socket` application connects
//! here once per call. Each connection becomes a call task; a connection
//! for a screened leg is handed to the dial that owns it; past `max_calls`
//! a new call is refused at once with 503 so a carrier or Kamailio fails
//! over (the socket is closed after FreeSWITCH ends the call).

use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tracing::{Instrument, debug, info, info_span, warn};

use super::admission::fds::FdWatch;
use super::admission::{Admission, Pending};
use super::socket::CallSocket;
use crate::call::Engine;
use crate::call::session;

/// Calls in progress, bounded by `[listener] max_calls`.
#[derive(Clone)]
pub struct CallSlots {
    slots: Arc<Semaphore>,
    max: usize,
}

impl CallSlots {
    /// `max` concurrent calls.
    pub fn new(max: usize) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(max)),
            max,
        }
    }

    /// Calls running now.
    pub fn live(&self) -> usize {
        self.max - self.slots.available_permits()
    }

    /// Waits until no call runs.
    pub async fn idle(&self) {
        if let Ok(all) = self.slots.acquire_many(self.max as u32).await {
            drop(all);
        }
    }
}

/// Accepts calls until `shutdown` turns true; then stops accepting (the
/// port closes, so FreeSWITCH takes the dialplan's fallback) and returns,
/// leaving running calls to finish. Who may connect, and backing off when
/// descriptors run out, is [`Admission`]'s.
pub async fn serve(
    listener: TcpListener,
    engine: Arc<Engine>,
    slots: CallSlots,
    mut shutdown: watch::Receiver<bool>,
    fds: Arc<FdWatch>,
) {
    let mut admission = Admission::new(engine.settings.clone(), Arc::clone(&engine.metrics), fds);
    while !*shutdown.borrow() {
        tokio::select! {
            admitted = admission.accept(&listener) => if let Some((stream, pending)) = admitted {
                debug!(peer = %pending.peer(), "connection");
                let engine = Arc::clone(&engine);
                let slots = slots.clone();
                tokio::spawn(async move { handle(stream, pending, engine, slots).await });
            },
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
            }
        }
    }
    info!("listener closed; no new calls are accepted");
}

async fn handle(stream: TcpStream, pending: Pending, engine: Arc<Engine>, slots: CallSlots) {
    // Bounded by connect_timeout_ms; a failure is logged with the peer.
    let Some((socket, data)) = pending.connect(stream).await else {
        return;
    };
    if data.is_screening_leg() {
        if let Err(arrival) = engine.screenings.deliver(Box::new((socket, data))) {
            let (socket, data) = *arrival;
            let span = info_span!("screening", call_sid = %data.uuid);
            reject_unexpected(socket).instrument(span).await;
        }
        return;
    }
    let Ok(permit) = Arc::clone(&slots.slots).try_acquire_owned() else {
        engine.metrics.call_refused();
        let span = info_span!("call", call_sid = %data.uuid);
        refuse(socket).instrument(span).await;
        return;
    };
    session::run(socket, data, engine).await;
    drop(permit);
}

/// Refuses a call over the limit with 503 and closes its socket.
async fn refuse(mut socket: CallSocket) {
    warn!(
        max_calls = "reached",
        "call refused with 503: too many calls"
    );
    if socket.subscribe().await.is_ok() {
        socket.end_with("respond", "503").await;
    }
    socket.close().await;
}

/// A screening connection no dial waits for (its dial ended): hang the leg
/// up rather than let it be bridged unscreened.
async fn reject_unexpected(mut socket: CallSocket) {
    warn!("screening connection for a leg no dial expects; hanging it up");
    if socket.subscribe().await.is_ok() {
        socket.end_with("hangup", "CALL_REJECTED").await;
    }
    socket.close().await;
}
