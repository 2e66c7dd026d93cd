//! Conferences against the fake switch (mod_conference, docs/freeswitch.md
//! §19; the options below are not captured: tests/fake_freeswitch/README.md
//! lists the guesses): RCML's `<Dial><Conference>` with TwiML's options on
//! the engine jambonz's `conference` verb uses, a full room, and jambonz's
//! `enterHook`.

mod fake_freeswitch;
mod harness;
mod rcml_support;

use std::time::{Duration, Instant};

use fake_freeswitch::{CallHandle, FakeSwitch};
use harness::{App, Reply};
use rcml_support::*;
use serde_json::json;

/// The api commands the daemon sent on the call's socket.
fn apis(call: &CallHandle) -> Vec<String> {
    call.commands()
        .into_iter()
        .filter(|c| c.verb == "api")
        .map(|c| c.args)
        .collect()
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dial_conference_joins_with_twilios_options_and_the_action_follows() {
    let (app, fake, d) = setup().await;
    app.reply(
        "/call",
        xml(r#"<Response><Dial action="/left" timeout="10">
                 <Conference muted="true" beep="false" startConferenceOnEnter="false"
                   endConferenceOnExit="true" maxParticipants="3">team</Conference>
               </Dial><Say>unreachable</Say></Response>"#),
    );
    app.reply("/left", xml("<Response><Hangup/></Response>"));
    let call = fake.call(d.addr, caller());
    let list = members(&fake, "team", 1).await;
    let id = list.split(';').next().unwrap_or_default().to_owned();
    assert_eq!(
        fake.api(&format!("conference team kick {id}")).await,
        format!("+OK kicked {id}\n")
    );
    call.finished(WAIT).await.expect("the call ends");
    let apps = call.apps();
    let names: Vec<&str> = apps.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["answer", "set", "set", "set", "conference", "hangup"],
        "{apps:?}"
    );
    assert_eq!(apps[1].1, "conference_max_members=3");
    assert_eq!(apps[2].1, "conference_enter_sound=silence_stream://20");
    assert_eq!(apps[3].1, "conference_exit_sound=silence_stream://20");
    assert_eq!(apps[4].1, "team@default+flags{mute|endconf|wait-mod}");
    assert!(
        apis(&call).iter().any(|a| a == "conference team count"),
        "{:?}",
        apis(&call)
    );
    let left = app.wait_for("/left", 1, WAIT).await.remove(0);
    assert_eq!(param(&left, "DialCallStatus").as_deref(), Some("completed"));
    assert_eq!(param(&left, "ConferenceName").as_deref(), Some("team"));
    assert_eq!(param(&left, "CallSid"), Some(call.uuid().to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_finding_the_room_full_is_not_joined_and_the_action_hears_busy() {
    let (app, fake, d) = setup().await;
    app.reply(
        "/call",
        xml(r#"<Response><Dial action="/left"><Conference maxParticipants="2">full</Conference></Dial></Response>"#),
    );
    app.reply("/left", xml("<Response><Hangup/></Response>"));
    let first = fake.call(d.addr, caller().hangs_up_after(20_000));
    members(&fake, "full", 1).await;
    let second = fake.call(d.addr, caller().hangs_up_after(20_000));
    members(&fake, "full", 2).await;
    let third = fake.call(d.addr, caller());
    third.finished(WAIT).await.expect("the third call ends");
    assert!(
        !third.apps().iter().any(|(n, _)| n == "conference"),
        "{:?}",
        third.apps()
    );
    let left = app.wait_for("/left", 1, WAIT).await.remove(0);
    assert_eq!(param(&left, "DialCallStatus").as_deref(), Some("busy"));
    assert_eq!(param(&left, "CallSid"), Some(third.uuid().to_string()));
    for c in [&first, &second] {
        let _ = fake.api(&format!("uuid_kill {}", c.uuid())).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jambonz_enter_hook_plays_before_joining_and_full_rooms_are_told() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "conference", "name": "room9", "enterHook": "/enter",
             "maxParticipants": 1, "beep": false, "actionHook": "/left"}
        ])),
    );
    app.reply(
        "/enter",
        Reply::json(json!([
            {"verb": "play", "url": "/sounds/short.wav"},
            {"verb": "hangup"}
        ])),
    );
    app.reply("/left", Reply::json(json!([{"verb": "hangup"}])));
    let d = harness::start(harness::settings(&app)).await;
    let fake = FakeSwitch::start().await;
    fake.file_duration("/sounds/short.wav", 100);
    let first = fake.call(d.addr, rcml_support::caller().hangs_up_after(20_000));
    members(&fake, "room9", 1).await;
    let names: Vec<String> = first.apps().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        ["answer", "playback", "set", "set", "set", "conference"],
        "the enter hook's play ran first, its hangup was skipped"
    );
    let second = fake.call(d.addr, rcml_support::caller());
    second.finished(WAIT).await.expect("the second call ends");
    let left = app.wait_for("/left", 1, WAIT).await.remove(0);
    assert_eq!(left.json()["conference_status"], "full");
    assert_eq!(left.json()["call_sid"], second.uuid());
    assert!(
        harness::log_lines_with("only play, say and pause run before joining").len() >= 2,
        "the skipped hangup is reported"
    );
    let _ = fake.api(&format!("uuid_kill {}", first.uuid())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jambonz_status_hook_hears_join_and_leave() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "conference", "name": "room7", "statusHook": "/status",
             "statusEvents": ["join", "leave", "start-talking"]}
        ])),
    );
    let d = harness::start(harness::settings(&app)).await;
    let fake = FakeSwitch::start().await;
    let call = fake.call(d.addr, rcml_support::caller());
    let joined = app.wait_for("/status", 1, WAIT).await;
    assert_eq!(joined[0].json()["event"], "join");
    assert_eq!(joined[0].json()["conference_name"], "room7");
    assert_eq!(joined[0].json()["call_sid"], call.uuid());
    let list = members(&fake, "room7", 1).await;
    let id = list.split(';').next().unwrap_or_default().to_owned();
    fake.api(&format!("conference room7 kick {id}")).await;
    call.finished(WAIT).await.expect("the call ends");
    let posts = app.wait_for("/status", 2, WAIT).await;
    assert_eq!(posts[1].json()["event"], "leave");
    assert_eq!(posts[1].json()["member_id"], id.as_str());
    assert_eq!(posts.len(), 2, "start-talking is not reported");
}
