//! The `amd` property of a dial: answering-machine detection settings and
//! where its events go.

use serde::Serialize;
use serde_json::Value;

use super::hook::{Hook, read_hook};
use super::problem::{Pointer, Problems};
use crate::jambonz::fields::Fields;

/// Answering-machine detection on the answered target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Amd {
    /// Where AMD events go (`actionHook`, or the seeds' `hook`).
    pub action_hook: Hook,
    /// Hang the callee up as soon as a machine is detected.
    pub disconnect_on_amd: bool,
    /// Words in a greeting that mean "machine" (counted as energy bursts).
    pub threshold_word_count: Option<u32>,
    /// Timers in milliseconds; None = the `[amd]` configuration.
    pub timers: AmdTimers,
}

/// jambonz's AMD timers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AmdTimers {
    /// No speech at all for this long -> `amd_no_speech_detected`.
    pub no_speech_timeout_ms: Option<u32>,
    /// No decision after this long -> `amd_decision_timeout`.
    pub decision_timeout_ms: Option<u32>,
    /// How long after answer beeps are listened for (mod_avmd is stopped
    /// then, as in jambonz).
    pub tone_timeout_ms: Option<u32>,
    /// Silence after a machine greeting that means it stopped speaking.
    pub greeting_completion_timeout_ms: Option<u32>,
}

/// Longest AMD timer accepted (two minutes).
const MAX_TIMER_MS: u64 = 120_000;

/// Reads `amd`.
pub fn read_amd(value: &Value, at: &Pointer, problems: &mut Problems) -> Option<Amd> {
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
