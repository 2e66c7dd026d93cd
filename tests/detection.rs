//! What a dial reports while it is live: dtmfCapture matches to dtmfHook,
//! and answering-machine detection (the classifier fed from the callee's
//! growing recording, mod_avmd's beeps) to the amd hook — against the fake
//! switch, which writes the callee's audio at real-time pace.

mod dialing;
mod fake_freeswitch;
mod harness;

use std::time::Duration;

use dialing::amd::{amd_setup, speech, types};
use dialing::*;
use fake_freeswitch::Callee;
use harness::Reply;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sequence_pressed_on_the_callee_reaches_dtmf_hook_with_the_childs_call_sid() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        json!({"verb": "dial", "dtmfCapture": ["*2", "*3"], "dtmfHook": {"url": "/dtmf", "method": "GET"},
               "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    app.reply("/dtmf", Reply::status(404));
    let call = fake.call(
        d.addr,
        caller().leg(
            0,
            Callee::answers_after(50)
                .presses("*2", 200)
                .hangs_up_after_answer(1_500),
        ),
    );
    call.finished(WAIT).await.expect("the call ends");
    let hits = app.wait_for("/dtmf", 1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(app.requests("/dtmf").len(), 1, "one match, reported once");
    let child = leg_uuid(&call, 0);
    assert_eq!(hits[0].param("dtmf"), Some("*2"));
    assert_eq!(hits[0].param("leg"), Some("child"));
    assert_eq!(hits[0].param("call_sid"), Some(child.as_str()));
    assert_eq!(hits[0].param("parent_call_sid"), Some(call.uuid()));
    // A failing dtmfHook does not affect the call: it ran to the callee's BYE.
    assert_eq!(call.legs()[0].cause.as_deref(), Some("NORMAL_CLEARING"));
    assert!(!call.closed_with_caller_up());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parent_call_patterns_watch_the_caller_only() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        json!({"verb": "dial", "dtmfHook": "/dtmf",
               "dtmfCapture": {"parentCall": ["#9"], "childCall": ["*7"]},
               "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(
        d.addr,
        caller().presses("#9", 400).leg(
            0,
            Callee::answers_after(50)
                .presses("#9", 300)
                .hangs_up_after_answer(1_500),
        ),
    );
    call.finished(WAIT).await.expect("the call ends");
    let hits = app.wait_for("/dtmf", 1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let hits_now = app.requests("/dtmf");
    assert_eq!(hits_now.len(), 1, "the callee's #9 is not a child pattern");
    let body = hits[0].json();
    assert_eq!(
        (body["dtmf"].clone(), body["leg"].clone()),
        (json!("#9"), json!("parent"))
    );
    assert_eq!(body["call_sid"], call.uuid());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_machine_greeting_then_a_beep_reports_machine_beep_and_stopped_in_order() {
    let (app, fake, d) = amd_setup(2_000).await;
    script(
        &app,
        json!({"verb": "dial", "amd": {"actionHook": "/amd"}, "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    // 0.4 s of silence, a 3.4 s greeting (8 words), then silence; a beep
    // at 4 s after answer.
    let audio = speech(400, 8, 4_000);
    let placed = std::time::Instant::now();
    let call = fake.call(
        d.addr,
        caller().leg(
            0,
            Callee::answers_after(50)
                .records(audio)
                .beeps_at(4_000)
                .hangs_up_after_answer(9_000),
        ),
    );
    let got = app.wait_for("/amd", 3, Duration::from_secs(20)).await;
    assert_eq!(
        types(&got),
        [
            "amd_machine_detected",
            "amd_tone_detected",
            "amd_machine_stopped_speaking"
        ]
    );
    let machine = got[0].json();
    assert_eq!(
        (machine["event"].clone(), machine["amd_type"].clone()),
        (json!("amd"), json!("machine"))
    );
    assert_eq!(machine["reason"], "long greeting");
    assert_eq!(machine["call_sid"], call.uuid());
    assert_eq!(got[1].json()["event"], "beep");
    // Timing, from what the classifier must have heard: "machine" needs the
    // lead silence plus a greeting longer than 1.5 s; "stopped speaking"
    // needs 2 s of silence after the last word (at 3.76 s of audio).
    let (machine_at, stopped_at) = (got[0].at - placed, got[2].at - placed);
    assert!(machine_at >= Duration::from_millis(1_900), "{machine_at:?}");
    assert!(stopped_at >= Duration::from_millis(5_700), "{stopped_at:?}");
    assert!(got[1].at <= got[2].at);
    call.finished(Duration::from_secs(20))
        .await
        .expect("the call ends");
    let leg = leg_uuid(&call, 0);
    let apps = call.apps();
    assert!(apps.iter().any(|(n, _)| n == "avmd_start"), "{apps:?}");
    let api: Vec<String> = call.commands().iter().map(|c| c.raw.clone()).collect();
    assert!(
        api.iter()
            .any(|c| c.starts_with(&format!("api uuid_record {leg} start "))
                && c.contains("RECORD_READ_ONLY=true")),
        "{api:?}"
    );
    assert!(
        api.iter()
            .any(|c| c.starts_with(&format!("api uuid_record {leg} stop "))),
        "{api:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disconnect_on_amd_hangs_up_the_machine_and_reports_completed() {
    let (app, fake, d) = amd_setup(2_000).await;
    script(
        &app,
        json!({"verb": "dial", "actionHook": "/action",
               "amd": {"hook": "/amd", "disconnectOnAMD": true}, "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(
        d.addr,
        caller().leg(
            0,
            Callee::answers_after(50)
                .records(speech(300, 10, 2_000))
                .hangs_up_after_answer(20_000),
        ),
    );
    call.finished(Duration::from_secs(20))
        .await
        .expect("the call ends");
    let action = app.wait_for("/action", 1, WAIT).await[0].json();
    assert_eq!(action["dial_status"], "completed");
    assert_eq!(action["amd_type"], "machine");
    let leg = leg_uuid(&call, 0);
    assert!(
        call.commands()
            .iter()
            .any(|c| c.raw == format!("api uuid_kill {leg} NORMAL_CLEARING")),
        "the callee was hung up"
    );
    assert!(
        action["dial_legs"][0]["duration"].as_u64().unwrap_or(99) < 10,
        "hung up long before its own BYE at 20 s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_human_detected_whose_hook_returns_verbs_replaces_the_application() {
    let (app, fake, d) = amd_setup(2_000).await;
    script(
        &app,
        json!({"verb": "dial", "actionHook": "/action", "amd": {"actionHook": "/amd"},
               "target": [phone("+15550000001")]}),
        json!([{"verb": "play", "url": "/after-dial.wav"}]),
        Reply::status(200),
    );
    app.reply(
        "/amd",
        Reply::json(json!([{"verb": "play", "url": "/agent-queue.wav"}])),
    );
    let call = fake.call(
        d.addr,
        caller().leg(
            0,
            Callee::answers_after(50)
                .records(speech(300, 1, 3_000))
                .hangs_up_after_answer(20_000),
        ),
    );
    call.finished(Duration::from_secs(20))
        .await
        .expect("the call ends");
    let amd = app.wait_for("/amd", 1, WAIT).await[0].json();
    assert_eq!(amd["type"], "amd_human_detected");
    assert_eq!(amd["amd_type"], "human");
    let played: Vec<String> = call
        .apps()
        .into_iter()
        .filter(|(n, _)| n == "playback")
        .map(|(_, a)| a)
        .collect();
    assert_eq!(
        played,
        ["/agent-queue.wav"],
        "the hook's verbs replaced the rest"
    );
    assert!(
        app.requests("/action").is_empty(),
        "the dial's actionHook is not called"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_that_never_appears_is_an_amd_error_not_a_hang() {
    let (app, fake, d) = amd_setup(300).await;
    fake.record_elsewhere();
    script(
        &app,
        json!({"verb": "dial", "amd": {"actionHook": "/amd"}, "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(
        d.addr,
        caller().leg(0, Callee::answers_after(50).hangs_up_after_answer(1_500)),
    );
    let got = app.wait_for("/amd", 1, WAIT).await;
    let err: Value = got[0].json();
    assert_eq!(err["type"], "amd_error");
    assert!(
        err["error"]
            .as_str()
            .unwrap_or("")
            .contains("did not appear"),
        "{err}"
    );
    call.finished(WAIT)
        .await
        .expect("the call goes on and ends normally");
    assert_eq!(call.legs()[0].cause.as_deref(), Some("NORMAL_CLEARING"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dials_tag_joins_the_calls_customer_data_in_amd_payloads() {
    let (app, fake, d) = amd_setup(200).await;
    fake.record_elsewhere();
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "tag", "data": {"crm": 7, "lang": "en"}},
            {"verb": "dial", "tag": {"campaign": "spring", "lang": "fr"},
             "amd": {"actionHook": "/amd"}, "target": [phone("+15550000001")]}
        ])),
    );
    let call = fake.call(
        d.addr,
        caller().leg(0, Callee::answers_after(50).hangs_up_after_answer(1_000)),
    );
    let got = app.wait_for("/amd", 1, WAIT).await;
    assert_eq!(got[0].json()["type"], "amd_error");
    // The call's customerData (from `tag`) is kept; the dial's tag adds to
    // it, its keys winning.
    assert_eq!(
        got[0].json()["customerData"],
        json!({"crm": 7, "lang": "fr", "campaign": "spring"})
    );
    call.finished(WAIT).await.expect("the call ends");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_of_an_amd_hook_reply_are_logged() {
    let (app, fake, d) = amd_setup(200).await;
    fake.record_elsewhere();
    script(
        &app,
        json!({"verb": "dial", "amd": {"actionHook": "/amd"}, "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    app.reply(
        "/amd",
        Reply::json(json!([{"verb": "say", "text": "hello", "synthesizer": {"vendor": "google"}}])),
    );
    let call = fake.call(
        d.addr,
        caller().leg(0, Callee::answers_after(50).hangs_up_after_answer(1_500)),
    );
    app.wait_for("/amd", 1, WAIT).await;
    call.finished(WAIT).await.expect("the call ends");
    let lines: Vec<String> = harness::log_lines_with("reply notice")
        .into_iter()
        .filter(|l| l.contains(call.uuid()) && l.contains("amd") && l.contains("vendor"))
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
}
