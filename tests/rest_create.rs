//! createCall through the REST API (issue 13): the originate with a
//! chosen UUID and `&socket(...)` (docs/freeswitch.md §10), the answered
//! call running `call_hook` as an outbound call with the request's parties
//! (§24), a busy callee reported to `call_status_hook` without `call_hook`
//! (§15), a ringing call cancelled, and bad requests refused with pointers.

mod dialing;
mod fake_freeswitch;
mod harness;
mod rest;

use std::time::{Duration, Instant};

use dialing::*;
use fake_freeswitch::Callee;
use harness::Reply;
use reqwest::Method;
use rest::*;
use serde_json::{Value, json};

fn create_body(app: &harness::App) -> Value {
    json!({
        "from": "+15551230000",
        "to": {"type": "phone", "number": "+15559870000"},
        "call_hook": app.url("/outbound"),
        "call_status_hook": {"url": app.url("/status"), "method": "POST"},
        "timeout": 5,
        "tag": {"campaign": "spring"},
        "callerName": "Alice",
        "headers": {"X-Campaign": "spring"},
    })
}

async fn create(d: &harness::Running, body: &Value) -> (u16, Value) {
    send(api(Method::POST, &calls_url(d)).json(body)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answered_created_call_runs_call_hook_as_an_outbound_call() {
    let (app, fake, d) = setup_api().await;
    // 180 at 2 ms, 183 at 100 ms, 200 at 300 ms.
    fake.originate_callee(Callee::answers_after(300).early_media_at(100));
    app.reply("/outbound", Reply::json(json!([{"verb": "hangup"}])));
    let (status, body) = create(&d, &create_body(&app)).await;
    assert_eq!(status, 201, "{body}");
    let sid = body["sid"].as_str().expect("a sid").to_owned();
    let asked = app.wait_for("/outbound", 1, WAIT).await[0].json();
    assert_eq!(asked["call_sid"], sid.as_str());
    assert_eq!(asked["direction"], "outbound");
    assert_eq!(asked["from"], "+15551230000");
    assert_eq!(asked["to"], "+15559870000");
    assert_eq!(asked["caller_name"], "Alice");
    assert_eq!(asked["call_status"], "in-progress");
    assert_eq!(asked["customerData"], json!({"campaign": "spring"}));
    let posted = app.wait_for("/status", 5, WAIT).await;
    assert_eq!(
        statuses(&posted),
        [
            "trying",
            "ringing",
            "early-media",
            "in-progress",
            "completed"
        ]
    );
    let sip: Vec<Value> = posted[..3]
        .iter()
        .map(|r| r.json()["sip_status"].clone())
        .collect();
    assert_eq!(sip, [json!(100), json!(180), json!(183)]);
    assert!(posted.iter().all(|r| r.json()["direction"] == "outbound"));
    assert!(posted.iter().all(|r| r.json()["call_sid"] == sid.as_str()));
    let originate = fake
        .api_log()
        .into_iter()
        .find(|l| l.contains("originate"))
        .expect("an originate");
    for part in [
        format!("origination_uuid={sid}"),
        "origination_caller_id_number=+15551230000".to_owned(),
        "origination_caller_id_name=Alice".to_owned(),
        "sip_h_X-Campaign=spring".to_owned(),
        "sofia/gateway/carrier/+15559870000".to_owned(),
        format!("'&socket({} async full)'", d.addr),
    ] {
        assert!(originate.contains(&part), "{part} not in {originate}");
    }
    let call = fake.originated().pop().expect("the created call");
    assert_eq!(call.uuid(), sid);
    assert_eq!(
        app_names(&call),
        ["hangup"],
        "call_hook's application ran on it"
    );
    assert!(call.errors().is_empty(), "{:?}", call.errors());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_target_gets_the_busy_status_and_call_hook_is_never_asked() {
    let (app, fake, d) = setup_api().await;
    fake.originate_callee(Callee::rejects(486, 30));
    app.reply("/outbound", Reply::json(json!([{"verb": "hangup"}])));
    let (status, body) = create(&d, &create_body(&app)).await;
    assert_eq!(status, 201, "{body}");
    let sid = body["sid"].as_str().expect("a sid").to_owned();
    let posted = app.wait_for("/status", 3, WAIT).await;
    assert_eq!(statuses(&posted), ["trying", "ringing", "busy"]);
    let busy = posted[2].json();
    assert_eq!(busy["sip_status"], 486);
    assert_eq!(busy["call_sid"], sid.as_str());
    assert_eq!(busy["direction"], "outbound");
    assert_eq!(busy["customerData"], json!({"campaign": "spring"}));
    assert!(app.requests("/outbound").is_empty());
    assert!(fake.originated().is_empty(), "no socket connected");
    let (status, _) = send(api(Method::GET, &format!("{}/{sid}", calls_url(&d)))).await;
    assert_eq!(status, 404, "a failed call is gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ringing_created_call_is_listed_and_can_be_cancelled() {
    let (app, fake, d) = setup_api().await;
    fake.originate_callee(Callee::rings_forever());
    let mut body = create_body(&app);
    body["timeout"] = json!(600);
    let (status, created) = create(&d, &body).await;
    assert_eq!(status, 201, "{created}");
    let sid = created["sid"].as_str().expect("a sid").to_owned();
    let url = format!("{}/{sid}", calls_url(&d));
    // Its originate's progress shows while it rings.
    let one = call_until(&d, &sid, |c| c["call_status"] == "ringing").await;
    assert_eq!(one["sip_status"], 180);
    assert_eq!(one["direction"], "outbound");
    let (_, outbound) = send(api(
        Method::GET,
        &format!("{}?direction=outbound", calls_url(&d)),
    ))
    .await;
    assert_eq!(outbound.as_array().map(Vec::len), Some(1), "{outbound}");
    let (status, body) =
        send(api(Method::POST, &url).json(&json!({"call_hook": app.url("/x")}))).await;
    assert_eq!(status, 409, "{body}");
    let (status, body) =
        send(api(Method::POST, &url).json(&json!({"call_status": "no-answer"}))).await;
    assert_eq!(status, 202, "{body}");
    assert!(
        fake.api_log()
            .iter()
            .any(|l| l.contains(&format!("uuid_kill {sid} ORIGINATOR_CANCEL"))),
        "{:?}",
        fake.api_log()
    );
    let posted = app.wait_for("/status", 3, WAIT).await;
    assert_eq!(statuses(&posted), ["trying", "ringing", "no-answer"]);
    assert_eq!(
        posted[2].json()["sip_status"],
        487,
        "cancelled, not timed out"
    );
    assert!(app.requests("/outbound").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_create_requests_name_their_fields_and_need_the_key() {
    let (app, _fake, d) = setup_api().await;
    let (status, body) = create(
        &d,
        &json!({"from": 5, "to": {"type": "phone", "number": "+1555'0"},
                "call_hook": "/relative", "speed": 1}),
    )
    .await;
    assert_eq!(status, 400);
    let pointers: Vec<&str> = body["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|p| p["pointer"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(pointers, ["/speed", "/from", "/call_hook"], "{body}");
    let mut bad_target = create_body(&app);
    bad_target["to"] = json!({"type": "phone", "number": "+1555'0"});
    let (status, body) = create(&d, &bad_target).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["pointer"], "/to/number", "{body}");
    let (status, _) = send(
        reqwest::Client::new()
            .post(calls_url(&d))
            .json(&create_body(&app)),
    )
    .await;
    assert_eq!(status, 401);
    assert!(app.requests("/status").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn created_calls_count_against_max_calls() {
    let app = harness::App::start().await;
    let fake = fake_freeswitch::FakeSwitch::with_second(Duration::from_millis(100)).await;
    let mut s = harness::settings(&app);
    s.freeswitch.port = fake.esl_addr().port();
    s.listener.max_calls = 1;
    s.api = Some(dialbridge::config::Api {
        address: "127.0.0.1:0".into(),
        keys: vec![dialbridge::secret::Secret::new(KEY)],
    });
    let d = harness::start(s).await;
    fake.originate_callee(Callee::rings_forever());
    let mut body = create_body(&app);
    body["timeout"] = json!(600);
    let (status, first) = create(&d, &body).await;
    assert_eq!(status, 201, "{first}");
    let (status, refused) = create(&d, &body).await;
    assert_eq!(status, 503, "{refused}");
    assert!(
        refused["msg"]
            .as_str()
            .is_some_and(|m| m.contains("max_calls")),
        "{refused}"
    );
    let sid = first["sid"].as_str().expect("a sid");
    let deadline = Instant::now() + WAIT;
    while send(api(Method::DELETE, &format!("{}/{sid}", calls_url(&d))))
        .await
        .0
        != 204
    {
        assert!(Instant::now() < deadline, "never cancelled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_cancelled_before_freeswitch_made_its_channel_never_rings() {
    let (app, fake, d) = setup_api().await;
    // FreeSWITCH takes 400 ms to create the channel; the callee would ring
    // 300 ms after that.
    fake.originate_delay(Duration::from_millis(400));
    fake.originate_callee(Callee::rings_forever().rings_at(300));
    let mut body = create_body(&app);
    body["timeout"] = json!(600);
    let (status, created) = create(&d, &body).await;
    assert_eq!(status, 201, "{created}");
    let sid = created["sid"].as_str().expect("a sid").to_owned();
    let (status, body) = send(api(Method::DELETE, &format!("{}/{sid}", calls_url(&d)))).await;
    assert_eq!(status, 204, "accepted before the channel exists: {body}");
    let posted = app.wait_for("/status", 2, WAIT).await;
    assert_eq!(statuses(&posted), ["trying", "no-answer"]);
    assert_eq!(posted[1].json()["sip_status"], 487);
    assert!(
        fake.api_log()
            .iter()
            .any(|l| l.contains(&format!("uuid_kill {sid} ORIGINATOR_CANCEL"))),
        "killed once it existed: {:?}",
        fake.api_log()
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(statuses(&app.requests("/status")).len(), 2, "it never rang");
    assert!(app.requests("/outbound").is_empty());
    let (status, _) = send(api(Method::GET, &format!("{}/{sid}", calls_url(&d)))).await;
    assert_eq!(status, 404, "a cancelled call is gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amd_on_create_call_runs_the_detector_on_the_answered_call() {
    let dir = std::env::temp_dir().join(format!("dialbridge-amd-{}", uuid::Uuid::new_v4()));
    let (app, fake, d) = setup_api_with(|s| {
        s.amd.audio_dir = dir.display().to_string();
        s.amd.file_wait_ms = 2_000;
    })
    .await;
    // "Hello?": one short word, then silence — a human.
    fake.originate_callee(Callee::answers_after(50).records(dialing::amd::speech(300, 1, 3_000)));
    // 4 s of pause (the switch's second lasts 100 ms here).
    app.reply(
        "/outbound",
        Reply::json(json!([{"verb": "pause", "length": 40}])),
    );
    app.reply("/amd", Reply::status(200));
    let mut body = create_body(&app);
    body["amd"] = json!({"actionHook": "/amd", "timers": {"decisionTimeoutMs": 5000}});
    let (status, created) = create(&d, &body).await;
    assert_eq!(status, 201, "{created}");
    let sid = created["sid"].as_str().expect("a sid").to_owned();
    let got = app.wait_for("/amd", 1, Duration::from_secs(10)).await;
    let first = got[0].json();
    assert_eq!(first["type"], "amd_human_detected", "{first}");
    assert_eq!(first["call_sid"], sid.as_str());
    assert_eq!(first["direction"], "outbound");
    assert_eq!(first["customerData"], json!({"campaign": "spring"}));
    assert!(
        fake.api_log()
            .iter()
            .any(|l| l.starts_with(&format!("uuid_record {sid} start "))),
        "the created call's own audio is recorded: {:?}",
        fake.api_log()
    );
    let call = fake.originated().pop().expect("the created call");
    let names = app_names(&call);
    assert!(names.contains(&"avmd_start".to_owned()), "{names:?}");
    assert!(
        names.contains(&"sleep".to_owned()),
        "call_hook's application runs beside it: {names:?}"
    );
    let (status, _) = send(api(Method::DELETE, &format!("{}/{sid}", calls_url(&d)))).await;
    assert_eq!(status, 204);
    let deadline = Instant::now() + WAIT;
    while send(api(Method::GET, &format!("{}/{sid}", calls_url(&d))))
        .await
        .0
        != 404
    {
        assert!(Instant::now() < deadline, "the call never ended");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_hook_declared_rcml_runs_an_rcml_application_on_the_created_call() {
    let (app, fake, d) = setup_api().await;
    app.reply(
        "/call.xml",
        Reply {
            content_type: "text/xml",
            ..Reply::text("<Response><Pause length=\"1\"/><Hangup/></Response>")
        },
    );
    let mut body = create_body(&app);
    body["call_hook"] = json!({"url": app.url("/call.xml"), "method": "POST", "format": "rcml"});
    let (status, created) = create(&d, &body).await;
    assert_eq!(status, 201, "{created}");
    let sid = created["sid"].as_str().expect("a sid").to_owned();
    let asked = &app.wait_for("/call.xml", 1, WAIT).await[0];
    let form: Vec<(String, String)> = url::form_urlencoded::parse(asked.body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(
        get("CallSid"),
        Some(sid.as_str()),
        "RCML's form fields: {form:?}"
    );
    assert_eq!(get("Direction"), Some("outbound-api"), "{form:?}");
    let deadline = Instant::now() + WAIT;
    while send(api(Method::GET, &format!("{}/{sid}", calls_url(&d))))
        .await
        .0
        != 404
    {
        assert!(
            Instant::now() < deadline,
            "the RCML application never hung up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let call = fake.originated().pop().expect("the created call");
    assert_eq!(app_names(&call), ["sleep", "hangup"]);
    let mut bad = create_body(&app);
    bad["call_hook"] = json!({"url": app.url("/call.xml"), "format": "twiml9"});
    let (status, body) = create(&d, &bad).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["pointer"], "/call_hook/format", "{body}");
}
