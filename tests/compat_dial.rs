//! jambonz's dial and target properties dialbridge used to call unknown,
//! against the fake switch: a target's `proxy` (phone and user), `from`,
//! `overrideTo`; the dial's `proxy`; `method` beside `confirmHook`; and
//! `dtmfCapture` without `dtmfHook` (the dial runs, nothing is reported).

mod dialing;
mod fake_freeswitch;
mod harness;

use dialing::*;
use fake_freeswitch::{CallHandle, Callee};
use harness::Reply;
use serde_json::{Value, json};

/// Dials `dial` (the caller's legs ring forever) and waits for the call,
/// which the caller ends after a second.
async fn dial_of(dial: Value) -> CallHandle {
    let (app, fake, d) = setup().await;
    script(&app, dial, json!([]), Reply::status(200));
    let call = fake.call(d.addr, caller().hangs_up_after(1_000));
    call.finished(WAIT).await.expect("the call ends");
    call
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_target_with_a_proxy_goes_to_the_proxy_not_the_carrier() {
    let call = dial_of(json!({"verb": "dial", "target": [
        {"type": "phone", "number": "+15083084809", "proxy": "sip:203.0.113.5:5080"},
        phone("+15550000001"),
    ]}))
    .await;
    let legs = &call.dials()[0].legs;
    assert_eq!(
        legs[0].endpoint,
        "sofia/external/+15083084809@203.0.113.5:5080"
    );
    assert_eq!(legs[1].endpoint, "sofia/gateway/carrier/+15550000001");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_target_with_a_proxy_is_routed_through_it_and_the_dial_proxy_reaches_sip_targets() {
    let call = dial_of(json!({"verb": "dial", "proxy": "sip:10.0.0.9", "target": [
        {"type": "user", "name": "jane@sip.example.com", "proxy": "sip:10.0.0.7:5060"},
        {"type": "sip", "sipUri": "sip:bob@sip.example.com"},
    ]}))
    .await;
    let legs = &call.dials()[0].legs;
    assert_eq!(
        legs[0].endpoint,
        "sofia/external/jane@sip.example.com;fs_path=<sip:10.0.0.7:5060;lr>"
    );
    assert_eq!(
        legs[1].endpoint,
        "sofia/external/sip:bob@sip.example.com;fs_path=<sip:10.0.0.9;lr>"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn target_from_and_override_to_become_the_legs_from_and_to() {
    let call = dial_of(json!({"verb": "dial", "callerId": "+15551112222", "target": [
        {"type": "phone", "number": "+15083084809",
         "from": {"user": "+15085551212", "host": "sip.example.com"}},
        {"type": "user", "name": "jane@sip.example.com", "overrideTo": "sip:jane@10.0.0.7:5060"},
    ]}))
    .await;
    let legs = &call.dials()[0].legs;
    assert_eq!(
        legs[0].var("origination_caller_id_number"),
        Some("+15085551212")
    );
    assert_eq!(legs[0].var("sip_invite_domain"), Some("sip.example.com"));
    assert_eq!(
        legs[1].var("origination_caller_id_number"),
        Some("+15551112222"),
        "the dial's callerId where the target names no from"
    );
    assert_eq!(
        legs[1].var("sip_invite_to_uri"),
        Some("<sip:jane@10.0.0.7:5060>")
    );
    assert_eq!(legs[0].var("sip_invite_to_uri"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn method_beside_confirm_hook_is_the_screening_hooks_method() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        json!({"verb": "dial", "actionHook": "/action", "target": [
            {"type": "phone", "number": "+15550000001", "confirmHook": "/screen", "method": "GET"}]}),
        json!([]),
        Reply::status(200),
    );
    app.reply("/screen", Reply::status(200));
    let call = fake.call(
        d.addr,
        caller().leg(0, Callee::answers_after(100).hangs_up_after_answer(500)),
    );
    call.finished(WAIT).await.expect("the call ends");
    let screen = app.wait_for("/screen", 1, WAIT).await;
    assert_eq!(screen[0].method, "GET");
    assert_eq!(screen[0].param("type"), Some("dial:confirm"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dtmf_capture_without_a_dtmf_hook_dials_and_reports_nothing() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        json!({"verb": "dial", "actionHook": "/action", "dtmfCapture": ["*2"],
               "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(
        d.addr,
        caller().leg(
            0,
            Callee::answers_after(50)
                .presses("*2", 100)
                .hangs_up_after_answer(1_000),
        ),
    );
    call.finished(WAIT).await.expect("the call ends");
    let action = app.wait_for("/action", 1, WAIT).await[0].json();
    assert_eq!(action["dial_status"], "completed");
    let paths: Vec<String> = app.take_requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/call", "/action"]);
}
