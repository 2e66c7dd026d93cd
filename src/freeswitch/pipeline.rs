//! Applications sent back to back and confirmed afterwards (docs/freeswitch.md
//! §17): FreeSWITCH starts a queued application only at the channel's next
//! frame (~20 ms) and then runs whatever was queued behind it without a
//! pause, so a set-up awaited one application at a time costs a frame per
//! application, while the same set-up queued at once costs one frame in all
//! (captures 02a, 03a, 06 sent theirs that way).
//!
//! A [`Batch`] is the Event-UUIDs of applications queued this way; each
//! `sendmsg` is still answered (`+OK` means queued, a refusal is an error at
//! once). [`CallSocket::confirm`] then waits for every completion, within
//! the batch's deadline: a step that never completes (the caller hung up,
//! FreeSWITCH lost track, events were dropped) is an error, exactly as it
//! would have been for an awaited application, only seen later. Events of
//! other channels that arrive meanwhile (a leg a bridge queued behind the
//! batch already started) are kept for [`CallSocket::next`].

use std::collections::VecDeque;

use freeswitch_esl_tokio::{EslEvent, HeaderLookup};
use tokio::time::Instant;

use super::command::{Completion, SocketError, completes};
use super::socket::CallSocket;

/// Applications queued on the caller and not yet confirmed.
#[derive(Debug, Default)]
#[must_use = "a batch's completions must be confirmed"]
pub(crate) struct Batch {
    /// Application name and Event-UUID, in the order they were queued.
    queued: Vec<(String, String)>,
    /// When the last completion is due, if every application has a deadline.
    due: Option<Instant>,
    /// An application without a deadline (runs as long as its media) was
    /// queued: the batch waits without one.
    unbounded: bool,
}

impl Batch {
    /// An empty batch.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// True when nothing was queued.
    pub(crate) fn is_empty(&self) -> bool {
        self.queued.is_empty()
    }
}

impl CallSocket {
    /// Queues `app arg` on the caller without waiting for it to run; its
    /// completion is awaited by [`CallSocket::confirm`]. A refused `sendmsg`
    /// is an error here.
    pub(crate) async fn queue(
        &mut self,
        batch: &mut Batch,
        app: &str,
        arg: Option<&str>,
    ) -> Result<(), SocketError> {
        self.usable_for_completions()?;
        let id = self.start(app, arg).await?;
        match self.limits.completion(app, arg) {
            // Queued ones run back to back: the last is due one deadline
            // after it was queued.
            Some(d) => batch.due = Some(Instant::now() + d),
            None => batch.unbounded = true,
        }
        batch.queued.push((app.to_owned(), id));
        Ok(())
    }

    /// Waits for the completion of every application in `batch`, in any
    /// order; returns them in the order they were queued.
    pub(crate) async fn confirm(&mut self, batch: Batch) -> Result<Vec<Completion>, SocketError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        self.usable_for_completions()?;
        // Read the stream itself, not what an earlier batch held back; what
        // this one holds back goes behind that.
        let earlier = std::mem::take(&mut self.held);
        let mut later = VecDeque::new();
        let confirmed = self.completions(&batch, &mut later).await;
        self.held = earlier;
        self.held.extend(later);
        confirmed
    }

    /// [`Self::confirm`]'s wait; events of other channels go to `later`.
    async fn completions(
        &mut self,
        batch: &Batch,
        later: &mut VecDeque<EslEvent>,
    ) -> Result<Vec<Completion>, SocketError> {
        let mut done: Vec<Option<Completion>> = vec![None; batch.queued.len()];
        let due = if batch.unbounded { None } else { batch.due };
        while done.iter().any(Option::is_none) {
            let next = match due {
                Some(at) => match tokio::time::timeout_at(at, self.next()).await {
                    Ok(next) => next,
                    Err(_) => {
                        let missing = missing(batch, &done);
                        let d = self.limits.reply;
                        return Err(self.lost_track(format!(
                            "FreeSWITCH did not complete `{missing}` within {} ms",
                            d.as_millis()
                        )));
                    }
                },
                None => self.next().await,
            };
            let event = match next {
                Ok(e) => e,
                Err(SocketError::EventsLost) => {
                    let missing = missing(batch, &done);
                    return Err(self.lost_track(format!(
                        "events were dropped while `{missing}` ran (the event queue overflowed)"
                    )));
                }
                Err(e) => return Err(e),
            };
            let mine = batch
                .queued
                .iter()
                .position(|(_, id)| completes(&event, id));
            match mine {
                Some(i) => done[i] = Some(Completion::from_event(event)),
                None if event.unique_id().is_some_and(|u| u != self.uuid) => {
                    later.push_back(event);
                }
                None => {}
            }
            if self.hung_up() {
                return Err(SocketError::HungUp);
            }
        }
        Ok(done.into_iter().flatten().collect())
    }

    /// The error for waiting on completions when none can come.
    fn usable_for_completions(&self) -> Result<(), SocketError> {
        if self.hung_up() {
            return Err(SocketError::HungUp);
        }
        if let Some(b) = &self.broken {
            return Err(SocketError::Unresponsive(b.why.clone()));
        }
        if !self.subscribed {
            return Err(SocketError::Unresponsive(
                "the call's events are not subscribed".into(),
            ));
        }
        Ok(())
    }
}

/// The first application of `batch` not confirmed yet (for messages).
fn missing(batch: &Batch, done: &[Option<Completion>]) -> String {
    batch
        .queued
        .iter()
        .zip(done)
        .find(|(_, d)| d.is_none())
        .map(|((app, _), _)| app.clone())
        .unwrap_or_default()
}
