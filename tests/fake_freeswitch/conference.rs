//! mod_conference (docs/freeswitch.md §19; traces 19a, 19b): the
//! `conference <name>[@<profile>][+flags{a|b}]` application, its members
//! and the CUSTOM `conference::maintenance` events, in the captured order.
//!
//! Rules read off the captures (the stock `default` profile, sound files
//! absent, tone streams present):
//! * the first member: `conference-create` (Size 0), `play-file` of the
//!   alone sound (fails, `Async: false`), `add-member`; 20 ms later
//!   `floor-change` (it gets the floor) and `play-file` of the moh stream
//!   (fails, `Async: true`);
//! * a member joining a conference that has one: `add-member`; its enter
//!   tone plays and ends (`play-file-done`) 600 ms later;
//! * a member leaving: `floor-change` (no member, `Old-ID`/`New-ID: none`)
//!   if it held the floor, `play-file` of the alone sound if one member is
//!   left, `del-member` (with Hangup-Cause when the channel is gone); its
//!   exit tone is queued behind the others (one `play-file-done` each);
//! * the last one leaving: 20 ms later `play-file-done` for the tone
//!   playing (tones queued behind it are dropped) and `conference-destroy`;
//! * a member with `endconf` leaving: 20 ms later the floor passes on and
//!   every queued tone ends (`play-file-done` each), 20 ms after that every
//!   member is hung up NORMAL_CLEARING (`floor-change`, `del-member`,
//!   `conference-destroy` at once);
//! * a member's `conference_enter_sound` / `conference_exit_sound`
//!   replace the profile's enter and exit tones for its joining and leaving
//!   (mod_conference; not captured);
//! * flags `mute` (Speak false), `deaf` (Hear false), `endconf`,
//!   `moderator` (the `non_moderator` target skips it), also from
//!   the channel's `conference_member_flags`; Member-IDs count up across
//!   conferences from 1 (`FakeSwitch::conference_member_ids_from`).
//!
//! The application returns when the member leaves (kicked, or the
//! channel gone) with `conference_name`, `conference_member_id`,
//! `conference_uuid`, `conference_moderator=false` set on the channel.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use freeswitch_esl_tokio::HangupCause;
use tokio::sync::watch;

use super::apps::local_hangup;
use super::conference_events::{
    ALONE, ENTER, EXIT, MOH, conf_event, emit_plain, failed_play, flush_tones, queue_tone,
};
pub use super::conference_events::{emit_member, tick};
use super::switch::Switch;

/// One member of a conference.
#[derive(Debug)]
pub struct Member {
    pub id: u32,
    pub uuid: String,
    pub hear: bool,
    pub speak: bool,
    pub endconf: bool,
    /// Joined with the `moderator` flag (skipped by `non_moderator`).
    pub moderator: bool,
    /// Held (`conference <name> hold <id>`).
    pub hold: bool,
    /// Its exit tone: the channel's `conference_exit_sound`, else the
    /// profile's.
    pub exit_sound: String,
    /// Set when the member must leave (kicked, the conference ended).
    pub leave: watch::Sender<bool>,
}

/// One conference: its members in joining order, the floor, the tone queue.
#[derive(Debug)]
pub struct Conference {
    pub name: String,
    pub profile: String,
    pub uuid: String,
    pub created: Instant,
    pub members: Vec<Member>,
    pub floor: Option<u32>,
    /// Tones queued (file, queued at); the first plays.
    pub tones: VecDeque<(String, Instant)>,
    pub ending: bool,
}

/// Every conference and the Member-ID counter.
#[derive(Debug, Default)]
pub struct Conferences {
    pub rooms: std::collections::HashMap<String, Conference>,
    pub next_id: u32,
    /// Conference-Unique-IDs a test fixed in advance, by name.
    pub uuids: std::collections::HashMap<String, String>,
    /// The conference thread's tick, when a test set it.
    pub tick: Option<Duration>,
}

impl Conference {
    pub fn member(&self, id: u32) -> Option<&Member> {
        self.members.iter().find(|m| m.id == id)
    }
}

/// `name[@profile][+flags{a|b}]` of the application's argument.
fn parse(arg: &str) -> (String, String, Vec<String>) {
    let (room, flags) = match arg.split_once("+flags{") {
        Some((r, f)) => (r, f.trim_end_matches('}')),
        None => (arg, ""),
    };
    let room = room.split('+').next().unwrap_or(room).trim();
    let (name, profile) = room.split_once('@').unwrap_or((room, "default"));
    let flags = flags
        .split('|')
        .filter(|f| !f.is_empty())
        .map(str::to_string)
        .collect();
    (name.to_string(), profile.to_string(), flags)
}

