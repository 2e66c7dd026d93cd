//! Reading RCML's `<Dial>` into [`crate::app::Dial`], with RCML's
//! defaults: `timeout` 30 s, `timeLimit` 14400 s (4 hours), `method` POST.
//! Its nouns (or a bare number as its text) are read by [`super::nouns`];
//! several nouns ring at once, as in TwiML.

use super::attrs::Attrs;
use super::nouns::{read_noun, read_number_text};
use super::xml::Element;
use crate::app::dial::{MAX_SECS, MAX_TARGETS};
use crate::app::headers::Headers;
use crate::app::play::{Audio, audio};
use crate::app::problem::{Location, Problems};
use crate::app::{Context, Dial, rules};

/// RCML's ring timeout.
pub(crate) const DEFAULT_TIMEOUT_SECS: u32 = 30;
/// RCML's call time limit: 4 hours.
pub(crate) const DEFAULT_TIME_LIMIT_SECS: u32 = 14_400;

/// Reads `<Dial>`.
pub(crate) fn read_dial(el: &Element, ctx: &Context, problems: &mut Problems) -> Option<Dial> {
    let before = problems.len();
    let mut a = Attrs::of(el, problems);
    let method = a.method();
    let action_hook = a.hook("action", method);
    let timeout = a
        .integer("timeout", 1, MAX_SECS, "seconds")
        .map_or(DEFAULT_TIMEOUT_SECS, |n| n as u32);
    let time_limit = a
        .integer("timeLimit", 1, MAX_SECS, "seconds")
        .map_or(DEFAULT_TIME_LIMIT_SECS, |n| n as u32);
    let caller_id = a.str("callerId").and_then(|c| caller_id(c, ctx, &mut a));
    let record = read_record(&mut a);
    let dial_music = a.str("dialMusic").and_then(|u| match audio(u) {
        Ok(Audio::Url(u)) => Some(u),
        Ok(Audio::File(_)) => {
            a.problem("dialMusic", "must be an http(s) URL of a WAV or MP3 file");
            None
        }
        Err(e) => {
            a.problem("dialMusic", e);
            None
        }
    });
    let answer_on_bridge = a.bool("answerOnBridge").unwrap_or(false);
    let hangup_on_star = a.bool("hangupOnStar").unwrap_or(false);
    a.without_effect(
        &["ringTone"],
        "the caller hears the ringback the callee's network sends (or dialMusic)",
    );
    a.without_effect(
        &[
            "trim",
            "recordingStatusCallback",
            "recordingStatusCallbackMethod",
            "recordingStatusCallbackEvent",
            "recordingTrack",
        ],
        "not supported: the recording is the bridged call, mono, without callbacks",
    );
    a.finish();
    let targets = read_targets(el, ctx, problems);
    (problems.len() == before).then(|| Dial {
        targets: targets.unwrap_or_default(),
        action_hook,
        amd: None,
        answer_on_bridge,
        caller_id,
        caller_name: None,
        confirm_hook: None,
        dial_music,
        dtmf_capture: None,
        dtmf_hook: None,
        exit_media_path: false,
        record,
        hangup_on_star,
        forward_pai: true,
        srtp_mandatory: false,
        headers: Headers::default(),
        listen: None,
        boost: None,
        transcribe: None,
        refer_hook: None,
        on_hold_hook: None,
        tag: None,
        time_limit: Some(time_limit),
        timeout,
    })
}

/// `callerId`: a phone number, or `client:name` when dialing a `<Client>`
/// (the name is the caller ID the client sees).
fn caller_id(c: &str, ctx: &Context, a: &mut Attrs<'_, '_>) -> Option<String> {
    if let Some(name) = c.strip_prefix("client:") {
        let ok = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch));
        if ok {
            return Some(name.to_owned());
        }
        a.problem(
            "callerId",
            "a client caller ID is client:<name> with letters, digits, - _ and . only",
        );
        return None;
    }
    match rules::phone_number(c, ctx.relaxed_numbers, "callerId") {
        Ok(()) => Some(c.to_owned()),
        Err(e) => {
            a.problem("callerId", e);
            None
        }
    }
}

/// `record`: `true` (RCML) and TwiML's `record-from-answer` record the
/// bridged call ([`crate::call::recording::dial`]); TwiML's other
/// `record-from-*` values are recorded the same way, with a notice (the
/// recording starts at the bridge, in mono). `false`/`do-not-record`
/// record nothing.
fn read_record(a: &mut Attrs<'_, '_>) -> bool {
    let Some(v) = a.str("record") else {
        return false;
    };
    match v {
        "false" | "do-not-record" => false,
        "true" | "record-from-answer" => true,
        "record-from-ringing" | "record-from-answer-dual" | "record-from-ringing-dual" => {
            a.notice(
                "record",
                "recorded from the bridge, in mono, as record-from-answer (dialbridge does not \
                 record the ringing or two channels)",
            );
            true
        }
        other => {
            a.problem(
                "record",
                format!("must be true or false (or TwiML's record-from-answer…), not `{other}`"),
            );
            false
        }
    }
}

fn read_targets(
    el: &Element,
    ctx: &Context,
    problems: &mut Problems,
) -> Option<Vec<(usize, crate::app::Target)>> {
    let text = el.text();
    let nouns: Vec<&Element> = el.elements().collect();
    let here = Location::XmlPath(el.path.clone());
    if !text.is_empty() {
        if !nouns.is_empty() {
            problems.add(
                here,
                "<Dial> has both a number as text and nouns; put the number in a <Number>",
            );
            return None;
        }
        let t = read_number_text(&text, ctx).map_err(|e| problems.add(here, e));
        return t.ok().map(|t| vec![(0, t)]);
    }
    if nouns.is_empty() {
        problems.add(
            here,
            "<Dial> has nothing to dial: give a number as its text, or <Number>, <Client> or \
             <Sip> nouns",
        );
        return None;
    }
    if nouns.len() > MAX_TARGETS {
        problems.add(
            here,
            format!(
                "has {} nouns; a dial rings at most {MAX_TARGETS} at once. Nothing was dialled",
                nouns.len()
            ),
        );
        return None;
    }
    let mut out: Vec<(usize, crate::app::Target)> = Vec::new();
    for (i, noun) in nouns.into_iter().enumerate() {
        if let Some(t) = read_noun(noun, ctx, problems) {
            if out.iter().any(|(_, seen)| *seen == t) {
                problems.notice(
                    Location::XmlPath(noun.path.clone()),
                    "same as an earlier noun; it is dialled once",
                );
                continue;
            }
            out.push((i, t));
        }
    }
    Some(out)
}
