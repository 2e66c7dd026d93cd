//! RCML `<Dial>` on live calls against the fake switch: the seed's
//! examples as written, `<Number>` + `<Client>` + `<Sip>` ringing at once,
//! every `DialCallStatus`, the action request by GET and by POST, the
//! request parameters and their `X-Twilio-Signature`.

mod fake_freeswitch;
mod harness;
mod rcml_support;

use fake_freeswitch::{Callee, SipSent};
use rcml_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seeds_examples_run_as_written() {
    for doc in [
        "<Response>\n    <Dial>1-444-555-666</Dial>\n</Response>",
        "<Response>\n    <Dial record=\"true\">1-444-555-666</Dial>\n</Response>",
        "<Response>\n    <Dial callerId=\"1555666777\" record=\"true\">1-444-555-666</Dial>\n</Response>",
    ] {
        let (app, fake, d) = setup().await;
        app.reply("/call", xml(doc));
        let call = fake.call(
            d.addr,
            caller().otherwise(Callee::answers_after(200).hangs_up_after_answer(300)),
        );
        call.finished(WAIT).await.expect("the call ends");
        let dials = call.dials();
        assert_eq!(dials.len(), 1, "{doc}");
        let leg = &dials[0].legs[0];
        assert_eq!(leg.endpoint, "sofia/gateway/carrier/1444555666", "{doc}");
        // RCML's defaults: 30 s to answer, 4 hours of call.
        assert_eq!(leg.var("leg_timeout"), Some("30"), "{}", dials[0].raw);
        if doc.contains("callerId") {
            assert_eq!(leg.var("origination_caller_id_number"), Some("1555666777"));
        }
        assert!(
            call.legs()[0].bridged,
            "the callee was bridged to the caller: {doc}"
        );
        // No action: the document ends with the dial, and so does the call.
        assert_eq!(app.requests("/call").len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn number_client_and_sip_ring_at_once() {
    let (app, fake, d) = setup().await;
    app.reply(
        "/call",
        xml(r#"<Response><Dial action="/after">
                 <Number>+1 (555) 000-1111</Number>
                 <Client>alice</Client>
                 <Sip username="bob" password="pw">sip:bob@pbx.example.com</Sip>
               </Dial></Response>"#),
    );
    app.reply("/after", xml("<Response><Hangup/></Response>"));
    let call = fake.call(
        d.addr,
        caller()
            .leg(0, Callee::rings_forever())
            .leg(1, Callee::rings_forever())
            .leg(2, Callee::answers_after(300).hangs_up_after_answer(200)),
    );
    call.finished(WAIT).await.expect("the call ends");
    let legs = &call.dials()[0].legs;
    assert_eq!(legs.len(), 3);
    assert_eq!(legs[0].endpoint, "sofia/gateway/carrier/+15550001111");
    assert!(
        legs[1]
            .endpoint
            .starts_with("sofia/external/alice@sip.example.com;fs_path="),
        "{}",
        legs[1].endpoint
    );
    assert_eq!(legs[2].endpoint, "sofia/external/sip:bob@pbx.example.com");
    assert_eq!(legs[2].var("sip_auth_username"), Some("bob"));
    let after = &app.wait_for("/after", 1, WAIT).await[0];
    assert_eq!(param(after, "DialCallStatus").as_deref(), Some("completed"));
    assert_eq!(param(after, "DialCallSid"), Some(legs[2].uuid.clone()));
}

/// Runs `<Dial action timeout="1">` against `callee` (the caller hangs up
/// at `caller_hangs_up_ms` when given) and returns the action request.
async fn dial_status(callee: Callee, caller_hangs_up_ms: Option<u64>) -> harness::app::Request {
    let (app, fake, d) = setup().await;
    app.reply(
        "/call",
        xml("<Response><Dial action=\"/after\" timeout=\"1\"><Number>+15550001111</Number></Dial></Response>"),
    );
    app.reply("/after", xml("<Response><Hangup/></Response>"));
    let mut c = caller().leg(0, callee);
    if let Some(ms) = caller_hangs_up_ms {
        c = c.hangs_up_after(ms);
    }
    let call = fake.call(d.addr, c);
    call.finished(WAIT).await.expect("the call ends");
    app.wait_for("/after", 1, WAIT).await.remove(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dial_call_status_reaches_the_action() {
    let r = dial_status(
        Callee::answers_after(100).hangs_up_after_answer(1_200),
        None,
    )
    .await;
    assert_eq!(param(&r, "DialCallStatus").as_deref(), Some("completed"));
    assert_eq!(param(&r, "DialCallDuration").as_deref(), Some("1"));
    assert!(param(&r, "DialCallSid").is_some_and(|s| !s.is_empty()));
    let r = dial_status(Callee::rejects(486, 100), None).await;
    assert_eq!(param(&r, "DialCallStatus").as_deref(), Some("busy"));
    assert_eq!(param(&r, "DialCallDuration").as_deref(), Some("0"));
    let r = dial_status(Callee::rings_forever(), None).await;
    assert_eq!(param(&r, "DialCallStatus").as_deref(), Some("no-answer"));
    let r = dial_status(Callee::rejects(404, 100), None).await;
    assert_eq!(param(&r, "DialCallStatus").as_deref(), Some("failed"));
    // The caller giving up while it rings is no-answer, as in TwiML;
    // `canceled` is for a dial cancelled through the REST API, which is
    // passed through unchanged (src/rcml/params.rs).
    let r = dial_status(Callee::rings_forever(), Some(400)).await;
    assert_eq!(param(&r, "DialCallStatus").as_deref(), Some("no-answer"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_action_is_requested_by_get_or_post_and_its_reply_replaces_the_document() {
    for method in ["GET", "POST"] {
        let (app, fake, d) = setup().await;
        app.reply(
            "/call",
            xml(&format!(
                "<Response><Dial action=\"/after?x=1\" method=\"{method}\">+15550001111</Dial>\
                 <Say>unreachable</Say></Response>"
            )),
        );
        app.reply("/after", xml("<Response><Pause length=\"2\"/></Response>"));
        let call = fake.call(d.addr, caller().leg(0, Callee::rejects(480, 100)));
        call.finished(WAIT).await.expect("the call ends");
        let r = &app.wait_for("/after", 1, WAIT).await[0];
        assert_eq!(r.method, method);
        if method == "GET" {
            assert_eq!(r.body, "");
            assert_eq!(r.param("x"), Some("1"));
            assert_eq!(r.param("DialCallStatus"), Some("no-answer"));
        } else {
            assert_eq!(
                r.headers.get("content-type").and_then(|v| v.to_str().ok()),
                Some("application/x-www-form-urlencoded")
            );
            assert_eq!(param(r, "DialCallStatus").as_deref(), Some("no-answer"));
        }
        assert_eq!(param(r, "CallSid").as_deref(), Some(call.uuid()));
        // The action's <Pause> ran; the <Say> after the <Dial> never did.
        let apps = call.apps();
        assert!(
            apps.iter().any(|(n, a)| n == "sleep" && a == "2000"),
            "{apps:?}"
        );
        assert!(!apps.iter().any(|(n, _)| n == "speak"), "{apps:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_carry_twilios_parameters_and_a_valid_signature() {
    let app = harness::App::start().await;
    let fake =
        fake_freeswitch::FakeSwitch::with_second(std::time::Duration::from_millis(100)).await;
    let mut s = settings(&app);
    s.app.webhook_secret = dialbridge::secret::Secret::new(SECRET);
    let d = harness::start(s).await;
    app.reply("/call", xml("<Response><Hangup/></Response>"));
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    let r = &app.wait_for("/call", 1, WAIT).await[0];
    for (name, value) in [
        ("CallSid", call.uuid()),
        ("AccountSid", "AC0123456789"),
        ("From", "+15551230000"),
        ("To", "+15559870000"),
        ("Direction", "inbound"),
        ("ApiVersion", "2010-04-01"),
        ("CallStatus", "ringing"),
    ] {
        assert_eq!(param(r, name).as_deref(), Some(value), "{name}");
    }
    assert!(r.headers.get("jambonz-signature").is_none());
    let sent = r
        .headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok())
        .expect("X-Twilio-Signature");
    let expected = dialbridge::webhook::form::sign(SECRET, &app.url("/call"), &params(r));
    assert_eq!(sent, expected);
    // And a wrong secret does not validate.
    assert_ne!(
        sent,
        dialbridge::webhook::form::sign("other", &app.url("/call"), &params(r))
    );
    // A 603 for <Hangup/> before answer is not ours to assert; the call ended.
    assert!(call.hangup_cause().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn number_send_digits_are_sent_to_the_callee_when_it_answers() {
    let (app, fake, d) = setup().await;
    app.reply(
        "/call",
        xml(
            r##"<Response><Dial><Number sendDigits="ww12#">+15550001111</Number>
                 <Number>+15550002222</Number></Dial></Response>"##,
        ),
    );
    let call = fake.call(
        d.addr,
        caller()
            .leg(0, Callee::answers_after(200).hangs_up_after_answer(300))
            .leg(1, Callee::rings_forever()),
    );
    call.finished(WAIT).await.expect("the call ends");
    let legs = &call.dials()[0].legs;
    assert_eq!(legs[0].var("execute_on_answer"), Some("send_dtmf ww12#"));
    assert_eq!(legs[1].var("execute_on_answer"), None);
    let sent: Vec<_> = call
        .sip_sent()
        .into_iter()
        .filter(|(u, s)| *u == legs[0].uuid && matches!(s, SipSent::Dtmf(_)))
        .collect();
    assert_eq!(sent, [(legs[0].uuid.clone(), SipSent::Dtmf("12#".into()))]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hangup_on_star_ends_the_dialed_call_and_the_caller_goes_on() {
    let (app, fake, d) = setup().await;
    app.reply(
        "/call",
        xml(
            r#"<Response><Dial hangupOnStar="true" action="/after">+15550001111</Dial></Response>"#,
        ),
    );
    app.reply(
        "/after",
        xml("<Response><Pause length=\"1\"/><Hangup/></Response>"),
    );
    let call = fake.call(
        d.addr,
        caller()
            .presses("*", 1500)
            .otherwise(Callee::answers_after(200).hangs_up_after_answer(30_000)),
    );
    call.finished(WAIT).await.expect("the call ends");
    let apps = call.apps();
    let commands = call.commands();
    let key = commands
        .iter()
        .position(|c| {
            c.verb == "api"
                && c.args.starts_with("uuid_setvar_multi ")
                && c.args.contains(";bridge_terminate_key=*;")
        })
        .expect("the key is set");
    let bridge = commands
        .iter()
        .position(|c| c.app() == Some("bridge"))
        .expect("bridge");
    assert!(key < bridge, "{commands:?}");
    assert!(
        call.commands()
            .iter()
            .any(|c| c.verb == "api" && c.args.ends_with(" bridge_terminate_key")),
        "unset after the dial"
    );
    let after = &app.wait_for("/after", 1, WAIT).await[0];
    assert_eq!(param(after, "DialCallStatus").as_deref(), Some("completed"));
    assert!(
        apps.iter().any(|(n, a)| n == "sleep" && a == "1000"),
        "the caller went on with the action's document: {apps:?}"
    );
    let leg = &call.legs()[0];
    assert!(leg.bridged);
}
