//! A blind REFER from the bridged callee (docs/freeswitch.md §11; the fake
//! FreeSWITCH replays 11a/11b1): the dial's `referHook` decides what the
//! caller does next; without one the caller is not transferred.

mod dialing;
mod fake_freeswitch;
mod harness;

use dialing::*;
use fake_freeswitch::Callee;
use harness::Reply;
use serde_json::json;

/// The first dial's target: answers, then transfers the caller to 2000.
fn transferring() -> Callee {
    Callee::answers_after(50)
        .refers_to("sip:2000@127.0.0.1:5340", 300)
        .referred_by("<sip:1000@127.0.0.1:5090>")
        .refer_header("X-Reason", "transfer")
}

fn first_dial(extra: serde_json::Value) -> serde_json::Value {
    with(
        json!({"verb": "dial", "actionHook": "/action",
               "target": [{"type": "sip", "sipUri": "sip:1000@pbx.example.com"}]}),
        extra,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refer_asks_the_refer_hook_and_its_dial_connects_the_caller_to_the_new_target() {
    let (app, fake, d) = setup().await;
    app.reply(
        "/call",
        Reply::json(json!([first_dial(json!({"referHook": "/refer"})),
                           {"verb": "hangup"}])),
    );
    app.reply(
        "/refer",
        Reply::json(json!([{"verb": "dial", "actionHook": "/after-refer",
                            "target": [{"type": "sip", "sipUri": "sip:2000@pbx.example.com"}]}])),
    );
    app.reply("/after-refer", Reply::json(json!([{"verb": "hangup"}])));
    let call = fake.call(
        d.addr,
        caller()
            .endpoint("1000", transferring())
            .endpoint("2000", Callee::answers_after(50).hangs_up_after_answer(200)),
    );
    call.finished(WAIT).await.expect("the call ends");
    let a = call.uuid().to_owned();

    // The caller was made to park on a REFER before the first bridge.
    let commands: Vec<String> = call.commands().iter().map(|c| c.raw.clone()).collect();
    let kept_at = commands.iter().position(|c| {
        c.starts_with(&format!("api uuid_setvar_multi {a} "))
            && c.trim_end()
                .ends_with(";force_transfer_dialplan=inline:park")
    });
    let first_bridge = commands
        .iter()
        .position(|c| c.contains("Execute-App-Name: bridge"));
    assert!(
        kept_at.is_some() && kept_at < first_bridge,
        "force_transfer_dialplan before the bridge: {commands:#?}"
    );

    let refer = app.wait_for("/refer", 1, WAIT).await;
    let body = refer[0].json();
    let b = leg_uuid(&call, 0);
    assert_eq!(
        body["refer_details"],
        json!({
            "sip_refer_to": "<sip:2000@127.0.0.1:5340>",
            "refer_to_user": "2000",
            "sip_referred_by": "<sip:1000@127.0.0.1:5090>",
            "referred_by_user": "1000",
            "referring_call_sid": b,
            "referred_call_sid": a,
        })
    );
    assert_eq!(body["call_sid"], json!(a), "the usual call fields come too");

    // The hook's dial ran on the same caller and bridged it to 2000.
    let dials = call.dials();
    assert_eq!(dials.len(), 2, "{dials:#?}");
    assert!(
        dials[1].legs[0].endpoint.contains("2000"),
        "{:?}",
        dials[1].legs
    );
    app.wait_for("/after-refer", 1, WAIT).await;
    // The replaced application's rest and the first dial's actionHook never ran.
    assert!(
        app.requests("/action").is_empty(),
        "the first dial's actionHook was not called"
    );
    assert_eq!(
        app_names(&call).iter().filter(|a| *a == "hangup").count(),
        1,
        "only the new application's hangup ran: {:?}",
        app_names(&call)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_refer_hook_the_caller_is_not_transferred_and_the_dial_ends_as_usual() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        first_dial(json!({})),
        json!([]),
        Reply::json(json!([{"verb": "pause", "length": 1}])),
    );
    let call = fake.call(
        d.addr,
        caller()
            .endpoint("1000", transferring())
            .endpoint("2000", Callee::answers_after(10)),
    );
    let action = app.wait_for("/action", 1, WAIT).await;
    assert_eq!(action[0].json()["dial_status"], "completed");
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(call.dials().len(), 1, "nothing dialled the Refer-To target");
    assert!(
        app_names(&call).iter().any(|a| a == "sleep"),
        "the actionHook's application ran on the caller: {:?}",
        app_names(&call)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_hook_answering_an_empty_array_goes_on_with_the_verbs_after_the_dial() {
    // jambonz (task.js performAction) replaces the application only when
    // the reply has verbs; `[]` goes on, as an empty body does.
    let (app, fake, d) = setup().await;
    script(
        &app,
        json!({"verb": "dial", "actionHook": "/action", "target": [phone("+15550001111")]}),
        json!([{"verb": "pause", "length": 1}]),
        Reply::json(json!([])),
    );
    let call = fake.call(
        d.addr,
        caller().leg(0, Callee::answers_after(20).hangs_up_after_answer(50)),
    );
    call.finished(WAIT).await.expect("the call ends");
    app.wait_for("/action", 1, WAIT).await;
    assert!(
        app_names(&call).iter().any(|a| a == "sleep"),
        "the pause after the dial ran: {:?}",
        app_names(&call)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refer_hook_answering_no_verbs_leaves_the_dial_to_end_as_usual() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        first_dial(json!({"referHook": "/refer"})),
        json!([]),
        Reply::json(json!([{"verb": "hangup"}])),
    );
    app.reply("/refer", Reply::json(json!([])));
    let call = fake.call(d.addr, caller().endpoint("1000", transferring()));
    app.wait_for("/refer", 1, WAIT).await;
    let action = app.wait_for("/action", 1, WAIT).await;
    assert_eq!(action[0].json()["dial_status"], "completed");
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(call.dials().len(), 1);
}

/// A caller whose application (config referHook, then a long pause) waits
/// for a REFER; the hook answers a dial to 2000, which answers and hangs up.
fn pausing_with_a_refer_hook(
    app: &harness::App,
    fake: &fake_freeswitch::FakeSwitch,
    d: &harness::Running,
) -> fake_freeswitch::CallHandle {
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "config", "referHook": "/caller-refer"},
                           {"verb": "pause", "length": 600},
                           {"verb": "hangup"}])),
    );
    app.reply(
        "/caller-refer",
        Reply::json(json!([{"verb": "dial", "actionHook": "/after-refer",
                            "target": [{"type": "sip", "sipUri": "sip:2000@pbx.example.com"}]}])),
    );
    app.reply("/after-refer", Reply::json(json!([{"verb": "hangup"}])));
    fake.call(
        d.addr,
        caller().endpoint("2000", Callee::answers_after(50).hangs_up_after_answer(200)),
    )
}

