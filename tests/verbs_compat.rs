//! The verbs jambonz applications use around a dial, against the fake
//! switch: `alert` (180 with Alert-Info), `dtmf` (uuid_send_dtmf),
//! `sip:request` (INFO and MESSAGE in the dialog, §21; NOTIFY through
//! mod_sofia's NOTIFY event), `sip:refer`
//! (deflect, §20), `leave`, `conference` (mod_conference, §19); `play`'s
//! `timeoutSecs`, `actionHook` and `seekOffset`; a fractional `pause`.

mod dialing;
mod fake_freeswitch;
mod harness;

use std::time::Duration;

use dialing::{WAIT, app_names, caller};
use fake_freeswitch::{CallerSip, FakeSwitch, SipSent};
use harness::{App, Reply};
use serde_json::{Value, json};

/// Runs one call whose application is `verbs`; returns the app and the call.
async fn run(verbs: Value) -> (App, fake_freeswitch::CallHandle) {
    let app = App::start().await;
    app.reply("/call", Reply::json(verbs));
    let d = harness::start(harness::settings(&app)).await;
    let fake = FakeSwitch::start().await;
    fake.file_duration("/sounds/long.wav", 60_000);
    fake.file_duration("/sounds/short.wav", 100);
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    // Hooks posted from tasks of their own: let the last one land.
    tokio::time::sleep(Duration::from_millis(200)).await;
    (app, call)
}

/// What FreeSWITCH sent the caller beyond call progress.
fn sent(call: &fake_freeswitch::CallHandle) -> Vec<SipSent> {
    call.sip_sent().into_iter().map(|(_, s)| s).collect()
}

