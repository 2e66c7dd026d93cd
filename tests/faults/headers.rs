//! Caller-supplied routing headers (issue 10 item 3): FreeSWITCH copies a
//! caller's `sip_h_X-*` variables (from its INVITE's X- headers, or a
//! dialplan `set`) onto every leg it originates unless
//! `sip_copy_custom_headers=false` is set on the caller (docs/freeswitch.md §12,
//! traces 12a/12b). Kamailio routes on `X-Dialbridge-Route` /
//! `X-Dialbridge-Carrier`, so a caller could steer a leg to Teams or a
//! carrier. dialbridge forwards no caller header the application did not
//! ask for, and refuses reserved headers from the application.

use serde_json::{Value, json};

use crate::dialing::{WAIT, caller, phone, script};
use crate::fake_freeswitch::{Callee, FakeSwitch, LegFate};
use crate::harness::{self, App, Reply};

/// The daemon with an error hook and a carrier reached by address, whose
/// legs carry dialbridge's own `X-Dialbridge-Carrier: kam`.
async fn daemon(app: &App) -> harness::Running {
    let mut s = harness::settings(app);
    s.app.error_hook = Some(dialbridge::app::hook::HookSpec::Url(app.url("/error")));
    s.carriers.insert(
        "kam".into(),
        dialbridge::config::Carrier {
            proxy: Some("sip:127.0.0.1:5070".into()),
            ..Default::default()
        },
    );
    harness::start(s).await
}

fn headers_of(leg: &LegFate) -> String {
    format!("{} {:?}", leg.endpoint, leg.invite_headers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caller_sends_x_dialbridge_route_and_other_x_headers() {
    let app = App::start().await;
    let d = daemon(&app).await;
    let fake = FakeSwitch::with_second(std::time::Duration::from_millis(100)).await;
    script(
        &app,
        json!({"verb": "dial", "headers": {"X-App": "from-the-app"},
               "target": [
                   {"type": "user", "name": "jane@sip.example.com",
                    "headers": {"X-Target": "jane-only"}},
                   {"type": "phone", "number": "+15550000002", "trunk": "kam"},
                   phone("+15550000003")]}),
        json!([]),
        Reply::status(200),
    );
    let pai = "<sip:+15551230000@carrier.example.com>";
    let call = fake.call(
        d.addr,
        caller()
            // what FreeSWITCH keeps of the caller's INVITE ...
            .sip_header("X-Dialbridge-Route", "teams")
            .sip_header("X-Dialbridge-Tenant", "evil.example.com")
            .sip_header("X-Dialbridge-Carrier", "premium")
            .sip_header("X-Foo", "bar")
            .sip_header("X-Foo", "again")
            .var("sip_P-Asserted-Identity", pai)
            // ... and what a dialplan `set` puts on it
            .dialplan_app("set", "sip_h_X-Dialbridge-Voicemail=true")
            .otherwise(Callee::rejects(486, 20)),
    );
    call.finished(WAIT).await.expect("the call ends");
    let legs = call.legs();
    assert_eq!(legs.len(), 3, "{legs:?}");
    for leg in &legs {
        let all = headers_of(leg);
        for name in [
            "X-Dialbridge-Route",
            "X-Dialbridge-Tenant",
            "X-Dialbridge-Voicemail",
            "X-Foo",
            "X-Foo-1",
        ] {
            assert_eq!(leg.header(name), None, "{name} reached a leg: {all}");
        }
        assert_ne!(leg.header("X-Dialbridge-Carrier"), Some("premium"), "{all}");
        // What the application asked for still travels.
        assert_eq!(leg.header("X-App"), Some("from-the-app"), "{all}");
        // forwardPAI (on by default) still forwards the caller's identity.
        assert_eq!(leg.header("P-Asserted-Identity"), Some(pai), "{all}");
    }
    assert_eq!(legs[0].header("X-Target"), Some("jane-only"));
    assert_eq!(legs[1].header("X-Target"), None);
    // dialbridge's own routing header for the carrier reached by address.
    assert_eq!(legs[1].header("X-Dialbridge-Carrier"), Some("kam"));
    assert_eq!(legs[0].header("X-Dialbridge-Carrier"), None);
    assert_eq!(legs[2].header("X-Dialbridge-Carrier"), None);
    // No awaited application was added for it: an API command did it.
    let apps: Vec<String> = call
        .apps()
        .into_iter()
        .map(|(n, a)| format!("{n} {a}"))
        .collect();
    assert!(
        !apps.iter().any(|a| a.contains("sip_copy_custom_headers")),
        "{apps:?}"
    );
    let setvar = call.commands().iter().position(|c| {
        c.verb == "api"
            && c.args.starts_with("uuid_setvar_multi ")
            && c.args.contains(" sip_copy_custom_headers=false;")
    });
    let bridge = call
        .commands()
        .iter()
        .position(|c| c.app() == Some("bridge"));
    assert!(
        matches!((setvar, bridge), (Some(s), Some(b)) if s < b),
        "uuid_setvar_multi before the bridge: {setvar:?} {bridge:?}"
    );
}

/// The application's reply, refused as a whole: no leg rings.
async fn refused(body: Value) -> Value {
    let app = App::start().await;
    let d = daemon(&app).await;
    let fake = FakeSwitch::with_second(std::time::Duration::from_millis(100)).await;
    app.reply("/call", Reply::json(json!([body])));
    let call = fake.call(d.addr, caller());
    call.finished(WAIT).await.expect("the call ends");
    assert!(call.dials().is_empty(), "no bridge was attempted");
    app.wait_for("/error", 1, WAIT).await[0].json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn application_sets_a_reserved_x_dialbridge_header() {
    let err = refused(json!({"verb": "dial",
        "headers": {"X-Dialbridge-Route": "teams"},
        "target": [phone("+15550000001")]}))
    .await;
    assert_eq!(
        err["problems"][0]["pointer"], "/0/headers/X-Dialbridge-Route",
        "{err}"
    );
    let message = err["problems"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains("reserved"), "{err}");

    // On a target, in any letter case.
    let err = refused(json!({"verb": "dial",
        "target": [{"type": "phone", "number": "+15550000001",
                    "headers": {"x-dialbridge-carrier": "premium"}}]}))
    .await;
    assert_eq!(
        err["problems"][0]["pointer"], "/0/target/0/headers/x-dialbridge-carrier",
        "{err}"
    );
}

/// The shipped dialplan snippet sets `sip_copy_custom_headers=false` before
/// its socket action (defence in depth for anything else the dialplan may
/// bridge; dialbridge does not rely on it).
#[test]
fn dialplan_snippet_stops_header_copying_before_the_socket() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/dialplan/00_dialbridge.xml");
    let text = std::fs::read_to_string(path).expect("the shipped dialplan snippet");
    // Actions only, comments left out.
    let mut actions = Vec::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("<") {
        rest = &rest[i..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.split_once("-->").map(|(_, r)| r).unwrap_or("");
            continue;
        }
        let end = rest.find('>').map(|e| e + 1).unwrap_or(rest.len());
        if rest.starts_with("<action ") {
            actions.push(rest[..end].to_owned());
        }
        rest = &rest[end..];
    }
    let set = actions
        .iter()
        .position(|a| a.contains(r#"application="set" data="sip_copy_custom_headers=false""#));
    let socket = actions
        .iter()
        .position(|a| a.contains(r#"application="socket""#));
    assert!(
        matches!((set, socket), (Some(s), Some(k)) if s < k),
        "{actions:#?}"
    );
}
