//! What the REST API tests share: a daemon with `[api]` on, whose control
//! connection is the fake switch, and a client sending the key.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use dialbridge::config::Api;
use dialbridge::secret::Secret;
use serde_json::Value;

use crate::dialing::WAIT;
use crate::fake_freeswitch::{CallHandle, FakeSwitch};
use crate::harness::{self, App, Running};

pub const KEY: &str = "test-key-0123456789abcdef";

/// An app, a fake switch (100 ms seconds), and a daemon with the API on,
/// its control connection on the fake, posting statuses to `/status`.
pub async fn setup_api() -> (App, FakeSwitch, Running) {
    setup_api_with(|_| {}).await
}

/// [`setup_api`] with the daemon's settings changed by `change` first.
pub async fn setup_api_with(
    change: impl FnOnce(&mut dialbridge::config::Settings),
) -> (App, FakeSwitch, Running) {
    let app = App::start().await;
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    let mut s = harness::settings(&app);
    s.freeswitch.port = fake.esl_addr().port();
    s.app.call_status_hook = Some(dialbridge::app::hook::HookSpec::Url(app.url("/status")));
    s.api = Some(Api {
        address: "127.0.0.1:0".into(),
        keys: vec![Secret::new(KEY)],
    });
    change(&mut s);
    let d = harness::start(s).await;
    (app, fake, d)
}

/// The API's base URL for calls.
pub fn calls_url(d: &Running) -> String {
    let addr = d.daemon.api_addr.expect("the API is on");
    format!("http://{addr}/v1/Accounts/acct-1/Calls")
}

/// A request to the API with the key.
pub fn api(method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new().request(method, url).bearer_auth(KEY)
}

/// Sends `req`: (status, body as JSON or Null).
pub async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let r = req.send().await.expect("the API answers");
    let status = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// GETs the call until `pred` holds on it; returns it.
pub async fn call_until(d: &Running, sid: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let (status, body) = send(api(
            reqwest::Method::GET,
            &format!("{}/{sid}", calls_url(d)),
        ))
        .await;
        if status == 200 && pred(&body) {
            return body;
        }
        assert!(Instant::now() < deadline, "never: {status} {body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the caller runs `app`.
pub async fn runs(call: &CallHandle, app: &'static str) {
    let running = call
        .wait_for(WAIT, |log| {
            log.commands().iter().any(|c| c.app() == Some(app))
        })
        .await;
    assert!(running, "the caller never ran {app}: {:?}", call.apps());
}
