//! RCML's verbs around a dial on live calls: `<Gather>` sending `Digits`
//! (and falling through when nothing is entered), `<Reject>`, `<Redirect>`,
//! an invalid document refusing the caller with its problems at element
//! paths, and the dialect rules (a JSON reply to an RCML application, an
//! XML reply to an undeclared one).

mod fake_freeswitch;
mod harness;
mod rcml_support;

use dialbridge::app::hook::HookSpec;
use rcml_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gather_sends_digits_to_its_action_whose_reply_replaces_the_document() {
    // Real-time seconds: the caller's digits come 300 ms apart.
    let app = harness::App::start().await;
    let fake = fake_freeswitch::FakeSwitch::start().await;
    let d = harness::start(settings(&app)).await;
    app.reply(
        "/call",
        xml(r#"<Response>
                 <Gather action="/digits" method="GET" numDigits="3" timeout="2">
                   <Play>/srv/sounds/pin.wav</Play>
                 </Gather>
                 <Pause length="9"/>
               </Response>"#),
    );
    app.reply("/digits", xml("<Response><Pause length=\"2\"/></Response>"));
    let call = fake.call(d.addr, caller().presses("427", 300));
    call.finished(WAIT).await.expect("the call ends");
    let r = &app.wait_for("/digits", 1, WAIT).await[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.param("Digits"), Some("427"));
    assert_eq!(r.param("CallSid"), Some(call.uuid()));
    let apps = call.apps();
    let pagd = apps
        .iter()
        .find(|(n, _)| n == "play_and_get_digits")
        .expect("play_and_get_digits ran");
    assert!(
        pagd.1.starts_with("3 3 1 2000 # /srv/sounds/pin.wav "),
        "{}",
        pagd.1
    );
    // The action's document ran, and the <Pause> after <Gather> did not.
    assert!(
        apps.iter().any(|(n, a)| n == "sleep" && a == "2000"),
        "{apps:?}"
    );
    assert!(
        !apps.iter().any(|(n, a)| n == "sleep" && a == "9000"),
        "{apps:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gather_with_no_digits_goes_on_without_asking_the_application() {
    let (app, fake, d) = setup().await;
    app.reply(
        "/call",
        xml("<Response><Gather action=\"/digits\" timeout=\"1\"/><Pause length=\"3\"/></Response>"),
    );
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    assert!(app.requests("/digits").is_empty());
    let apps = call.apps();
    assert!(
        apps.iter().any(|(n, a)| n == "sleep" && a == "3000"),
        "{apps:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reject_refuses_the_unanswered_caller_with_603_or_486() {
    for (doc, code) in [
        ("<Response><Reject/></Response>", 603),
        ("<Response><Reject reason=\"busy\"/></Response>", 486),
    ] {
        let (app, fake, d) = setup().await;
        app.reply("/call", xml(doc));
        let call = fake.call(d.addr, caller());
        call.finished(WAIT).await.expect("the call ends");
        assert_eq!(call.caller_final_code(), Some(code), "{doc}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_fetches_the_next_document_with_its_method() {
    let (app, fake, d) = setup().await;
    app.reply(
        "/call",
        xml("<Response><Redirect method=\"GET\">/next</Redirect><Pause length=\"9\"/></Response>"),
    );
    app.reply(
        "/next",
        xml("<Response><Reject reason=\"busy\"/></Response>"),
    );
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    let r = &app.wait_for("/next", 1, WAIT).await[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.param("CallSid"), Some(call.uuid()));
    assert_eq!(call.caller_final_code(), Some(486));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_document_refuses_the_caller_and_reports_every_element_path() {
    let app = harness::App::start().await;
    let fake =
        fake_freeswitch::FakeSwitch::with_second(std::time::Duration::from_millis(100)).await;
    let mut s = settings(&app);
    s.app.error_hook = Some(HookSpec::Url(app.url("/error")));
    let d = harness::start(s).await;
    app.reply(
        "/call",
        xml(r#"<Response><Enqueue>support</Enqueue><Dial timeout="never">+15550001111</Dial></Response>"#),
    );
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(call.caller_final_code(), Some(503));
    assert!(call.dials().is_empty());
    let e = app.wait_for("/error", 1, WAIT).await[0].json();
    let at: Vec<&str> = e["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|p| p["pointer"].as_str())
        .collect();
    assert_eq!(at, ["/Response/Enqueue[1]", "/Response/Dial[1]/@timeout"]);
    assert!(!harness::log_lines_with("/Response/Enqueue[1]").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_reply_to_an_rcml_application_is_refused_naming_the_dialect() {
    let (app, fake, d) = setup().await;
    app.reply(
        "/call",
        harness::Reply::json(serde_json::json!([{"verb": "hangup"}])),
    );
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(call.caller_final_code(), Some(503));
    assert!(
        !harness::log_lines_with("declared format = \\\"rcml\\\"").is_empty()
            || !harness::log_lines_with("declared format = \"rcml\"").is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undeclared_application_answering_xml_is_read_as_rcml() {
    let app = harness::App::start().await;
    let fake =
        fake_freeswitch::FakeSwitch::with_second(std::time::Duration::from_millis(100)).await;
    let d = harness::start(harness::settings(&app)).await;
    app.reply(
        "/call",
        xml("<Response><Reject reason=\"busy\"/></Response>"),
    );
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(call.caller_final_code(), Some(486));
    // Undeclared: its request stayed jambonz JSON.
    assert_eq!(app.requests("/call")[0].json()["call_sid"], call.uuid());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn play_digits_sends_dtmf_to_the_caller() {
    let (app, fake, d) = setup().await;
    app.reply(
        "/call",
        xml("<Response><Play digits=\"12#\"/><Pause length=\"1\"/></Response>"),
    );
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    let apps = call.apps();
    assert_eq!(
        apps.first().map(|(n, _)| n.as_str()),
        Some("answer"),
        "{apps:?}"
    );
    let sent: Vec<String> = call
        .sip_sent()
        .into_iter()
        .filter_map(|(u, m)| match m {
            fake_freeswitch::SipSent::Dtmf(d) if u == call.uuid() => Some(d),
            _ => None,
        })
        .collect();
    assert_eq!(sent, ["12#"]);
}
