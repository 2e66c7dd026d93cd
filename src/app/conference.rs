//! A conference room (jambonz's `conference` verb, RCML's
//! `<Dial><Conference>`): the caller joins a FreeSWITCH mod_conference room
//! (docs/freeswitch.md §19) with member flags; when it leaves the room,
//! `actionHook` (RCML: the `<Dial action>`) may say what comes next. A
//! member that does not start the room waits for one that does as
//! [`Wait`] says.

use serde::Serialize;

use super::hook::Hook;

/// Longest room name.
pub(crate) const MAX_NAME: usize = 64;

/// Most participants a room may be limited to.
pub(crate) const MAX_PARTICIPANTS: u64 = 250;

/// Checks a room name: FreeSWITCH reads `@`, `+` and braces in the
/// application's argument as profile and flags.
pub(crate) fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "must be 1 to {MAX_NAME} letters, digits, '-', '_' or '.' (FreeSWITCH reads @, + \
             and braces in a room name as profile and flags)"
        ))
    }
}

/// Which of the room's enter and exit tones this member's joining and
/// leaving play (mod_conference plays its profile's `enter-sound` and
/// `exit-sound`; a member's `conference_enter_sound`/`_exit_sound`
/// variables replace them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Beep {
    /// The profile's tones, untouched (TwiML `beep="true"`).
    Profile,
    /// Only the enter tone.
    OnEnter,
    /// Only the exit tone.
    OnExit,
    /// Neither.
    Off,
}

/// What replaces a silenced tone: 20 ms of silence (mod_conference has no
/// per-member "no tone" flag; an empty variable falls back to the
/// profile's tone).
pub(crate) const SILENT_TONE: &str = "silence_stream://20";

impl Beep {
    /// The `set` arguments for this member's tones.
    pub(crate) fn variables(self) -> Vec<String> {
        let (enter, exit) = match self {
            Beep::Profile => (false, false),
            Beep::OnEnter => (false, true),
            Beep::OnExit => (true, false),
            Beep::Off => (true, true),
        };
        let mut out = Vec::new();
        if enter {
            out.push(format!("conference_enter_sound={SILENT_TONE}"));
        }
        if exit {
            out.push(format!("conference_exit_sound={SILENT_TONE}"));
        }
        out
    }
}

/// A validated conference.
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
    /// The room's enter/exit tones for this member.
    pub(crate) beep: Beep,
    /// Members the room may hold; a caller finding it full is not joined.
    pub(crate) max_participants: Option<u32>,
    /// What a member that does not start the room hears until a member
    /// that does is in it.
    pub(crate) wait: Wait,
    /// Asked for verbs (play, say, pause) run on the caller just before it
    /// joins.
    pub(crate) enter_hook: Option<Hook>,
    /// Told when the caller leaves the room; its reply replaces the rest.
    pub(crate) action_hook: Option<Hook>,
    /// Told of `status_events` as they happen (nothing is read back).
    pub(crate) status_hook: Option<Hook>,
    /// Which of this member's events `status_hook` hears.
    pub(crate) status_events: Vec<StatusEvent>,
}

/// How a member that does not start the room (`startConferenceOnEnter`
/// false) waits for one that does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Wait {
    /// In the FreeSWITCH room with the `wait-mod` flag, hearing the
    /// profile's music on hold (`moh-sound`): no waitHook / waitUrl given
    /// (Twilio's default hold music, FreeSWITCH's way).
    RoomMusic,
    /// Outside the room, in silence (RCML `waitUrl=""`, as in TwiML).
    Silence,
    /// Outside the room, hearing what this hook answers (jambonz
    /// `waitHook`, RCML `waitUrl`), asked again until the room starts.
    Hook(Hook),
}

/// An event `statusHook` can hear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StatusEvent {
    /// This member started the room (the first start-on-enter member).
    Start,
    /// This member's leaving ended the room (the last one out, or an
    /// `endConferenceOnExit` member).
    End,
    /// The caller's `conference` application started (it joins the room).
    Join,
    /// The caller left the room (kicked, the room ended, hung up).
    Leave,
    /// mod_conference heard this member start talking (`start-talking`).
    StartTalking,
    /// mod_conference heard this member stop talking (its `stop-talking`,
    /// the name jambonz posts).
    StopTalking,
    /// The same as [`StatusEvent::StopTalking`], for an application that
    /// listed it as `end-talking` (the name jambonz's verb documentation
    /// uses); posted under that name.
    EndTalking,
}

impl StatusEvent {
    /// Its name in `statusEvents` and in the request's `event`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            StatusEvent::Start => "start",
            StatusEvent::End => "end",
            StatusEvent::Join => "join",
            StatusEvent::Leave => "leave",
            StatusEvent::StartTalking => "start-talking",
            StatusEvent::StopTalking => "stop-talking",
            StatusEvent::EndTalking => "end-talking",
        }
    }

    /// The event named `name` in `statusEvents`.
    pub(crate) fn named(name: &str) -> Option<Self> {
        [
            StatusEvent::Start,
            StatusEvent::End,
            StatusEvent::Join,
            StatusEvent::Leave,
            StatusEvent::StartTalking,
            StatusEvent::StopTalking,
            StatusEvent::EndTalking,
        ]
        .into_iter()
        .find(|e| e.as_str() == name)
    }

    /// True for the events read off mod_conference's member events
    /// (the caller's socket subscribes to them while in the room).
    pub(crate) fn is_talking(self) -> bool {
        matches!(
            self,
            StatusEvent::StartTalking | StatusEvent::StopTalking | StatusEvent::EndTalking
        )
    }
}

impl Conference {
    /// True when this member waits for the room to start outside it
    /// (a waitHook/waitUrl, or silence asked for).
    pub(crate) fn waits_outside(&self) -> bool {
        !self.start_conference_on_enter && self.wait != Wait::RoomMusic
    }

    /// True when `statusHook` is to hear `event`.
    pub(crate) fn reports(&self, event: StatusEvent) -> bool {
        self.status_hook.is_some() && self.status_events.contains(&event)
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tones_are_silenced_per_direction() {
        assert!(Beep::Profile.variables().is_empty());
        assert_eq!(
            Beep::OnEnter.variables(),
            ["conference_exit_sound=silence_stream://20"]
        );
        assert_eq!(
            Beep::OnExit.variables(),
            ["conference_enter_sound=silence_stream://20"]
        );
        assert_eq!(Beep::Off.variables().len(), 2);
    }

    #[test]
    fn status_events_are_named_as_jambonz_lists_them() {
        for name in [
            "start",
            "end",
            "join",
            "leave",
            "start-talking",
            "stop-talking",
            "end-talking",
        ] {
            assert_eq!(
                StatusEvent::named(name).map(StatusEvent::as_str),
                Some(name)
            );
        }
        assert_eq!(StatusEvent::named("talking"), None);
        assert!(StatusEvent::EndTalking.is_talking() && !StatusEvent::End.is_talking());
    }

    #[test]
    fn names_freeswitch_would_read_as_flags_are_refused() {
        assert!(check_name("room-1.a_b").is_ok());
        for bad in ["", "a@b", "a+flags{x}", "a b", &"x".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
