//! What the dial tests share: a caller, a target, scripting the
//! application, the exact fields every hook carries.
#![allow(dead_code)]

pub mod amd;

use std::time::Duration;

use serde_json::{Value, json};

use crate::fake_freeswitch::{CallHandle, Caller, DialplanNext, FakeSwitch};
use crate::harness::{self, App, Reply, Running};

pub const WAIT: Duration = Duration::from_secs(15);

/// Dials run at once in the cross-talk test.
pub const N_DIALS: usize = 200;

pub const CALL_ID: &str = "a-leg-call-id@127.0.0.1";

pub fn caller() -> Caller {
    Caller::new("+15551230000", "+15559870000")
        .call_id(CALL_ID)
        .then(DialplanNext::Respond(503))
}

/// The apps the daemon ran on the caller, by name.
pub fn app_names(call: &CallHandle) -> Vec<String> {
    call.apps().into_iter().map(|(name, _)| name).collect()
}

/// The SIP Call-ID of leg `i`'s INVITE.
pub fn leg_call_id(call: &CallHandle, i: usize) -> Option<String> {
    call.legs()[i].sip_call_id.clone()
}

pub fn phone(n: &str) -> Value {
    json!({"type": "phone", "number": n})
}

/// The app answers call_hook with `dial` (plus `after` verbs) and the dial's
/// actionHook with `action`.
pub fn script(app: &App, dial: Value, after: Value, action: Reply) {
    let mut verbs = vec![dial];
    verbs.extend(after.as_array().cloned().unwrap_or_default());
    app.reply("/call", Reply::json(Value::Array(verbs)));
    app.reply("/action", action);
}

/// The UUID the daemon gave leg `i` of the first dial.
pub fn leg_uuid(call: &CallHandle, i: usize) -> String {
    call.dials()[0].legs[i].uuid.clone()
}

/// The call fields as they are once the caller is in `status`.
pub fn call_fields(call: &CallHandle, status: &str, sip: u16) -> Value {
    json!({
        "call_sid": call.uuid(),
        "direction": "inbound",
        "from": "+15551230000",
        "to": "+15559870000",
        "caller_name": "+15551230000",
        "call_id": CALL_ID,
        "sip_status": sip,
        "call_status": status,
        "originating_sip_ip": "127.0.0.1",
    })
}

pub fn with(mut base: Value, extra: Value) -> Value {
    if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    base
}

pub fn leg(
    target: usize,
    uuid: &str,
    status: &str,
    sip: Option<u16>,
    cause: &str,
    duration: u64,
) -> Value {
    json!({"target": target, "call_sid": uuid, "status": status, "sip_status": sip,
           "hangup_cause": cause, "duration": duration})
}

pub async fn setup() -> (App, FakeSwitch, Running) {
    let app = App::start().await;
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    let d = harness::start(harness::settings(&app)).await;
    (app, fake, d)
}

/// An app, a fake switch with 100 ms seconds, and a daemon that posts every
/// status change to the app's `/status`.
pub async fn setup_with_status_hook() -> (App, FakeSwitch, Running) {
    let app = App::start().await;
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    let mut s = harness::settings(&app);
    s.app.call_status_hook = Some(dialbridge::app::hook::HookSpec::Url(app.url("/status")));
    let d = harness::start(s).await;
    (app, fake, d)
}

/// The `call_status` of each status-hook request, in order.
pub fn statuses(requests: &[harness::app::Request]) -> Vec<String> {
    requests
        .iter()
        .map(|r| r.json()["call_status"].as_str().unwrap_or("").to_owned())
        .collect()
}
