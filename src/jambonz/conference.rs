//! Reading jambonz's `conference` verb. The room, its member flags,
//! `beep`, `maxParticipants`, `enterHook` and `actionHook` are carried; the
//! hooks and options mod_conference's stock application cannot serve per
//! member are accepted with a notice.

use super::accepted::{bool_without_effect, hook_without_effect, object_without_effect};
use super::fields::Fields;
use super::hook::read_hook;
use crate::app::conference::{Beep, Conference, MAX_PARTICIPANTS, check_name};

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
    for key in ["waitHook", "statusHook"] {
        hook_without_effect(f, key, NOT_YET);
    }
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
        beep,
        max_participants,
        enter_hook,
        action_hook,
    })
}
