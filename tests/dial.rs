//! The `dial` verb on live calls against the fake switch: the outcome and
//! the exact actionHook body, refusals, timeouts, answerOnBridge,
//! timeLimit, the dial limit, and many dials at once.

mod dialing;
mod fake_freeswitch;
mod harness;

use std::time::Duration;

use dialing::*;
use fake_freeswitch::{CallHandle, Callee, Caller, CallerSip};
use harness::Reply;
use serde_json::{Value, json};

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
    // Before the bridge: the caller's variables as one API command and the
    // 180 as another (docs/freeswitch.md §17: no application needed, none
    // queued), then the bridge itself.
    let before_bridge: Vec<String> = commands
        .iter()
        .filter(|c| {
            !c.starts_with("filter ") && !c.starts_with("linger") && !c.starts_with("event ")
        })
        .skip_while(|c| !c.starts_with("api "))
        .take_while(|c| !c.contains("Execute-App-Name: bridge"))
        .map(|c| c.trim_end().to_string())
        .collect();
    let a = call.uuid();
    assert_eq!(
        before_bridge,
        [
            format!(
                "api uuid_setvar_multi {a} sip_copy_custom_headers=false;continue_on_fail=true;\
                 hangup_after_bridge=false;sip_ignore_remote_cause=true;originate_causes=;\
                 originated_legs=;force_transfer_dialplan=inline:park"
            ),
            format!("api uuid_ring_ready {a}"),
        ]
    );
    let apps: Vec<(String, String)> = call.apps();
    assert_eq!(
        apps.first().map(|(n, _)| n.as_str()),
        Some("bridge"),
        "{apps:?}"
    );
    // FreeSWITCH acted on the API command: the caller heard its 180.
    assert!(call.caller_signals().contains(&CallerSip::Ringing180));
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
