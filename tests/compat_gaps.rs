//! jambonz applications dialbridge used to refuse and now runs, against
//! the fake switch: a `gather` without `actionHook` (the digits are
//! dropped and the next verb runs, as jambonz does), the dialed legs'
//! `srtpEncryption`, and `rest:dial`'s `timeLimit` and `fromHost`.

mod dialing;
mod fake_freeswitch;
mod harness;

use dialing::{WAIT, app_names, caller, phone, script, setup};
use fake_freeswitch::FakeSwitch;
use harness::{App, Reply};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gather_without_action_hook_drops_the_digits_and_runs_the_next_verb() {
    let app = App::start().await;
    app.reply(
        "/call",
        Reply::json(json!([
            {"verb": "gather", "input": ["digits"], "numDigits": 1},
            {"verb": "play", "url": "/after.wav"},
            {"verb": "hangup"},
        ])),
    );
    let d = harness::start(harness::settings(&app)).await;
    let fake = FakeSwitch::start().await;
    fake.file_duration("/after.wav", 100);
    let call = fake.call(d.addr, caller().presses("7", 300));
    call.finished(WAIT).await.expect("the call ends");
    let names = app_names(&call);
    let gather = names
        .iter()
        .position(|n| n == "play_and_get_digits")
        .expect("the gather ran");
    let apps = call.apps();
    let play = apps
        .iter()
        .position(|(n, a)| n == "playback" && a == "/after.wav")
        .unwrap_or_else(|| panic!("the verb after the gather ran: {apps:?}"));
    assert!(gather < play, "{names:?}");
    assert!(
        names.iter().any(|n| n == "hangup"),
        "the hangup after it too: {names:?}"
    );
    let paths: Vec<String> = app.take_requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/call"], "no hook is asked about the digits");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn srtp_encryption_sdes_makes_srtp_mandatory_on_every_dialed_leg() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        json!({"verb": "dial", "srtpEncryption": "sdes", "target": [
            phone("+15083084809"),
            {"type": "sip", "sipUri": "sip:bob@sip.example.com"},
        ]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(d.addr, caller().hangs_up_after(1_000));
    call.finished(WAIT).await.expect("the call ends");
    let dials = call.dials();
    assert_eq!(dials[0].legs.len(), 2);
    for leg in &dials[0].legs {
        assert_eq!(
            leg.var("rtp_secure_media"),
            Some("mandatory"),
            "{}",
            dials[0].raw
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dial_without_srtp_encryption_leaves_the_profile_setting_alone() {
    let (app, fake, d) = setup().await;
    script(
        &app,
        json!({"verb": "dial", "target": [phone("+15083084809")]}),
        json!([]),
        Reply::status(200),
    );
    let call = fake.call(d.addr, caller().hangs_up_after(1_000));
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(call.dials()[0].legs[0].var("rtp_secure_media"), None);
}
