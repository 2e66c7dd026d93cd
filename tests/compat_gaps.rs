//! jambonz applications dialbridge used to refuse and now runs, against
//! the fake switch: a `gather` without `actionHook` (the digits are
//! dropped and the next verb runs, as jambonz does), the dialed legs'
//! `srtpEncryption`, a `transcribe` nested in `listen`/`stream`, and
//! `sip:request` INFOs without a body or with one over several lines
//! (`sendevent SEND_INFO`) (`rest:dial`'s `timeLimit` and `fromHost` are in
//! tests/rest_dial.rs).

mod dialing;
mod fake_freeswitch;
mod harness;
mod support;

use std::time::Duration;

use dialbridge::config::SpeechService;
use dialbridge::secret::Secret;
use dialing::{WAIT, app_names, caller, phone, script, setup};
use fake_freeswitch::{FakeSwitch, SipSent};
use harness::{App, Reply};
use serde_json::json;
use support::recognizer::{Recognizer, final_};
use support::ws_server::{Behaviour, WsServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gather_without_action_hook_drops_the_digits_and_runs_the_next_verb() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "gather", "input": ["digits"], "numDigits": 1},
            {"verb": "play", "url": "/after.wav"},
            {"verb": "hangup"},
        ])),
    );
    let d = harness::start(harness::settings(&app)).await;
    let fake = FakeSwitch::start().await;
    fake.file_duration("/after.wav", 100);
    let call = fake.call(d.addr, caller().presses("7", 300));
    call.finished(WAIT).await.expect("the call ends");
    let names = app_names(&call);
    let gather = names
        .iter()
        .position(|n| n == "play_and_get_digits")
        .expect("the gather ran");
    let apps = call.apps();
    let play = apps
        .iter()
        .position(|(n, a)| n == "playback" && a == "/after.wav")
        .unwrap_or_else(|| panic!("the verb after the gather ran: {apps:?}"));
    assert!(gather < play, "{names:?}");
    assert!(
        names.iter().any(|n| n == "hangup"),
        "the hangup after it too: {names:?}"
    );
    let paths: Vec<String> = app.take_requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/call"], "no hook is asked about the digits");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn srtp_encryption_sdes_makes_srtp_mandatory_on_every_dialed_leg() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        json!({"verb": "dial", "srtpEncryption": "sdes", "target": [
            phone("+15083084809"),
            {"type": "sip", "sipUri": "sip:bob@sip.example.com"},
        ]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(d.addr, caller().hangs_up_after(1_000));
    call.finished(WAIT).await.expect("the call ends");
    let dials = call.dials();
    assert_eq!(dials[0].legs.len(), 2);
    for leg in &dials[0].legs {
        assert_eq!(
            leg.var("rtp_secure_media"),
            Some("mandatory"),
            "{}",
            dials[0].raw
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dial_without_srtp_encryption_leaves_the_profile_setting_alone() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        json!({"verb": "dial", "target": [phone("+15083084809")]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(d.addr, caller().hangs_up_after(1_000));
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(call.dials()[0].legs[0].var("rtp_secure_media"), None);
}

/// A listen verb whose nested transcribe runs beside the stream: the
/// caller's audio reaches the websocket and the recognizer, transcripts go
/// to the transcriptionHook, and both stop when the listen ends (its
/// finishOnKey), before the next verb.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transcribe_nested_in_listen_runs_beside_the_stream_and_stops_with_it() {
    let rec = Recognizer::start(vec![final_(300, "hello there")], vec![]).await;
    let ws = WsServer::start(Behaviour::Accept).await;
    let app = App::start().await;
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    let mut s = harness::settings(&app);
    s.speech.insert(
        "acme".into(),
        SpeechService {
            url: rec.url(),
            api_key: Secret::new("k3y"),
        },
    );
    let d = harness::start(s).await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "stream", "url": ws.url("/audio"), "finishOnKey": "#",
             "transcribe": {"transcriptionHook": "/t",
                            "recognizer": {"vendor": "custom:acme", "language": "en-GB"}}},
            {"verb": "play", "url": "/after.wav"},
        ])),
    );
    app.reply("/t", Reply::json(json!([])));
    fake.file_duration("/after.wav", 100);
    let audio: Vec<i16> = (0..24_000).map(|i| ((i % 50) as i16 - 25) * 300).collect();
    let call = fake.call(d.addr, caller().records(audio).presses("#", 1_500));
    call.finished(WAIT).await.expect("the call ends");
    let t = app.wait_for("/t", 1, WAIT).await[0].json();
    assert_eq!(t["call_sid"], call.uuid());
    assert_eq!(t["speech"]["alternatives"][0]["transcript"], "hello there");
    assert_eq!(t["speech"]["channel_tag"], 1);
    let sessions = rec.wait_for(WAIT, |s| s.iter().any(|s| s.stopped)).await;
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].start["language"], "en-GB");
    assert!(
        sessions[0].audio_bytes > 0,
        "the recognizer heard the caller"
    );
    assert!(sessions[0].stopped, "stop is sent when the listen ends");
    let conns = ws.wait_for(WAIT, |c| c.iter().any(|c| c.closed)).await;
    assert!(!conns[0].binaries().is_empty(), "the websocket got audio");
    // Both recordings (the stream's and the recognizer's) were stopped by
    // dialbridge (`uuid_record … stop`), not left to the hang-up.
    let api = fake.api_log();
    let starts = api
        .iter()
        .filter(|l| l.starts_with("uuid_record") && l.contains(" start "))
        .count();
    let stops = api
        .iter()
        .filter(|l| l.starts_with("uuid_record") && l.contains(" stop "))
        .count();
    assert_eq!((starts, stops), (2, 2), "{api:?}");
    assert!(
        call.apps()
            .iter()
            .any(|(n, a)| n == "playback" && a == "/after.wav"),
        "the verb after the listen ran"
    );
}

