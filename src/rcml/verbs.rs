//! Reading RCML's verbs that act on the caller alone: `<Say>`, `<Play>`,
//! `<Pause>`, `<Hangup>`, `<Reject>`, `<Redirect>`.

use super::attrs::Attrs;
use super::no_children;
use super::xml::Element;
use crate::app::decline::SipDecline;
use crate::app::hangup::Hangup;
use crate::app::headers::Headers;
use crate::app::hook::check_url;
use crate::app::pause::Pause;
use crate::app::play::{Audio, Loop, Play, audio, in_allowed_dir};
use crate::app::problem::Problems;
use crate::app::redirect::Redirect;
use crate::app::say::{MAX_TEXT, Say};
use crate::app::{Context, Hook, Verb};

/// Longest `<Pause length>`, in seconds.
pub(crate) const MAX_PAUSE: u64 = 3600;

/// TwiML voice names that name no voice of FreeSWITCH's engine: they speak
/// with `[tts] voice`.
const TWILIO_VOICES: &[&str] = &["man", "woman", "alice"];

/// `loop`: 0 = forever, else 1 to 1000 times (default once).
pub(crate) fn read_loop(a: &mut Attrs<'_, '_>) -> Loop {
    match a.integer("loop", 0, 1000, "repetitions (0 = forever)") {
        Some(0) => Loop::Forever,
        Some(n) => Loop::Times(n as u32),
        None => Loop::Times(1),
    }
}

/// `<Say voice language loop>text</Say>`.
pub(crate) fn read_say(el: &Element, problems: &mut Problems) -> Option<Say> {
    let mut a = Attrs::of(el, problems);
    let repeat = read_loop(&mut a);
    let word = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
    let voice = a.str("voice").and_then(|v| {
        if TWILIO_VOICES.contains(&v) || v.starts_with("Polly.") || v.starts_with("Google.") {
            a.notice(
                "voice",
                format!("`{v}` is a Twilio voice; spoken with [tts] voice instead"),
            );
            None
        } else if v.chars().all(word) && !v.is_empty() {
            Some(v.to_owned())
        } else {
            a.problem("voice", "use letters, digits, - _ and . only");
            None
        }
    });
    let language = a.str("language").and_then(|l| {
        if l.chars().all(word) && !l.is_empty() {
            Some(l.to_owned())
        } else {
            a.problem("language", "use a language tag such as en-US");
            None
        }
    });
    a.finish();
    no_children_ssml(el, problems);
    let text = el.text();
    if text.is_empty() {
        problems.add(
            crate::app::Location::XmlPath(el.path.clone()),
            "<Say> is empty: give the text to speak",
        );
        return None;
    }
    if text.len() > MAX_TEXT {
        problems.add(
            crate::app::Location::XmlPath(el.path.clone()),
            format!("the text is longer than {MAX_TEXT} bytes"),
        );
        return None;
    }
    Some(Say {
        text: vec![text],
        repeat,
        early_media: false,
        voice,
        language,
    })
}

/// SSML inside `<Say>` is refused element by element.
fn no_children_ssml(el: &Element, problems: &mut Problems) {
    for child in el.elements() {
        problems.add(
            crate::app::Location::XmlPath(child.path.clone()),
            format!(
                "SSML (<{}>) is not supported inside <Say>; give plain text",
                child.name
            ),
        );
    }
}

/// `<Play>` as a verb: audio (`<Play loop>url</Play>`), or DTMF digits
/// sent to the caller (`<Play digits="1234#"/>`, `w` a half-second pause).
pub(crate) fn read_play_verb(el: &Element, ctx: &Context, problems: &mut Problems) -> Option<Verb> {
    let Some(digits) = el.attrs.iter().find(|(k, _)| k == "digits").map(|(_, v)| v) else {
        return read_play(el, ctx, problems).map(Verb::Play);
    };
    let mut a = Attrs::of(el, problems);
    let _ = a.str("digits");
    if a.str("loop").is_some() {
        a.notice("loop", "digits are sent once; loop applies to audio");
    }
    let ok = match crate::app::send_dtmf::check(digits, "digits") {
        Ok(()) => true,
        Err(e) => {
            a.problem("digits", e);
            false
        }
    };
    if !el.text().is_empty() {
        a.problem_here("give either digits or a URL to play, not both");
    }
    a.finish();
    no_children(el, problems);
    ok.then(|| {
        Verb::SendDtmf(crate::app::send_dtmf::SendDtmf {
            digits: digits.clone(),
            duration_ms: crate::app::send_dtmf::DEFAULT_DURATION_MS,
        })
    })
}

