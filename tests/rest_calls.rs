//! The REST API on live calls (issue 13): authentication, list, retrieve,
//! hang up, redirect (mid-verb and mid-dial), DTMF and mute, and the
//! refusals (400 with pointers, 404, 409), against the fake switch.

mod dialing;
mod fake_freeswitch;
mod harness;
mod rest;

use dialing::*;
use fake_freeswitch::Callee;
use harness::Reply;
use reqwest::Method;
use rest::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_key_or_a_wrong_key_is_401_and_the_key_is_never_logged() {
    let (_app, _fake, d) = setup_api().await;
    let url = calls_url(&d);
    let none = reqwest::get(&url).await.expect("answers");
    assert_eq!(none.status().as_u16(), 401);
    assert_eq!(
        none.headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );
    let wrong = reqwest::Client::new()
        .get(&url)
        .bearer_auth("test-key-0123456789abcdeX")
        .send()
        .await
        .expect("answers");
    assert_eq!(wrong.status().as_u16(), 401);
    let basic = reqwest::Client::new()
        .get(&url)
        .basic_auth(KEY, Some(KEY))
        .send()
        .await
        .expect("answers");
    assert_eq!(basic.status().as_u16(), 401);
    let (status, body) = send(api(Method::GET, &url)).await;
    assert_eq!((status, body), (200, json!([])));
    let (status, _) = send(
        reqwest::Client::new()
            .delete(format!("{url}/whatever"))
            .bearer_auth("nope"),
    )
    .await;
    assert_eq!(status, 401, "every call route is behind the key");
    assert!(harness::log_lines_with(KEY).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_calls_are_listed_filtered_and_retrieved_and_an_ended_one_is_404() {
    let (app, fake, d) = setup_api().await;
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "answer"}, {"verb": "pause", "length": 60}])),
    );
    let call = fake.call(d.addr, caller());
    runs(&call, "sleep").await;
    let url = calls_url(&d);
    let one = call_until(&d, call.uuid(), |c| c["call_status"] == "in-progress").await;
    assert_eq!(one["call_sid"], call.uuid());
    assert_eq!(one["direction"], "inbound");
    assert_eq!(one["from"], "+15551230000");
    assert_eq!(one["to"], "+15559870000");
    assert!(one.get("dial_legs").is_none(), "no dial runs: {one}");
    let (status, all) = send(api(Method::GET, &url)).await;
    assert_eq!(status, 200);
    assert_eq!(all, json!([one]));
    let (_, inbound) = send(api(
        Method::GET,
        &format!("{url}?direction=inbound&call_status=in-progress"),
    ))
    .await;
    assert_eq!(inbound.as_array().map(Vec::len), Some(1));
    let (_, outbound) = send(api(Method::GET, &format!("{url}?direction=outbound"))).await;
    assert_eq!(outbound, json!([]));
    let (_, ringing) = send(api(Method::GET, &format!("{url}?call_status=ringing"))).await;
    assert_eq!(ringing, json!([]));
    let (status, body) = send(api(Method::GET, &format!("{url}/no-such-call"))).await;
    assert_eq!(status, 404);
    assert!(
        body["msg"]
            .as_str()
            .is_some_and(|m| m.contains("no-such-call")),
        "{body}"
    );
    call.hang_up();
    call.finished(WAIT).await.expect("the call ends");
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let (status, _) = send(api(Method::GET, &format!("{url}/{}", call.uuid()))).await;
        if status == 404 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "still {status}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_hangs_an_answered_call_up() {
    let (app, fake, d) = setup_api().await;
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "answer"}, {"verb": "pause", "length": 60},
                           {"verb": "play", "url": "/never.wav"}])),
    );
    let call = fake.call(d.addr, caller());
    runs(&call, "sleep").await;
    call_until(&d, call.uuid(), |_| true).await;
    let (status, _) = send(api(
        Method::DELETE,
        &format!("{}/{}", calls_url(&d), call.uuid()),
    ))
    .await;
    assert_eq!(status, 204);
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(call.hangup_cause().as_deref(), Some("NORMAL_CLEARING"));
    assert!(
        app_names(&call).iter().all(|a| a != "playback"),
        "{:?}",
        call.apps()
    );
    let (status, _) = send(api(
        Method::DELETE,
        &format!("{}/{}", calls_url(&d), call.uuid()),
    ))
    .await;
    assert_eq!(status, 404, "an ended call is 404");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completed_hangs_up_a_bridged_call_and_its_callee() {
    let (app, fake, d) = setup_api().await;
    script(
        &app,
        json!({"verb": "dial", "actionHook": "/action", "target": [phone("+15550000001")]}),
        json!([{"verb": "play", "url": "/never.wav"}]),
        Reply::json(json!([{"verb": "play", "url": "/never.wav"}])),
    );
    let call = fake.call(
        d.addr,
        caller().leg(0, Callee::answers_after(100).hangs_up_after_answer(60_000)),
    );
    let bridged = call_until(&d, call.uuid(), |c| c["dial_legs"][0]["state"] == "bridged").await;
    assert_eq!(bridged["dial_legs"][0]["call_sid"], leg_uuid(&call, 0));
    let (status, _) = send(
        api(Method::POST, &format!("{}/{}", calls_url(&d), call.uuid()))
            .json(&json!({"call_status": "completed"})),
    )
    .await;
    assert_eq!(status, 202);
    call.finished(WAIT).await.expect("the call ends");
    let body = app.wait_for("/action", 1, WAIT).await[0].json();
    assert_eq!(body["dial_status"], "completed");
    assert!(call.legs()[0].cause.is_some(), "the callee ended too");
    assert!(
        app_names(&call).iter().all(|a| a != "playback"),
        "{:?}",
        call.apps()
    );
    assert!(!call.closed_with_caller_up());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_mid_ringing_dial_cancels_it_then_runs_the_new_application() {
    let (app, fake, d) = setup_api().await;
    script(
        &app,
        json!({"verb": "dial", "actionHook": "/action", "answerOnBridge": false,
               "target": [phone("+15550000001"), phone("+15550000002")]}),
        json!([{"verb": "play", "url": "/after-dial.wav"}]),
        Reply::json(json!([{"verb": "play", "url": "/from-action.wav"}])),
    );
    app.reply(
        "/next",
        Reply::json(json!([{"verb": "play", "url": "/next.wav"}, {"verb": "hangup"}])),
    );
    let call = fake.call(
        d.addr,
        caller()
            .leg(0, Callee::rings_forever())
            .leg(1, Callee::rings_forever()),
    );
    call_until(&d, call.uuid(), |c| {
        c["dial_legs"]
            .as_array()
            .is_some_and(|l| l.len() == 2 && l.iter().all(|l| l["state"] == "ringing"))
    })
    .await;
    let (status, _) = send(
        api(Method::POST, &format!("{}/{}", calls_url(&d), call.uuid()))
            .json(&json!({"call_hook": app.url("/next")})),
    )
    .await;
    assert_eq!(status, 202);
    let action = app.wait_for("/action", 1, WAIT).await[0].json();
    assert_eq!(action["dial_status"], "canceled");
    assert_eq!(action["dial_sip_status"], 487);
    for i in 0..2 {
        assert_eq!(action["dial_legs"][i]["hangup_cause"], "ORIGINATOR_CANCEL");
    }
    let next = app.wait_for("/next", 1, WAIT).await[0].json();
    assert_eq!(next["call_sid"], call.uuid());
    call.finished(WAIT)
        .await
        .expect("the new application hangs up");
    let played: Vec<String> = call
        .apps()
        .into_iter()
        .filter(|(n, _)| n == "playback")
        .map(|(_, a)| a)
        .collect();
    assert_eq!(
        played.len(),
        1,
        "only the new application played: {played:?}"
    );
    assert!(
        played[0].ends_with("next.wav") || played[0].contains("next"),
        "{played:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_mid_verb_breaks_it_off_and_runs_the_new_application() {
    let (app, fake, d) = setup_api().await;
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "answer"}, {"verb": "pause", "length": 60},
                           {"verb": "play", "url": "/never.wav"}])),
    );
    app.reply("/next", Reply::json(json!([{"verb": "hangup"}])));
    let call = fake.call(d.addr, caller());
    runs(&call, "sleep").await;
    call_until(&d, call.uuid(), |_| true).await;
    let (status, _) = send(
        api(Method::PUT, &format!("{}/{}", calls_url(&d), call.uuid()))
            .json(&json!({"call_hook": {"url": app.url("/next"), "method": "POST"}})),
    )
    .await;
    assert_eq!(status, 202);
    let next = app.wait_for("/next", 1, WAIT).await;
    assert_eq!(next[0].json()["call_sid"], call.uuid());
    call.finished(WAIT)
        .await
        .expect("the new application hangs up");
    assert!(
        call.commands()
            .iter()
            .any(|c| c.raw == format!("api uuid_break {} all", call.uuid())),
        "{:?}",
        call.commands()
    );
    // The pause's sleep, the `sleep 1` queued behind the break, then the
    // new application's hangup.
    assert_eq!(app_names(&call), ["answer", "sleep", "sleep", "hangup"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dtmf_and_mute_go_to_freeswitch_and_bad_bodies_name_their_field() {
    let (app, fake, d) = setup_api().await;
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "answer"}, {"verb": "pause", "length": 60}])),
    );
    let call = fake.call(d.addr, caller());
    runs(&call, "sleep").await;
    call_until(&d, call.uuid(), |_| true).await;
    let url = format!("{}/{}", calls_url(&d), call.uuid());
    let uuid = call.uuid().to_owned();
    let post = |body: serde_json::Value| send(api(Method::POST, &url).json(&body));
    // The control connection may still be coming up.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let (status, body) = post(json!({"dtmf": {"digit": "12#", "duration": 100}})).await;
        if status == 202 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{status} {body}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(post(json!({"mute_status": "mute"})).await.0, 202);
    assert_eq!(post(json!({"mute_status": "unmute"})).await.0, 202);
    let log = fake.api_log();
    for cmd in [
        format!("uuid_send_dtmf {uuid} 12#@100"),
        format!("uuid_audio {uuid} start read mute 1"),
        format!("uuid_audio {uuid} stop"),
    ] {
        assert!(log.iter().any(|l| l.contains(&cmd)), "{cmd} not in {log:?}");
    }
    let (status, body) = post(json!({"dtmf": {"digit": "1 x"}, "bogus": true})).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["pointer"], "/bogus");
    let (status, body) = post(json!({"dtmf": {"digit": "1'x"}})).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["pointer"], "/dtmf/digit");
    let (status, body) = send(api(Method::POST, &url).body("{not json")).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = post(json!({"media_path": "no-media"})).await;
    assert_eq!(status, 400);
    assert!(
        body["msg"]
            .as_str()
            .is_some_and(|m| m.contains("not supported")),
        "{body}"
    );
    let (status, body) = post(json!({"call_status": "no-answer"})).await;
    assert_eq!(status, 409);
    assert!(
        body["msg"]
            .as_str()
            .is_some_and(|m| m.contains("not ringing")),
        "{body}"
    );
    let (status, _) = send(
        api(Method::POST, &format!("{}/unknown-sid", calls_url(&d)))
            .json(&json!({"call_status": "completed"})),
    )
    .await;
    assert_eq!(status, 404);
    assert!(call.errors().is_empty(), "{:?}", call.errors());
    call.hang_up();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_while_the_dial_is_set_up_cancels_it_like_one_while_ringing() {
    let (app, fake, d) = setup_api().await;
    // The dial's set-up waits for its dialMusic: the redirect comes then,
    // before the bridge is queued and the live phase begins.
    app.reply(
        "/ring.wav",
        Reply::audio("audio/wav", 4096).after(std::time::Duration::from_millis(800)),
    );
    script(
        &app,
        json!({"verb": "dial", "actionHook": "/action", "dialMusic": app.url("/ring.wav"),
               "target": [phone("+15550000001"), phone("+15550000002")]}),
        json!([{"verb": "play", "url": "/after-dial.wav"}]),
        Reply::json(json!([{"verb": "play", "url": "/from-action.wav"}])),
    );
    app.reply("/next", Reply::json(json!([{"verb": "hangup"}])));
    let call = fake.call(
        d.addr,
        caller()
            .leg(0, Callee::rings_forever())
            .leg(1, Callee::rings_forever()),
    );
    app.wait_for("/ring.wav", 1, WAIT).await;
    let (status, body) = send(
        api(Method::POST, &format!("{}/{}", calls_url(&d), call.uuid()))
            .json(&json!({"call_hook": app.url("/next")})),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    assert!(
        app.requests("/action").is_empty(),
        "the dial had not ended yet"
    );
    let action = app.wait_for("/action", 1, WAIT).await[0].json();
    assert_eq!(action["dial_status"], "canceled", "{action}");
    assert_eq!(action["dial_sip_status"], 487);
    for i in 0..2 {
        assert_eq!(action["dial_legs"][i]["hangup_cause"], "ORIGINATOR_CANCEL");
    }
    app.wait_for("/next", 1, WAIT).await;
    call.finished(WAIT)
        .await
        .expect("the new application hangs up");
    assert!(
        app_names(&call).iter().all(|a| a != "playback"),
        "neither the dial's next verb nor its actionHook's ran: {:?}",
        call.apps()
    );
    assert!(call.errors().is_empty(), "{:?}", call.errors());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whisper_plays_or_says_to_the_caller_of_a_bridged_call_only() {
    let (app, fake, d) = setup_api_with(|s| s.tts.engine = "flite".into()).await;
    app.reply("/whisper.wav", Reply::audio("audio/wav", 2048));
    app.reply(
        "/call",
        Reply::json(json!([{"verb": "answer"}, {"verb": "pause", "length": 60}])),
    );
    let quiet = fake.call(d.addr, caller());
    runs(&quiet, "sleep").await;
    call_until(&d, quiet.uuid(), |_| true).await;
    let (status, body) = send(
        api(Method::POST, &format!("{}/{}", calls_url(&d), quiet.uuid()))
            .json(&json!({"whisper": {"verb": "say", "text": "hello"}})),
    )
    .await;
    assert_eq!(status, 400, "not bridged: {body}");
    assert!(
        body["msg"]
            .as_str()
            .is_some_and(|m| m.contains("not bridged")),
        "{body}"
    );
    quiet.hang_up();

    script(
        &app,
        json!({"verb": "dial", "actionHook": "/action", "target": [phone("+15550000001")]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(
        d.addr,
        caller().leg(0, Callee::answers_after(100).hangs_up_after_answer(60_000)),
    );
    call_until(&d, call.uuid(), |c| c["dial_legs"][0]["state"] == "bridged").await;
    let url = format!("{}/{}", calls_url(&d), call.uuid());
    let (status, body) = send(
        api(Method::POST, &url)
            .json(&json!({"whisper": {"verb": "play", "url": app.url("/whisper.wav")}})),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let (status, body) = send(api(Method::POST, &url).json(
        &json!({"whisper": {"verb": "say", "text": "it's a supervisor",
                                    "synthesizer": {"voice": "slt"}}}),
    ))
    .await;
    assert_eq!(status, 202, "{body}");
    let (status, body) =
        send(api(Method::POST, &url).json(&json!({"whisper": {"verb": "hangup"}}))).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["pointer"], "/whisper/verb");
    let log = fake.api_log();
    let uuid = call.uuid();
    let play = log
        .iter()
        .find(|l| {
            l.starts_with(&format!("uuid_broadcast {uuid} "))
                && l.ends_with(" aleg")
                && l.contains(".wav")
        })
        .unwrap_or_else(|| panic!("no play broadcast: {log:?}"));
    let path = play.split_whitespace().nth(2).unwrap_or_default();
    assert!(
        std::path::Path::new(path).exists(),
        "the cached file is played: {play}"
    );
    assert!(
        log.iter().any(|l| l
            == &format!("uuid_broadcast {uuid} 'speak::flite|slt|it\u{2019}s a supervisor' aleg")),
        "{log:?}"
    );
    let leg = leg_uuid(&call, 0);
    assert!(
        log.iter().all(|l| !l.contains(&leg)),
        "the callee's leg is not played to: {log:?}"
    );
    assert!(call.legs()[0].cause.is_none(), "the bridge goes on");
    call.hang_up();
    call.finished(WAIT).await.expect("the call ends");
}
