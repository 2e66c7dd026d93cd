//! Reading RCML's `<Dial><Conference>name</Conference></Dial>` into the
//! conference the jambonz `conference` verb also runs
//! ([`crate::app::conference`]). The `<Dial>` gives `action` and `method`
//! (the request when the caller leaves the room); the noun gives the room
//! and its member options with TwiML's defaults: `muted` false, `beep`
//! true (`true`, `false`, `onEnter`, `onExit`), `startConferenceOnEnter`
//! true, `endConferenceOnExit` false, `maxParticipants` (2 to 250),
//! `waitUrl` with `waitMethod` (POST): a member waiting for the room to
//! start hears that document (`<Play>`, `<Say>`, `<Pause>`, `<Redirect>`);
//! `waitUrl=""` waits in silence; without `waitUrl` the room's own music on
//! hold plays (mod_conference's `moh-sound`, where Twilio plays its hold
//! music).

use super::attrs::Attrs;
use super::no_children;
use super::xml::Element;
use crate::app::Method;
use crate::app::conference::{Beep, Conference, MAX_PARTICIPANTS, Wait, check_name};
use crate::app::problem::{Location, Problems};

/// The `<Dial>` attributes that concern dialed numbers, not a room.
const DIAL_ONLY: &[&str] = &[
    "timeout",
    "timeLimit",
    "callerId",
    "record",
    "answerOnBridge",
    "dialMusic",
    "ringTone",
    "hangupOnStar",
    "trim",
    "recordingStatusCallback",
    "recordingStatusCallbackMethod",
    "recordingStatusCallbackEvent",
    "recordingTrack",
];

/// True when `dial` holds a `<Conference>` noun.
pub(crate) fn is_conference(dial: &Element) -> bool {
    dial.elements().any(|e| e.name == "Conference")
}

/// Reads a `<Dial>` holding a `<Conference>`: the only noun it may have.
pub(crate) fn read_dial_conference(dial: &Element, problems: &mut Problems) -> Option<Conference> {
    let before = problems.len();
    let mut a = Attrs::of(dial, problems);
    let method = a.method();
    let action_hook = a.hook("action", method);
    a.without_effect(
        DIAL_ONLY,
        "it applies to dialed numbers, not to a <Conference>",
    );
    a.finish();
    let nouns: Vec<&Element> = dial.elements().collect();
    if nouns.len() != 1 || !dial.text().is_empty() {
        problems.add(
            Location::XmlPath(dial.path.clone()),
            "a <Dial> with a <Conference> holds that one noun only (as in TwiML)",
        );
    }
    let el = nouns.into_iter().find(|e| e.name == "Conference")?;
    let room = read_room(el, problems);
    let room = room.map(|mut c| {
        c.action_hook = action_hook;
        c
    });
    (problems.len() == before).then_some(room).flatten()
}

