//! Reading jambonz's `conference` verb. The room, its member flags and
//! `actionHook` are carried; the hooks and options mod_conference's stock
//! application cannot serve per member are accepted with a notice.

use super::accepted::{bool_without_effect, hook_without_effect, object_without_effect};
use super::fields::Fields;
use super::hook::read_hook;
use crate::app::conference::Conference;

/// Longest room name.
const MAX_NAME: usize = 64;

/// Reads `conference`'s properties.
pub(crate) fn read_conference(f: &mut Fields<'_, '_>) -> Option<Conference> {
    let before = f.problems().len();
    let name = f.required_str("name", "the conference room's name")?;
    let name_ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if !name_ok {
        f.problem(
            "name",
            format!(
                "must be 1 to {MAX_NAME} letters, digits, '-', '_' or '.' (FreeSWITCH reads @, + \
                 and braces in a room name as profile and flags)"
            ),
        );
    }
    let join_muted = f.bool("joinMuted").unwrap_or(false);
    let end_conference_on_exit = f.bool("endConferenceOnExit").unwrap_or(false);
    let start_conference_on_enter = f.bool("startConferenceOnEnter").unwrap_or(true);
    let action_hook = f.value("actionHook").and_then(|v| {
        let at = f.at_key("actionHook");
        read_hook(v, &at, f.problems())
    });
    const NOT_YET: &str = "not supported by dialbridge's conference yet; ignored";
    for key in ["enterHook", "waitHook", "statusHook"] {
        hook_without_effect(f, key, NOT_YET);
    }
    for key in ["beep", "distributeDtmf"] {
        bool_without_effect(f, key, NOT_YET);
    }
    for key in ["record", "listen"] {
        object_without_effect(f, key, NOT_YET);
    }
    for key in ["memberTag", "speakOnlyTo"] {
        if f.str(key).is_some() {
            f.notice(key, NOT_YET);
        }
    }
    for key in ["maxParticipants", "endConferenceDuration"] {
        match f.value(key) {
            Some(v) if v.is_number() => f.notice(key, NOT_YET),
            Some(_) => f.problem(key, "must be a number"),
            None => {}
        }
    }
    if let Some(v) = f.value("statusEvents") {
        if v.is_array() {
            f.notice("statusEvents", NOT_YET);
        } else {
            f.problem("statusEvents", "must be an array of event names");
        }
    }
    (f.problems().len() == before).then(|| Conference {
        name: name.to_owned(),
        join_muted,
        end_conference_on_exit,
        start_conference_on_enter,
        action_hook,
    })
}
