//! The other hooks of an RCML application: a `<Number url>` screening
//! document (run on the callee, `Direction=outbound-dial`, its `<Hangup/>`
//! declining the leg) and a `call_status_hook` declared `format = "rcml"`
//! (Twilio's status callback parameters, form-encoded).

mod fake_freeswitch;
mod harness;
mod rcml_support;

use dialbridge::app::Method;
use dialbridge::app::hook::HookSpec;
use fake_freeswitch::Callee;
use rcml_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_url_screens_the_callee_and_its_hangup_declines_the_leg() {
    let (app, fake, d) = setup().await;
    app.reply(
        "/call",
        xml(r#"<Response><Dial action="/after" answerOnBridge="true">
                 <Number url="/whisper">+15550000001</Number>
                 <Number>+15550000002</Number>
               </Dial></Response>"#),
    );
    app.reply("/whisper", xml("<Response><Hangup/></Response>"));
    app.reply("/after", xml("<Response/>"));
    let call = fake.call(
        d.addr,
        caller()
            .leg(0, Callee::answers_after(100))
            .leg(1, Callee::answers_after(700).hangs_up_after_answer(300)),
    );
    call.finished(WAIT).await.expect("the call ends");
    let legs = &call.dials()[0].legs;
    let whisper = &app.wait_for("/whisper", 1, WAIT).await[0];
    assert_eq!(param(whisper, "CallSid"), Some(legs[0].uuid.clone()));
    assert_eq!(
        param(whisper, "ParentCallSid").as_deref(),
        Some(call.uuid())
    );
    assert_eq!(
        param(whisper, "Direction").as_deref(),
        Some("outbound-dial")
    );
    let after = &app.wait_for("/after", 1, WAIT).await[0];
    assert_eq!(param(after, "DialCallStatus").as_deref(), Some("completed"));
    assert_eq!(param(after, "DialCallSid"), Some(legs[1].uuid.clone()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_hook_declared_rcml_gets_twilios_status_callbacks() {
    let app = harness::App::start().await;
    let fake =
        fake_freeswitch::FakeSwitch::with_second(std::time::Duration::from_millis(100)).await;
    let mut s = settings(&app);
    s.app.call_status_hook = Some(HookSpec::Declared {
        url: app.url("/status"),
        method: Method::Post,
        username: None,
        password: None,
        format: "rcml".into(),
    });
    let d = harness::start(s).await;
    app.reply(
        "/call",
        xml("<Response><Play>/srv/sounds/hello.wav</Play><Hangup/></Response>"),
    );
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    let statuses = app.wait_for("/status", 3, WAIT).await;
    let seen: Vec<String> = statuses
        .iter()
        .filter_map(|r| param(r, "CallStatus"))
        .collect();
    assert_eq!(seen.first().map(String::as_str), Some("ringing"));
    assert!(seen.iter().any(|s| s == "in-progress"), "{seen:?}");
    assert_eq!(
        seen.last().map(String::as_str),
        Some("completed"),
        "{seen:?}"
    );
    for r in &statuses {
        assert_eq!(param(r, "CallSid").as_deref(), Some(call.uuid()));
        assert!(param(r, "Timestamp").is_some());
    }
}
