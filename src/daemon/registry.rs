//! Every live call by call_sid, with the handle that steers it
//! ([`CallHandle`]). The listener registers a call when its connection
//! becomes a call and the entry goes when the call's task ends
//! ([`Registration`] removes it on drop, however the task ends). Screening
//! legs are not registered: they belong to their dial.
//!
//! Calls dialbridge creates itself (the REST API's originate, issue 13)
//! register the UUID they choose before the originate ([`Registry::reserve`]):
//! commands sent meanwhile wait in the call's channel, and when FreeSWITCH
//! hands the call to the listener, [`Registry::register`] gives its task the
//! same channel.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::watch;

use crate::call::handle::{self, CallHandle, Commands};
use crate::call::origination::Origination;

/// One call_sid's entry.
enum Entry {
    /// The call's task runs and serves the channel.
    Live(CallHandle),
    /// Chosen for a call being created.
    Reserved(Box<Pending>),
}

/// A call being created: the receiving end waits for the call's
/// connection, with what the call starts with, whether the API asked to
/// cancel it, and how far its originate got.
struct Pending {
    handle: CallHandle,
    rx: Commands,
    origination: Option<Origination>,
    cancel: watch::Sender<bool>,
    progress: Progress,
}

/// How far the originate of a call being created got, as its status hook
/// was told: `trying`, `ringing` or `early-media`, with the SIP code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The call_status.
    pub call_status: &'static str,
    /// The sip_status that goes with it.
    pub sip_status: u16,
}

impl Progress {
    /// Just sent.
    pub const TRYING: Progress = Progress {
        call_status: "trying",
        sip_status: 100,
    };
}

/// A call being created, as the API lists it.
#[derive(Debug, Clone)]
pub struct Reserved {
    /// Its UUID.
    pub call_sid: String,
    /// What it starts with (None for a bare [`Registry::reserve`]).
    pub origination: Option<Origination>,
    /// How far its originate got.
    pub progress: Progress,
}

impl Entry {
    fn handle(&self) -> &CallHandle {
        match self {
            Entry::Live(h) => h,
            Entry::Reserved(p) => &p.handle,
        }
    }
}

/// The live calls of this daemon. Clones share the table.
#[derive(Clone, Default)]
pub struct Registry {
    calls: Arc<Mutex<HashMap<String, Entry>>>,
}

