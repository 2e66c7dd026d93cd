//! The applications queued on a call's own channel and not completed yet,
//! in the order they were sent, so that a flushed one is not waited for
//! forever.
//!
//! `uuid_break <uuid> all` (updateCall's redirect, a background feature's
//! interruption, a dequeue or a room starting under a waitHook) runs
//! `switch_core_session_flush_private_events` (mod_commands.c,
//! `break_function`): an application queued by `sendmsg` but not started
//! yet is dropped and never sends its CHANNEL_EXECUTE_COMPLETE. FreeSWITCH
//! runs a channel's applications one after the other, so the completion of
//! an application means every one queued before it either completed (its
//! completion came first) or was dropped. After a break, a cheap
//! application is queued behind it ([`super::command::Commander::break_all`]);
//! its completion gives each dropped one a completion of its own here
//! (`Application-Response: _flushed_`), and whatever waited for it goes
//! on as if the break had ended it. Only that application's completion
//! does: a completion missing for another reason (FreeSWITCH lost track)
//! stays missing, and its deadline still ends the call.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use freeswitch_esl_tokio::{EslEvent, EslEventType};

/// What a completion made up for a dropped application says.
pub(crate) const FLUSHED: &str = "_flushed_";

/// The Event-UUIDs of the applications queued on the call's own channel
/// and not completed yet, oldest first; shared by the socket and its
/// commanders.
#[derive(Clone, Debug, Default)]
pub(crate) struct AppQueue(Arc<Mutex<VecDeque<(String, bool)>>>);

impl AppQueue {
    /// Records `id` as queued (before it is sent: its completion may come
    /// before the send returns); `settles` for the application queued
    /// behind a break, whose completion settles what the break dropped.
    pub(crate) fn push(&self, id: &str, settles: bool) {
        if let Ok(mut q) = self.0.lock() {
            q.push_back((id.to_owned(), settles));
        }
    }

    /// Forgets `id` (its `sendmsg` was refused: nothing was queued).
    pub(crate) fn forget(&self, id: &str) {
        if let Ok(mut q) = self.0.lock() {
            q.retain(|(x, _)| x != id);
        }
    }

    /// When `event` completes a queued application, forgets it; when that
    /// application settles a break, also every one queued before it, with
    /// completions made up for them (they were dropped), oldest first.
    pub(crate) fn completed(&self, event: &EslEvent) -> Vec<EslEvent> {
        if event.event_type() != Some(EslEventType::ChannelExecuteComplete) {
            return Vec::new();
        }
        let Some(id) = event.header_str("Application-UUID") else {
            return Vec::new();
        };
        let Ok(mut q) = self.0.lock() else {
            return Vec::new();
        };
        let Some(at) = q.iter().position(|(x, _)| x == id) else {
            return Vec::new();
        };
        let Some((_, settles)) = q.remove(at) else {
            return Vec::new();
        };
        if !settles {
            return Vec::new();
        }
        let dropped: Vec<(String, bool)> = q.drain(..at).collect();
        dropped
            .iter()
            .filter(|(_, s)| !s)
            .map(|(d, _)| flushed(d, event))
            .collect()
    }
}

/// The completion of `id`, dropped before it started, as the completion
/// of a later application (`after`) reveals it.
fn flushed(id: &str, after: &EslEvent) -> EslEvent {
    let mut e = EslEvent::with_type(EslEventType::ChannelExecuteComplete);
    e.set_header("Event-Name", "CHANNEL_EXECUTE_COMPLETE");
    e.set_header("Application-UUID", id);
    e.set_header("Application-Response", FLUSHED);
    for h in ["Unique-ID", "Answer-State"] {
        if let Some(v) = after.header_str(h) {
            e.set_header(h, v);
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(id: &str) -> EslEvent {
        let mut e = EslEvent::with_type(EslEventType::ChannelExecuteComplete);
        e.set_header("Event-Name", "CHANNEL_EXECUTE_COMPLETE");
        e.set_header("Application-UUID", id);
        e.set_header("Unique-ID", "A");
        e.set_header("Answer-State", "answered");
        e
    }

    #[test]
    fn a_later_completion_gives_the_dropped_ones_theirs_in_order() {
        let q = AppQueue::default();
        for id in ["play", "sleep"] {
            q.push(id, false);
        }
        q.push("settle", true);
        q.push("next", false);
        let made = q.completed(&complete("settle"));
        let ids: Vec<_> = made
            .iter()
            .map(|e| e.header_str("Application-UUID").unwrap_or_default())
            .collect();
        assert_eq!(ids, ["play", "sleep"]);
        assert_eq!(made[0].header_str("Application-Response"), Some(FLUSHED));
        assert_eq!(made[0].header_str("Unique-ID"), Some("A"));
        // What was queued after it is still waited for.
        assert!(q.completed(&complete("next")).is_empty());
        assert!(q.completed(&complete("next")).is_empty());
    }

    #[test]
    fn completions_in_order_make_nothing_up() {
        let q = AppQueue::default();
        q.push("a", false);
        q.push("b", false);
        q.forget("b");
        q.push("c", false);
        assert!(q.completed(&complete("a")).is_empty());
        assert!(q.completed(&complete("c")).is_empty());
        // A completion lost for another reason is not made up by a later
        // application's (its deadline ends the call).
        q.push("lost", false);
        q.push("later", false);
        assert!(q.completed(&complete("later")).is_empty());
        // Another channel's or an unknown application's completion.
        assert!(q.completed(&complete("zzz")).is_empty());
    }
}
