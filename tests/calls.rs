//! The live-call engine against the fake switch and a stand-in web
//! application: the call-flow verbs in order, hooks replacing the
//! application, the call limit, many calls at once.

mod dialing;
mod fake_freeswitch;
mod harness;

use std::time::Duration;

use dialing::{WAIT, app_names, caller};
use fake_freeswitch::{Caller, CallerSip, FakeSwitch};
use harness::{App, Reply};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answer_play_hangup_run_in_order() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "answer"},
            {"verb": "play", "url": "/usr/share/freeswitch/sounds/hello.wav"},
            {"verb": "hangup", "headers": {"X-Reason": "bye,now"}},
            {"verb": "play", "url": "/never.wav"},
        ])),
    );
    let d = harness::start(harness::settings(&app)).await;
    let fake = FakeSwitch::start().await;
    fake.file_duration("/usr/share/freeswitch/sounds/hello.wav", 200);
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    let apps = call.apps();
    let names: Vec<&str> = apps.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["answer", "playback", "set", "hangup"], "{apps:?}");
    assert_eq!(apps[1].1, "/usr/share/freeswitch/sounds/hello.wav");
    assert_eq!(apps[2].1, "sip_bye_h_X-Reason=bye,now");
    assert_eq!(apps[3].1, "NORMAL_CLEARING");
    assert_eq!(call.caller_signals().first(), Some(&CallerSip::Ok200));
    assert!(
        call.caller_signals().contains(&CallerSip::Bye(16)),
        "{:?}",
        call.caller_signals()
    );
    assert!(!call.closed_with_caller_up());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hook_reply_replaces_the_remaining_verbs() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "redirect", "actionHook": "/next"},
            {"verb": "play", "url": "/skipped.wav"},
        ])),
    );
    app.reply(
        "/next",
        Reply::json(json!([{"verb": "pause", "length": 1}])),
    );
    let d = harness::start(harness::settings(&app)).await;
    let fake = FakeSwitch::start().await;
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(app_names(&call), ["sleep", "hangup"]);
    let next = &app.requests("/next")[0].json();
    assert_eq!(next["call_sid"], call.uuid());
    // The verbs ran out: the unanswered caller was hung up by dialbridge.
    assert_eq!(call.caller_final_code(), Some(480));
    assert!(!call.closed_with_caller_up());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_reply_goes_on_with_the_next_verb() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "redirect", "actionHook": "/empty"},
            {"verb": "answer"},
        ])),
    );
    let d = harness::start(harness::settings(&app)).await;
    let fake = FakeSwitch::start().await;
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(app.requests("/empty").len(), 1);
    assert_eq!(app_names(&call), ["answer", "hangup"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_max_calls_a_new_call_is_refused_with_503() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "pause", "length": 1}])),
    );
    let mut s = harness::settings(&app);
    s.listener.max_calls = 1;
    let d = harness::start(s).await;
    let fake = FakeSwitch::start().await;
    let first = fake.call(d.addr, caller());
    app.wait_for("/call", 1, WAIT).await;
    let second = fake.call(d.addr, caller());
    second.finished(WAIT).await.expect("refused at once");
    assert_eq!(second.caller_final_code(), Some(503));
    assert_eq!(
        app.requests("/call").len(),
        1,
        "the refused call never reached the app"
    );
    first.finished(WAIT).await.expect("the first call goes on");
    assert_eq!(app_names(&first), ["sleep", "hangup"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gather_posts_digits_and_reason_to_its_action_hook() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "gather", "actionHook": "/digits", "numDigits": 3, "timeout": 2,
             "play": {"url": "/prompt.wav"}},
        ])),
    );
    app.reply("/digits", Reply::json(json!([{"verb": "hangup"}])));
    let d = harness::start(harness::settings(&app)).await;
    let fake = FakeSwitch::start().await;
    let call = fake.call(d.addr, caller().presses("427", 300));
    call.finished(WAIT).await.expect("the call ends");
    let r = &app.wait_for("/digits", 1, WAIT).await[0].json();
    assert_eq!(r["digits"], "427");
    assert_eq!(r["reason"], "dtmfDetected");
    let pagd = call
        .apps()
        .into_iter()
        .find(|(n, _)| n == "play_and_get_digits")
        .expect("play_and_get_digits ran");
    assert!(
        pagd.1.starts_with("3 3 1 2000 none /prompt.wav "),
        "{}",
        pagd.1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sip_decline_refuses_with_its_status_and_tag_reaches_later_hooks() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "tag", "data": {"crm": 42}},
            {"verb": "redirect", "actionHook": "/next"},
        ])),
    );
    app.reply(
        "/next",
        Reply::json(
            json!([{"verb": "sip:decline", "status": 486, "reason": "Busy Here",
                            "headers": {"X-Why": "agent busy"}}]),
        ),
    );
    let d = harness::start(harness::settings(&app)).await;
    let fake = FakeSwitch::start().await;
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(
        app.requests("/next")[0].json()["customerData"],
        json!({"crm": 42})
    );
    assert_eq!(call.caller_final_code(), Some(486));
    let apps = call.apps();
    assert!(
        apps.contains(&("set".into(), "sip_rh_X-Why=agent busy".into())),
        "{apps:?}"
    );
    assert!(
        apps.contains(&("respond".into(), "486 Busy Here".into())),
        "{apps:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn say_without_a_tts_engine_is_reported_and_skipped() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "say", "text": "hello"}, {"verb": "answer"}])),
    );
    let mut s = harness::settings(&app);
    s.app.error_hook = Some(dialbridge::app::hook::HookSpec::Url(app.url("/error")));
    let d = harness::start(s).await;
    let fake = FakeSwitch::start().await;
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(app_names(&call), ["answer", "hangup"]);
    let err = &app.wait_for("/error", 1, WAIT).await[0].json();
    assert!(
        err["error"].as_str().unwrap_or("").contains("[tts] engine"),
        "{err}"
    );

    let mut s = harness::settings(&app);
    s.tts.engine = "flite".into();
    s.tts.voice = "kal".into();
    let d = harness::start(s).await;
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    let apps = call.apps();
    assert!(
        apps.contains(&("speak".into(), "flite|kal|hello".into())),
        "{apps:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn play_fetches_urls_into_the_cache_once() {
    let app = App::start().await;
    app.reply("/audio/hi.wav", Reply::audio("audio/wav", 2048));
    app.reply("/audio/page", Reply::audio("text/html", 100));
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "play", "url": app.url("/audio/hi.wav")}])),
    );
    let s = harness::settings(&app);
    let cache = s.media.cache_dir.clone();
    let d = harness::start(s).await;
    let fake = FakeSwitch::start().await;
    for _ in 0..2 {
        let call = fake.call(d.addr, caller());
        call.finished(WAIT).await.expect("the call ends");
        let (_, file) = call
            .apps()
            .into_iter()
            .find(|(n, _)| n == "playback")
            .expect("played");
        assert!(file.starts_with(&cache) && file.ends_with(".wav"), "{file}");
        assert_eq!(std::fs::metadata(&file).map(|m| m.len()).ok(), Some(2048));
    }
    assert_eq!(
        app.requests("/audio/hi.wav").len(),
        1,
        "the second call used the cache"
    );

    app.reply(
        "/call",
        Reply::json(json!([{"verb": "play", "url": app.url("/audio/page")}, {"verb": "answer"}])),
    );
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(
        app_names(&call),
        ["answer", "hangup"],
        "an HTML page is not played"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_calls_do_not_cross_talk() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "redirect", "actionHook": "/route"}])),
    );
    let d = harness::start(harness::settings(&app)).await;
    let fake = FakeSwitch::start().await;
    // Each call's application plays a file named after its own number.
    app.reply("/route", Reply::json(json!([])));
    let calls: Vec<_> = (0..200)
        .map(|i| {
            let to = format!("+1555000{i:04}");
            (
                to.clone(),
                fake.call(d.addr, Caller::new("+15551230000", &to)),
            )
        })
        .collect();
    for (_, call) in &calls {
        call.finished(Duration::from_secs(60))
            .await
            .expect("every call ends");
        assert!(!call.closed_with_caller_up());
        assert!(call.errors().is_empty(), "{:?}", call.errors());
    }
    let requests = app.requests("/route");
    assert_eq!(requests.len(), 200);
    for (to, call) in &calls {
        let mine: Vec<_> = requests
            .iter()
            .filter(|r| r.json()["call_sid"] == call.uuid())
            .collect();
        assert_eq!(mine.len(), 1, "one redirect per call");
        assert_eq!(
            mine[0].json()["to"],
            to.as_str(),
            "no payload of another call"
        );
        let events = call.delivered_events();
        assert!(
            events.iter().all(|(_, uuid)| uuid == call.uuid()),
            "only this call's events reached its socket"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gather_with_a_spoken_prompt_keeps_the_text_as_one_argument() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "gather", "actionHook": "/digits", "numDigits": 1, "finishOnKey": "#",
             "say": {"text": "Press 1 for sales, it's quick"}},
        ])),
    );
    app.reply("/digits", Reply::json(json!([])));
    let mut s = harness::settings(&app);
    s.tts.engine = "flite".into();
    s.tts.voice = "kal".into();
    let d = harness::start(s).await;
    let fake = FakeSwitch::start().await;
    let call = fake.call(d.addr, caller().presses("1", 300));
    call.finished(WAIT).await.expect("the call ends");
    let apps = call.apps();
    assert!(
        apps.contains(&("set".into(), "tts_engine=flite".into())),
        "{apps:?}"
    );
    assert!(
        apps.contains(&("set".into(), "tts_voice=kal".into())),
        "{apps:?}"
    );
    let (_, arg) = apps
        .iter()
        .find(|(n, _)| n == "play_and_get_digits")
        .expect("play_and_get_digits ran");
    assert_eq!(
        arg,
        "1 1 1 5000 # 'say:Press 1 for sales, it\u{2019}s quick' silence_stream://250 \
         dialbridge_digits ^[0-9*#A-D]+$ 5000"
    );
    let r = &app.wait_for("/digits", 1, WAIT).await[0].json();
    assert_eq!(
        (r["digits"].clone(), r["reason"].clone()),
        (json!("1"), json!("dtmfDetected"))
    );
}
