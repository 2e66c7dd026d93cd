//! Reading jambonz's `amd` property of a dial into [`crate::app::amd::Amd`].

use serde_json::Value;

use super::Pointer;
use super::fields::Fields;
use super::hook::read_hook;
use crate::app::amd::{Amd, AmdTimers};
use crate::app::problem::Problems;

/// Longest AMD timer accepted (two minutes).
const MAX_TIMER_MS: u64 = 120_000;

/// Reads `amd`.
pub(crate) fn read_amd(value: &Value, at: &Pointer, problems: &mut Problems) -> Option<Amd> {
    let before = problems.len();
    let mut f = Fields::of(value, at, "amd", problems)?;
    let hook = match (f.value("actionHook"), f.value("hook")) {
        (Some(_), Some(_)) => {
            f.problem("hook", "give either `actionHook` or `hook`, not both");
            None
        }
        (Some(v), None) => {
            let at = f.at_key("actionHook");
            read_hook(v, &at, f.problems())
        }
        (None, Some(v)) => {
            let at = f.at_key("hook");
            read_hook(v, &at, f.problems())
        }
        (None, None) => {
            let here = f.at().clone();
            f.problems()
                .add(&here, "amd needs an `actionHook` (or `hook`) to report to");
            None
        }
    };
    let disconnect_on_amd = f.bool("disconnectOnAMD").unwrap_or(false);
    let threshold_word_count = f
        .integer("thresholdWordCount", 1, 100, "words")
        .map(|n| n as u32);
    let timers = match f.value("timers") {
        Some(v) => {
            let at = f.at_key("timers");
            read_timers(v, &at, f.problems())
        }
        None => AmdTimers::default(),
    };
    if f.integer("digitCount", 1, 100, "digits").is_some() {
        f.notice(
            "digitCount",
            "counting spoken digits needs speech recognition; dialbridge detects machines from \
             the audio energy, so it has no effect",
        );
    }
    f.ignored_object(
        "recognizer",
        "dialbridge detects machines from the audio energy, without speech recognition; ignored",
    );
    f.finish();
    let action_hook = hook?;
    (problems.len() == before).then_some(Amd {
        action_hook,
        disconnect_on_amd,
        threshold_word_count,
        timers,
    })
}

fn read_timers(value: &Value, at: &Pointer, problems: &mut Problems) -> AmdTimers {
    let Some(mut f) = Fields::of(value, at, "timers", problems) else {
        return AmdTimers::default();
    };
    let mut ms = |key| {
        f.integer(key, 1, MAX_TIMER_MS, "milliseconds")
            .map(|n| n as u32)
    };
    let timers = AmdTimers {
        no_speech_timeout_ms: ms("noSpeechTimeoutMs"),
        decision_timeout_ms: ms("decisionTimeoutMs"),
        tone_timeout_ms: ms("toneTimeoutMs"),
        greeting_completion_timeout_ms: ms("greetingCompletionTimeoutMs"),
    };
    f.finish();
    timers
}