/// Waits until the caller runs `app`.
async fn runs(call: &fake_freeswitch::CallHandle, app: &'static str) {
    let running = call
        .wait_for(WAIT, |log| {
            log.commands().iter().any(|c| c.app() == Some(app))
        })
        .await;
    assert!(running, "the caller never ran {app}: {:?}", call.apps());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refer_from_the_caller_outside_a_dial_asks_the_config_refer_hook_and_its_verbs_replace_the_rest()
 {
    let (app, fake, d) = setup().await;
    let call = pausing_with_a_refer_hook(&app, &fake, &d);
    runs(&call, "sleep").await;
    call.refers("sip:2000@pbx.example.com;transport=tcp");
    call.finished(WAIT).await.expect("the call ends");
    let a = call.uuid().to_owned();

    let refer = app.wait_for("/caller-refer", 1, WAIT).await;
    let body = refer[0].json();
    assert_eq!(
        body["refer_details"],
        json!({
            "sip_refer_to": "<sip:2000@pbx.example.com;transport=tcp>",
            "refer_to_user": "2000",
            "referring_call_sid": a,
            "referred_call_sid": null,
        })
    );
    assert_eq!(body["call_sid"], json!(a), "the usual call fields come too");
    // FreeSWITCH itself answered the REFER: 202, then NOTIFY 403 (no
    // partner to transfer; the caller stayed where it was).
    let sip: Vec<_> = call
        .sip_sent()
        .into_iter()
        .filter(|(u, _)| *u == a)
        .collect();
    assert!(
        sip.iter()
            .any(|(_, s)| *s == fake_freeswitch::SipSent::Notify("SIP/2.0 403 Forbidden".into())),
        "{sip:?}"
    );
    // The hook's dial ran on the caller; the pause was broken off and the
    // rest of the first application (its hangup) never ran.
    assert!(
        fake.api_log().contains(&format!("uuid_break {a} all")),
        "{:?}",
        fake.api_log()
    );
    let dials = call.dials();
    assert_eq!(dials.len(), 1, "{dials:#?}");
    assert!(
        dials[0].legs[0].endpoint.contains("2000"),
        "{:?}",
        dials[0].legs
    );
    app.wait_for("/after-refer", 1, WAIT).await;
    assert_eq!(
        app_names(&call).iter().filter(|n| *n == "hangup").count(),
        1,
        "only the referHook's application's hangup ran: {:?}",
        app_names(&call)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_config_refer_hook_a_refer_from_the_caller_changes_nothing() {
    let (app, fake, d) = setup().await;
    app.reply(
        "/call",
        Reply::json(
            json!([{"verb": "config", "sipRequestWithinDialogHook": "/info"},
                           {"verb": "pause", "length": 5},
                           {"verb": "pause", "length": 1},
                           {"verb": "hangup"}]),
        ),
    );
    let call = fake.call(d.addr, caller());
    runs(&call, "sleep").await;
    call.refers("sip:2000@pbx.example.com");
    call.finished(WAIT).await.expect("the call ends");
    let names = app_names(&call);
    let sleep = names.iter().position(|n| n == "sleep").unwrap_or(0);
    assert_eq!(names[sleep..], ["sleep", "sleep", "hangup"], "{names:?}");
    assert!(call.dials().is_empty());
    assert!(app.requests("/info").is_empty());
}

/// The REFER comes while the pause's `sleep` is queued but not started (a
/// 400 ms frame holds it): `uuid_break <caller> all` drops it unstarted
/// and FreeSWITCH never completes it (mod_commands.c flushes the queued
/// applications). dialbridge queues `sleep 1` behind the break; its
/// completion tells that the `sleep` was dropped, so the referHook's dial
/// runs instead of the call waiting for a completion that never comes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_break_before_the_verbs_application_started_does_not_wait_for_it() {
    let app = harness::App::start().await;
    let fake = fake_freeswitch::FakeSwitch::builder()
        .second(std::time::Duration::from_millis(100))
        .frame(std::time::Duration::from_millis(400))
        .start()
        .await;
    let d = harness::start(harness::settings(&app)).await;
    let call = pausing_with_a_refer_hook(&app, &fake, &d);
    runs(&call, "sleep").await;
    call.refers("sip:2000@pbx.example.com");
    call.finished(WAIT).await.expect("the call ends");
    let apps: Vec<String> = call
        .apps()
        .into_iter()
        .map(|(n, a)| format!("{n} {a}"))
        .collect();
    let sleep = apps.iter().position(|a| a == "sleep 600000");
    let settle = apps.iter().position(|a| a == "sleep 1");
    let bridge = apps.iter().position(|a| a.starts_with("bridge "));
    assert!(
        sleep < settle && settle < bridge && sleep.is_some(),
        "the pause, the break's `sleep 1`, then the referHook's dial: {apps:?}"
    );
    app.wait_for("/after-refer", 1, WAIT).await;
}
