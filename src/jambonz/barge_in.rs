//! Reading the `config` verb's `bargeIn` (jambonz's background gather):
//! digits only (dialbridge has no speech recognizer for gathers); the
//! speech properties are accepted with a notice.

use serde_json::Value;

use super::Pointer;
use super::fields::Fields;
use super::hook::read_hook;
use crate::app::config::BargeIn;
use crate::app::problem::Problems;

/// Default silence after a digit that completes the gather (jambonz's
/// gather default).
const INTER_DIGIT_SECS: u64 = 5;

/// Reads `bargeIn`.
pub(crate) fn read_barge_in(
    value: &Value,
    at: &Pointer,
    problems: &mut Problems,
) -> Option<BargeIn> {
    let before = problems.len();
    let mut f = Fields::of(value, at, "bargeIn", problems)?;
    let enable = match f.bool("enable") {
        Some(e) => e,
        None => {
            let here = f.at().clone();
            f.problems()
                .add(&here, "bargeIn needs `enable` (true or false)");
            false
        }
    };
    let sticky = f.bool("sticky").unwrap_or(false);
    let action_hook = f.value("actionHook").and_then(|v| {
        let at = f.at_key("actionHook");
        read_hook(v, &at, f.problems())
    });
    if enable && action_hook.is_none() && !f.has("actionHook") {
        let here = f.at().clone();
        f.problems()
            .add(&here, "bargeIn needs an `actionHook` to send the digits to");
    }
    if let Some(input) = f.value("input") {
        let list = input
            .as_array()
            .map(|a| a.iter().map(Value::as_str).collect::<Vec<_>>());
        match list.as_deref() {
            Some(items) if items.contains(&Some("digits")) => {
                if items.contains(&Some("speech")) {
                    f.notice(
                        "input",
                        "speech needs a recognizer, which dialbridge's gathers do not have; \
                         digits only",
                    );
                }
            }
            _ => f.problem(
                "input",
                "dialbridge's background gather collects digits: input must contain \"digits\"",
            ),
        }
    }
    let num_digits = f.integer("numDigits", 1, 64, "digits").map(|n| n as u32);
    let min_digits = num_digits
        .or_else(|| f.integer("minDigits", 1, 64, "digits").map(|n| n as u32))
        .unwrap_or(1);
    let max_digits =
        num_digits.or_else(|| f.integer("maxDigits", 1, 64, "digits").map(|n| n as u32));
    if let Some(max) = max_digits
        && max < min_digits
    {
        f.problem(
            "maxDigits",
            format!("must be at least minDigits ({min_digits})"),
        );
    }
    let finish_on_key = super::gather::read_finish_on_key(&mut f);
    let inter_digit_timeout_ms = f
        .integer("interDigitTimeout", 1, 60, "seconds")
        .unwrap_or(INTER_DIGIT_SECS)
        * 1000;
    let _ = f.bool("dtmfBargein");
    const SPEECH: &str = "applies to speech input, which dialbridge's gathers do not have; ignored";
    super::accepted::hook_without_effect(&mut f, "partialResultHook", SPEECH);
    if f.value("minBargeinWordCount").is_some() {
        f.notice("minBargeinWordCount", SPEECH);
    }
    f.finish();
    (problems.len() == before).then_some(BargeIn {
        enable,
        sticky,
        action_hook,
        min_digits,
        max_digits,
        finish_on_key,
        inter_digit_timeout_ms,
    })
}
