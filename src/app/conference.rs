//! jambonz's `conference` verb: put the caller in a FreeSWITCH
//! mod_conference room (docs/freeswitch.md §19) with member flags; when the
//! caller leaves the room, `actionHook` may say what comes next.

use serde::Serialize;

use super::hook::Hook;

/// A validated `conference`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Conference {
    /// The room's name (letters, digits, `-`, `_`, `.`).
    pub(crate) name: String,
    /// Join muted (`mute` flag).
    pub(crate) join_muted: bool,
    /// The room ends when this member leaves (`endconf`).
    pub(crate) end_conference_on_exit: bool,
    /// This member starts the room (`moderator`); false: it waits for one
    /// that does (`wait-mod`).
    pub(crate) start_conference_on_enter: bool,
    /// Told when the caller leaves the room; its reply replaces the rest.
    pub(crate) action_hook: Option<Hook>,
}

impl Conference {
    /// The `conference` application's argument:
    /// `<name>@default+flags{...}`.
    pub(crate) fn argument(&self) -> String {
        let mut flags = Vec::new();
        if self.join_muted {
            flags.push("mute");
        }
        if self.end_conference_on_exit {
            flags.push("endconf");
        }
        flags.push(if self.start_conference_on_enter {
            "moderator"
        } else {
            "wait-mod"
        });
        format!("{}@default+flags{{{}}}", self.name, flags.join("|"))
    }
}
