//! Pausing and resuming a call's listen streams (updateCall's
//! `listen_status`, jambonz's `stream_status`). jambonz pauses its audio
//! fork (mod_audio_fork's `fork_session_pauseresume`: the buffered audio is
//! flushed and no frame is sent while paused; the websocket stays open and
//! text frames still go out) and resumes it with the live audio, never what
//! was said meanwhile. A dialbridge stream does the same on its recording:
//! while paused the tail of the file is not sent, and on resume the stream
//! skips to the file's end (`super::job`).
//!
//! [`Pauses`] is the call's registry of running listen streams: every
//! `listen` of the call (the verb, a dial's, a `config` background one)
//! registers when it starts and leaves when its task ends. One request
//! pauses or resumes all of them (a caller reading a card number is to be
//! heard by none); a stream started later starts unpaused, as a new listen
//! does in jambonz. A recognizer's stream (`transcribe`) is not a listen and
//! is never paused here.

use std::sync::{Arc, Mutex};

use tokio::sync::{oneshot, watch};
use tracing::info;

/// What a pause or resume asked of a call came to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListenStatusError {
    /// The call streams no audio to a websocket now.
    #[error(
        "the call has no running listen (a listen or stream verb, a dial's listen, or a config \
         listen): start one before pausing or resuming it"
    )]
    NoListen,
    /// The call ended before it could answer.
    #[error("the call has ended")]
    Ended,
}

/// The listen streams running on one call, each with its pause switch.
/// Cloned into whatever starts streams and whatever answers the call's
/// handle.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pauses {
    switches: Arc<Mutex<Vec<watch::Sender<bool>>>>,
}

impl Pauses {
    /// A switch for a new stream, unpaused; the stream's task holds the
    /// receiver, and the stream leaves the registry when it drops it.
    pub(crate) fn register(&self) -> watch::Receiver<bool> {
        let (tx, rx) = watch::channel(false);
        if let Ok(mut switches) = self.switches.lock() {
            switches.retain(|s| !s.is_closed());
            switches.push(tx);
        }
        rx
    }

    /// Pauses (`true`) or resumes every running stream; how many there
    /// are, or [`ListenStatusError::NoListen`] when there is none.
    pub(crate) fn set(&self, paused: bool) -> Result<usize, ListenStatusError> {
        let Ok(mut switches) = self.switches.lock() else {
            return Err(ListenStatusError::NoListen);
        };
        switches.retain(|s| !s.is_closed());
        if switches.is_empty() {
            return Err(ListenStatusError::NoListen);
        }
        for s in switches.iter() {
            s.send_replace(paused);
        }
        Ok(switches.len())
    }

    /// Answers a `listen_status` command of the call's handle.
    pub(crate) fn answer(
        &self,
        paused: bool,
        reply: oneshot::Sender<Result<(), ListenStatusError>>,
    ) {
        let done = self.set(paused).map(|n| {
            info!(
                streams = n,
                "listen {} through the call's handle",
                if paused { "paused" } else { "resumed" }
            );
        });
        let _ = reply.send(done);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_running_stream_is_switched_and_a_call_without_one_says_so() {
        let pauses = Pauses::default();
        assert_eq!(pauses.set(true), Err(ListenStatusError::NoListen));
        let a = pauses.register();
        let b = pauses.register();
        assert_eq!(pauses.set(true), Ok(2));
        assert!(*a.borrow() && *b.borrow());
        drop(a);
        assert_eq!(pauses.set(false), Ok(1));
        assert!(!*b.borrow());
        // A stream started after a pause starts unpaused.
        pauses.set(true).ok();
        let c = pauses.register();
        assert!(!*c.borrow());
        drop((b, c));
        assert_eq!(pauses.set(false), Err(ListenStatusError::NoListen));
    }
}
