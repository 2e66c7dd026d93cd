//! An AMD hook that answers with an invalid application: the reply is
//! ignored, the dial goes on, and `[app] error_hook` is told, with every
//! problem (item 10: AMD hook replies reached no error hook before).

use std::time::Duration;

use serde_json::json;

use crate::dialing::{caller, phone, script};
use crate::fake_freeswitch::{Callee, FakeSwitch};
use crate::fixture::{self, WAIT, rig_with, settled};
use crate::harness::{App, Reply};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_amd_hook_reply_reaches_the_error_hook_with_its_problems() {
    let app = App::start().await;
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    // The recording never appears: the dial gets `amd_error` at once.
    fake.record_elsewhere();
    let mut s = fixture::settings(&app, &fake);
    s.amd.audio_dir = std::env::temp_dir()
        .join(format!("dialbridge-amd-{}", uuid::Uuid::new_v4()))
        .display()
        .to_string();
    s.amd.file_wait_ms = 200;
    let r = rig_with(app, fake, s).await;
    script(
        &r.app,
        json!({"verb": "dial", "actionHook": "/action", "amd": {"actionHook": "/amd"},
               "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    r.app.reply("/amd", Reply::json(json!([{"verb": "play"}])));
    let call = r.fake.call(
        r.d.addr,
        caller().leg(0, Callee::answers_after(50).hangs_up_after_answer(1_500)),
    );
    call.finished(WAIT).await.expect("the call ends");
    let report = r.app.wait_for("/error", 1, WAIT).await[0].json();
    assert_eq!(report["hook"], "amd", "{report}");
    assert_eq!(report["call_sid"], call.uuid());
    assert!(
        report["problems"].as_array().is_some_and(|p| !p.is_empty()),
        "{report}"
    );
    // The invalid reply replaced nothing: the dial ran to the callee's BYE.
    let body = r.app.wait_for("/action", 1, WAIT).await[0].json();
    assert_eq!(body["dial_status"], "completed");
    assert_eq!(call.legs()[0].cause.as_deref(), Some("NORMAL_CLEARING"));
    settled(&r).await;
}
