//! Conferences that wait and report (against the fake switch; mod_conference,
//! docs/freeswitch.md §19, with the guesses listed in
//! tests/fake_freeswitch/README.md): a member that does not start the room
//! hears jambonz's `waitHook` / RCML's `waitUrl` outside it until a member
//! that does joins; the statusHook hears `start`, `end` and the talking
//! events.

mod fake_freeswitch;
mod harness;
mod rcml_support;

use std::time::{Duration, Instant};

use fake_freeswitch::{CallHandle, FakeSwitch};
use harness::{App, Reply, Running};
use rcml_support::{WAIT, caller, param, xml};
use serde_json::json;

/// Waits until room `name` holds `n` members; returns `list`'s answer.
async fn members(fake: &FakeSwitch, name: &str, n: usize) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let list = fake.api(&format!("conference {name} list")).await;
        if !list.starts_with("-ERR") && list.lines().count() == n {
            return list;
        }
        assert!(Instant::now() < deadline, "{name}: {list}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The Member-ID of `call` in `list`'s answer.
fn member_id(list: &str, call: &CallHandle) -> u32 {
    list.lines()
        .find(|l| l.split(';').nth(2) == Some(call.uuid()))
        .and_then(|l| l.split(';').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("{} not in {list}", call.uuid()))
}

/// The `conference` application's argument the call ran, if any.
fn conference_arg(call: &CallHandle) -> Option<String> {
    call.apps()
        .into_iter()
        .find(|(n, _)| n == "conference")
        .map(|(_, a)| a)
}

/// Waits until `call` runs `app` with an argument containing `arg`.
async fn runs(call: &CallHandle, app: &'static str, arg: &'static str) {
    let ran = call
        .wait_for(WAIT, |log| {
            log.commands().iter().any(|c| {
                c.app() == Some(app) && c.header("execute-app-arg").unwrap_or("").contains(arg)
            })
        })
        .await;
    assert!(ran, "never ran {app} {arg}: {:?}", call.apps());
}

/// The `event` of each request to `path`.
fn events(app: &App, path: &str) -> Vec<String> {
    app.requests(path)
        .iter()
        .map(|r| r.json()["event"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A jambonz app and a fake switch (100 ms seconds) with a minute-long
/// `/sounds/long.wav`.
async fn jambonz() -> (App, FakeSwitch, Running) {
    let app = App::start().await;
    let fake = FakeSwitch::with_second(Duration::from_millis(100)).await;
    fake.file_duration("/sounds/long.wav", 60_000);
    let d = harness::start(harness::settings(&app)).await;
    (app, fake, d)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiter_hears_the_wait_hook_until_a_moderator_starts_the_room_then_joins() {
    let (app, fake, d) = jambonz().await;
    app.reply_once(
        "/call",
        Reply::json(json!([
            {"verb": "conference", "name": "w1", "startConferenceOnEnter": false,
             "waitHook": "/wait", "statusHook": "/wstatus", "statusEvents": ["join", "leave"]},
            {"verb": "hangup"}
        ])),
    );
    app.reply(
        "/wait",
        Reply::json(json!([{"verb": "play", "url": "/sounds/long.wav"}])),
    );
    let waiter = fake.call(d.addr, caller());
    let asked = app.wait_for("/wait", 1, WAIT).await.remove(0);
    assert_eq!(asked.json()["conference_name"], "w1");
    assert_eq!(asked.json()["call_sid"], waiter.uuid());
    runs(&waiter, "playback", "long.wav").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        conference_arg(&waiter).is_none(),
        "the waiter stays out of the room: {:?}",
        waiter.apps()
    );
    assert!(app.requests("/wstatus").is_empty(), "not joined yet");

    app.reply_once(
        "/call",
        Reply::json(json!([
            {"verb": "conference", "name": "w1", "endConferenceOnExit": true,
             "statusHook": "/mstatus", "statusEvents": ["start", "join", "leave", "end"]}
        ])),
    );
    let moderator = fake.call(d.addr, caller());
    let list = members(&fake, "w1", 2).await;
    assert!(
        fake.api_log()
            .contains(&format!("uuid_break {} all", waiter.uuid())),
        "the waiter's music was broken off: {:?}",
        fake.api_log()
    );
    assert_eq!(
        conference_arg(&waiter).as_deref(),
        Some("w1@default+flags{wait-mod}")
    );
    assert_eq!(
        conference_arg(&moderator).as_deref(),
        Some("w1@default+flags{endconf|moderator}")
    );
    let started = app.wait_for("/mstatus", 2, WAIT).await;
    assert_eq!(events(&app, "/mstatus"), ["start", "join"]);
    assert_eq!(started[0].json()["conference_name"], "w1");
    assert_eq!(started[0].json()["members"], 1);
    assert!(
        started[0].json()["time"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    assert_eq!(
        app.wait_for("/wstatus", 1, WAIT).await[0].json()["members"],
        2
    );
    assert!(
        !waiter
            .commands()
            .iter()
            .any(|c| c.verb == "event" && c.args.contains("conference::maintenance")),
        "no talking events asked: no subscription"
    );

    // The moderator leaves with endConferenceOnExit: its statusHook hears
    // `leave` then `end`, the waiter is hung up by the room's end.
    let moderator_id = member_id(&list, &moderator);
    fake.api(&format!("conference w1 kick {moderator_id}"))
        .await;
    waiter.finished(WAIT).await.expect("the waiter's call ends");
    app.wait_for("/mstatus", 4, WAIT).await;
    assert_eq!(events(&app, "/mstatus"), ["start", "join", "leave", "end"]);
    let end = &app.requests("/mstatus")[3];
    assert_eq!(end.json()["member_id"], moderator_id.to_string());
    assert!(end.json()["duration"].as_f64().is_some_and(|s| s > 0.0));
    app.wait_for("/wstatus", 2, WAIT).await;
    assert_eq!(events(&app, "/wstatus"), ["join", "leave"]);
    let _ = fake.api(&format!("uuid_kill {}", moderator.uuid())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rcml_wait_url_plays_follows_redirect_and_stops_when_the_room_starts() {
    let (app, fake, d) = rcml_support::setup().await;
    fake.file_duration("/sounds/short.wav", 100);
    fake.file_duration("/sounds/long.wav", 60_000);
    app.reply_once(
        "/call",
        xml(
            r#"<Response><Dial><Conference startConferenceOnEnter="false"
                 waitUrl="/hold" waitMethod="GET">r2</Conference></Dial></Response>"#,
        ),
    );
    app.reply(
        "/hold",
        xml(
            r#"<Response><Play>/sounds/short.wav</Play><Redirect method="POST">/hold2</Redirect>
               <Play>/sounds/unreachable.wav</Play></Response>"#,
        ),
    );
    app.reply(
        "/hold2",
        xml("<Response><Play>/sounds/long.wav</Play></Response>"),
    );
    let waiter = fake.call(d.addr, caller());
    let hold = app.wait_for("/hold", 1, WAIT).await.remove(0);
    assert_eq!(hold.method, "GET");
    assert_eq!(param(&hold, "ConferenceName").as_deref(), Some("r2"));
    let hold2 = app.wait_for("/hold2", 1, WAIT).await.remove(0);
    assert_eq!(hold2.method, "POST");
    runs(&waiter, "playback", "long.wav").await;
    assert!(conference_arg(&waiter).is_none(), "{:?}", waiter.apps());

    app.reply_once(
        "/call",
        xml("<Response><Dial><Conference>r2</Conference></Dial></Response>"),
    );
    let moderator = fake.call(d.addr, caller());
    members(&fake, "r2", 2).await;
    let played: Vec<String> = waiter
        .apps()
        .into_iter()
        .filter(|(n, _)| n == "playback")
        .map(|(_, a)| a)
        .collect();
    assert!(
        !played.iter().any(|a| a.contains("unreachable")),
        "verbs after <Redirect> do not run: {played:?}"
    );
    assert_eq!(
        app.requests("/hold2").len(),
        1,
        "an RCML document is not asked again without <Redirect>"
    );
    assert!(
        fake.api_log()
            .contains(&format!("uuid_break {} all", waiter.uuid()))
    );
    for c in [&waiter, &moderator] {
        let _ = fake.api(&format!("uuid_kill {}", c.uuid())).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_hook_hears_its_member_start_and_stop_talking() {
    let (app, fake, d) = jambonz().await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "conference", "name": "t1", "statusHook": "/status",
             "statusEvents": ["start-talking", "stop-talking", "end-talking"]}
        ])),
    );
    let call = fake.call(d.addr, caller());
    let list = members(&fake, "t1", 1).await;
    let id = member_id(&list, &call);
    assert!(
        call.commands()
            .iter()
            .any(|c| c.verb == "event" && c.args == "json CUSTOM conference::maintenance"),
        "{:?}",
        call.commands()
    );
    assert!(fake.conference_talks("t1", id, true));
    assert!(fake.conference_talks("t1", id, false));
    let posts = app.wait_for("/status", 3, WAIT).await;
    let mut got = events(&app, "/status");
    got.sort();
    assert_eq!(got, ["end-talking", "start-talking", "stop-talking"]);
    for p in posts {
        assert_eq!(p.json()["member_id"], id.to_string());
        assert_eq!(p.json()["members"], 1);
        assert_eq!(p.json()["call_sid"], call.uuid());
    }
    let _ = fake.api(&format!("uuid_kill {}", call.uuid())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_wait_url_waits_outside_the_room_in_silence() {
    let (app, fake, d) = rcml_support::setup().await;
    app.reply_once(
        "/call",
        xml(
            r#"<Response><Dial><Conference startConferenceOnEnter="false"
                 waitUrl="">quiet</Conference></Dial></Response>"#,
        ),
    );
    let waiter = fake.call(d.addr, caller());
    runs(&waiter, "answer", "").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        waiter.apps(),
        [("answer".to_string(), String::new())],
        "nothing plays, and the room is not joined"
    );
    app.reply_once(
        "/call",
        xml("<Response><Dial><Conference>quiet</Conference></Dial></Response>"),
    );
    let moderator = fake.call(d.addr, caller());
    members(&fake, "quiet", 2).await;
    assert_eq!(
        conference_arg(&waiter).as_deref(),
        Some("quiet@default+flags{wait-mod}")
    );
    for c in [&waiter, &moderator] {
        let _ = fake.api(&format!("uuid_kill {}", c.uuid())).await;
    }
}
