//! The queues `enqueue` and `dequeue` share, one per name, held in the
//! daemon's memory: first come, first served. A queue lives on one
//! dialbridge node (a FreeSWITCH farm behind Kamailio's dispatcher has one
//! set of queues per node), and a restart empties it, as the calls in it
//! end with the daemon's sockets.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use tokio::sync::{Notify, oneshot};
use tokio::time::Instant;

/// What a waiting call is told when another call dequeues it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dequeued {
    /// The conference room both calls join.
    pub(crate) room: String,
    /// The dequeuing call's call_sid.
    pub(crate) by: String,
}

/// A waiting call.
#[derive(Debug)]
pub(crate) struct Member {
    /// Its call_sid (its channel's UUID).
    pub(crate) call_sid: String,
    /// Where it is told that it was dequeued.
    tx: oneshot::Sender<Dequeued>,
}

impl Member {
    /// Tells the waiting call it was dequeued; false when it is gone.
    pub(crate) fn dequeue(self, d: Dequeued) -> bool {
        self.tx.send(d).is_ok()
    }
}

/// Where a call stands in its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Place {
    /// 1 for the next call to be dequeued.
    pub(crate) position: usize,
    /// Calls waiting in the queue.
    pub(crate) size: usize,
}

/// Every queue of the daemon.
#[derive(Debug, Default)]
pub(crate) struct Queues {
    queues: Mutex<HashMap<String, VecDeque<(Member, Instant)>>>,
    /// Woken when a call joins any queue (dequeuers waiting look again).
    joined: Notify,
}

impl Queues {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<(Member, Instant)>>> {
        // A panic while holding the lock cannot leave a queue half-changed
        // (each change is one push or remove).
        self.queues.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Puts `call_sid` at the end of queue `name`; the receiver says when
    /// it is dequeued.
    pub(crate) fn join(&self, name: &str, call_sid: &str) -> oneshot::Receiver<Dequeued> {
        let (tx, rx) = oneshot::channel();
        let member = Member {
            call_sid: call_sid.to_owned(),
            tx,
        };
        self.lock()
            .entry(name.to_owned())
            .or_default()
            .push_back((member, Instant::now()));
        self.joined.notify_waiters();
        rx
    }

    /// Takes `call_sid` out of queue `name` (it left, hung up, or was
    /// dequeued already: then nothing happens).
    pub(crate) fn leave(&self, name: &str, call_sid: &str) {
        let mut queues = self.lock();
        if let Some(q) = queues.get_mut(name) {
            q.retain(|(m, _)| m.call_sid != call_sid);
            if q.is_empty() {
                queues.remove(name);
            }
        }
    }

    /// Where `call_sid` stands in queue `name`.
    pub(crate) fn place(&self, name: &str, call_sid: &str) -> Option<Place> {
        let queues = self.lock();
        let q = queues.get(name)?;
        let i = q.iter().position(|(m, _)| m.call_sid == call_sid)?;
        Some(Place {
            position: i + 1,
            size: q.len(),
        })
    }

    /// Takes the longest-waiting call of queue `name` (or `call_sid`, when
    /// given) out of it.
    pub(crate) fn take(&self, name: &str, call_sid: Option<&str>) -> Option<Member> {
        let mut queues = self.lock();
        let q = queues.get_mut(name)?;
        let i = match call_sid {
            Some(sid) => q.iter().position(|(m, _)| m.call_sid == sid)?,
            None => 0,
        };
        let (member, _) = q.remove(i)?;
        if q.is_empty() {
            queues.remove(name);
        }
        Some(member)
    }

    /// Waits until a call joins some queue. Create the future before
    /// looking with [`Queues::take`], so that a join in between is not
    /// missed (`Notify::notified` remembers a notification only once the
    /// future exists and is enabled).
    pub(crate) fn joined(&self) -> tokio::sync::futures::Notified<'_> {
        self.joined.notified()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn first_come_first_served_and_a_chosen_call_can_be_taken() {
        let q = Queues::default();
        let _a = q.join("sales", "a");
        let _b = q.join("sales", "b");
        let _c = q.join("sales", "c");
        assert_eq!(
            q.place("sales", "b"),
            Some(Place {
                position: 2,
                size: 3
            })
        );
        assert_eq!(
            q.take("sales", Some("c")).map(|m| m.call_sid),
            Some("c".into())
        );
        assert_eq!(q.take("sales", None).map(|m| m.call_sid), Some("a".into()));
        q.leave("sales", "b");
        assert!(q.take("sales", None).is_none());
        assert!(q.place("sales", "b").is_none());
    }

    #[tokio::test]
    async fn the_waiting_call_hears_of_its_dequeue_and_a_gone_one_does_not_block() {
        let q = Queues::default();
        let rx = q.join("sales", "a");
        drop(q.join("sales", "gone"));
        let d = Dequeued {
            room: "r".into(),
            by: "agent".into(),
        };
        assert!(q.take("sales", None).is_some_and(|m| m.dequeue(d.clone())));
        assert_eq!(rx.await.ok(), Some(d.clone()));
        assert!(!q.take("sales", None).is_some_and(|m| m.dequeue(d)));
    }

    #[tokio::test]
    async fn a_dequeuer_waiting_is_woken_by_a_join() {
        let q = std::sync::Arc::new(Queues::default());
        let waiting = {
            let q = q.clone();
            tokio::spawn(async move {
                let joined = q.joined();
                tokio::pin!(joined);
                joined.as_mut().enable();
                if let Some(m) = q.take("sales", None) {
                    return Some(m.call_sid);
                }
                joined.await;
                q.take("sales", None).map(|m| m.call_sid)
            })
        };
        tokio::task::yield_now().await;
        let _rx = q.join("sales", "a");
        assert_eq!(waiting.await.ok().flatten(), Some("a".into()));
    }
}
