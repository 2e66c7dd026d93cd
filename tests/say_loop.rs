//! `say` loops against the fake switch: a `speak` that returns without
//! speaking (FreeSWITCH's answer when the engine's TTS module is not
//! loaded: the app returns at once, with no Application-Response) ends the
//! verb with a report instead of spinning a `loop: 0`; real speech loops as
//! asked.

mod dialing;
mod fake_freeswitch;
mod harness;

use std::time::Duration;

use dialing::{WAIT, app_names, caller};
use fake_freeswitch::FakeSwitch;
use harness::App;
use harness::Reply;
use serde_json::json;

/// `say` (a `loop: 0` one, then a counted one) and a hangup, with a TTS
/// engine configured and an error hook; the daemon for it.
async fn say_loops(app: &App) -> harness::Running {
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "say", "text": "hello", "loop": 0},
            {"verb": "say", "text": ["one", "two"], "loop": 2},
            {"verb": "hangup"},
        ])),
    );
    let mut s = harness::settings(app);
    s.app.error_hook = Some(dialbridge::app::hook::HookSpec::Url(app.url("/error")));
    s.tts.engine = "flite".into();
    s.tts.voice = "kal".into();
    harness::start(s).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn say_forever_stops_with_a_report_when_speak_does_not_speak() {
    let app = App::start().await;
    let d = say_loops(&app).await;
    // FreeSWITCH's `speak` returns at once, with no response, when the
    // engine's TTS module is not loaded; the fake's speak lasts 100 switch
    // ms, here 0.1 ms.
    let fake = FakeSwitch::with_second(Duration::from_millis(1)).await;
    let call = fake.call(d.addr, caller());
    call.finished(WAIT)
        .await
        .expect("the says end and the hangup runs");
    let speaks: Vec<String> = call
        .apps()
        .into_iter()
        .filter(|(n, _)| n == "speak")
        .map(|(_, a)| a)
        .collect();
    assert_eq!(speaks, ["flite|kal|hello", "flite|kal|one"], "one try each");
    assert_eq!(app_names(&call).last().map(String::as_str), Some("hangup"));
    let errors = app.wait_for("/error", 2, WAIT).await;
    for e in &errors {
        let text = e.json()["error"].as_str().unwrap_or("").to_owned();
        assert!(
            text.contains("TTS module") && text.contains("flite"),
            "{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn say_that_speaks_loops_as_asked() {
    let app = App::start().await;
    let d = say_loops(&app).await;
    // Speech of 300 ms: the forever loop goes round until the caller
    // leaves, and nothing is reported.
    let fake = FakeSwitch::with_second(Duration::from_secs(3)).await;
    let call = fake.call(d.addr, caller().hangs_up_after(1_000));
    call.finished(WAIT).await.expect("the call ends");
    let apps = call.apps();
    let speaks: Vec<&str> = apps
        .iter()
        .filter(|(n, _)| n == "speak")
        .map(|(_, a)| a.as_str())
        .collect();
    assert!(speaks.len() >= 2, "{apps:?}");
    assert!(speaks.iter().all(|a| *a == "flite|kal|hello"), "{apps:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(app.requests("/error").is_empty());
}
