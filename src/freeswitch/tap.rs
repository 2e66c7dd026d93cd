//! Copies of a call's events for features that run in the background of
//! whatever verb reads the socket (the `config` verb's `bargeIn` and
//! `sipRequestWithinDialogHook`): the verb still gets every event; each tap
//! gets a copy of those it picks. A tap's queue is bounded: when its
//! reader lags, copies are dropped (and logged), never the verb's events.

use freeswitch_esl_tokio::EslEvent;
use tokio::sync::mpsc;
use tracing::warn;

use super::caller_state::CallerState;

/// Copies a tap may hold before new ones are dropped.
pub(crate) const TAP_QUEUE: usize = 64;

/// Which events a tap wants, knowing the caller's state when each came.
pub(crate) type Wants = fn(&EslEvent, &CallerState) -> bool;

/// One background reader of the call's events.
pub(crate) struct Tap {
    wants: Wants,
    tx: mpsc::Sender<EslEvent>,
}

/// A new tap and the queue its copies arrive on.
pub(crate) fn tap(wants: Wants) -> (Tap, mpsc::Receiver<EslEvent>) {
    let (tx, rx) = mpsc::channel(TAP_QUEUE);
    (Tap { wants, tx }, rx)
}

/// Gives `event` to every tap that wants it; forgets taps whose reader is
/// gone.
pub(crate) fn forward(taps: &mut Vec<Tap>, event: &EslEvent, state: &CallerState) {
    taps.retain(|t| !t.tx.is_closed());
    for t in taps.iter() {
        if (t.wants)(event, state) && t.tx.try_send(event.clone()).is_err() {
            warn!("a background feature lags behind the call's events; one was dropped for it");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dtmf(_: &EslEvent, s: &CallerState) -> bool {
        !s.bridged
    }

    #[tokio::test]
    async fn a_tap_gets_copies_of_what_it_wants_and_is_forgotten_when_dropped() {
        let mut taps = Vec::new();
        let (t, mut rx) = tap(dtmf);
        taps.push(t);
        let mut e = EslEvent::new();
        e.set_header("Event-Name", "DTMF");
        let bridged = CallerState {
            bridged: true,
            ..CallerState::default()
        };
        forward(&mut taps, &e, &CallerState::default());
        forward(&mut taps, &e, &bridged);
        assert!(rx.try_recv().is_ok());
        assert!(rx.try_recv().is_err(), "not while bridged");
        drop(rx);
        forward(&mut taps, &e, &CallerState::default());
        assert!(taps.is_empty());
    }
}
