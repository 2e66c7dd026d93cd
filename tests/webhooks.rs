//! Talking to the web application on live calls: the call_hook payload,
//! failures rejecting the caller so a carrier can fail over, invalid
//! replies reported with their pointers, GET hooks, basic auth, signatures,
//! retries, the reply size cap, the status hook.

mod dialing;
mod fake_freeswitch;
mod harness;

use std::time::Duration;

use dialing::{WAIT, app_names, caller};
use fake_freeswitch::FakeSwitch;
use harness::{App, Reply};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_hook_receives_the_documented_payload() {
    let app = App::start().await;
    app.reply("/call", Reply::json(json!([{"verb": "hangup"}])));
    let mut s = harness::settings(&app);
    s.app.account_sid = Some("acct-1".into());
    s.app.application_sid = Some("app-1".into());
    let d = harness::start(s).await;
    let fake = FakeSwitch::start().await;
    let call = fake.call(
        d.addr,
        caller()
            .name("Alice")
            .call_id("c1@10.0.0.9")
            .source_ip("10.0.0.9"),
    );
    call.finished(WAIT).await.expect("the call ends");
    let req = &app.wait_for("/call", 1, WAIT).await[0];
    assert_eq!(req.method, "POST");
    assert_eq!(
        req.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let ua = req
        .headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(ua.starts_with("dialbridge/"), "{ua}");
    assert_eq!(
        req.json(),
        json!({
            "call_sid": call.uuid(),
            "direction": "inbound",
            "from": "+15551230000",
            "to": "+15559870000",
            "caller_name": "Alice",
            "call_id": "c1@10.0.0.9",
            "sip_status": 100,
            "call_status": "trying",
            "originating_sip_ip": "10.0.0.9",
            "account_sid": "acct-1",
            "application_sid": "app-1",
        })
    );
    assert!(!call.closed_with_caller_up());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_hook_down_rejects_the_caller_with_503() {
    let app = App::start().await;
    let mut s = harness::settings(&app);
    // A port nothing listens on.
    let port = harness::closed_port();
    s.app.call_hook = dialbridge::app::hook::HookSpec::Url(format!("http://127.0.0.1:{port}/call"));
    s.app.error_hook = Some(dialbridge::app::hook::HookSpec::Url(app.url("/error")));
    let d = harness::start(s).await;
    let fake = FakeSwitch::start().await;
    let call = fake.call(d.addr, caller());
    call.finished(WAIT)
        .await
        .expect("the caller is not left in silence");
    assert_eq!(call.caller_final_code(), Some(503));
    assert_eq!(app_names(&call), ["respond"]);
    assert!(!call.closed_with_caller_up());
    let err = &app.wait_for("/error", 1, WAIT).await[0].json();
    assert_eq!(err["call_sid"], call.uuid());
    assert!(
        err["error"].as_str().unwrap_or("").contains("cannot reach"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_call_hook_times_out_and_the_configured_status_is_sent() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "answer"}])).after(Duration::from_secs(3)),
    );
    let mut s = harness::settings(&app);
    s.app.webhook_timeout_ms = 300;
    s.app.webhook_retries = 0;
    s.app.reject_status = 480;
    let d = harness::start(s).await;
    let fake = FakeSwitch::start().await;
    let call = fake.call(d.addr, caller());
    call.finished(Duration::from_secs(2))
        .await
        .expect("rejected before the app answers");
    assert_eq!(call.caller_final_code(), Some(480));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_reply_is_logged_with_every_pointer_and_the_caller_rejected() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "dial", "target": [{"type": "phone", "number": "12"}], "timout": 5},
            {"verb": "lex"},
        ])),
    );
    let mut s = harness::settings(&app);
    s.app.error_hook = Some(dialbridge::app::hook::HookSpec::Url(app.url("/error")));
    let d = harness::start(s).await;
    let fake = FakeSwitch::start().await;
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(call.caller_final_code(), Some(503));
    let err = &app.wait_for("/error", 1, WAIT).await[0].json();
    let pointers: Vec<&str> = err["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|p| p["pointer"].as_str())
        .collect();
    assert_eq!(pointers, ["/0/target/0/number", "/0/timout", "/1/verb"]);
    let uuid = call.uuid().to_owned();
    for pointer in pointers {
        let lines: Vec<String> = harness::log_lines_with(&format!("pointer={pointer}"))
            .into_iter()
            .filter(|l| l.contains(&uuid))
            .collect();
        assert_eq!(lines.len(), 1, "one log line for {pointer} of call {uuid}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_json_is_reported_with_line_and_column() {
    let app = App::start().await;
    app.reply("/call", Reply::text("[{\"verb\": \"answer\",}]"));
    let mut s = harness::settings(&app);
    s.app.error_hook = Some(dialbridge::app::hook::HookSpec::Url(app.url("/error")));
    let d = harness::start(s).await;
    let fake = FakeSwitch::start().await;
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(call.caller_final_code(), Some(503));
    let err = &app.wait_for("/error", 1, WAIT).await[0].json();
    let message = err["problems"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains("line 1, column 20"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_hooks_carry_query_parameters_and_basic_auth() {
    let app = App::start().await;
    app.reply("/call", Reply::json(json!([{"verb": "hangup"}])));
    let mut s = harness::settings(&app);
    s.app.call_hook = dialbridge::app::hook::HookSpec::Full {
        url: app.url("/call"),
        method: dialbridge::app::Method::Get,
        username: Some("user".into()),
        password: Some(dialbridge::secret::Secret::new("pa:ss")),
    };
    let d = harness::start(s).await;
    let fake = FakeSwitch::start().await;
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    let req = &app.requests("/call")[0];
    assert_eq!(req.method, "GET");
    assert!(req.body.is_empty());
    assert_eq!(req.param("call_sid"), Some(call.uuid()));
    assert_eq!(req.param("from"), Some("+15551230000"));
    assert_eq!(req.param("sip_status"), Some("100"));
    let auth = req
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // base64("user:pa:ss")
    assert_eq!(auth, "Basic dXNlcjpwYTpzcw==");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signature_header_verifies_with_the_secret() {
    use hmac::{Hmac, KeyInit, Mac};
    let app = App::start().await;
    app.reply("/call", Reply::json(json!([{"verb": "hangup"}])));
    let mut s = harness::settings(&app);
    s.app.webhook_secret = dialbridge::secret::Secret::new("whsec-test");
    let d = harness::start(s).await;
    let fake = FakeSwitch::start().await;
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    let req = &app.requests("/call")[0];
    let header = req
        .headers
        .get("jambonz-signature")
        .and_then(|v| v.to_str().ok())
        .expect("signed");
    let (t, v1) = header
        .split_once(",v1=")
        .and_then(|(t, v)| Some((t.strip_prefix("t=")?, v)))
        .expect("t=...,v1=...");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"whsec-test").expect("key");
    mac.update(format!("{t}.{}", req.body).as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(v1, expected);
    let age = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        .abs_diff(t.parse::<u64>().expect("t is unix seconds"));
    assert!(age < 60, "t is the sending time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_happen_on_5xx_and_not_on_4xx() {
    let app = App::start().await;
    app.reply_once("/call", Reply::status(502));
    app.reply("/call", Reply::json(json!([{"verb": "answer"}])));
    let d = harness::start(harness::settings(&app)).await;
    let fake = FakeSwitch::start().await;
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(app.requests("/call").len(), 2, "one retry after 502");
    assert_eq!(app_names(&call), ["answer", "hangup"]);

    let app = App::start().await;
    app.reply("/call", Reply::status(404));
    let d = harness::start(harness::settings(&app)).await;
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(app.requests("/call").len(), 1, "no retry after 404");
    assert_eq!(call.caller_final_code(), Some(503));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_hook_gets_every_status_with_a_timestamp() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "answer"}, {"verb": "hangup"}])),
    );
    let mut s = harness::settings(&app);
    s.app.call_status_hook = Some(dialbridge::app::hook::HookSpec::Url(app.url("/status")));
    let d = harness::start(s).await;
    let fake = FakeSwitch::start().await;
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    let got = app.wait_for("/status", 3, WAIT).await;
    let statuses = dialing::statuses(&got);
    assert_eq!(statuses, ["trying", "in-progress", "completed"]);
    for r in &got {
        let ts = r.json()["timestamp"].as_str().unwrap_or("").to_owned();
        assert!(ts.len() == 24 && ts.ends_with('Z'), "{ts}");
        assert_eq!(r.json()["call_sid"], call.uuid());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_over_one_mebibyte_is_refused() {
    let app = App::start().await;
    let huge = format!(
        "[{}{{\"verb\":\"answer\"}}]",
        "{\"verb\":\"tag\",\"data\":{}},".repeat(50_000)
    );
    assert!(huge.len() > 1024 * 1024);
    app.reply("/call", Reply::text(&huge));
    let mut s = harness::settings(&app);
    s.app.error_hook = Some(dialbridge::app::hook::HookSpec::Url(app.url("/error")));
    let d = harness::start(s).await;
    let fake = FakeSwitch::start().await;
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(call.caller_final_code(), Some(503));
    let err = &app.wait_for("/error", 1, WAIT).await[0].json();
    assert!(
        err["error"].as_str().unwrap_or("").contains("1 MiB"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_in_a_hook_url_never_reach_the_log_or_the_error_hook() {
    let app = App::start().await;
    let mut s = harness::settings(&app);
    let port = harness::closed_port();
    s.app.call_hook = dialbridge::app::hook::HookSpec::Url(format!(
        "http://user:s3cr3t-in-url@127.0.0.1:{port}/call"
    ));
    s.app.error_hook = Some(dialbridge::app::hook::HookSpec::Url(app.url("/error")));
    let d = harness::start(s).await;
    let fake = FakeSwitch::start().await;
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    let err = app.wait_for("/error", 1, WAIT).await[0].body.clone();
    assert!(!err.contains("s3cr3t-in-url"), "{err}");
    assert!(
        err.contains(&format!("user:{}@", dialbridge::secret::MASK)),
        "{err}"
    );
    assert!(harness::log_lines_with("s3cr3t-in-url").is_empty());
}