impl Registry {
    fn table(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // A panic while holding the lock cannot leave the map half-changed
        // (each change is one insert or remove), so a poisoned lock is used.
        self.calls.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The handle of the live (or reserved) call `call_sid`.
    pub fn get(&self, call_sid: &str) -> Option<CallHandle> {
        self.table().get(call_sid).map(|e| e.handle().clone())
    }

    /// The handle of `call_sid` and whether its call is only reserved (being
    /// created: its socket has not connected yet).
    pub fn lookup(&self, call_sid: &str) -> Option<(CallHandle, bool)> {
        self.table()
            .get(call_sid)
            .map(|e| (e.handle().clone(), matches!(e, Entry::Reserved(..))))
    }

    /// The reserved (being created) calls, with what each starts with.
    pub fn reserved(&self) -> Vec<Reserved> {
        self.table()
            .iter()
            .filter_map(|(sid, e)| match e {
                Entry::Reserved(p) => Some(Reserved {
                    call_sid: sid.clone(),
                    origination: p.origination.clone(),
                    progress: p.progress,
                }),
                Entry::Live(_) => None,
            })
            .collect()
    }

    /// The call `call_sid` if it is being created.
    pub fn being_created(&self, call_sid: &str) -> Option<Reserved> {
        match self.table().get(call_sid) {
            Some(Entry::Reserved(p)) => Some(Reserved {
                call_sid: call_sid.to_owned(),
                origination: p.origination.clone(),
                progress: p.progress,
            }),
            _ => None,
        }
    }

    /// Records how far the originate of the reserved `call_sid` got.
    pub fn progressed(&self, call_sid: &str, progress: Progress) {
        if let Some(Entry::Reserved(p)) = self.table().get_mut(call_sid) {
            p.progress = progress;
        }
    }

    /// Asks the originate of the reserved `call_sid` to cancel it; false
    /// when `call_sid` is not being created.
    pub fn cancel_reserved(&self, call_sid: &str) -> bool {
        match self.table().get(call_sid) {
            Some(Entry::Reserved(p)) => {
                p.cancel.send_replace(true);
                true
            }
            _ => false,
        }
    }

    /// Whether the API asked to cancel the reserved `call_sid` (true once
    /// it did); None when `call_sid` is not reserved.
    pub fn cancellation(&self, call_sid: &str) -> Option<watch::Receiver<bool>> {
        match self.table().get(call_sid) {
            Some(Entry::Reserved(p)) => Some(p.cancel.subscribe()),
            _ => None,
        }
    }

    /// The handles of the calls whose task runs (not the reserved ones).
    pub fn live(&self) -> Vec<CallHandle> {
        self.table()
            .values()
            .filter_map(|e| match e {
                Entry::Live(h) => Some(h.clone()),
                Entry::Reserved(..) => None,
            })
            .collect()
    }

    /// The call_sids registered now, live or reserved.
    pub fn call_sids(&self) -> Vec<String> {
        self.table().keys().cloned().collect()
    }

    /// How many calls are registered.
    pub fn len(&self) -> usize {
        self.table().len()
    }

    /// True when no call is registered.
    pub fn is_empty(&self) -> bool {
        self.table().is_empty()
    }

    /// Registers the call `call_sid` whose connection just arrived: the
    /// channel its task serves (the reserved one, when the UUID was
    /// reserved), and the registration that removes it when dropped. None
    /// when a live call already has this UUID.
    pub(crate) fn register(&self, call_sid: &str) -> Option<(Registration, Commands)> {
        let mut table = self.table();
        let (rx, origination) = match table.remove(call_sid) {
            Some(Entry::Reserved(p)) => {
                let Pending {
                    handle,
                    rx,
                    origination,
                    ..
                } = *p;
                table.insert(call_sid.to_owned(), Entry::Live(handle));
                (rx, origination)
            }
            Some(live @ Entry::Live(_)) => {
                table.insert(call_sid.to_owned(), live);
                return None;
            }
            None => {
                let (h, rx) = handle::channel(call_sid);
                table.insert(call_sid.to_owned(), Entry::Live(h));
                (rx, None)
            }
        };
        let registration = Registration {
            registry: self.clone(),
            call_sid: call_sid.to_owned(),
            origination,
        };
        Some((registration, rx))
    }

    /// For a call dialbridge is about to create with the UUID `call_sid`
    /// (`origination_uuid` of the REST API's originate): reserves the UUID
    /// and returns the call's handle at once. Commands sent before the call
    /// connects wait in its channel. The reservation ends with the call, or
    /// with [`Registry::release`] when the originate fails. None when the
    /// UUID is taken.
    pub fn reserve(&self, call_sid: &str) -> Option<CallHandle> {
        self.reserve_for(call_sid, None)
    }

    /// [`Registry::reserve`] for a call that starts with `origination`
    /// (its task gets it from [`Registration::origination`]).
    pub fn reserve_for(
        &self,
        call_sid: &str,
        origination: Option<Origination>,
    ) -> Option<CallHandle> {
        let mut table = self.table();
        if table.contains_key(call_sid) {
            return None;
        }
        let (h, rx) = handle::channel(call_sid);
        let (cancel, _) = watch::channel(false);
        table.insert(
            call_sid.to_owned(),
            Entry::Reserved(Box::new(Pending {
                handle: h.clone(),
                rx,
                origination,
                cancel,
                progress: Progress::TRYING,
            })),
        );
        Some(h)
    }

    /// Drops the reservation of `call_sid` if its call never connected
    /// (a live call is left alone).
    pub fn release(&self, call_sid: &str) {
        let mut table = self.table();
        if matches!(table.get(call_sid), Some(Entry::Reserved(..))) {
            table.remove(call_sid);
        }
    }
}

/// A call's place in the registry, held by its connection's task: dropping
/// it (the call ended, or its task was aborted) removes the entry.
pub(crate) struct Registration {
    registry: Registry,
    call_sid: String,
    origination: Option<Origination>,
}

impl Registration {
    /// What the call starts with when the REST API created it (once).
    pub fn origination(&mut self) -> Option<Origination> {
        self.origination.take()
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.registry.table().remove(&self.call_sid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::handle::{Command, CommandError, HangupCause};

    #[test]
    fn a_call_is_registered_until_its_registration_is_dropped() {
        let r = Registry::default();
        let (registration, _rx) = r.register("A").expect("new");
        assert!(r.get("A").is_some());
        assert!(r.register("A").is_none(), "a live UUID is not taken twice");
        assert_eq!(r.len(), 1);
        drop(registration);
        assert!(r.get("A").is_none() && r.is_empty());
    }

    #[tokio::test]
    async fn a_reserved_uuid_hands_its_waiting_commands_to_the_call() {
        let r = Registry::default();
        let handle = r.reserve("B").expect("free");
        assert!(r.reserve("B").is_none());
        let asking = tokio::spawn(async move { handle.hangup(HangupCause::CallRejected).await });
        let (registration, mut rx) = r.register("B").expect("reserved");
        match rx.recv().await.map(|c| *c) {
            Some(Command::Hangup { cause, reply }) => {
                assert_eq!(cause, HangupCause::CallRejected);
                let _ = reply.send(Ok(()));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(asking.await.ok(), Some(Ok(())));
        r.release("B");
        assert!(r.get("B").is_some(), "release leaves a live call alone");
        drop(registration);
        assert!(r.is_empty());
    }

    #[tokio::test]
    async fn a_released_reservation_ends_its_handle() {
        let r = Registry::default();
        let handle = r.reserve("C").expect("free");
        r.release("C");
        assert!(r.is_empty());
        assert_eq!(
            handle.hangup(HangupCause::NormalClearing).await,
            Err(CommandError::Ended)
        );
    }
}