/// `<Play loop>url</Play>` (digits are only sent by a `<Play>` verb of
/// its own, not inside `<Gather>`).
pub(crate) fn read_play(el: &Element, ctx: &Context, problems: &mut Problems) -> Option<Play> {
    let mut a = Attrs::of(el, problems);
    let repeat = read_loop(&mut a);
    if a.str("digits").is_some() {
        a.problem(
            "digits",
            "a <Play digits> inside <Gather> is not supported; send the digits before it",
        );
    }
    let text = el.text();
    let source = if text.is_empty() {
        if !el.attrs.iter().any(|(k, _)| k == "digits") {
            a.problem_here("<Play> is empty: give the URL of the audio to play");
        }
        None
    } else {
        match audio(&text) {
            Ok(Audio::File(p)) => match in_allowed_dir(&p, &ctx.media_dirs) {
                Ok(()) => Some(Audio::File(p)),
                Err(e) => {
                    a.problem_here(e);
                    None
                }
            },
            Ok(url) => Some(url),
            Err(e) => {
                a.problem_here(format!(
                    "{e} (relative URLs are not resolved in <Play>; write it absolute)"
                ));
                None
            }
        }
    };
    a.finish();
    no_children(el, problems);
    Some(Play {
        audio: vec![source?],
        repeat,
        early_media: false,
        timeout_secs: None,
        action_hook: None,
        seek_offset: None,
    })
}

/// `<Pause length>` (default 1 second).
pub(crate) fn read_pause(el: &Element, problems: &mut Problems) -> Option<Pause> {
    let mut a = Attrs::of(el, problems);
    let length = a.integer("length", 1, MAX_PAUSE, "seconds").unwrap_or(1) as u32;
    a.finish();
    no_children(el, problems);
    Some(Pause {
        length,
        length_ms: None,
    })
}

/// `<Hangup/>`.
pub(crate) fn read_hangup(el: &Element, problems: &mut Problems) -> Option<Verb> {
    Attrs::of(el, problems).finish();
    no_children(el, problems);
    Some(Verb::Hangup(Hangup {
        headers: Headers::default(),
    }))
}

/// `<Reject reason="rejected|busy"/>`: 603 Decline or 486 Busy Here before
/// the call is answered (an answered call is hung up).
pub(crate) fn read_reject(el: &Element, problems: &mut Problems) -> Option<SipDecline> {
    let mut a = Attrs::of(el, problems);
    let status = match a.str("reason") {
        None | Some("rejected") => Some(603),
        Some("busy") => Some(486),
        Some(other) => {
            a.problem(
                "reason",
                format!("must be `rejected` or `busy`, not `{other}`"),
            );
            None
        }
    };
    a.finish();
    no_children(el, problems);
    Some(SipDecline {
        status: status?,
        reason: None,
        headers: Headers::default(),
    })
}

/// `<Redirect method>url</Redirect>`.
pub(crate) fn read_redirect(el: &Element, problems: &mut Problems) -> Option<Redirect> {
    let mut a = Attrs::of(el, problems);
    let method = a.method();
    let url = el.text();
    let hook = match check_url(&url) {
        Ok(()) => Some(Hook {
            method,
            ..Hook::post(url)
        }),
        Err(e) => {
            a.problem_here(format!(
                "<Redirect> needs the URL of the next document: {e}"
            ));
            None
        }
    };
    a.finish();
    no_children(el, problems);
    Some(Redirect { action_hook: hook? })
}
