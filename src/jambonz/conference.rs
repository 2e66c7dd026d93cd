//! Reading jambonz's `conference` verb. The room, its member flags,
//! `beep`, `maxParticipants`, `enterHook`, `waitHook`, `actionHook` and
//! `statusHook` with every `statusEvents` name jambonz knows are carried;
//! the options mod_conference's stock application cannot serve per member
//! are accepted with a notice.

use super::accepted::{bool_without_effect, object_without_effect};
use super::fields::Fields;
use super::hook::read_hook;
use crate::app::conference::{Beep, Conference, MAX_PARTICIPANTS, StatusEvent, Wait, check_name};

/// Reads `conference`'s properties.
pub(crate) fn read_conference(f: &mut Fields<'_, '_>) -> Option<Conference> {
    let before = f.problems().len();
    let name = f.required_str("name", "the conference room's name")?;
    if let Err(e) = check_name(name) {
        f.problem("name", e);
    }
    let join_muted = f.bool("joinMuted").unwrap_or(false);
    let end_conference_on_exit = f.bool("endConferenceOnExit").unwrap_or(false);
    let start_conference_on_enter = f.bool("startConferenceOnEnter").unwrap_or(true);
    let action_hook = f.value("actionHook").and_then(|v| {
        let at = f.at_key("actionHook");
        read_hook(v, &at, f.problems())
    });
    let enter_hook = f.value("enterHook").and_then(|v| {
        let at = f.at_key("enterHook");
        read_hook(v, &at, f.problems())
    });
    // Without `beep` the room's own tones play, as before it was read.
    let beep = match f.bool("beep") {
        Some(false) => Beep::Off,
        _ => Beep::Profile,
    };
    let max_participants = match f.value("maxParticipants") {
        None => None,
        Some(v) => match v.as_u64().filter(|n| (1..=MAX_PARTICIPANTS).contains(n)) {
            Some(n) => Some(n as u32),
            None => {
                f.problem(
                    "maxParticipants",
                    format!("must be a whole number from 1 to {MAX_PARTICIPANTS}"),
                );
                None
            }
        },
    };
    const NOT_YET: &str = "not supported by dialbridge's conference yet; ignored";
    let wait = match f.value("waitHook").and_then(|v| {
        let at = f.at_key("waitHook");
        read_hook(v, &at, f.problems())
    }) {
        Some(hook) => Wait::Hook(hook),
        None => Wait::RoomMusic,
    };
    if start_conference_on_enter && matches!(wait, Wait::Hook(_)) {
        f.notice(
            "waitHook",
            "this member starts the room (startConferenceOnEnter), so it never waits",
        );
    }
    let status_hook = f.value("statusHook").and_then(|v| {
        let at = f.at_key("statusHook");
        read_hook(v, &at, f.problems())
    });
    bool_without_effect(f, "distributeDtmf", NOT_YET);
    for key in ["record", "listen"] {
        object_without_effect(f, key, NOT_YET);
    }
    for key in ["memberTag", "speakOnlyTo"] {
        if f.str(key).is_some() {
            f.notice(key, NOT_YET);
        }
    }
    match f.value("endConferenceDuration") {
        Some(v) if v.is_number() => f.notice("endConferenceDuration", NOT_YET),
        Some(_) => f.problem("endConferenceDuration", "must be a number"),
        None => {}
    }
    let mut status_events = Vec::new();
    match f.value("statusEvents").map(|v| v.as_array().cloned()) {
        None => {}
        Some(None) => f.problem("statusEvents", "must be an array of event names"),
        Some(Some(names)) => {
            for name in names {
                match name.as_str().and_then(StatusEvent::named) {
                    Some(e) if !status_events.contains(&e) => status_events.push(e),
                    Some(_) => {}
                    None => f.problem(
                        "statusEvents",
                        "names start, end, join, leave, start-talking, stop-talking or \
                         end-talking",
                    ),
                }
            }
        }
    }
    (f.problems().len() == before).then(|| Conference {
        name: name.to_owned(),
        join_muted,
        end_conference_on_exit,
        start_conference_on_enter,
        beep,
        max_participants,
        wait,
        enter_hook,
        action_hook,
        status_hook,
        status_events,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::app::conference::{Beep, StatusEvent, Wait};
    use crate::app::{Context, Verb};
    use crate::jambonz::parse_value;

    #[test]
    fn hooks_beep_and_limits_are_carried_and_checked() {
        let reply = parse_value(
            &json!([{"verb": "conference", "name": "r1", "beep": false, "maxParticipants": 5,
                     "enterHook": "/enter", "statusHook": "/status",
                     "startConferenceOnEnter": false, "waitHook": "/wait",
                     "statusEvents": ["join", "end", "leave", "start-talking", "stop-talking"]}]),
            &Context::default(),
        )
        .expect("valid");
        let Verb::Conference(c) = &reply.instructions[0].verb else {
            panic!("not a conference");
        };
        assert_eq!(c.beep, Beep::Off);
        assert_eq!(c.max_participants, Some(5));
        assert_eq!(
            c.enter_hook.as_ref().map(|h| h.url.as_str()),
            Some("/enter")
        );
        assert_eq!(
            c.status_hook.as_ref().map(|h| h.url.as_str()),
            Some("/status")
        );
        assert_eq!(
            c.status_events,
            [
                StatusEvent::Join,
                StatusEvent::End,
                StatusEvent::Leave,
                StatusEvent::StartTalking,
                StatusEvent::StopTalking
            ]
        );
        assert!(c.waits_outside());
        assert!(
            matches!(&c.wait, Wait::Hook(h) if h.url == "/wait"),
            "{:?}",
            c.wait
        );
        assert!(reply.notices.is_empty(), "{:?}", reply.notices);
        let bad = parse_value(
            &json!([{"verb": "conference", "name": "r1", "maxParticipants": 0,
                     "statusEvents": ["joined"]}]),
            &Context::default(),
        );
        let problems = bad.expect_err("refused").problems();
        let at: Vec<String> = problems.iter().map(|p| p.pointer.to_string()).collect();
        assert_eq!(at, ["/0/maxParticipants", "/0/statusEvents"]);
    }
}