/// The `conference` application: join, stay until told to leave or the
/// channel goes, leave.
pub async fn conference_app(sw: &Switch, uuid: &str, arg: &str) {
    let cu = sw.0.core_uuid.clone();
    let (name, profile, mut flags) = parse(arg.trim());
    let (mut leave, mut hung) = {
        let mut core = sw.lock();
        let Some(ch) = core.channels.get(uuid).filter(|c| c.is_up()) else {
            return;
        };
        if let Some(more) = ch.var("conference_member_flags") {
            flags.extend(more.split('|').map(str::to_string));
        }
        let sound = |var: &str, profile: &str| {
            ch.var(var)
                .filter(|v| !v.is_empty())
                .unwrap_or(profile)
                .to_string()
        };
        let (enter_sound, exit_sound) = (
            sound("conference_enter_sound", ENTER),
            sound("conference_exit_sound", EXIT),
        );
        let hung = ch.hung.subscribe();
        let mut ex = sw.extra();
        let confs = &mut ex.conferences;
        confs.next_id = confs.next_id.max(1);
        let id = confs.next_id;
        confs.next_id += 1;
        let fixed = confs.uuids.remove(&name);
        let created = !confs.rooms.contains_key(&name);
        let c = confs
            .rooms
            .entry(name.clone())
            .or_insert_with(|| Conference {
                name: name.clone(),
                profile: profile.clone(),
                uuid: fixed.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
                created: Instant::now(),
                members: Vec::new(),
                floor: None,
                tones: VecDeque::new(),
                ending: false,
            });
        if created {
            emit_plain(&mut core, &cu, c, "conference-create", &[]);
        }
        let has = |f: &str| flags.iter().any(|x| x == f);
        let (tx, rx) = watch::channel(false);
        c.members.push(Member {
            id,
            uuid: uuid.to_string(),
            hear: !has("deaf"),
            speak: !has("mute"),
            endconf: has("endconf"),
            moderator: has("moderator"),
            hold: false,
            exit_sound,
            leave: tx,
        });
        if c.members.len() == 1 {
            failed_play(&mut core, &cu, c, ALONE, false);
        } else {
            queue_tone(sw, c, &enter_sound);
        }
        if let Some(ch) = core.channels.get_mut(uuid) {
            ch.set_var("conference_name", name.clone());
            ch.set_var("conference_member_id", id.to_string());
            ch.set_var("conference_uuid", c.uuid.clone());
            ch.set_var("conference_moderator", "false");
        }
        if let Some(m) = c.members.last() {
            emit_member(&mut core, &cu, c, m, "add-member");
        }
        if c.floor.is_none() {
            let (sw, name, id) = (sw.clone(), name.clone(), id);
            tokio::spawn(async move {
                tokio::time::sleep(tick(&sw)).await;
                give_floor(&sw, &name, id, true);
            });
        }
        (rx, hung)
    };
    tokio::select! {
        _ = leave.wait_for(|l| *l) => {}
        _ = hung.wait_for(|h| *h) => {}
    }
    // The conference thread notices at its next tick.
    tokio::time::sleep(tick(sw)).await;
    member_leaves(sw, &name, uuid);
}

/// Gives the floor to member `id` if nobody holds it (`floor-change`), and
/// with `moh` starts the hold music when alone with nothing playing.
pub fn give_floor(sw: &Switch, name: &str, id: u32, moh: bool) {
    let cu = sw.0.core_uuid.clone();
    let mut core = sw.lock();
    let mut ex = sw.extra();
    let Some(c) = ex.conferences.rooms.get_mut(name) else {
        return;
    };
    if c.floor.is_some() || c.member(id).is_none() {
        return;
    }
    c.floor = Some(id);
    if let Some(m) = c.member(id) {
        emit_member(&mut core, &cu, c, m, "floor-change");
    }
    if moh && c.members.len() == 1 && c.tones.is_empty() {
        failed_play(&mut core, &cu, c, MOH, true);
    }
}

