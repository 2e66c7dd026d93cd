//! Reading jambonz's `gather` verb (digits only), with its nested prompt.

use super::fields::{Fields, kind};
use super::hook::read_hook;
use super::play::read_play;
use super::say::read_say;
use crate::app::Context;
use crate::app::gather::{Gather, Prompt};

/// Reads `gather`'s properties.
pub(crate) fn read_gather(f: &mut Fields<'_, '_>, ctx: &Context) -> Option<Gather> {
    let before = f.problems().len();
    if let Some(v) = f.value("input") {
        let digits_only = v
            .as_array()
            .is_some_and(|a| !a.is_empty() && a.iter().all(|i| i.as_str() == Some("digits")));
        if !digits_only {
            f.problem(
                "input",
                format!(
                    "dialbridge gathers digits only: use [\"digits\"] (got {})",
                    if v.is_array() {
                        v.to_string()
                    } else {
                        kind(v).to_owned()
                    }
                ),
            );
        }
    }
    let action_hook = match f.value("actionHook") {
        Some(v) => {
            let at = f.at_key("actionHook");
            read_hook(v, &at, f.problems())
        }
        None => {
            let at = f.at().clone();
            f.problems().notice(
                &at,
                "no `actionHook`: as in jambonz, the digits are collected and dropped and the \
                 next verb runs",
            );
            None
        }
    };
    let num = f.integer("numDigits", 1, 64, "digits").map(|n| n as u32);
    let min = f.integer("minDigits", 1, 64, "digits").map(|n| n as u32);
    let max = f.integer("maxDigits", 1, 64, "digits").map(|n| n as u32);
    let (min_digits, max_digits) = match (num, min, max) {
        (Some(n), None, None) => (n, n),
        (Some(_), _, _) => {
            f.problem(
                "numDigits",
                "give numDigits alone, or minDigits/maxDigits, not both",
            );
            (1, 1)
        }
        (None, min, max) => (min.unwrap_or(1), max.unwrap_or(min.unwrap_or(1).max(1))),
    };
    if min_digits > max_digits {
        f.problem("minDigits", "must not be more than maxDigits");
    }
    let finish_on_key = read_finish_on_key(f);
    let timeout = f
        .integer("timeout", 1, 600, "seconds")
        .map_or(5, |n| n as u32);
    let inter_digit_timeout = f
        .integer("interDigitTimeout", 1, 60, "seconds")
        .map_or(timeout, |n| n as u32);
    let _ = f.bool("listenDuringPrompt");
    speech_properties(f);
    let prompt = match (f.value("play"), f.value("say")) {
        (Some(_), Some(_)) => {
            f.problem("say", "give either a nested play or a nested say, not both");
            None
        }
        (Some(v), None) => nested(f, "play", v).and_then(|mut p| {
            let play = read_play(&mut p, ctx);
            p.finish();
            play.map(Prompt::Play)
        }),
        (None, Some(v)) => nested(f, "say", v).and_then(|mut p| {
            let say = read_say(&mut p);
            p.finish();
            say.map(Prompt::Say)
        }),
        (None, None) => None,
    };
    (f.problems().len() == before).then_some(Gather {
        action_hook,
        min_digits,
        max_digits,
        finish_on_key,
        timeout,
        inter_digit_timeout,
        prompt,
    })
}

/// The speech and barge-in properties of a gather: accepted, with a
/// notice when they ask for something a digits-only gather cannot do.
/// `finishOnKey`: one DTMF key (a gather's and `bargeIn`'s).
pub(crate) fn read_finish_on_key(f: &mut Fields<'_, '_>) -> Option<char> {
    f.str("finishOnKey").and_then(|k| {
        let mut chars = k.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_ascii_digit() || c == '*' || c == '#' => Some(c),
            _ => {
                f.problem("finishOnKey", "must be one DTMF key: 0-9, * or #");
                None
            }
        }
    })
}

fn speech_properties(f: &mut Fields<'_, '_>) {
    use super::accepted::{hook_without_effect, object_without_effect};
    if f.bool("dtmfBargein") == Some(false) {
        f.notice(
            "dtmfBargein",
            "play_and_get_digits always lets a digit interrupt the prompt; false has no effect",
        );
    }
    if f.bool("bargein") == Some(true) {
        f.notice(
            "bargein",
            "speech barge-in needs a recognizer, which dialbridge does not have yet; digits \
             still interrupt the prompt",
        );
    }
    const SPEECH: &str = "applies to speech input, which dialbridge does not have yet; ignored";
    for key in ["minBargeinWordCount", "speechTimeout"] {
        if f.value(key).is_some_and(|v| v.is_number()) {
            f.notice(key, SPEECH);
        } else if f.has(key) {
            f.problem(key, "must be a number");
        }
    }
    hook_without_effect(f, "partialResultHook", SPEECH);
    object_without_effect(f, "recognizer", SPEECH);
    object_without_effect(
        f,
        "fillerNoise",
        "filler noise while a hook answers is not supported by dialbridge yet",
    );
    object_without_effect(
        f,
        "actionHookDelayAction",
        "actions while a hook is slow are not supported by dialbridge yet",
    );
}

fn nested<'a, 'p>(
    f: &'p mut Fields<'a, '_>,
    key: &str,
    v: &'a serde_json::Value,
) -> Option<Fields<'a, 'p>> {
    let at = f.at_key(key);
    Fields::of(v, &at, key, f.problems())
}