/// Runs `verbs` on one call; the app and what FreeSWITCH sent the caller
/// beyond call progress.
async fn sip_sent_by(verbs: serde_json::Value) -> (App, fake_freeswitch::CallHandle, Vec<SipSent>) {
    let app = App::start().await;
    app.reply("/call", Reply::json(verbs));
    app.reply("/sent", Reply::json(json!([])));
    let d = harness::start(harness::settings(&app)).await;
    let fake = FakeSwitch::start().await;
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    let sent = call.sip_sent().into_iter().map(|(_, s)| s).collect();
    (app, call, sent)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_info_over_several_lines_goes_as_a_send_info_event_in_the_callers_dialog() {
    let body = "Signal=5\r\nDuration=160\r\n";
    let (app, call, sent) = sip_sent_by(json!([
        {"verb": "answer"},
        {"verb": "sip:request", "method": "INFO", "body": body,
         "headers": {"Content-Type": "application/dtmf-relay"}, "actionHook": "/sent"},
        {"verb": "hangup"},
    ]))
    .await;
    assert!(
        sent.contains(&SipSent::EventInfo {
            content_type: Some("application/dtmf-relay".into()),
            body: body.into(),
        }),
        "{sent:?}"
    );
    let sendevents: Vec<_> = call
        .commands()
        .into_iter()
        .filter(|c| c.verb == "sendevent")
        .collect();
    assert_eq!(sendevents.len(), 1, "{sendevents:?}");
    assert!(
        !call
            .commands()
            .iter()
            .any(|c| c.args.contains("uuid_send_info")),
        "no one-line API command"
    );
    let posted = app.wait_for("/sent", 1, WAIT).await[0].json();
    assert_eq!(
        (posted["result"].clone(), posted["method"].clone()),
        (json!("success"), json!("INFO"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_info_without_a_body_has_no_body_and_no_content_type() {
    let (_, _, sent) = sip_sent_by(json!([
        {"verb": "answer"},
        {"verb": "sip:request", "method": "INFO"},
        {"verb": "hangup"},
    ]))
    .await;
    assert_eq!(
        sent.iter()
            .filter(|s| matches!(s, SipSent::EventInfo { .. } | SipSent::Info { .. }))
            .collect::<Vec<_>>(),
        [&SipSent::EventInfo {
            content_type: None,
            body: String::new(),
        }],
        "{sent:?}"
    );
}

/// What `explain` says about the applications made to run here.
#[test]
fn explain_shows_what_each_now_does() {
    let settings = dialbridge::config::Settings::default();
    let out = dialbridge::explain::explain(
        r#"[{"verb": "gather", "input": ["digits"], "numDigits": 1},
            {"verb": "sip:request", "method": "INFO", "body": "Signal=5\r\nDuration=160\r\n",
             "headers": {"Content-Type": "application/dtmf-relay"}},
            {"verb": "stream", "url": "wss://ws.example.com/audio",
             "transcribe": {"transcriptionHook": "https://app.example.com/t"}}]"#,
        &settings,
    )
    .expect("accepted");
    let notices: Vec<String> = out.notices.iter().map(|n| n.to_string()).collect();
    assert!(
        notices
            .iter()
            .any(|n| n.starts_with("/0:") && n.contains("no `actionHook`")),
        "{notices:?}"
    );
    let text = out.human();
    for part in [
        "no actionHook: digits dropped, next verb runs",
        "INFO in the dialog (sendevent SEND_INFO), Content-Type application/dtmf-relay",
        "the caller transcribed beside it until it ends, transcripts to https://app.example.com/t",
    ] {
        assert!(text.contains(part), "{part} not in {text}");
    }
}
