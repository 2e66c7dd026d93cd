//! The CUSTOM `conference::maintenance` events of mod_conference and the
//! conference's sound queue (docs/freeswitch.md §19; traces 19a, 19b):
//! conference-level events (create, destroy, play-file, play-file-done,
//! a floor-change to nobody) and member events (the member's channel data
//! without variables, its flags and Member-ID). The rules of when each is
//! sent are in conference.rs.

use std::time::{Duration, Instant};

use super::conference::{Conference, Member};
use super::core::Core;
use super::event::Event;
use super::switch::Switch;

pub const ALONE: &str =
    "/srv/freeswitch/share/freeswitch/sounds/en/us/callie/conference/conf-alone.wav";
pub const MOH: &str = "local_stream://moh";
pub const ENTER: &str = "tone_stream://%(200,0,500,600,700)";
pub const EXIT: &str = "tone_stream://%(500,0,300,200,100,50,25)";

/// The conference thread's tick (default 20 switch ms;
/// `FakeSwitch::conference_tick`): the floor, the hold music, a mute, a
/// departure are acted on at the next one.
pub fn tick(sw: &Switch) -> Duration {
    sw.extra().conferences.tick.unwrap_or_else(|| sw.ms(20))
}

/// The conference-level headers every event starts with.
pub fn conf_event(core: &mut Core, cu: &str, c: &Conference, size: usize) -> Event {
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
pub fn emit_plain(
    core: &mut Core,
    cu: &str,
    c: &Conference,
    action: &str,
    extra: &[(&str, String)],
) {
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
        ("Talking", (action == "start-talking").to_string()),
        ("Mute-Detect", "false".into()),
        ("Hold", m.hold.to_string()),
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
pub fn failed_play(core: &mut Core, cu: &str, c: &Conference, file: &str, asynchronous: bool) {
    let extra = [
        ("File", file.to_string()),
        ("Async", asynchronous.to_string()),
        ("Error", "File could not be played".to_string()),
    ];
    emit_plain(core, cu, c, "play-file", &extra);
}

/// `play-file-done` of every queued tone: the one playing with its time so
/// far, the rest with none.
pub fn flush_tones(core: &mut Core, cu: &str, c: &mut Conference, only_current: bool) {
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
pub fn queue_tone(sw: &Switch, c: &mut Conference, file: &str) {
    c.tones.push_back((file.to_string(), Instant::now()));
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

/// mod_conference's talking detection (conference_loop.c, not captured):
/// `start-talking` when a member that can speak and is not held starts
/// talking; `stop-talking` when it stops (the `talking-*` statistics
/// headers left out: FreeSWITCH adds them only with an energy average).
pub fn talking(sw: &Switch, name: &str, id: u32, talking: bool) -> bool {
    let cu = sw.0.core_uuid.clone();
    let mut core = sw.lock();
    let ex = sw.extra();
    let Some(c) = ex.conferences.rooms.get(name) else {
        return false;
    };
    let Some(m) = c.member(id) else {
        return false;
    };
    if talking && (!m.speak || m.hold) {
        return true;
    }
    let action = if talking {
        "start-talking"
    } else {
        "stop-talking"
    };
    emit_member(&mut core, &cu, c, m, action);
    true
}
