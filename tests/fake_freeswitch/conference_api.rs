//! The `conference <name> <command>` api (docs/freeswitch.md §19; traces
//! 19a, 19b): `list`, `json_list`, `mute`, `unmute`, `kick`, with the
//! captured reply texts and events. Other commands and unknown
//! conferences answer as mod_conference.c does (not captured; README.md):
//! `hold`/`unhold <id>` (conference_api.c `conference_api_sub_hold`:
//! `+OK hold <id>`, a `hold-member` / `unhold-member` event with `Hold`
//! true/false), the `non_moderator` target of `mute`/`unmute` (every
//! member without the `moderator` flag, one reply line each, as
//! `conference_member_itterator` writes them).

use std::fmt::Write as _;

use super::conference::{Conference, emit_member, kick, secs_since};
use super::core::Core;
use super::switch::Switch;

/// `conference <name> <command> [<member>]`.
pub fn execute(sw: &Switch, rest: &str) -> String {
    let words: Vec<&str> = rest.split_whitespace().collect();
    let (Some(name), Some(cmd)) = (words.first(), words.get(1)) else {
        return "-ERR Invalid syntax\n".into();
    };
    let member: Option<u32> = words.get(2).and_then(|m| m.parse().ok());
    let cu = sw.0.core_uuid.clone();
    let mut core = sw.lock();
    let mut ex = sw.extra();
    let Some(c) = ex.conferences.rooms.get_mut(*name) else {
        return format!("-ERR Conference {name} not found\n");
    };
    match (*cmd, member) {
        ("list", _) => list(&core, c),
        ("json_list", _) => json_list(&core, c),
        ("mute", Some(id)) | ("unmute", Some(id)) => {
            let mute = *cmd == "mute";
            let Some(m) = c.members.iter_mut().find(|m| m.id == id) else {
                return format!("-ERR Member {id} not found\n");
            };
            m.speak = !mute;
            if mute {
                // The member's thread reports it at its next frame (19a).
                let (sw, name) = (sw.clone(), name.to_string());
                tokio::spawn(async move {
                    tokio::time::sleep(super::conference::tick(&sw)).await;
                    let cu = sw.0.core_uuid.clone();
                    let mut core = sw.lock();
                    let ex = sw.extra();
                    if let Some(c) = ex.conferences.rooms.get(&name)
                        && let Some(m) = c.member(id)
                    {
                        emit_member(&mut core, &cu, c, m, "mute-member");
                    }
                });
            } else if let Some(m) = c.member(id) {
                emit_member(&mut core, &cu, c, m, "unmute-member");
            }
            format!("+OK {cmd} {id}\n")
        }
        ("mute", None) | ("unmute", None) if words.get(2) == Some(&"non_moderator") => {
            let mute = *cmd == "mute";
            let ids: Vec<u32> = c
                .members
                .iter()
                .filter(|m| !m.moderator)
                .map(|m| m.id)
                .collect();
            let mut out = String::new();
            for id in ids {
                if let Some(m) = c.members.iter_mut().find(|m| m.id == id) {
                    m.speak = !mute;
                }
                if let Some(m) = c.member(id) {
                    let action = if mute { "mute-member" } else { "unmute-member" };
                    emit_member(&mut core, &cu, c, m, action);
                }
                let _ = writeln!(out, "+OK {cmd} {id}");
            }
            out
        }
        ("hold", Some(id)) | ("unhold", Some(id)) => {
            let hold = *cmd == "hold";
            let Some(m) = c.members.iter_mut().find(|m| m.id == id) else {
                return format!("-ERR Member {id} not found\n");
            };
            m.hold = hold;
            if let Some(m) = c.member(id) {
                let action = if hold { "hold-member" } else { "unhold-member" };
                emit_member(&mut core, &cu, c, m, action);
            }
            format!("+OK {cmd} {id}\n")
        }
        ("kick", Some(id)) => {
            let Some(m) = c.member(id) else {
                return format!("-ERR Member {id} not found\n");
            };
            emit_member(&mut core, &cu, c, m, "kick-member");
            kick(c, id);
            format!("+OK kicked {id}\n")
        }
        ("kick", None) if words.get(2) == Some(&"all") => {
            // mod_conference's `kick all` (not captured): every member gets
            // kick-member and leaves; the reply is mod_conference's.
            let ids: Vec<u32> = c.members.iter().map(|m| m.id).collect();
            for id in ids {
                if let Some(m) = c.member(id) {
                    emit_member(&mut core, &cu, c, m, "kick-member");
                }
                kick(c, id);
            }
            "+OK kicked all\n".to_string()
        }
        ("count", _) => format!("{}\n", c.members.len()),
        _ => format!("-ERR Unknown command {cmd}\n"),
    }
}

