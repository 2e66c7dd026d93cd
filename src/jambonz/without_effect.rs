//! The `dial` properties of jambonz that dialbridge accepts so that
//! applications written for jambonz run unchanged, but that have no effect
//! here: each is checked for shape and gets a notice.

use serde_json::Value;

use super::Pointer;
use super::fields::{Fields, kind};
use crate::app::problem::Problems;

/// jambonz properties dialbridge accepts so applications written for jambonz
/// run unchanged, but that have no effect here; each gets a notice.
pub(crate) fn accepted_without_effect(f: &mut Fields<'_, '_>) {
    if let Some(b) = f.bool("anchorMedia")
        && b
    {
        f.notice(
            "anchorMedia",
            "FreeSWITCH always anchors media unless exitMediaPath is set; nothing to do",
        );
    }
    if let Some(v) = f.value("dub") {
        let at = f.at_key("dub");
        if check_dub(v, &at, f.problems()) {
            f.notice(
                "dub",
                "not supported: extra audio tracks need jambonz's own FreeSWITCH module \
                 (mod_dub), which a stock FreeSWITCH does not have; ignored (the dial runs \
                 without it)",
            );
        }
    }
}

/// `dub` actions jambonz knows.
const DUB_ACTIONS: &[&str] = &[
    "addTrack",
    "removeTrack",
    "silenceTrack",
    "playOnTrack",
    "sayOnTrack",
];

/// Checks `dub`'s shape: jambonz's array of `{action, track, ...}` (or one
/// such object, which dialbridge has always accepted). True when it is
/// well formed; each problem is recorded with its pointer.
fn check_dub(value: &Value, at: &Pointer, problems: &mut Problems) -> bool {
    let before = problems.len();
    let items: Vec<(Pointer, &Value)> = match value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (at.index(i), v))
            .collect(),
        Value::Object(_) => vec![(at.clone(), value)],
        other => {
            problems.add(
                at,
                format!(
                    "must be an array of dub actions ({{\"action\": \"addTrack\", \"track\": ...}}), \
                     not {}",
                    kind(other)
                ),
            );
            return false;
        }
    };
    for (at, item) in items {
        let Some(mut d) = Fields::of(item, &at, "a dub action", problems) else {
            continue;
        };
        match d.required_str("action", &format!("one of {}", DUB_ACTIONS.join(", "))) {
            Some(a) if !DUB_ACTIONS.contains(&a) => d.problem(
                "action",
                format!("unknown dub action `{a}`; use {}", DUB_ACTIONS.join(", ")),
            ),
            _ => {}
        }
        d.required_str("track", "the name of the track");
        // The rest of a dub action is not used; only its presence is accepted.
        for key in ["id", "play", "say", "loop", "gain"] {
            d.value(key);
        }
        d.finish();
    }
    problems.len() == before
}
