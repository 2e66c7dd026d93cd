//! The `dial` verb's options on live calls against the fake switch:
//! screening (confirmHook), headers, forwardPAI, dialMusic, SIP
//! credentials and proxies, exitMediaPath, dials in a row.

mod dialing;
mod fake_freeswitch;
mod harness;

use std::time::Duration;

use dialing::*;
use fake_freeswitch::{Callee, CallerSip};
use harness::Reply;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_header_value_with_a_comma_and_quotes_arrives_intact() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        json!({"verb": "dial", "headers": {"X-Shared": "a,b 'quoted' \"too\""},
               "target": [{"type": "phone", "number": "+15550000001",
                           "headers": {"X-Leg": "x,y;z \"q\""}}]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(d.addr, caller().leg(0, Callee::rejects(486, 10)));
    call.finished(WAIT).await.expect("the call ends");
    let dial = &call.dials()[0];
    assert_eq!(dial.error, None);
    assert_eq!(dial.legs.len(), 1);
    assert_eq!(
        dial.legs[0].var("sip_h_X-Shared"),
        Some("a,b 'quoted' \"too\"")
    );
    assert_eq!(dial.legs[0].var("sip_h_X-Leg"), Some("x,y;z \"q\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screening_accepts_a_leg_with_an_empty_reply() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        json!({"verb": "dial", "actionHook": "/action", "confirmHook": "/screen",
               "answerOnBridge": true, "tag": {"crm": 7},
               "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    app.reply(
        "/screen",
        Reply::json(json!([{"verb": "play", "url": "/whisper.wav"}])),
    );
    let call = fake.call(
        d.addr,
        caller().leg(0, Callee::answers_after(100).hangs_up_after_answer(800)),
    );
    call.finished(WAIT).await.expect("the call ends");
    let screen = app.wait_for("/screen", 1, WAIT).await[0].json();
    let l0 = leg_uuid(&call, 0);
    assert_eq!(screen["call_sid"], l0.as_str());
    assert_eq!(screen["parent_call_sid"], call.uuid());
    assert_eq!(screen["type"], "dial:confirm");
    assert_eq!(screen["direction"], "outbound");
    assert_eq!(screen["customerData"], json!({"crm": 7}));
    let body = app.wait_for("/action", 1, WAIT).await[0].json();
    assert_eq!(body["dial_status"], "completed");
    assert_eq!(body["dial_call_sid"], l0.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_screen_lets_another_leg_win() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        json!({"verb": "dial", "actionHook": "/action", "answerOnBridge": true,
               "target": [{"type": "phone", "number": "+15550000001", "confirmHook": "/screen"},
                          phone("+15550000002")]}),
        json!([]),
        Reply::status(200),
    );
    app.reply("/screen", Reply::json(json!([{"verb": "hangup"}])));
    let call = fake.call(
        d.addr,
        caller()
            .leg(0, Callee::answers_after(100))
            .leg(1, Callee::answers_after(700).hangs_up_after_answer(300)),
    );
    call.finished(WAIT).await.expect("the call ends");
    let body = app.wait_for("/action", 1, WAIT).await[0].json();
    let (l0, l1) = (leg_uuid(&call, 0), leg_uuid(&call, 1));
    assert_eq!(body["dial_status"], "completed");
    assert_eq!(body["dial_call_sid"], l1.as_str());
    assert_eq!(body["dial_legs"][0]["status"], "declined");
    assert_eq!(body["dial_legs"][0]["call_sid"], l0.as_str());
    assert_eq!(body["dial_legs"][0]["hangup_cause"], "CALL_REJECTED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screening_may_run_longer_than_the_ring_timeout() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        json!({"verb": "dial", "actionHook": "/action", "confirmHook": "/screen", "timeout": 5,
               "answerOnBridge": true, "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    // A fake second is 100 ms: leg_timeout=5 is 0.5 s. Answered at 0.3 s,
    // the screening app takes 1.5 s more, well past the leg timeout.
    app.reply(
        "/screen",
        Reply::json(json!([{"verb": "pause", "length": 1}])).after(Duration::from_millis(500)),
    );
    let call = fake.call(
        d.addr,
        caller().leg(0, Callee::answers_after(300).hangs_up_after_answer(2_500)),
    );
    call.finished(WAIT).await.expect("the call ends");
    let body = app.wait_for("/action", 1, WAIT).await[0].json();
    assert_eq!(body["dial_status"], "completed", "{body}");
    let dial = &call.dials()[0];
    assert_eq!(
        dial.legs[0].var("group_confirm_cancel_timeout"),
        Some("true")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forward_pai_copies_the_callers_identity_headers_unless_turned_off() {
    let (app, fake, d) = setup().await;
    let pai = "\"Alice\" <sip:+15551230000@carrier.example.com>";
    for (forward, expected) in [(true, Some(pai)), (false, None)] {
        script(
            &app,
            json!({"verb": "dial", "forwardPAI": forward, "target": [phone("+15550000001")]}),
            json!([]),
            Reply::status(200),
        );
        let call = fake.call(
            d.addr,
            caller()
                .var("sip_P-Asserted-Identity", pai)
                .var("sip_Privacy", "id")
                .leg(0, Callee::rejects(486, 10)),
        );
        call.finished(WAIT).await.expect("the call ends");
        let dial = &call.dials()[0];
        assert_eq!(
            dial.legs[0].var("sip_h_P-Asserted-Identity"),
            expected,
            "forwardPAI={forward}"
        );
        assert_eq!(dial.legs[0].var("sip_h_Privacy"), expected.map(|_| "id"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dial_music_is_fetched_and_played_as_ringback() {
    let (app, fake, d) = setup().await;
    app.reply("/ring.wav", Reply::audio("audio/wav", 4096));
    script(
        &app,
        json!({"verb": "dial", "answerOnBridge": true, "dialMusic": app.url("/ring.wav"),
               "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(
        d.addr,
        caller().leg(0, Callee::answers_after(300).hangs_up_after_answer(100)),
    );
    call.finished(WAIT).await.expect("the call ends");
    let apps = call.apps();
    let ringback = apps
        .iter()
        .find_map(|(n, a)| (n == "set").then(|| a.strip_prefix("ringback=")).flatten())
        .expect("ringback set");
    assert!(
        ringback.ends_with(".wav") && std::path::Path::new(ringback).exists(),
        "{ringback}"
    );
    let names: Vec<&str> = apps.iter().map(|(n, _)| n.as_str()).collect();
    let pre = names
        .iter()
        .position(|n| *n == "pre_answer")
        .expect("early media for the music");
    let bridge = names.iter().position(|n| *n == "bridge").expect("bridge");
    assert!(pre < bridge);
    assert_eq!(
        call.dials()[0]
            .global_vars
            .iter()
            .find(|(k, _)| k == "ignore_early_media")
            .map(|(_, v)| v.as_str()),
        Some("true")
    );
    assert_eq!(call.caller_signals().first(), Some(&CallerSip::Progress183));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_dial_on_the_same_call_reports_only_its_own_legs() {
    let (app, fake, d) = setup().await;
    app.reply(
        "/call",
        Reply::json(
            json!([{"verb": "dial", "actionHook": "/first", "timeout": 1,
                            "target": [phone("+15550000001")]}]),
        ),
    );
    app.reply(
        "/first",
        Reply::json(json!([{"verb": "dial", "actionHook": "/second",
                            "target": [phone("+15550000002")]}])),
    );
    app.reply("/second", Reply::status(200));
    let call = fake.call(
        d.addr,
        caller()
            .endpoint("+15550000001", Callee::rejects(404, 20))
            .endpoint("+15550000002", Callee::rejects(486, 20)),
    );
    call.finished(WAIT).await.expect("the call ends");
    let first = app.wait_for("/first", 1, WAIT).await[0].json();
    let second = app.wait_for("/second", 1, WAIT).await[0].json();
    assert_eq!(
        (
            first["dial_status"].clone(),
            first["dial_sip_status"].clone()
        ),
        (json!("failed"), json!(404))
    );
    assert_eq!(
        (
            second["dial_status"].clone(),
            second["dial_sip_status"].clone()
        ),
        (json!("busy"), json!(486))
    );
    assert_eq!(second["dial_legs"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        second["dial_legs"][0]["call_sid"],
        call.dials()[1].legs[0].uuid.as_str()
    );
    let unsets = call
        .commands()
        .iter()
        .filter(|c| {
            c.verb == "api"
                && c.args.starts_with("uuid_setvar_multi ")
                && c.args.contains(";originate_causes=;originated_legs=;")
        })
        .count();
    assert_eq!(
        unsets, 2,
        "the accumulating variables are cleared before each bridge"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sip_targets_carry_their_credentials_and_proxy_on_the_live_leg() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        json!({"verb": "dial", "exitMediaPath": true, "target": [
            {"type": "sip", "sipUri": "sip:1000@pbx.example.com", "proxy": "sip:10.0.0.5:5060",
             "auth": {"username": "alice", "password": "s3cret,pw"}}]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(d.addr, caller().leg(0, Callee::rejects(486, 10)));
    call.finished(WAIT).await.expect("the call ends");
    let dial = &call.dials()[0];
    assert_eq!(
        dial.legs[0].endpoint,
        "sofia/external/sip:1000@pbx.example.com;fs_path=<sip:10.0.0.5:5060;lr>"
    );
    assert_eq!(dial.legs[0].var("sip_auth_username"), Some("alice"));
    assert_eq!(dial.legs[0].var("sip_auth_password"), Some("s3cret,pw"));
    assert!(
        call.commands().iter().any(|c| c.verb == "api"
            && c.args.starts_with("uuid_setvar_multi ")
            && c.args.contains(";bypass_media_after_bridge=true;")),
        "exitMediaPath sets bypass_media_after_bridge with the dial's variables"
    );
    assert!(
        harness::log_lines_with("s3cret").is_empty(),
        "the SIP password never reaches a log"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_hook_hears_ringing_and_answer_while_the_dial_runs() {
    let (app, fake, d) = setup_with_status_hook().await;
    script(
        &app,
        json!({"verb": "dial", "answerOnBridge": true, "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(
        d.addr,
        caller().leg(0, Callee::answers_after(300).hangs_up_after_answer(3_000)),
    );
    // While the callee is still talking, the caller's answer is already known.
    let got = app.wait_for("/status", 3, WAIT).await;
    let statuses = statuses(&got);
    assert_eq!(statuses, ["trying", "ringing", "in-progress"]);
    assert!(
        call.legs()[0].cause.is_none(),
        "posted before the bridged call ended"
    );
    call.finished(WAIT).await.expect("the call ends");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_callers_answer_reaches_the_status_hook_while_the_legs_still_ring() {
    // No timer polls the caller's state during a dial: its answer (queued
    // before the bridge) must be posted from the events themselves, while
    // the legs ring on and nothing else happens.
    let (app, fake, d) = setup_with_status_hook().await;
    script(
        &app,
        json!({"verb": "dial", "answerOnBridge": false, "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(d.addr, caller().hangs_up_after(4_000));
    let got = app.wait_for("/status", 2, WAIT).await;
    assert_eq!(statuses(&got), ["trying", "in-progress"]);
    assert!(
        call.hangup_cause().is_none() && call.legs()[0].cause.is_none(),
        "posted while the leg still rang"
    );
    call.finished(WAIT).await.expect("the call ends");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_early_media_is_reported_as_such() {
    let (app, fake, d) = setup_with_status_hook().await;
    app.reply("/ring.wav", Reply::audio("audio/wav", 4096));
    script(
        &app,
        json!({"verb": "dial", "answerOnBridge": true, "dialMusic": app.url("/ring.wav"),
               "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(
        d.addr,
        caller().leg(0, Callee::answers_after(800).hangs_up_after_answer(100)),
    );
    call.finished(WAIT).await.expect("the call ends");
    let got = app.wait_for("/status", 4, WAIT).await;
    let statuses = statuses(&got);
    assert_eq!(
        statuses[..3],
        ["trying", "early-media", "in-progress"],
        "{statuses:?}"
    );
}