fn read_room(el: &Element, problems: &mut Problems) -> Option<Conference> {
    let mut a = Attrs::of(el, problems);
    let join_muted = a.bool("muted").unwrap_or(false);
    let beep = match a.str("beep") {
        None | Some("true") => Beep::Profile,
        Some("false") => Beep::Off,
        Some("onEnter") => Beep::OnEnter,
        Some("onExit") => Beep::OnExit,
        Some(other) => {
            a.problem(
                "beep",
                format!("must be true, false, onEnter or onExit, not `{other}`"),
            );
            Beep::Profile
        }
    };
    let start_conference_on_enter = a.bool("startConferenceOnEnter").unwrap_or(true);
    let end_conference_on_exit = a.bool("endConferenceOnExit").unwrap_or(false);
    let max_participants = a
        .integer("maxParticipants", 2, MAX_PARTICIPANTS, "participants")
        .map(|n| n as u32);
    let wait_method = match a.str("waitMethod") {
        None => Method::Post,
        Some(m) if m.eq_ignore_ascii_case("POST") => Method::Post,
        Some(m) if m.eq_ignore_ascii_case("GET") => Method::Get,
        Some(m) => {
            a.problem("waitMethod", format!("must be GET or POST, not `{m}`"));
            Method::Post
        }
    };
    let wait = match a.str("waitUrl").map(str::trim) {
        None => Wait::RoomMusic,
        Some("") => Wait::Silence,
        Some(_) => a
            .hook("waitUrl", wait_method)
            .map_or(Wait::RoomMusic, Wait::Hook),
    };
    a.without_effect(
        &[
            "record",
            "trim",
            "region",
            "coach",
            "jitterBufferSize",
            "participantLabel",
            "statusCallback",
            "statusCallbackEvent",
            "statusCallbackMethod",
            "recordingStatusCallback",
            "recordingStatusCallbackMethod",
            "recordingStatusCallbackEvent",
            "eventCallbackUrl",
        ],
        "not supported for conferences by dialbridge",
    );
    a.finish();
    no_children(el, problems);
    let name = el.text();
    if let Err(e) = check_name(&name) {
        problems.add(
            Location::XmlPath(el.path.clone()),
            format!("the room's name {e}"),
        );
        return None;
    }
    Some(Conference {
        name,
        join_muted,
        end_conference_on_exit,
        start_conference_on_enter,
        beep,
        max_participants,
        wait,
        enter_hook: None,
        action_hook: None,
        status_hook: None,
        status_events: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use crate::app::{Method, Verb};
    use crate::rcml::tests::{problems, read};

    #[test]
    fn dial_conference_reads_twilios_options_onto_the_conference_engine() {
        let r = read(
            r#"<Response><Dial action="/left" method="GET" timeLimit="60">
                 <Conference muted="true" beep="onEnter" startConferenceOnEnter="false"
                   endConferenceOnExit="true" maxParticipants="10" waitUrl="/wait"
                   waitMethod="GET">team-1</Conference>
               </Dial><Say>after</Say></Response>"#,
        )
        .expect("valid");
        assert_eq!(
            r.instructions.len(),
            1,
            "the <Say> after <Dial action> is cut"
        );
        let Verb::Conference(c) = &r.instructions[0].verb else {
            panic!("not a conference: {r:?}");
        };
        assert_eq!(c.name, "team-1");
        assert!(c.join_muted && c.end_conference_on_exit && !c.start_conference_on_enter);
        assert_eq!(c.beep, crate::app::conference::Beep::OnEnter);
        assert_eq!(c.max_participants, Some(10));
        let hook = c.action_hook.as_ref().expect("action");
        assert_eq!((hook.url.as_str(), hook.method), ("/left", Method::Get));
        let noticed: Vec<&str> = r.notices.iter().map(|n| n.pointer.as_str()).collect();
        assert!(
            noticed.contains(&"/Response/Dial[1]/@timeLimit"),
            "{noticed:?}"
        );
        assert!(
            noticed.contains(&"/Response/Dial[1]/@timeLimit"),
            "{noticed:?}"
        );
        assert!(
            !noticed.iter().any(|n| n.contains("wait")),
            "waitUrl and waitMethod are read: {noticed:?}"
        );
        assert!(
            matches!(&c.wait, crate::app::conference::Wait::Hook(h)
                if h.url == "/wait" && h.method == Method::Get),
            "{:?}",
            c.wait
        );
        assert_eq!(
            crate::rcml::element_path(&r.instructions, 0),
            "/Response/Dial[1]"
        );

        let p = problems(
            r#"<Response><Dial><Conference beep="loud" maxParticipants="1" waitMethod="PUT">a b</Conference></Dial>
               <Dial><Number>+15550001111</Number><Conference>x</Conference></Dial></Response>"#,
        );
        let at: Vec<&str> = p.iter().map(|(at, _)| at.as_str()).collect();
        assert_eq!(
            at,
            [
                "/Response/Dial[1]/Conference[1]/@beep",
                "/Response/Dial[1]/Conference[1]/@maxParticipants",
                "/Response/Dial[1]/Conference[1]/@waitMethod",
                "/Response/Dial[1]/Conference[1]",
                "/Response/Dial[2]",
            ],
            "{p:?}"
        );
    }
}