/// Member `uuid` leaves `name` (see the module doc for the events).
fn member_leaves(sw: &Switch, name: &str, uuid: &str) {
    let cu = sw.0.core_uuid.clone();
    let mut core = sw.lock();
    let mut ex = sw.extra();
    let Some(c) = ex.conferences.rooms.get_mut(name) else {
        return;
    };
    let Some(pos) = c.members.iter().position(|m| m.uuid == uuid) else {
        return;
    };
    let m = c.members.remove(pos);
    if c.floor == Some(m.id) {
        c.floor = None;
        let extra = [
            ("Old-ID", "none".to_string()),
            ("New-ID", "none".to_string()),
        ];
        let mut ev = conf_event(&mut core, &cu, c, c.members.len() + 1);
        ev.push("Action", "floor-change");
        for (k, v) in extra {
            ev.push(k, v);
        }
        core.emit(&ev);
    }
    if c.members.len() == 1 && !c.ending {
        failed_play(&mut core, &cu, c, ALONE, false);
    }
    if !c.members.is_empty() && !c.ending {
        queue_tone(sw, c, &m.exit_sound);
    }
    emit_member(&mut core, &cu, c, &m, "del-member");
    if c.members.is_empty() {
        if c.ending {
            emit_plain(&mut core, &cu, c, "conference-destroy", &[]);
            ex.conferences.rooms.remove(name);
            return;
        }
        let (sw, name, conf_uuid) = (sw.clone(), name.to_string(), c.uuid.clone());
        tokio::spawn(async move {
            tokio::time::sleep(tick(&sw)).await;
            let cu = sw.0.core_uuid.clone();
            let mut core = sw.lock();
            let mut ex = sw.extra();
            let Some(c) = ex
                .conferences
                .rooms
                .get_mut(&name)
                .filter(|c| c.uuid == conf_uuid)
            else {
                return;
            };
            if !c.members.is_empty() {
                return;
            }
            flush_tones(&mut core, &cu, c, true);
            emit_plain(&mut core, &cu, c, "conference-destroy", &[]);
            ex.conferences.rooms.remove(&name);
        });
        return;
    }
    if m.endconf {
        end_conference(sw, name, c.uuid.clone());
    }
}

/// An `endconf` member left: the floor passes on and the tones end, then
/// every member is hung up (19b) — unless its channel has
/// `hangup_after_conference=false`: then it only leaves, and its
/// application returns (mod_conference.c; not captured).
fn end_conference(sw: &Switch, name: &str, conf_uuid: String) {
    let (sw, name) = (sw.clone(), name.to_string());
    tokio::spawn(async move {
        tokio::time::sleep(tick(&sw)).await;
        let next = {
            let cu = sw.0.core_uuid.clone();
            let mut core = sw.lock();
            let mut ex = sw.extra();
            let Some(c) = ex
                .conferences
                .rooms
                .get_mut(&name)
                .filter(|c| c.uuid == conf_uuid)
            else {
                return;
            };
            c.ending = true;
            flush_tones(&mut core, &cu, c, false);
            c.members.first().map(|m| m.id)
        };
        if let Some(id) = next {
            give_floor(&sw, &name, id, false);
        }
        tokio::time::sleep(tick(&sw)).await;
        let cu = sw.0.core_uuid.clone();
        let members: Vec<String> = sw
            .extra()
            .conferences
            .rooms
            .get(&name)
            .map(|c| c.members.iter().map(|m| m.uuid.clone()).collect())
            .unwrap_or_default();
        for u in members {
            let stays = sw
                .lock()
                .channels
                .get(&u)
                .and_then(|ch| ch.var("hangup_after_conference"))
                .is_some_and(|v| matches!(v, "false" | "no" | "off" | "0"));
            if stays {
                if let Some(c) = sw.extra().conferences.rooms.get(&name)
                    && let Some(id) = c.members.iter().find(|m| m.uuid == u).map(|m| m.id)
                {
                    kick(c, id);
                }
            } else {
                local_hangup(&mut sw.lock(), &cu, &u, HangupCause::NormalClearing);
                member_leaves(&sw, &name, &u);
            }
        }
    });
}

/// How long ago a conference or member began, in whole seconds.
pub fn secs_since(t: Instant) -> u64 {
    t.elapsed().as_secs()
}

/// Tells member `id` of `name` to leave (kick).
pub fn kick(c: &Conference, id: u32) -> bool {
    match c.member(id) {
        Some(m) => {
            let _ = m.leave.send(true);
            true
        }
        None => false,
    }
}
