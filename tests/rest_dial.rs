//! jambonz's `rest:dial` verb (issue 16 item 2): an application starts an
//! outbound call through createCall's engine and goes on at once; the new
//! call runs its own `call_hook` as an outbound call, its statuses go to
//! its own `call_status_hook`; a call that cannot be placed is reported
//! and the application still goes on. Works with the REST API off.

mod dialing;
mod fake_freeswitch;
mod harness;

use std::time::Duration;

use dialing::*;
use fake_freeswitch::{Callee, FakeSwitch};
use harness::Reply;
use serde_json::json;

async fn setup() -> (harness::App, FakeSwitch, harness::Running) {
    let app = harness::App::start().await;
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    let mut s = harness::settings(&app);
    s.freeswitch.port = fake.esl_addr().port();
    s.app.error_hook = Some(dialbridge::app::hook::HookSpec::Url(app.url("/errors")));
    assert!(s.api.is_none(), "the REST API is off");
    let d = harness::start(s).await;
    (app, fake, d)
}

fn app_with(rest_dial: serde_json::Value) -> Reply {
    Reply::json(json!([
        {"verb": "answer"},
        rest_dial,
        // 2 s: the switch's second lasts 100 ms here.
        {"verb": "pause", "length": 20},
        {"verb": "hangup"},
    ]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_dial_places_a_call_with_its_own_hooks_and_the_call_goes_on() {
    let (app, fake, d) = setup().await;
    fake.originate_callee(Callee::answers_after(200));
    app.reply(
        "/call",
        app_with(json!({"verb": "rest:dial", "from": "+15551230000",
            "to": {"type": "phone", "number": "+15557778888"},
            "call_hook": "/outbound", "call_status_hook": {"url": "/status2", "method": "POST"},
            "timeout": 20, "tag": {"ticket": 42}, "headers": {"X-Ticket": "42"},
            "callerName": "Support"})),
    );
    app.reply("/outbound", Reply::json(json!([{"verb": "hangup"}])));
    let call = fake.call(d.addr, caller());
    let asked = app.wait_for("/outbound", 1, WAIT).await[0].json();
    assert_eq!(asked["direction"], "outbound");
    assert_eq!(asked["from"], "+15551230000");
    assert_eq!(asked["to"], "+15557778888");
    assert_eq!(asked["caller_name"], "Support");
    assert_eq!(asked["customerData"], json!({"ticket": 42}));
    let new_sid = asked["call_sid"].as_str().expect("a call_sid").to_owned();
    assert_ne!(new_sid, call.uuid());
    let posted = app.wait_for("/status2", 4, WAIT).await;
    assert_eq!(
        statuses(&posted),
        ["trying", "ringing", "in-progress", "completed"]
    );
    let originate = fake
        .api_log()
        .into_iter()
        .find(|l| l.contains("originate"))
        .expect("an originate");
    for part in [
        format!("origination_uuid={new_sid}"),
        "origination_caller_id_number=+15551230000".to_owned(),
        "origination_caller_id_name=Support".to_owned(),
        "sip_h_X-Ticket=42".to_owned(),
        "sofia/gateway/carrier/+15557778888".to_owned(),
        format!("'&socket({} async full)'", d.addr),
    ] {
        assert!(originate.contains(&part), "{part} not in {originate}");
    }
    call.finished(WAIT)
        .await
        .expect("the application goes on and hangs up");
    assert_eq!(app_names(&call), ["answer", "sleep", "hangup"]);
    assert!(
        app.requests("/errors").is_empty(),
        "{:?}",
        app.requests("/errors")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_rest_dial_target_is_reported_to_its_status_hook_only() {
    let (app, fake, d) = setup().await;
    fake.originate_callee(Callee::rejects(486, 30));
    app.reply(
        "/call",
        app_with(json!({"verb": "rest:dial", "from": "+15551230000",
            "to": {"type": "phone", "number": "+15557778888"},
            "call_hook": "/outbound", "call_status_hook": "/status2"})),
    );
    let call = fake.call(d.addr, caller());
    let posted = app.wait_for("/status2", 3, WAIT).await;
    assert_eq!(statuses(&posted), ["trying", "ringing", "busy"]);
    assert_eq!(posted[2].json()["sip_status"], 486);
    call.finished(WAIT).await.expect("the application goes on");
    assert_eq!(app_names(&call), ["answer", "sleep", "hangup"]);
    assert!(app.requests("/outbound").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rest_dial_createcall_refuses_is_an_invalid_reply_at_its_pointer() {
    let (app, fake, d) = setup().await;
    app.reply(
        "/call",
        app_with(json!({"verb": "rest:dial", "from": "+15551230000",
            "to": {"type": "phone", "number": "+1555'0"}})),
    );
    let call = fake.call(d.addr, caller());
    let errors = app.wait_for("/errors", 1, WAIT).await[0].json();
    let text = errors.to_string();
    assert!(text.contains("/1/to/number"), "{text}");
    assert!(text.contains("/1/call_hook"), "{text}");
    call.finished(WAIT).await.expect("the call ends");
    assert!(fake.api_log().iter().all(|l| !l.contains("originate")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_dial_time_limit_ends_the_answered_call_and_from_host_is_its_from_host() {
    let (app, fake, d) = setup().await;
    fake.originate_callee(Callee::answers_after(200));
    app.reply(
        "/call",
        app_with(json!({"verb": "rest:dial", "from": "+15551230000",
            "to": {"type": "phone", "number": "+15557778888"},
            "call_hook": "/outbound", "call_status_hook": "/status2",
            "timeLimit": 3, "fromHost": "sip.example.com"})),
    );
    // 600 switch seconds: only the time limit ends it within WAIT.
    app.reply(
        "/outbound",
        Reply::json(json!([{"verb": "pause", "length": 600}])),
    );
    let call = fake.call(d.addr, caller());
    let asked = app.wait_for("/outbound", 1, WAIT).await[0].json();
    let new_sid = asked["call_sid"].as_str().expect("a call_sid").to_owned();
    let posted = app.wait_for("/status2", 4, WAIT).await;
    assert_eq!(
        statuses(&posted),
        ["trying", "ringing", "in-progress", "completed"]
    );
    let api = fake.api_log();
    assert!(
        api.contains(&format!("sched_hangup +3 {new_sid} ALLOTTED_TIMEOUT")),
        "{api:?}"
    );
    let originate = api
        .iter()
        .find(|l| l.contains("originate"))
        .expect("an originate");
    assert!(
        originate.contains("sip_invite_domain=sip.example.com"),
        "{originate}"
    );
    call.finished(WAIT).await.expect("the application goes on");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_created_call_without_time_limit_gets_no_scheduled_hangup() {
    let (app, fake, d) = setup().await;
    fake.originate_callee(Callee::answers_after(200));
    app.reply(
        "/call",
        app_with(json!({"verb": "rest:dial", "from": "+15551230000",
            "to": {"type": "phone", "number": "+15557778888"}, "call_hook": "/outbound"})),
    );
    app.reply("/outbound", Reply::json(json!([{"verb": "hangup"}])));
    let call = fake.call(d.addr, caller());
    app.wait_for("/outbound", 1, WAIT).await;
    call.finished(WAIT).await.expect("the application goes on");
    let api = fake.api_log();
    assert!(
        !api.iter().any(|l| l.starts_with("sched_hangup")),
        "{api:?}"
    );
    let originate = api
        .iter()
        .find(|l| l.contains("originate"))
        .expect("an originate");
    assert!(!originate.contains("sip_invite_domain"), "{originate}");
}
