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
//! * flags `mute` (Speak false), `deaf` (Hear false), `endconf`, also from
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
use super::core::Core;
use super::event::Event;
use super::switch::Switch;

const ALONE: &str =
    "/srv/freeswitch/share/freeswitch/sounds/en/us/callie/conference/conf-alone.wav";
const MOH: &str = "local_stream://moh";
const ENTER: &str = "tone_stream://%(200,0,500,600,700)";
const EXIT: &str = "tone_stream://%(500,0,300,200,100,50,25)";

/// One member of a conference.
#[derive(Debug)]
pub struct Member {
    pub id: u32,
    pub uuid: String,
    pub hear: bool,
    pub speak: bool,
    pub endconf: bool,
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
    pub tones: VecDeque<(&'static str, Instant)>,
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

/// The conference thread's tick (default 20 switch ms;
/// `FakeSwitch::conference_tick`): the floor, the hold music, a mute, a
/// departure are acted on at the next one.
pub fn tick(sw: &Switch) -> Duration {
    sw.extra().conferences.tick.unwrap_or_else(|| sw.ms(20))
}

/// The conference-level headers every event starts with.
fn conf_event(core: &mut Core, cu: &str, c: &Conference, size: usize) -> Event {
    let mut ev = core.base(
        cu,
        "CUSTOM",
        Some("conference::maintenance"),
        "conference_event",
    );
    ev.push("Conference-Name", c.name.clone());
    ev.push("Conference-Domain", "127.0.0.1");
    ev.push("Conference-Size", size.to_string());
    ev.push("Conference-Ghosts", "0");
    ev.push("Conference-Profile-Name", c.profile.clone());
    ev.push("Conference-Unique-ID", c.uuid.clone());
    ev
}

/// A conference-level event (no member).
fn emit_plain(core: &mut Core, cu: &str, c: &Conference, action: &str, extra: &[(&str, String)]) {
    let mut ev = conf_event(core, cu, c, c.members.len());
    ev.push("Action", action);
    for (k, v) in extra {
        ev.push(k, v.clone());
    }
    core.emit(&ev);
}

/// A member event (`add-member`, `del-member`, `floor-change`, ...):
/// the member's channel data without variables (19a).
pub fn emit_member(core: &mut Core, cu: &str, c: &Conference, m: &Member, action: &str) {
    let mut ev = conf_event(core, cu, c, c.members.len());
    let floor = action == "floor-change";
    if floor {
        ev.push("Action", action);
        ev.push("Old-ID", "none");
    }
    ev.push("Floor", (c.floor == Some(m.id)).to_string());
    if let Some(ch) = core.channels.get(&m.uuid) {
        ch.state_headers(&mut ev, true);
        ch.profile_headers(&mut ev, "Caller");
    }
    for (k, v) in [
        ("Video", "false".to_string()),
        ("Hear", m.hear.to_string()),
        ("See", "true".into()),
        ("Speak", m.speak.to_string()),
        ("Talking", "false".into()),
        ("Mute-Detect", "false".into()),
        ("Hold", "false".into()),
        ("Member-ID", m.id.to_string()),
        ("Member-Type", "member".into()),
        ("Member-Ghost", "false".into()),
        ("Energy-Level", "100".into()),
        ("Current-Energy", "0".into()),
    ] {
        ev.push(k, v);
    }
    if floor {
        ev.push("New-ID", m.id.to_string());
    } else {
        ev.push("Action", action);
    }
    core.emit(&ev);
}

/// A sound file that fails to play (absent on the capturing host).
fn failed_play(core: &mut Core, cu: &str, c: &Conference, file: &str, asynchronous: bool) {
    let extra = [
        ("File", file.to_string()),
        ("Async", asynchronous.to_string()),
        ("Error", "File could not be played".to_string()),
    ];
    emit_plain(core, cu, c, "play-file", &extra);
}

/// `play-file-done` of every queued tone: the one playing with its time so
/// far, the rest with none.
fn flush_tones(core: &mut Core, cu: &str, c: &mut Conference, only_current: bool) {
    let mut first = true;
    while let Some((file, since)) = c.tones.pop_front() {
        let ms = if first {
            since.elapsed().as_millis() as u64
        } else {
            0
        };
        first = false;
        let extra = [
            ("seconds", (ms / 1000).to_string()),
            ("milliseconds", ms.to_string()),
            ("samples", (ms * 8).to_string()),
            ("File", file.to_string()),
        ];
        emit_plain(core, cu, c, "play-file-done", &extra);
        if only_current {
            c.tones.clear();
        }
    }
}

/// Queues a tone; the first in the queue ends 600 switch ms after it
/// started (19a/19b), then the next starts.
fn queue_tone(sw: &Switch, c: &mut Conference, file: &'static str) {
    c.tones.push_back((file, Instant::now()));
    if c.tones.len() == 1 {
        play_next_tone(sw, c.name.clone(), c.uuid.clone());
    }
}

fn play_next_tone(sw: &Switch, name: String, conf_uuid: String) {
    let sw = sw.clone();
    tokio::spawn(async move {
        tokio::time::sleep(sw.ms(600)).await;
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
        let Some((file, _)) = c.tones.pop_front() else {
            return;
        };
        let extra = [
            ("seconds", "0".to_string()),
            ("milliseconds", "400".to_string()),
            ("samples", "3200".to_string()),
            ("File", file.to_string()),
        ];
        emit_plain(&mut core, &cu, c, "play-file-done", &extra);
        if let Some(next) = c.tones.front_mut() {
            next.1 = Instant::now();
            play_next_tone(&sw, name, conf_uuid);
        }
    });
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
            leave: tx,
        });
        if c.members.len() == 1 {
            failed_play(&mut core, &cu, c, ALONE, false);
        } else {
            queue_tone(sw, c, ENTER);
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
    tokio::time::sleep(tick(&sw)).await;
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
        queue_tone(sw, c, EXIT);
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
/// every member is hung up (19b).
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
            local_hangup(&mut sw.lock(), &cu, &u, HangupCause::NormalClearing);
            member_leaves(&sw, &name, &u);
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
