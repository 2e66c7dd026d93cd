//! The `dial` verb on live calls against the fake switch: outcome and the
//! exact actionHook body, refusals, timeouts, answerOnBridge, timeLimit,
//! screening, headers, limits, and many dials at once.

mod harness;
mod support;

use std::time::Duration;

use harness::{App, Reply};
use serde_json::{Value, json};
use support::{CallHandle, Callee, Caller, CallerSip, DialplanNext, FakeSwitch};

const WAIT: Duration = Duration::from_secs(15);

/// Dials run at once in the cross-talk test.
const N_DIALS: usize = 200;

const CALL_ID: &str = "a-leg-call-id@127.0.0.1";

fn caller() -> Caller {
    Caller::new("+15551230000", "+15559870000")
        .call_id(CALL_ID)
        .then(DialplanNext::Respond(503))
}

/// The SIP Call-ID of leg `i`'s INVITE.
fn leg_call_id(call: &CallHandle, i: usize) -> Option<String> {
    call.legs()[i].sip_call_id.clone()
}

fn phone(n: &str) -> Value {
    json!({"type": "phone", "number": n})
}

/// The app answers call_hook with `dial` (plus `after` verbs) and the dial's
/// actionHook with `action`.
fn script(app: &App, dial: Value, after: Value, action: Reply) {
    let mut verbs = vec![dial];
    verbs.extend(after.as_array().cloned().unwrap_or_default());
    app.reply("/call", Reply::json(Value::Array(verbs)));
    app.reply("/action", action);
}

/// The UUID the daemon gave leg `i` of the first dial.
fn leg_uuid(call: &CallHandle, i: usize) -> String {
    call.dials()[0].legs[i].uuid.clone()
}

/// The call fields as they are once the caller is in `status`.
fn call_fields(call: &CallHandle, status: &str, sip: u16) -> Value {
    json!({
        "call_sid": call.uuid(),
        "direction": "inbound",
        "from": "+15551230000",
        "to": "+15559870000",
        "caller_name": "+15551230000",
        "call_id": CALL_ID,
        "sip_status": sip,
        "call_status": status,
        "originating_sip_ip": "127.0.0.1",
    })
}

fn with(mut base: Value, extra: Value) -> Value {
    if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    base
}

fn leg(
    target: usize,
    uuid: &str,
    status: &str,
    sip: Option<u16>,
    cause: &str,
    duration: u64,
) -> Value {
    json!({"target": target, "call_sid": uuid, "status": status, "sip_status": sip,
           "hangup_cause": cause, "duration": duration})
}