/// The api commands the daemon sent on the call's socket.
fn apis(call: &fake_freeswitch::CallHandle) -> Vec<String> {
    call.commands()
        .into_iter()
        .filter(|c| c.verb == "api")
        .map(|c| c.args)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alert_rings_the_caller_with_alert_info_before_the_decline() {
    let (_app, call) = run(json!([
        {"verb": "alert", "message": "info=alert-internal"},
        {"verb": "sip:decline", "status": 486},
    ]))
    .await;
    let apps = call.apps();
    assert_eq!(
        apps[0],
        ("set".into(), "sip_ph_Alert-Info=info=alert-internal".into())
    );
    assert_eq!(apps[1].0, "ring_ready");
    assert_eq!(
        call.caller_signals(),
        [CallerSip::Ringing180, CallerSip::Final(486)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alert_on_an_answered_call_sends_nothing() {
    let (_app, call) = run(json!([
        {"verb": "answer"},
        {"verb": "alert", "message": "info=alert-internal"},
    ]))
    .await;
    assert_eq!(app_names(&call), ["answer", "hangup"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dtmf_sends_the_digits_to_the_answered_caller() {
    let (_app, call) = run(json!([{"verb": "dtmf", "dtmf": "12#", "duration": 250}])).await;
    assert_eq!(app_names(&call)[0], "answer");
    let commands = apis(&call);
    assert!(
        commands
            .iter()
            .any(|c| c == &format!("uuid_send_dtmf {} 12#@250", call.uuid())),
        "{commands:?}"
    );
    assert!(
        sent(&call).contains(&SipSent::Dtmf("12#".into())),
        "{:?}",
        sent(&call)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sip_request_sends_an_info_with_its_content_type_and_reports_it() {
    let (app, call) = run(json!([
        {"verb": "answer"},
        {"verb": "sip:request", "method": "INFO", "body": "mode=quiet now",
         "headers": {"Content-Type": "application/x-acme"}, "actionHook": "/sent"},
    ]))
    .await;
    assert!(
        sent(&call).contains(&SipSent::Info {
            content_type: "application/x-acme".into(),
            body: "mode=quiet now".into()
        }),
        "{:?}",
        sent(&call)
    );
    let sent = app.requests("/sent");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].json()["result"], "success");
    assert_eq!(sent[0].json()["method"], "INFO");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sip_request_sends_a_message_as_text() {
    let (_app, call) = run(json!([
        {"verb": "answer"},
        {"verb": "sip:request", "method": "MESSAGE", "body": "your table is ready"},
    ]))
    .await;
    assert!(
        sent(&call).contains(&SipSent::Message {
            content_type: "text/plain".into(),
            body: "your table is ready".into()
        }),
        "{:?}",
        sent(&call)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sip_request_sends_a_notify_with_its_event_and_a_body_over_several_lines() {
    let body = "Messages-Waiting: yes\r\nVoice-Message: 2/0\r\n";
    let (app, call) = run(json!([
        {"verb": "answer"},
        {"verb": "sip:request", "method": "NOTIFY", "body": body,
         "headers": {"Event": "message-summary",
                     "Content-Type": "application/simple-message-summary"},
         "actionHook": "/sent"},
    ]))
    .await;
    assert!(
        sent(&call).contains(&SipSent::EventNotify {
            event: "message-summary".into(),
            content_type: "application/simple-message-summary".into(),
            body: body.into(),
        }),
        "{:?}",
        sent(&call)
    );
    // A socket command: no application, so no frame of FreeSWITCH's.
    let sendevents: Vec<_> = call
        .commands()
        .into_iter()
        .filter(|c| c.verb == "sendevent")
        .collect();
    assert_eq!(sendevents.len(), 1, "{sendevents:?}");
    assert_eq!(app_names(&call), ["answer", "hangup"]);
    let sent = app.requests("/sent");
    assert_eq!(sent[0].json()["result"], "success");
    assert_eq!(sent[0].json()["method"], "NOTIFY");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sip_refer_deflects_the_caller_and_reports_the_transfer() {
    let (app, call) = run(json!([
        {"verb": "answer"},
        {"verb": "sip:refer", "referTo": "sip:queue@pbx.example.com", "actionHook": "/refer"},
        {"verb": "play", "url": "/sounds/short.wav"},
    ]))
    .await;
    assert!(
        sent(&call).iter().any(|s| matches!(s,
            SipSent::Refer { refer_to, .. } if refer_to == "<sip:queue@pbx.example.com>")),
        "{:?}",
        sent(&call)
    );
    assert_eq!(
        app_names(&call),
        ["answer", "deflect"],
        "the play never ran"
    );
    assert_eq!(call.hangup_cause().as_deref(), Some("BLIND_TRANSFER"));
    let refer = app.wait_for("/refer", 1, WAIT).await;
    assert_eq!(refer[0].json()["referStatus"], 202);
    assert_eq!(refer[0].json()["final_referred_call_status"], 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leave_outside_a_conference_goes_on() {
    let (_app, call) = run(json!([{"verb": "leave"}, {"verb": "answer"}])).await;
    assert_eq!(app_names(&call), ["answer", "hangup"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn play_timeout_secs_breaks_the_playback_and_tells_the_action_hook() {
    let (app, call) = run(json!([
        {"verb": "play", "url": "/sounds/long.wav", "timeoutSecs": 1, "actionHook": "/played"},
    ]))
    .await;
    let commands = apis(&call);
    assert!(
        commands
            .iter()
            .any(|c| c == &format!("uuid_break {}", call.uuid())),
        "{commands:?}"
    );
    let played = app.requests("/played");
    assert_eq!(played.len(), 1);
    assert_eq!(played[0].json()["reason"], "timeout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn play_action_hook_replaces_the_rest_when_the_play_completes() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "play", "url": "/sounds/short.wav", "actionHook": "/played"},
            {"verb": "hangup"},
        ])),
    );
    app.reply(
        "/played",
        Reply::json(json!([{"verb": "pause", "length": 1}])),
    );
    let d = harness::start(harness::settings(&app)).await;
    let fake = FakeSwitch::start().await;
    fake.file_duration("/sounds/short.wav", 100);
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(app.requests("/played")[0].json()["reason"], "playCompleted");
    assert_eq!(app_names(&call), ["answer", "playback", "sleep", "hangup"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn play_seek_offset_starts_the_first_file_that_many_samples_in_and_reports_what_played() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "play", "url": ["/sounds/two.wav", "/sounds/short.wav"], "loop": 2,
             "seekOffset": 8000, "actionHook": "/played"},
        ])),
    );
    app.reply("/played", Reply::json(json!([{"verb": "hangup"}])));
    let d = harness::start(harness::settings(&app)).await;
    let fake = FakeSwitch::start().await;
    fake.file_duration("/sounds/two.wav", 2000);
    fake.file_duration("/sounds/short.wav", 100);
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    let plays: Vec<String> = call
        .apps()
        .into_iter()
        .filter(|(n, _)| n == "playback")
        .map(|(_, a)| a)
        .collect();
    // Only the first file of the first repetition is sought in.
    assert_eq!(
        plays,
        [
            "/sounds/two.wav@@8000",
            "/sounds/short.wav",
            "/sounds/two.wav",
            "/sounds/short.wav"
        ]
    );
    let body = app.requests("/played")[0].json();
    assert_eq!(body["reason"], "playCompleted");
    // 1 s of two.wav after the seek, 2 s in the second round, 2 x 100 ms.
    assert_eq!(body["playback_milliseconds"], 3200);
    assert_eq!(body["playback_seconds"], 3);
    // The position in the last file played (short.wav, 100 ms at 8 kHz).
    assert_eq!(body["playback_last_offset_pos"], 800);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fractional_pause_sleeps_its_milliseconds() {
    let (_app, call) = run(json!([{"verb": "pause", "length": 0.5}])).await;
    assert_eq!(call.apps()[0], ("sleep".into(), "500".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conference_joins_the_room_with_its_flags_and_its_action_hook_follows() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "conference", "name": "sales", "joinMuted": true,
             "endConferenceOnExit": true, "actionHook": "/left", "beep": true},
            {"verb": "play", "url": "/sounds/short.wav"},
        ])),
    );
    app.reply("/left", Reply::json(json!([{"verb": "hangup"}])));
    let d = harness::start(harness::settings(&app)).await;
    let fake = FakeSwitch::start().await;
    let call = fake.call(d.addr, caller());
    let joined = call
        .wait_for(WAIT, |log| {
            log.commands()
                .iter()
                .any(|c| c.raw.contains("Execute-App-Name: conference"))
        })
        .await;
    assert!(joined, "{:?}", call.apps());
    // The room lists the member once it joined: kick it, as a moderator would.
    let mut list = String::new();
    for _ in 0..50 {
        list = fake.api("conference sales list").await;
        if !list.starts_with("-ERR") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let id = list.split(';').next().unwrap_or_default().to_owned();
    assert_eq!(
        fake.api(&format!("conference sales kick {id}")).await,
        format!("+OK kicked {id}\n")
    );
    call.finished(WAIT).await.expect("the call ends");
    let apps = call.apps();
    assert_eq!(apps[0].0, "answer");
    assert_eq!(
        apps[1],
        (
            "conference".into(),
            "sales@default+flags{mute|endconf|moderator}".into()
        )
    );
    let left = app.requests("/left");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].json()["conference_name"], "sales");
    assert_eq!(left[0].json()["member_id"], id.as_str());
    assert_eq!(
        app_names(&call),
        ["answer", "conference", "hangup"],
        "the hook's reply replaced the play"
    );
}
