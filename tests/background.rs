//! The `config` verb's background features against the fake switch:
//! `bargeIn` collects the caller's digits beside the verbs that follow and
//! its actionHook's verbs break the running verb off and replace the rest;
//! `sipRequestWithinDialogHook` is told of each INFO (here the bridged
//! callee's, §21) and its verbs end the dial and replace the rest.

mod dialing;
mod fake_freeswitch;
mod harness;

use dialing::{WAIT, app_names, caller, phone};
use fake_freeswitch::{Callee, FakeSwitch};
use harness::{App, Reply};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn barge_in_digits_break_off_the_play_and_the_hooks_verbs_replace_the_rest() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "config", "bargeIn": {"enable": true, "actionHook": "/barge",
                "input": ["digits"], "finishOnKey": "#"}},
            {"verb": "play", "url": "/sounds/long.wav"},
            {"verb": "hangup"},
        ])),
    );
    app.reply(
        "/barge",
        Reply::json(json!([{"verb": "pause", "length": 1}])),
    );
    let d = harness::start(harness::settings(&app)).await;
    let fake = FakeSwitch::start().await;
    fake.file_duration("/sounds/long.wav", 60_000);
    let call = fake.call(d.addr, caller().presses("42#", 500).hangs_up_after(4_000));
    call.finished(WAIT).await.expect("the call ends");
    let barge = app.requests("/barge");
    assert_eq!(barge.len(), 1);
    assert_eq!(barge[0].json()["digits"], "42");
    assert_eq!(barge[0].json()["reason"], "dtmfDetected");
    assert_eq!(barge[0].json()["call_sid"], call.uuid());
    assert!(
        fake.api_log()
            .contains(&format!("uuid_break {} all", call.uuid())),
        "{:?}",
        fake.api_log()
    );
    // The play was broken off (and `sleep 1` queued behind the break, so
    // that an application it dropped is not waited for); the hook's pause
    // replaced the rest (the last hangup is the daemon's own once the verbs
    // ran out).
    assert_eq!(
        app_names(&call),
        ["answer", "playback", "sleep", "sleep", "hangup"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_barge_in_collects_nothing() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "config", "bargeIn": {"enable": true, "actionHook": "/barge", "finishOnKey": "#"}},
            {"verb": "config", "bargeIn": {"enable": false}},
            {"verb": "play", "url": "/sounds/short.wav"},
        ])),
    );
    app.reply(
        "/barge",
        Reply::json(json!([{"verb": "pause", "length": 1}])),
    );
    let d = harness::start(harness::settings(&app)).await;
    let fake = FakeSwitch::start().await;
    fake.file_duration("/sounds/short.wav", 1_500);
    let call = fake.call(d.addr, caller().presses("42#", 300));
    call.finished(WAIT).await.expect("the call ends");
    assert!(app.requests("/barge").is_empty());
    assert_eq!(app_names(&call), ["answer", "playback", "hangup"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_info_from_the_callee_reaches_the_hook_and_its_verbs_end_the_dial() {
    let (app, fake, d) = dialing::setup().await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "config", "sipRequestWithinDialogHook": "/info"},
            {"verb": "dial", "target": [phone("+15550000001")], "actionHook": "/action"},
            {"verb": "hangup"},
        ])),
    );
    app.reply(
        "/info",
        Reply::json(json!([{"verb": "pause", "length": 1}])),
    );
    app.reply("/action", Reply::status(200));
    let call = fake.call(
        d.addr,
        caller().otherwise(
            Callee::answers_after(100)
                .sends_info("application/x-acme", "mode=quiet", 500)
                .hangs_up_after_answer(10_000),
        ),
    );
    call.finished(WAIT).await.expect("the call ends");
    let info = app.requests("/info");
    assert_eq!(info.len(), 1);
    let body = info[0].json();
    assert_eq!(body["sip_method"], "INFO");
    assert_eq!(body["sip_body"], "mode=quiet");
    assert_eq!(body["sip_headers"]["Content-Type"], "application/x-acme");
    // The hook's verbs ended the dial (the callee hung up) and replaced
    // what was left: a pause, not the hangup after the dial.
    let leg = call.dials()[0].legs[0].uuid.clone();
    assert!(
        fake.api_log()
            .contains(&format!("uuid_kill {leg} NORMAL_CLEARING")),
        "{:?}",
        fake.api_log()
    );
    let names = app_names(&call);
    let bridge = names.iter().position(|n| n == "bridge");
    assert_eq!(
        names[bridge.map_or(0, |b| b + 1)..],
        ["sleep", "hangup"],
        "{names:?}"
    );
    assert_eq!(
        app.requests("/action").len(),
        1,
        "the dial's outcome is still told"
    );
}