async fn setup() -> (App, FakeSwitch, harness::Running) {
    let app = App::start().await;
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    let d = harness::start(harness::settings(&app)).await;
    (app, fake, d)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_ring_answer_completes_with_the_answering_leg() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        json!({"verb": "dial", "actionHook": "/action", "id": "d1",
               "target": [phone("+15550000001"), phone("+15550000002"), phone("+15550000003")]}),
        json!([]),
        Reply::json(json!([{"verb": "hangup"}])),
    );
    let call = fake.call(
        d.addr,
        caller()
            .leg(0, Callee::rejects(486, 30))
            .leg(1, Callee::rings_forever())
            .leg(2, Callee::answers_after(200).hangs_up_after_answer(1_200)),
    );
    call.finished(WAIT).await.expect("the call ends");
    let body = app.wait_for("/action", 1, WAIT).await[0].json();
    let (l0, l1, l2) = (leg_uuid(&call, 0), leg_uuid(&call, 1), leg_uuid(&call, 2));
    let expected = with(
        call_fields(&call, "in-progress", 200),
        json!({
            "dial_call_sid": l2,
            "dial_status": "completed",
            "dial_call_status": "completed",
            "dial_sip_status": 200,
            "dial_sbc_callid": leg_call_id(&call, 2),
            "duration": 1,
            "verb_id": "d1",
            "dial_legs": [
                leg(0, &l0, "busy", Some(486), "USER_BUSY", 0),
                leg(1, &l1, "canceled", Some(487), "LOSE_RACE", 0),
                leg(2, &l2, "completed", Some(200), "NORMAL_CLEARING", 1),
            ],
        }),
    );
    assert_eq!(body, expected);
    // The hook's verbs ran on the caller after the callee left.
    assert_eq!(call.apps().last().map(|(n, _)| n.as_str()), Some("hangup"));
    assert!(!call.closed_with_caller_up());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_caller_sees_the_dial_set_up_as_freeswitch_md_prescribes() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        json!({"verb": "dial", "answerOnBridge": true, "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(d.addr, caller().leg(0, Callee::rejects(404, 20)));
    call.finished(WAIT).await.expect("the call ends");
    let uuid = leg_uuid(&call, 0);
    let commands: Vec<String> = call.commands().iter().map(|c| c.raw.clone()).collect();
    let filters: Vec<&String> = commands
        .iter()
        .filter(|c| c.starts_with("filter "))
        .collect();
    assert_eq!(
        filters,
        [
            &format!("filter Unique-ID {}", call.uuid()),
            &format!("filter Unique-ID {uuid}")
        ]
    );
    let apps: Vec<(String, String)> = call.apps();
    let before_bridge: Vec<(&str, &str)> = apps
        .iter()
        .take_while(|(n, _)| n != "bridge")
        .map(|(n, a)| (n.as_str(), a.as_str()))
        .collect();
    assert_eq!(
        before_bridge,
        [
            ("set", "continue_on_fail=true"),
            ("set", "hangup_after_bridge=false"),
            ("set", "sip_ignore_remote_cause=true"),
            ("unset", "originate_causes"),
            ("unset", "originated_legs"),
            ("ring_ready", ""),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_and_not_found_report_busy_and_refuse_the_caller_with_486() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        json!({"verb": "dial", "actionHook": "/action", "answerOnBridge": true,
               "target": [phone("+15550000001"), phone("+15550000002")]}),
        json!([]),
        Reply::status(200),
    );
    // 02b1: 486 listed first; the 404 leg fails last, which FreeSWITCH
    // alone would have sent the caller.
    let call = fake.call(
        d.addr,
        caller()
            .leg(0, Callee::rejects(486, 20))
            .leg(1, Callee::rejects(404, 60)),
    );
    call.finished(WAIT).await.expect("the call ends");
    let body = app.wait_for("/action", 1, WAIT).await[0].json();
    assert_eq!(
        (body["dial_status"].clone(), body["dial_sip_status"].clone()),
        (json!("busy"), json!(486))
    );
    assert_eq!(body["dial_call_sid"], Value::Null);
    assert_eq!(call.caller_final_code(), Some(486));
    assert!(!call.caller_signals().contains(&CallerSip::Ok200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_found_and_unavailable_report_failed_404() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        json!({"verb": "dial", "actionHook": "/action", "answerOnBridge": true,
               "target": [phone("+15550000001"), phone("+15550000002")]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(
        d.addr,
        caller()
            .leg(0, Callee::rejects(503, 20))
            .leg(1, Callee::rejects(404, 40)),
    );
    call.finished(WAIT).await.expect("the call ends");
    let body = app.wait_for("/action", 1, WAIT).await[0].json();
    let (l0, l1) = (leg_uuid(&call, 0), leg_uuid(&call, 1));
    assert_eq!(
        body,
        with(
            call_fields(&call, "ringing", 180),
            json!({
                "dial_call_sid": null, "dial_status": "failed", "dial_call_status": "failed",
                "dial_sip_status": 404, "dial_sbc_callid": null, "duration": 0,
                "dial_legs": [
                    leg(0, &l0, "failed", Some(503), "NORMAL_TEMPORARY_FAILURE", 0),
                    leg(1, &l1, "failed", Some(404), "UNALLOCATED_NUMBER", 0),
                ],
            })
        )
    );
    assert_eq!(call.caller_final_code(), Some(404));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_leg_ringing_past_the_timeout_is_no_answer_487() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        json!({"verb": "dial", "actionHook": "/action", "timeout": 2, "answerOnBridge": true,
               "target": [phone("+15550000001"), phone("+15550000002")]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    let body = app.wait_for("/action", 1, WAIT).await[0].json();
    assert_eq!(body["dial_status"], "no-answer");
    assert_eq!(body["dial_sip_status"], 487);
    let causes: Vec<&str> = body["dial_legs"]
        .as_array()
        .expect("legs")
        .iter()
        .map(|l| l["hangup_cause"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(causes, ["ALLOTTED_TIMEOUT", "ALLOTTED_TIMEOUT"]);
    // The leg timeout was the dial's, the global one above it.
    let dial = &call.dials()[0];
    assert_eq!(dial.legs[0].var("leg_timeout"), Some("2"));
    assert_eq!(dial.legs[0].var("originate_timeout"), Some("4"));
    assert_eq!(call.caller_final_code(), Some(480));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_caller_hanging_up_while_ringing_still_sends_the_hook_and_ignores_its_reply() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        json!({"verb": "dial", "actionHook": "/action", "answerOnBridge": true,
               "target": [phone("+15550000001")]}),
        json!([]),
        Reply::json(json!([{"verb": "play", "url": "/never.wav"}])),
    );
    let call = fake.call(d.addr, caller().hangs_up_after(400));
    call.finished(WAIT).await.expect("the call ends");
    let body = app.wait_for("/action", 1, WAIT).await[0].json();
    assert_eq!(body["dial_status"], "no-answer");
    assert_eq!(body["dial_sip_status"], 487);
    assert_eq!(body["dial_legs"][0]["hangup_cause"], "ORIGINATOR_CANCEL");
    assert!(
        call.apps().iter().all(|(n, _)| n != "playback"),
        "the reply was ignored"
    );
    assert!(!call.closed_with_caller_up());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_limit_ends_a_connected_call_and_reports_completed() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        json!({"verb": "dial", "actionHook": "/action", "timeLimit": 1,
               "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(d.addr, caller().leg(0, Callee::answers_after(50)));
    call.finished(WAIT).await.expect("the call ends");
    let body = app.wait_for("/action", 1, WAIT).await[0].json();
    assert_eq!(body["dial_status"], "completed");
    assert_eq!(body["dial_legs"][0]["hangup_cause"], "ALLOTTED_TIMEOUT");
    assert_eq!(body["duration"], 1);
    let uuid = leg_uuid(&call, 0);
    assert!(
        call.commands()
            .iter()
            .any(|c| c.raw == format!("api uuid_kill {uuid} ALLOTTED_TIMEOUT")),
        "{:?}",
        call.commands()
            .iter()
            .map(|c| c.raw.clone())
            .collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answer_on_bridge_rings_the_caller_until_a_target_answers() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        json!({"verb": "dial", "answerOnBridge": true, "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(
        d.addr,
        caller().leg(0, Callee::answers_after(300).hangs_up_after_answer(100)),
    );
    call.finished(WAIT).await.expect("the call ends");
    let sip = call.caller_sip();
    let ringing = sip
        .iter()
        .find(|(_, s)| *s == CallerSip::Ringing180)
        .map(|(t, _)| *t);
    let answered = sip
        .iter()
        .find(|(_, s)| *s == CallerSip::Ok200)
        .map(|(t, _)| *t);
    let (ringing, answered) = (ringing.expect("180"), answered.expect("200"));
    assert!(ringing < answered, "{sip:?}");
    let leg_answered = call.legs()[0].answered;
    assert!(leg_answered);

    // answerOnBridge false: the caller is answered before the targets ring.
    script(
        &app,
        json!({"verb": "dial", "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(
        d.addr,
        caller().leg(0, Callee::answers_after(300).hangs_up_after_answer(100)),
    );
    call.finished(WAIT).await.expect("the call ends");
    let first = call.caller_signals().first().copied();
    assert_eq!(first, Some(CallerSip::Ok200), "{:?}", call.caller_signals());
    let names: Vec<String> = call.apps().into_iter().map(|(n, _)| n).collect();
    let answer = names.iter().position(|n| n == "answer").expect("answered");
    let bridge = names.iter().position(|n| n == "bridge").expect("bridged");
    assert!(answer < bridge);
}

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
async fn eleven_targets_are_rejected_before_any_leg_rings() {
    let (app, fake, d) = setup().await;
    let targets: Vec<Value> = (0..11)
        .map(|i| phone(&format!("+155500000{i:02}")))
        .collect();
    let mut s = harness::settings(&app);
    s.app.error_hook = Some(dialbridge::app::hook::HookSpec::Url(app.url("/error")));
    drop(d);
    let d = harness::start(s).await;
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "dial", "target": targets}])),
    );
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    assert!(call.dials().is_empty(), "no bridge was attempted");
    assert_eq!(call.caller_final_code(), Some(503));
    let err = app.wait_for("/error", 1, WAIT).await[0].json();
    assert_eq!(err["problems"][0]["pointer"], "/0/target");
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
async fn two_hundred_concurrent_dials_do_not_cross_talk() {
    let (app, fake, d) = setup().await;
    app.reply(
        "/call",
        Reply::json(
            json!([{"verb": "dial", "actionHook": "/action", "answerOnBridge": true,
                            "target": [phone("+15550000001"), phone("+15550000002")]}]),
        ),
    );
    app.reply("/action", Reply::status(200));
    let calls: Vec<CallHandle> = (0..N_DIALS)
        .map(|i| {
            let c = Caller::new(&format!("+1555100{i:04}"), "+15559870000");
            // Odd calls: leg 1 answers; even calls: both busy.
            if i % 2 == 1 {
                fake.call(
                    d.addr,
                    c.leg(0, Callee::rejects(486, 20))
                        .leg(1, Callee::answers_after(50).hangs_up_after_answer(200)),
                )
            } else {
                fake.call(
                    d.addr,
                    c.leg(0, Callee::rejects(486, 20))
                        .leg(1, Callee::rejects(600, 30)),
                )
            }
        })
        .collect();
    for call in &calls {
        if let Err(e) = call.finished(Duration::from_secs(30)).await {
            eprintln!(
                "STUCK {e}\ncommands: {:#?}\nlegs: {:#?}\nsip: {:?}",
                call.commands()
                    .iter()
                    .map(|c| c.raw.clone())
                    .collect::<Vec<_>>(),
                call.legs(),
                call.caller_sip()
            );
            for l in harness::log_lines_with(call.uuid()) {
                eprintln!("LOG {l}");
            }
            panic!("stuck");
        }
    }
    let hooks = app.requests("/action");
    assert_eq!(hooks.len(), N_DIALS);
    for (i, call) in calls.iter().enumerate() {
        let body: Vec<Value> = hooks
            .iter()
            .map(|r| r.json())
            .filter(|b| b["call_sid"] == call.uuid())
            .collect();
        assert_eq!(body.len(), 1);
        let legs: Vec<String> = (0..2).map(|l| leg_uuid(call, l)).collect();
        let reported: Vec<&str> = body[0]["dial_legs"]
            .as_array()
            .expect("legs")
            .iter()
            .map(|l| l["call_sid"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(reported, legs, "the legs of this call only");
        let expected = if i % 2 == 1 { "completed" } else { "busy" };
        assert_eq!(body[0]["dial_status"], expected);
        assert!(!call.closed_with_caller_up());
    }
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
        .apps()
        .iter()
        .filter(|(n, a)| n == "unset" && a == "originate_causes")
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
        call.apps()
            .contains(&("set".into(), "bypass_media_after_bridge=true".into()))
    );
    assert!(
        harness::log_lines_with("s3cret").is_empty(),
        "the SIP password never reaches a log"
    );
}
