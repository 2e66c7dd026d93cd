//! What the amd hook hears besides a plain human or machine: beeps only
//! within `toneTimeoutMs` of the answer (mod_avmd listens that long,
//! decided or not, as in jambonz), an undecided detection as its own
//! `amd_decision_timeout` event, and a human verdict taken back
//! (`amd_machine_detected` with `after_human: true`, which
//! `disconnectOnAMD` acts on) — against the fake switch, which writes the
//! callee's audio at real-time pace and sends `avmd::beep` only while avmd
//! runs on the leg.

mod dialing;
mod fake_freeswitch;
mod harness;

use std::time::Duration;

use dialing::amd::{amd_setup, speech, types};
use dialing::*;
use fake_freeswitch::{CallHandle, Callee};
use harness::Reply;
use serde_json::{Value, json};

/// The avmd applications the daemon sent to the callee, in order.
fn avmd_apps(call: &CallHandle) -> Vec<String> {
    call.apps()
        .into_iter()
        .map(|(name, _)| name)
        .filter(|n| n.starts_with("avmd_"))
        .collect()
}

/// Runs a one-target dial with `amd` whose callee answers at 50 ms as
/// `callee` says; waits for the call to end and for the AMD hooks posted
/// by then to arrive; returns them with the call.
async fn amd_call(amd: Value, callee: Callee) -> (Vec<harness::app::Request>, CallHandle) {
    let (app, fake, d) = amd_setup(2_000).await;
    script(
        &app,
        json!({"verb": "dial", "amd": amd, "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(d.addr, caller().leg(0, callee));
    call.finished(Duration::from_secs(20))
        .await
        .expect("the call ends");
    // Hooks are posted from tasks of their own: give the last one time to land.
    app.wait_for("/amd", 1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    (app.requests("/amd"), call)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_beep_after_the_tone_window_is_not_reported_and_avmd_is_stopped_at_its_end() {
    // A 3.4 s machine greeting: still being classified when the beep comes
    // at 3 s, but the tone window closed at 1 s.
    let (got, call) = amd_call(
        json!({"actionHook": "/amd", "timers": {"toneTimeoutMs": 1000}}),
        Callee::answers_after(50)
            .records(speech(400, 8, 4_000))
            .beeps_at(3_000)
            .hangs_up_after_answer(7_000),
    )
    .await;
    assert_eq!(
        types(&got),
        ["amd_machine_detected", "amd_machine_stopped_speaking"]
    );
    assert_eq!(avmd_apps(&call), ["avmd_start", "avmd_stop"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_beep_after_a_human_was_decided_is_reported_within_the_tone_window() {
    // "Hello?" is decided human about 1 s after answer; the beep at 2.5 s
    // is inside the default 20 s window, so avmd is still listening.
    let (got, call) = amd_call(
        json!({"actionHook": "/amd"}),
        Callee::answers_after(50)
            .records(speech(300, 1, 3_000))
            .beeps_at(2_500)
            .hangs_up_after_answer(4_000),
    )
    .await;
    assert_eq!(types(&got), ["amd_human_detected", "amd_tone_detected"]);
    assert_eq!(got[1].json()["event"], "beep");
    assert_eq!(avmd_apps(&call), ["avmd_start", "avmd_stop"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undecided_detection_is_amd_decision_timeout_without_an_amd_type() {
    // One unbroken 3 s tone: neither a word count nor a greeting that ended,
    // so nothing is decided within decisionTimeoutMs.
    let tone: Vec<i16> = (0..24_000)
        .map(|i| ((i as f64 * 2.0 * std::f64::consts::PI * 300.0 / 8000.0).sin() * 8000.0) as i16)
        .collect();
    let (got, _call) = amd_call(
        json!({"actionHook": "/amd", "timers": {"decisionTimeoutMs": 1000}}),
        Callee::answers_after(50)
            .records(tone)
            .hangs_up_after_answer(3_000),
    )
    .await;
    assert_eq!(types(&got), ["amd_decision_timeout"]);
    let body = got[0].json();
    assert_eq!(body["event"], "amd_decision_timeout");
    assert!(body.get("amd_type").is_none(), "{body}");
}

/// "Hi." [0.9 s], then 3.4 s more of greeting: decided human about 1.1 s
/// after answer, then taken back once the continuation passes 1.5 s.
fn greeting_that_goes_on() -> Vec<i16> {
    let mut audio = speech(300, 1, 800);
    audio.extend(speech(0, 8, 3_000));
    audio
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_greeting_that_goes_on_after_a_human_verdict_is_reported_as_a_machine_after_it() {
    let (got, _call) = amd_call(
        json!({"actionHook": "/amd"}),
        Callee::answers_after(50)
            .records(greeting_that_goes_on())
            .hangs_up_after_answer(9_000),
    )
    .await;
    assert_eq!(
        types(&got),
        [
            "amd_human_detected",
            "amd_machine_detected",
            "amd_machine_stopped_speaking"
        ]
    );
    let (human, machine) = (got[0].json(), got[1].json());
    assert_eq!(human["amd_type"], "human");
    assert_eq!(
        (
            &machine["amd_type"],
            &machine["reason"],
            &machine["after_human"]
        ),
        (&json!("machine"), &json!("long greeting"), &json!(true))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disconnect_on_amd_hangs_up_a_machine_found_after_a_human_verdict() {
    let (app, fake, d) = amd_setup(2_000).await;
    script(
        &app,
        json!({"verb": "dial", "actionHook": "/action",
               "amd": {"actionHook": "/amd", "disconnectOnAMD": true},
               "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(
        d.addr,
        caller().leg(
            0,
            Callee::answers_after(50)
                .records(greeting_that_goes_on())
                .hangs_up_after_answer(20_000),
        ),
    );
    call.finished(Duration::from_secs(20))
        .await
        .expect("the call ends");
    let amd = app.wait_for("/amd", 2, WAIT).await;
    assert_eq!(
        types(&amd)[..2],
        ["amd_human_detected", "amd_machine_detected"]
    );
    let action = app.wait_for("/action", 1, WAIT).await[0].json();
    assert_eq!(
        (&action["dial_status"], &action["amd_type"]),
        (&json!("completed"), &json!("machine"))
    );
    let leg = leg_uuid(&call, 0);
    assert!(
        call.commands()
            .iter()
            .any(|c| c.raw == format!("api uuid_kill {leg} NORMAL_CLEARING")),
        "the callee was hung up"
    );
    assert!(
        action["dial_legs"][0]["duration"].as_u64().unwrap_or(99) < 10,
        "hung up after the reversal, long before its own BYE at 20 s"
    );
}
