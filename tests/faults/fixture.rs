//! What the fault tests share: a daemon whose control connection reaches
//! the fake switch, with short deadlines on calls' sockets, and the check
//! every fault test ends with: `/ready` back to `live_calls: 0` and no
//! channel left in the switch.

use std::time::{Duration, Instant};

use dialbridge::app::hook::HookSpec;
use dialbridge::config::Settings;
use serde_json::Value;

use crate::fake_freeswitch::FakeSwitch;
use crate::harness::{self, App, Running};

pub const WAIT: Duration = Duration::from_secs(20);

/// `[freeswitch] reply_timeout_ms` in these tests.
pub const REPLY_MS: u64 = 400;
/// `[freeswitch] probe_after_ms` in these tests.
pub const PROBE_MS: u64 = 700;

/// A web app, a fake switch (100 ms seconds), and a daemon connected to
/// both, with a status hook on `/status` and an error hook on `/error`.
pub struct Rig {
    pub app: App,
    pub fake: FakeSwitch,
    pub d: Running,
}

/// The settings of [`rig`], for tests that change some before starting.
pub fn settings(app: &App, fake: &FakeSwitch) -> Settings {
    let mut s = harness::settings(app);
    s.freeswitch.port = fake.esl_addr().port();
    s.freeswitch.reply_timeout_ms = REPLY_MS;
    s.freeswitch.probe_after_ms = PROBE_MS;
    s.app.call_status_hook = Some(HookSpec::Url(app.url("/status")));
    s.app.error_hook = Some(HookSpec::Url(app.url("/error")));
    s
}

pub async fn rig() -> Rig {
    let app = App::start().await;
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    let d = harness::start(settings(&app, &fake)).await;
    wait_control_up(&d).await;
    Rig { app, fake, d }
}

/// Starts a daemon with `s` on an existing app and fake.
pub async fn rig_with(app: App, fake: FakeSwitch, s: Settings) -> Rig {
    let d = harness::start(s).await;
    wait_control_up(&d).await;
    Rig { app, fake, d }
}

async fn wait_control_up(d: &Running) {
    let mut control = d.daemon.control.clone();
    let up = tokio::time::timeout(
        WAIT,
        control.wait_for(|c| *c == dialbridge::freeswitch::control::ControlState::Up),
    )
    .await;
    assert!(
        matches!(up, Ok(Ok(_))),
        "the control connection never came up"
    );
}

/// `/ready`'s body.
pub async fn ready(d: &Running) -> Value {
    let (_, body) = harness::get(format!("http://{}/ready", d.daemon.http_addr)).await;
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

/// Waits until `/ready` says `live_calls: 0` and the switch holds no
/// channel; panics with both when that does not happen in time.
pub async fn settled(r: &Rig) {
    let deadline = Instant::now() + WAIT;
    loop {
        let body = ready(&r.d).await;
        let channels = r.fake.channel_count();
        if body["live_calls"] == 0 && channels == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "not settled: /ready {body}, {channels} channel(s) left in the switch"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The `call_status` values posted to `/status` for `call_sid`, in order.
pub fn statuses(app: &App, call_sid: &str) -> Vec<String> {
    app.requests("/status")
        .iter()
        .map(|r| r.json())
        .filter(|b| b["call_sid"] == call_sid)
        .map(|b| b["call_status"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// Waits until `/status` got `status` for `call_sid`.
pub async fn wait_status(app: &App, call_sid: &str, status: &str) -> Vec<String> {
    let deadline = Instant::now() + WAIT;
    loop {
        let got = statuses(app, call_sid);
        if got.iter().any(|s| s == status) {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "no `{status}` status for {call_sid}: {got:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