/// A member's flags as `list` prints them: `hear|speak|floor` subsets.
fn flags(c: &Conference, id: u32) -> String {
    let Some(m) = c.member(id) else {
        return String::new();
    };
    let mut f = Vec::new();
    if m.hear {
        f.push("hear");
    }
    if m.speak {
        f.push("speak");
    }
    if c.floor == Some(id) {
        f.push("floor");
    }
    f.join("|")
}

/// The channel name and caller ID of a member's channel.
fn channel_of(core: &Core, uuid: &str) -> (String, String, String) {
    core.channels
        .get(uuid)
        .map(|ch| {
            (
                ch.name.clone(),
                ch.profile.caller_id_name.clone(),
                ch.profile.caller_id_number.clone(),
            )
        })
        .unwrap_or_default()
}

/// One line per member, newest first (19a).
fn list(core: &Core, c: &Conference) -> String {
    let mut out = String::new();
    for m in c.members.iter().rev() {
        let (chan, name, number) = channel_of(core, &m.uuid);
        let _ = writeln!(
            out,
            "{};{chan};{};{name};{number};{};0;0;100",
            m.id,
            m.uuid,
            flags(c, m.id)
        );
    }
    out
}

/// mod_conference's `json_list`, formatted as cJSON prints it (19a).
fn json_list(core: &Core, c: &Conference) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    let mut out = String::from("[{\n");
    let top: [(&str, String); 25] = [
        ("conference_name", q(&c.name)),
        ("member_count", c.members.len().to_string()),
        ("ghost_count", "0".into()),
        ("rate", "8000".into()),
        ("run_time", secs_since(c.created).to_string()),
        ("conference_uuid", q(&c.uuid)),
        ("canvas_count", "0".into()),
        ("max_bw_in", "0".into()),
        ("force_bw_in", "0".into()),
        ("video_floor_packets", "0".into()),
        ("locked", "false".into()),
        ("destruct", "false".into()),
        ("wait_mod", "false".into()),
        ("audio_always", "false".into()),
        ("running", "true".into()),
        ("answered", "true".into()),
        ("enforce_min", "true".into()),
        ("bridge_to", "false".into()),
        ("dynamic", "true".into()),
        ("exit_sound", "true".into()),
        ("enter_sound", "true".into()),
        ("recording", "false".into()),
        ("video_bridge", "false".into()),
        ("video_floor_only", "false".into()),
        ("video_rfc4579", "false".into()),
    ];
    for (k, v) in top {
        let _ = writeln!(out, "\t\t\"{k}\":\t{v},");
    }
    out.push_str("\t\t\"variables\":\t{\n\t\t},\n\t\t\"members\":\t[");
    let members: Vec<String> = c
        .members
        .iter()
        .rev()
        .map(|m| {
            let (_, name, number) = channel_of(core, &m.uuid);
            let flag = |k: &str, v: bool| format!("\t\t\t\t\t\"{k}\":\t{v}");
            let flags = [
                flag("can_hear", m.hear),
                flag("can_see", true),
                flag("can_speak", m.speak),
                flag("hold", false),
                flag("mute_detect", false),
                flag("talking", false),
                flag("has_video", false),
                flag("video_bridge", false),
                flag("has_floor", c.floor == Some(m.id)),
                flag("is_moderator", false),
                flag("end_conference", m.endconf),
                flag("mandatory_member_end_conference", false),
                flag("pass_digits", false),
            ]
            .join(",\n");
            format!(
                "{{\n\t\t\t\t\"type\":\t\"caller\",\n\t\t\t\t\"id\":\t{},\n\t\t\t\t\"flags\":\t{{\n{flags}\n\t\t\t\t}},\n\
                 \t\t\t\t\"uuid\":\t{},\n\t\t\t\t\"caller_id_name\":\t{},\n\t\t\t\t\"caller_id_number\":\t{},\n\
                 \t\t\t\t\"join_time\":\t0,\n\t\t\t\t\"last_talking\":\t0,\n\t\t\t\t\"energy\":\t100,\n\
                 \t\t\t\t\"volume_in\":\t0,\n\t\t\t\t\"volume_out\":\t0,\n\t\t\t\t\"output-volume\":\t0,\n\
                 \t\t\t\t\"input-volume\":\t0\n\t\t\t}}",
                m.id,
                q(&m.uuid),
                q(&name),
                q(&number)
            )
        })
        .collect();
    out.push_str(&members.join(", "));
    out.push_str("]\n\t}]");
    out
}
