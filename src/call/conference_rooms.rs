//! The conference rooms dialbridge's calls are in, held in the daemon's
//! memory (one dialbridge per FreeSWITCH node, so one process sees every
//! member it put in a room): whether a room has started — a member that
//! starts it (`startConferenceOnEnter`, the default) is in it — so that
//! members waiting outside (a waitHook / waitUrl) learn at once that it
//! did, how many of dialbridge's members it holds, and since when it runs
//! (the `start` and `end` statusHook events, as jambonz keeps them in its
//! database).
//!
//! A room starts when its first start-on-enter member joins, and ends when
//! its last member leaves or a member with `endConferenceOnExit` does
//! (FreeSWITCH then ends the room for everyone). Members put in a room by
//! something other than the conference verb (a dialplan, an originate) are
//! not counted.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

/// One room as dialbridge knows it.
#[derive(Debug)]
struct Room {
    /// dialbridge's members in the FreeSWITCH room.
    members: usize,
    /// When it started; None while no start-on-enter member is in it.
    started: Option<Instant>,
    /// True while started, for those waiting.
    tx: watch::Sender<bool>,
}

impl Room {
    fn new() -> Self {
        Self {
            members: 0,
            started: None,
            tx: watch::channel(false).0,
        }
    }
}

/// What joining a room did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Joined {
    /// This member started the room.
    pub(crate) started_it: bool,
    /// dialbridge's members in the room, this one included.
    pub(crate) members: usize,
}

/// What leaving a room did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Left {
    /// This member's leaving ended the room.
    pub(crate) ended: bool,
    /// dialbridge's members still in the room.
    pub(crate) members: usize,
}

/// Every room of the daemon, by name.
#[derive(Debug, Default)]
pub(crate) struct Rooms {
    rooms: Mutex<HashMap<String, Room>>,
}

impl Rooms {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Room>> {
        // Each change is a few field writes: a panic cannot leave a room
        // half-changed.
        self.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Watches whether room `name` has started (true once it has).
    pub(crate) fn started(&self, name: &str) -> watch::Receiver<bool> {
        self.lock()
            .entry(name.to_owned())
            .or_insert_with(Room::new)
            .tx
            .subscribe()
    }

    /// How long room `name` has run (zero when it has not started).
    pub(crate) fn running_for(&self, name: &str) -> Duration {
        self.lock()
            .get(name)
            .and_then(|r| r.started)
            .map_or(Duration::ZERO, |t| t.elapsed())
    }

    /// A member joins room `name`; `starts` when it starts the room
    /// (`startConferenceOnEnter`).
    pub(crate) fn join(&self, name: &str, starts: bool) -> Joined {
        let mut rooms = self.lock();
        let room = rooms.entry(name.to_owned()).or_insert_with(Room::new);
        room.members += 1;
        let started_it = starts && room.started.is_none();
        if started_it {
            room.started = Some(Instant::now());
            room.tx.send_replace(true);
        }
        Joined {
            started_it,
            members: room.members,
        }
    }

    /// A member leaves room `name`; `ends` when it ends the room
    /// (`endConferenceOnExit`).
    pub(crate) fn leave(&self, name: &str, ends: bool) -> Left {
        let mut rooms = self.lock();
        let Some(room) = rooms.get_mut(name) else {
            return Left {
                ended: false,
                members: 0,
            };
        };
        room.members = room.members.saturating_sub(1);
        let ended = room.members == 0 || ends;
        if ended {
            room.started = None;
            room.tx.send_replace(false);
        }
        let members = room.members;
        if members == 0 && room.tx.receiver_count() == 0 {
            rooms.remove(name);
        }
        Left { ended, members }
    }

    /// Forgets room `name` when nobody is in it or waits for it (a waiter
    /// that gave up).
    pub(crate) fn forget_if_empty(&self, name: &str) {
        let mut rooms = self.lock();
        if rooms
            .get(name)
            .is_some_and(|r| r.members == 0 && r.tx.receiver_count() == 0)
        {
            rooms.remove(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_waiter_learns_when_the_first_start_on_enter_member_joins() {
        let rooms = Rooms::default();
        let mut waiting = rooms.started("r");
        assert!(!*waiting.borrow());
        assert_eq!(
            rooms.join("r", false),
            Joined {
                started_it: false,
                members: 1
            },
            "a wait-mod member does not start it"
        );
        assert!(!*waiting.borrow());
        assert!(rooms.join("r", true).started_it);
        assert!(waiting.wait_for(|s| *s).await.is_ok());
        assert!(!rooms.join("r", true).started_it, "started once");
    }

    #[test]
    fn the_last_member_out_or_an_endconf_member_ends_the_room() {
        let rooms = Rooms::default();
        rooms.join("r", true);
        rooms.join("r", false);
        assert_eq!(
            rooms.leave("r", false),
            Left {
                ended: false,
                members: 1
            }
        );
        assert_eq!(
            rooms.leave("r", false),
            Left {
                ended: true,
                members: 0
            }
        );
        assert_eq!(rooms.running_for("r"), Duration::ZERO);
        rooms.join("s", true);
        rooms.join("s", false);
        let waiter = rooms.started("s");
        assert!(rooms.leave("s", true).ended, "endConferenceOnExit");
        assert!(!*waiter.borrow(), "a newcomer waits again");
        assert!(!rooms.join("s", false).started_it);
    }

    #[test]
    fn empty_rooms_nobody_waits_for_are_forgotten() {
        let rooms = Rooms::default();
        drop(rooms.started("r"));
        rooms.forget_if_empty("r");
        assert!(rooms.lock().is_empty());
        rooms.join("r", true);
        rooms.leave("r", false);
        assert!(rooms.lock().is_empty());
    }
}
