//! updateCall on calls in a conference (issue 13's `conf_mute_status` and
//! `conf_hold_status`, with jambonz's meaning), against the fake switch:
//! mute every non-moderator member, hold one member, 409 for a call in no
//! room, and a redirect that takes a member out of its room.

mod dialing;
mod fake_freeswitch;
mod harness;
mod rest;

use std::time::{Duration, Instant};

use dialing::{WAIT, caller};
use fake_freeswitch::{CallHandle, FakeSwitch};
use harness::Reply;
use reqwest::Method;
use rest::*;
use serde_json::{Value, json};

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

/// POSTs `body` to the call's updateCall.
async fn update(d: &Running, call: &CallHandle, body: Value) -> (u16, Value) {
    let url = format!("{}/{}", calls_url(d), call.uuid());
    send(api(Method::POST, &url).json(&body)).await
}

use harness::Running;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conf_mute_mutes_the_non_moderators_and_conf_hold_holds_the_member() {
    let (app, fake, d) = setup_api().await;
    app.reply_once(
        "/call",
        Reply::json(json!([{"verb": "conference", "name": "c1", "actionHook": "/left"}])),
    );
    let moderator = fake.call(d.addr, caller());
    members(&fake, "c1", 1).await;
    app.reply_once(
        "/call",
        Reply::json(json!([
            {"verb": "conference", "name": "c1", "startConferenceOnEnter": false}
        ])),
    );
    let member = fake.call(d.addr, caller());
    let list = members(&fake, "c1", 2).await;
    let (m_id, b_id) = (member_id(&list, &moderator), member_id(&list, &member));

    assert_eq!(
        update(&d, &moderator, json!({"conf_mute_status": "mute"}))
            .await
            .0,
        202
    );
    assert!(
        fake.api_log()
            .iter()
            .any(|l| l.contains("conference c1 mute non_moderator"))
    );
    assert_eq!(
        fake.conference_member_state("c1", b_id),
        Some((false, false))
    );
    assert_eq!(
        fake.conference_member_state("c1", m_id),
        Some((false, true)),
        "the moderator still speaks"
    );
    assert_eq!(
        update(&d, &moderator, json!({"conf_mute_status": "unmute"}))
            .await
            .0,
        202
    );
    assert_eq!(
        fake.conference_member_state("c1", b_id),
        Some((false, true))
    );

    assert_eq!(
        update(&d, &member, json!({"conf_hold_status": "hold"}))
            .await
            .0,
        202
    );
    assert!(
        fake.api_log()
            .iter()
            .any(|l| l.contains(&format!("conference c1 hold {b_id}")))
    );
    assert_eq!(fake.conference_member_state("c1", b_id), Some((true, true)));
    assert_eq!(
        update(&d, &member, json!({"conf_hold_status": "unhold"}))
            .await
            .0,
        202
    );
    assert_eq!(
        fake.conference_member_state("c1", b_id),
        Some((false, true))
    );
    let (status, body) = update(&d, &member, json!({"conf_hold_status": "on"})).await;
    assert_eq!(
        (status, body["errors"][0]["pointer"].clone()),
        (400, json!("/conf_hold_status"))
    );

    // A redirect takes the moderator out of the room (kick), the new
    // application runs, the conference's actionHook is not asked.
    app.reply("/next", Reply::json(json!([{"verb": "hangup"}])));
    let url = app.url("/next");
    assert_eq!(
        update(&d, &moderator, json!({"call_hook": url})).await.0,
        202
    );
    moderator
        .finished(WAIT)
        .await
        .expect("the moderator's call ends");
    assert!(
        fake.api_log()
            .iter()
            .any(|l| l.contains(&format!("conference c1 kick {m_id}"))),
        "{:?}",
        fake.api_log()
    );
    assert_eq!(app.requests("/next").len(), 1);
    assert!(app.requests("/left").is_empty());
    let _ = fake.api(&format!("uuid_kill {}", member.uuid())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conf_commands_on_a_call_in_no_room_are_409() {
    let (app, fake, d) = setup_api().await;
    fake.file_duration("/sounds/long.wav", 60_000);
    app.reply_once(
        "/call",
        Reply::json(json!([{"verb": "answer"}, {"verb": "pause", "length": 60}])),
    );
    let paused = fake.call(d.addr, caller());
    runs(&paused, "sleep").await;
    let (status, body) = update(&d, &paused, json!({"conf_mute_status": "mute"})).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["msg"]
            .as_str()
            .is_some_and(|m| m.contains("not in a conference")),
        "{body}"
    );

    // Waiting outside the room for it to start is not being in it.
    app.reply_once(
        "/call",
        Reply::json(json!([
            {"verb": "conference", "name": "later", "startConferenceOnEnter": false,
             "waitHook": "/wait"}
        ])),
    );
    app.reply(
        "/wait",
        Reply::json(json!([{"verb": "play", "url": "/sounds/long.wav"}])),
    );
    let waiter = fake.call(d.addr, caller());
    app.wait_for("/wait", 1, WAIT).await;
    runs(&waiter, "playback").await;
    let (status, body) = update(&d, &waiter, json!({"conf_hold_status": "hold"})).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["msg"]
            .as_str()
            .is_some_and(|m| m.contains("not in it yet")),
        "{body}"
    );
    // A hangup reaches the waiter while its waitHook's verb plays.
    let url = format!("{}/{}", calls_url(&d), waiter.uuid());
    assert_eq!(send(api(Method::DELETE, &url)).await.0, 204);
    waiter.finished(WAIT).await.expect("the waiter's call ends");
    let _ = fake.api(&format!("uuid_kill {}", paused.uuid())).await;
}
