//! The outbound-socket listener: FreeSWITCH's `socket` application connects
//! here once per call. Each connection becomes a call task; a connection
//! for a screened leg is handed to the dial that owns it; past `max_calls`,
//! or once a drain started, a new call is refused at once with 503 so a
//! carrier or Kamailio fails over (the socket is closed after FreeSWITCH
//! ended the call).
//!
//! The listener keeps accepting until the process exits: during a drain,
//! screened legs of live dials still carry `group_confirm_file=socket
//! <listener>`, and a screening connection that found the port closed would
//! have its leg bridged unscreened (docs/freeswitch.md §13).

use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tracing::{Instrument, debug, info, info_span, warn};

use super::admission::fds::FdWatch;
use super::admission::{Admission, Pending};
use super::registry::Registry;
use crate::call::Engine;
use crate::call::dial::screening::decline;
use crate::call::session;
use crate::freeswitch::deadline::Limits;
use crate::freeswitch::ending::Finish;
use crate::freeswitch::socket::CallSocket;

/// Calls in progress, bounded by `[listener] max_calls`.
#[derive(Clone)]
pub struct CallSlots {
    slots: Arc<Semaphore>,
    max: usize,
}

impl CallSlots {
    /// `max` concurrent calls.
    pub(crate) fn new(max: usize) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(max)),
            max,
        }
    }

    /// `[listener] max_calls` as the daemon started with it.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Calls running now.
    pub(crate) fn live(&self) -> usize {
        self.max - self.slots.available_permits()
    }
}

/// Accepts connections until the task is dropped. Once `draining` turns
/// true new calls are refused with 503; screening connections are served
/// as before. Who may connect, and backing off when descriptors run out,
/// is [`Admission`]'s.
pub(crate) async fn serve(
    listener: TcpListener,
    engine: Arc<Engine>,
    slots: CallSlots,
    calls: Registry,
    mut draining: watch::Receiver<bool>,
    fds: Arc<FdWatch>,
) {
    let mut admission = Admission::new(engine.settings.clone(), Arc::clone(&engine.metrics), fds);
    let mut announced = false;
    loop {
        tokio::select! {
            admitted = admission.accept(&listener) => if let Some((stream, pending)) = admitted {
                debug!(peer = %pending.peer(), "connection");
                // Boxed once here: the call's future (~12 KiB) was copied
                // whole at each step into its task (Tasks::spawn's wrapper,
                // tokio's task cell), about five times per call (callgrind).
                let work = Box::pin(handle(stream, pending, Arc::clone(&engine), slots.clone(), calls.clone(), draining.clone()));
                engine.tasks.spawn(work);
            },
            changed = draining.changed(), if !announced => {
                if changed.is_err() || *draining.borrow() {
                    announced = true;
                    info!("draining: new calls are refused with 503; screening connections are served");
                }
            }
        }
    }
}

async fn handle(
    stream: TcpStream,
    pending: Pending,
    engine: Arc<Engine>,
    slots: CallSlots,
    calls: Registry,
    draining: watch::Receiver<bool>,
) {
    let limits = Limits::of(&engine.settings.borrow());
    let control = engine.control.clone();
    // Bounded by connect_timeout_ms; a failure is logged with the peer.
    // Boxed: done once the call runs, so its task need not keep room for it.
    let Some((socket, data)) = Box::pin(pending.connect(stream, limits, control)).await else {
        return;
    };
    if data.is_screening_leg() {
        if let Err(arrival) = engine.screenings.deliver(Box::new((socket, data))) {
            let (socket, data) = *arrival;
            let span = info_span!("screening", call_sid = %data.uuid);
            Box::pin(reject_unexpected(socket).instrument(span)).await;
        }
        return;
    }
    // Made only for a refusal: a call that runs has the span `session::run`
    // makes, and a second one held for the call's whole life would cost
    // every live call its registry slot and formatted fields.
    let span = || info_span!("call", call_sid = %data.uuid);
    if *draining.borrow() {
        engine.metrics.call_refused_draining();
        Box::pin(
            refuse(socket, "call refused with 503: dialbridge is draining").instrument(span()),
        )
        .await;
        return;
    }
    let Ok(permit) = Arc::clone(&slots.slots).try_acquire_owned() else {
        engine.metrics.call_refused();
        Box::pin(refuse(socket, "call refused with 503: too many calls").instrument(span())).await;
        return;
    };
    // Registered until this task ends, however it ends.
    let (registration, commands, origination) = match calls.register(&data.uuid) {
        Some((mut registration, commands)) => {
            let origination = registration.origination();
            (Some(registration), Some(commands), origination)
        }
        None => {
            warn!(call_sid = %data.uuid, "a live call already has this call_sid; this one has no handle");
            (None, None, None)
        }
    };
    session::run(socket, data, engine, commands, origination).await;
    drop(registration);
    drop(permit);
}

/// Refuses a new call with 503 and closes its socket.
async fn refuse(mut socket: CallSocket, why: &str) {
    warn!("{why}");
    if let Err(e) = socket.subscribe().await {
        warn!(error = %e, "cannot set up the refused call's socket");
    }
    socket.end_with(&Finish::respond(503)).await;
    socket.close().await;
}

/// A screening connection no dial waits for (its dial ended): the leg is
/// declined rather than bridged unscreened.
async fn reject_unexpected(socket: CallSocket) {
    warn!("screening connection for a leg no dial expects; declining it");
    decline(socket).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The size of the future `f` returns, without calling it.
    fn future_size<A, B, C, D, E, G, F: std::future::Future>(
        _: impl FnOnce(A, B, C, D, E, G) -> F,
    ) -> usize {
        std::mem::size_of::<F>()
    }

    /// Every live call holds its task's future for its whole life: the
    /// branches a bridged call is not in are boxed (set-up, other verbs,
    /// hooks), so it holds what a dial's live phase needs (README "Sizing a
    /// node"). 11,904 bytes when written, debug and release alike; it was
    /// 15,464 (release) before the boxing.
    #[test]
    fn a_call_task_holds_only_what_its_live_phase_needs() {
        let bytes = future_size(handle);
        println!("a call's task future: {bytes} bytes");
        assert!(
            bytes <= CALL_TASK_BUDGET,
            "a call's task future is {bytes} bytes (budget {CALL_TASK_BUDGET}): box the branch that grew it"
        );
    }

    /// The budget of the test above: room to grow by a sixth, not to
    /// carry an unboxed set-up or hook again.
    const CALL_TASK_BUDGET: usize = 14 * 1024;
}
