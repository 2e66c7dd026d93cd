//! The far end of an answered channel (a dialed leg, an originated
//! party): its script after the answer — digits, beeps, BYE, REFER, INFO,
//! hold re-INVITEs — played on the channel at their times.

use std::time::Duration;

use super::lifecycle::Disp;
use super::scenario::Callee;
use super::signal;
use super::switch::Switch;

/// The part of a leg's script after its answer at `base`: digits, beeps
/// (an `avmd::beep` when avmd runs on it) and the callee's BYE, straight on
/// the channel. Also plays an `originate`d callee (trace 10).
pub async fn after_answer(sw: Switch, uuid: String, script: Callee, base: tokio::time::Instant) {
    // The script runs from the answer as the switch processed it (later
    // than scripted under load).
    let base = loop {
        match sw.lock().channels.get(&uuid) {
            Some(ch) if ch.answered => break base.max(tokio::time::Instant::now()),
            Some(ch) if ch.is_up() => {}
            _ => return,
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    let mut after: Vec<(u64, Act)> = Vec::new();
    for (digits, at) in &script.digits {
        for (i, d) in digits.chars().enumerate() {
            after.push((at + script.digit_gap * i as u64, Act::Digit(d)));
        }
    }
    for at in &script.beeps {
        after.push((*at + 30, Act::Beep));
    }
    if let Some(b) = script.bye_after_answer {
        after.push((b, Act::Bye));
    }
    if let Some(r) = &script.refer {
        after.push((r.at, Act::Refer));
    }
    for (i, info) in script.infos.iter().enumerate() {
        after.push((info.2, Act::Info(i)));
    }
    for (at, on) in &script.holds {
        after.push((*at, Act::Hold(*on)));
    }
    after.sort_by_key(|(t, _)| *t);
    let cu = sw.0.core_uuid.clone();
    for (t, act) in after {
        tokio::time::sleep_until(base + Duration::from_millis(t)).await;
        let mut core = sw.lock();
        let Some(ch) = core.channels.get(&uuid) else {
            return;
        };
        if !ch.is_up() {
            return;
        }
        match act {
            Act::Digit(d) => signal::dtmf(&mut core, &cu, &uuid, d),
            Act::Beep => {
                if ch.avmd {
                    signal::avmd_event(&mut core, &cu, &uuid, "avmd::beep", BEEP);
                }
            }
            Act::Bye => core.hangup(
                &cu,
                &uuid,
                freeswitch_esl_tokio::HangupCause::NormalClearing,
                Disp::RecvBye,
            ),
            Act::Refer => {
                drop(core);
                if let Some(r) = &script.refer {
                    super::refer::far_end_refers(&sw, &uuid, r);
                }
            }
            Act::Info(i) => {
                drop(core);
                let (ct, body, _) = &script.infos[i];
                super::info::far_end_info(&sw, &uuid, ct, body);
            }
            Act::Hold(on) => {
                drop(core);
                if on {
                    super::hold::far_end_holds(&sw, &uuid);
                } else {
                    super::hold::far_end_resumes(&sw, &uuid);
                }
            }
        }
    }
}

/// Something the far end of an answered leg does, in time order.
#[derive(Debug, Clone, Copy)]
enum Act {
    Digit(char),
    Beep,
    Bye,
    Refer,
    Info(usize),
    Hold(bool),
}

/// The fields of a detected beep (trace 07c, a 1 kHz tone).
const BEEP: &[(&str, &str)] = &[
    ("Beep-Status", "DETECTED"),
    ("Frequency", "1000.000000"),
    ("Frequency-variance", "0.000012"),
    ("Amplitude", "11236.787441"),
    ("Amplitude-variance", "1479.015222"),
    ("Detection-time", "30000"),
    ("Detector-resolution", "1"),
    ("Detector-offset", "0"),
    ("Detector-index", "0"),
];
