//! What the jambonz reader makes of the verbs and properties added for
//! jambonz compatibility: what is carried, what is refused with its
//! pointer, and the notice each property without effect gets.

use serde_json::{Value, json};

use crate::app::config::Reset;
use crate::app::sip_request::InDialogMethod;
use crate::app::{Context, Reply, Verb};
use crate::jambonz::parse_value;

fn ctx() -> Context {
    Context {
        carriers: vec!["Twilio".into()],
        has_default_carrier: true,
        ..Context::default()
    }
}

fn accepted(reply: Value) -> Reply {
    parse_value(&reply, &ctx()).unwrap_or_else(|e| panic!("refused: {e}"))
}

/// (pointer, message) of each problem.
fn refused(reply: Value) -> Vec<(String, String)> {
    match parse_value(&reply, &ctx()) {
        Ok(r) => panic!("accepted: {r:?}"),
        Err(e) => e
            .problems()
            .into_iter()
            .map(|p| (p.pointer.to_string(), p.message))
            .collect(),
    }
}

fn notices(reply: &Reply) -> Vec<String> {
    reply.notices.iter().map(|n| n.to_string()).collect()
}

#[test]
fn config_carries_voice_recognizer_amd_and_reset_and_names_the_rest() {
    let reply = accepted(json!([{"verb": "config",
        "synthesizer": {"vendor": "google", "voice": "kal", "language": "en-US"},
        "recognizer": {"vendor": "deepgram", "language": "en-US", "deepgramOptions": {"tier": "nova"}},
        "amd": {"actionHook": "/amd"},
        "reset": ["recognizer"],
        "bargeIn": {"enable": true, "input": ["digits"], "actionHook": "/barge"},
        "listen": {"enable": true, "url": "wss://ws.example.com"},
        "notifyEvents": true,
        "boostAudioSignal": "-6 dB",
        "sipRequestWithinDialogHook": "/info"}]));
    let Verb::Config(c) = &reply.instructions[0].verb else {
        panic!("{reply:?}")
    };
    let s = c.synthesizer.as_ref().expect("voice");
    assert_eq!(
        (s.voice.as_deref(), s.language.as_deref()),
        (Some("kal"), Some("en-US"))
    );
    assert_eq!(
        c.recognizer.as_ref().and_then(|r| r.vendor.as_deref()),
        Some("deepgram")
    );
    assert!(c.amd.is_some());
    assert_eq!(c.reset, [Reset::Recognizer]);
    // listen is carried: a background stream (enable: true).
    match &c.listen {
        Some(crate::app::config::Toggle::On(l)) => assert_eq!(l.url, "wss://ws.example.com"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        c.barge_in.as_ref().map(|b| (b.enable, b.min_digits)),
        Some((true, 1))
    );
    assert_eq!(
        c.sip_request_within_dialog_hook
            .as_ref()
            .map(|h| h.url.as_str()),
        Some("/info")
    );
    assert_eq!(c.without_effect, ["notifyEvents"]);
    let n = notices(&reply);
    assert!(
        n.iter().any(|m| m.starts_with("/0/synthesizer/vendor:")),
        "{n:?}"
    );
    assert!(
        n.iter()
            .any(|m| m.starts_with("/0/recognizer: kept as the default recognizer of transcribe"))
    );
    // notifyEvents means nothing to a webhook application in jambonz
    // either; the notice says so and where.
    assert!(
        n.iter().any(
            |m| m.starts_with("/0/notifyEvents: it changes nothing for a webhook")
                && m.contains("appIsUsingWebsockets")
        ),
        "{n:?}"
    );
}

#[test]
fn config_refuses_wrong_shapes_with_their_pointers() {
    let got = refused(json!([{"verb": "config", "reset": "voice", "bargeIn": true,
        "notifyEvents": "yes", "onHoldMusic": "ftp://x", "amd": {}}]));
    let pointers: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/0/amd",
            "/0/reset",
            "/0/onHoldMusic",
            "/0/notifyEvents",
            "/0/bargeIn"
        ],
        "{got:?}"
    );
}

#[test]
fn alert_dtmf_and_leave_are_read() {
    let reply = accepted(json!([
        {"verb": "alert", "message": "info=alert-internal"},
        {"verb": "dtmf", "dtmf": "1w2W#"},
        {"leave": {}},
    ]));
    assert!(
        matches!(&reply.instructions[0].verb, Verb::Alert(a) if a.message == "info=alert-internal")
    );
    assert!(matches!(&reply.instructions[1].verb,
        Verb::SendDtmf(d) if d.digits == "1w2W#" && d.duration_ms == 500));
    assert_eq!(reply.instructions[2].verb, Verb::Leave);
    let got = refused(json!([{"verb": "dtmf", "dtmf": "12x"}, {"verb": "alert"},
        {"verb": "dtmf", "dtmf": "1", "duration": 10}]));
    assert_eq!(got[0].0, "/0/dtmf");
    assert!(got[0].1.contains("contains `x`"));
    assert_eq!(
        got[1],
        (
            "/1".into(),
            "`message` is required (the Alert-Info value, e.g. \"info=alert-internal\")".into()
        )
    );
    assert_eq!(got[2].0, "/2/duration");
}

#[test]
fn sip_request_takes_info_message_and_notify_and_refuses_what_freeswitch_cannot_send() {
    let reply = accepted(
        json!([{"verb": "sip:request", "method": "info", "body": "a=1",
        "headers": {"content-type": "application/x-acme"}},
        {"verb": "sip:request", "method": "NOTIFY", "body": "a: 1\r\nb: 2\r\n",
        "headers": {"event": "talk", "Content-Type": "application/x-acme"}}]),
    );
    let Verb::SipRequest(r) = &reply.instructions[0].verb else {
        panic!()
    };
    assert_eq!(r.method, InDialogMethod::Info);
    assert_eq!(r.content_type.as_deref(), Some("application/x-acme"));
    let Verb::SipRequest(n) = &reply.instructions[1].verb else {
        panic!()
    };
    assert_eq!(n.method, InDialogMethod::Notify);
    assert_eq!(n.event.as_deref(), Some("talk"));
    assert!(n.headers.is_empty());
    assert_eq!(n.body.as_deref(), Some("a: 1\r\nb: 2\r\n"));
    let got = refused(json!([
        {"verb": "sip:request", "method": "NOTIFY", "body": "x"},
        {"verb": "sip:request", "method": "OPTIONS", "body": "x"},
        {"verb": "sip:request", "method": "MESSAGE", "body": "x",
         "headers": {"Content-Type": "application/json", "X-Thing": "1"}},
        {"verb": "sip:request", "method": "INFO", "body": "line1\u{0}line2"},
        {"verb": "sip:request", "method": "NOTIFY", "body": "x",
         "headers": {"Event": "talk;id=1", "Content-Type": "text/plain",
                     "Subscription-State": "active"}},
    ]));
    let pointers: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/0/headers",
            "/0/headers",
            "/1/method",
            "/2/headers",
            "/2/headers",
            "/3/body",
            "/4/headers",
            "/4/headers",
        ],
        "{got:?}"
    );
    assert!(got[0].1.contains("needs an `Event`"), "{got:?}");
    assert!(got[1].1.contains("needs a `Content-Type`"), "{got:?}");
    assert!(got[4].1.contains("text/plain only"));
    assert!(got[6].1.contains("event package"), "{got:?}");
    assert!(got[7].1.contains("Subscription-State"), "{got:?}");
}

#[test]
fn sip_refer_needs_a_sip_uri_and_notices_what_deflect_cannot_carry() {
    let reply = accepted(
        json!([{"verb": "sip:refer", "referTo": "sip:bob@pbx.example.com",
        "referredBy": "sip:alice@example.com", "eventHook": "/events"}]),
    );
    let n = notices(&reply);
    assert!(
        n.iter()
            .any(|m| m.starts_with("/0/referredBy: FreeSWITCH's deflect")),
        "{n:?}"
    );
    assert!(n.iter().any(|m| m.starts_with("/0/eventHook:")), "{n:?}");
    let got = refused(json!([{"verb": "sip:refer", "referTo": "bob,carol"}]));
    assert_eq!(got[0].0, "/0/referTo");
}

#[test]
fn fractional_pauses_keep_their_milliseconds() {
    let reply = accepted(json!([{"verb": "pause", "length": 1.5}, {"verb": "pause", "length": 2}]));
    let Verb::Pause(a) = &reply.instructions[0].verb else {
        panic!()
    };
    let Verb::Pause(b) = &reply.instructions[1].verb else {
        panic!()
    };
    assert_eq!((a.length, a.length_ms, a.millis()), (2, Some(1500), 1500));
    assert_eq!((b.length, b.length_ms, b.millis()), (2, None, 2000));
    assert_eq!(
        refused(json!([{"verb": "pause", "length": 0}]))[0].0,
        "/0/length"
    );
}

#[test]
fn play_reads_timeout_secs_and_action_hook() {
    let reply = accepted(
        json!([{"verb": "play", "url": "https://m.example.com/a.wav",
        "timeoutSecs": "10", "actionHook": "/played", "seekOffset": 8000}]),
    );
    let Verb::Play(p) = &reply.instructions[0].verb else {
        panic!()
    };
    assert_eq!(p.timeout_secs, Some(10));
    assert_eq!(
        p.action_hook.as_ref().map(|h| h.url.as_str()),
        Some("/played")
    );
    assert_eq!(p.seek_offset, Some(8000));
    assert!(notices(&reply).is_empty(), "{:?}", notices(&reply));
    let got = refused(
        json!([{"verb": "play", "url": "https://m.example.com/a.wav",
        "seekOffset": "a second"}]),
    );
    assert_eq!(got[0].0, "/0/seekOffset");
    let got =
        refused(json!([{"verb": "play", "url": "https://m.example.com/a.wav", "timeoutSecs": 0}]));
    assert_eq!(got[0].0, "/0/timeoutSecs");
}

#[test]
fn gather_accepts_speech_and_barge_in_properties_with_notices() {
    let reply = accepted(
        json!([{"verb": "gather", "actionHook": "/g", "dtmfBargein": false,
        "bargein": true, "speechTimeout": 2, "recognizer": {"vendor": "google"}}]),
    );
    let n = notices(&reply);
    for key in ["dtmfBargein", "bargein", "speechTimeout", "recognizer"] {
        assert!(
            n.iter().any(|m| m.starts_with(&format!("/0/{key}:"))),
            "{key}: {n:?}"
        );
    }
    // dtmfBargein: true is what play_and_get_digits does: no notice.
    assert!(
        notices(&accepted(
            json!([{"verb": "gather", "actionHook": "/g", "dtmfBargein": true}])
        ))
        .is_empty()
    );
}

#[test]
fn dial_properties_without_effect_get_notices_and_dtls_srtp_is_refused() {
    let reply = accepted(
        json!([{"verb": "dial", "dtmfCapture": ["*2"], "onHoldHook": "/hold",
        "stream": {"url": "wss://x"}, "amd": {"actionHook": "/amd", "digitCount": 8},
        "target": [{"type": "phone", "number": "+15083084809", "confirmHook": "/c", "method": "GET"}]}]),
    );
    let n = notices(&reply);
    assert!(
        !n.iter().any(|m| m.starts_with("/0/onHoldHook:")),
        "onHoldHook works: {n:?}"
    );
    for at in ["/0/dtmfCapture:", "/0/amd/digitCount:"] {
        assert!(n.iter().any(|m| m.starts_with(at)), "{at}: {n:?}");
    }
    let Verb::Dial(d) = &reply.instructions[0].verb else {
        panic!()
    };
    // `stream` is jambonz's alias of `listen`, carried, without a notice.
    assert_eq!(d.listen.as_ref().map(|l| l.url.as_str()), Some("wss://x"));
    assert!(!n.iter().any(|m| m.starts_with("/0/stream:")), "{n:?}");
    assert_eq!(
        d.on_hold_hook.as_ref().map(|h| h.url.as_str()),
        Some("/hold")
    );
    assert_eq!(
        d.targets[0].1.confirm_hook.as_ref().map(|h| h.method),
        Some(crate::app::Method::Get)
    );
    let got = refused(json!([{"verb": "dial", "srtpEncryption": "dtls",
        "target": [{"type": "phone", "number": "+15083084809", "method": "GET"}]}]));
    let pointers: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        pointers,
        ["/0/target/0/method", "/0/srtpEncryption"],
        "{got:?}"
    );
}

#[test]
fn target_routing_is_read_per_kind() {
    let reply = accepted(json!([{"verb": "dial", "proxy": "sip:10.0.0.9", "target": [
        {"type": "phone", "number": "+15083084809", "proxy": "sip:203.0.113.5",
         "from": {"user": "alice", "host": "sip.example.com"}},
        {"type": "user", "name": "jane@sip.example.com", "overrideTo": "sip:jane@10.0.0.7"},
        {"type": "teams", "number": "+15083084809", "tenant": "contoso.com"}]}]));
    let Verb::Dial(d) = &reply.instructions[0].verb else {
        panic!()
    };
    let r: Vec<_> = d.targets.iter().map(|(_, t)| t.routing.clone()).collect();
    assert_eq!(r[0].proxy.as_deref(), Some("sip:203.0.113.5"));
    assert_eq!(r[0].from_user.as_deref(), Some("alice"));
    assert_eq!(r[0].from_host.as_deref(), Some("sip.example.com"));
    assert_eq!(
        r[1].proxy.as_deref(),
        Some("sip:10.0.0.9"),
        "the dial's proxy"
    );
    assert_eq!(r[1].override_to.as_deref(), Some("sip:jane@10.0.0.7"));
    assert_eq!(r[2].proxy, None, "teams keeps [teams] proxy");
    let got = refused(json!([{"verb": "dial", "target": [
        {"type": "phone", "number": "+15083084809", "from": {"user": "a b", "port": 5}}]}]));
    let pointers: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        pointers,
        ["/0/target/0/from/user", "/0/target/0/from/port"],
        "{got:?}"
    );
}

#[test]
fn conference_flags_and_room_names() {
    let reply = accepted(json!([
        {"verb": "conference", "name": "sales.eu-1", "startConferenceOnEnter": false,
         "waitHook": "/wait", "maxParticipants": 5},
        {"verb": "conference", "name": "x", "joinMuted": true, "endConferenceOnExit": true},
    ]));
    let args: Vec<String> = reply
        .instructions
        .iter()
        .map(|i| match &i.verb {
            Verb::Conference(c) => c.argument(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        args,
        [
            "sales.eu-1@default+flags{wait-mod}",
            "x@default+flags{mute|endconf|moderator}"
        ]
    );
    let n = notices(&reply);
    assert!(
        !n.iter().any(|m| m.starts_with("/0/waitHook:")),
        "waitHook runs: {n:?}"
    );
    assert!(matches!(
        &reply.instructions[0].verb,
        Verb::Conference(c) if matches!(&c.wait, crate::app::conference::Wait::Hook(h) if h.url == "/wait")
    ));
    let got = refused(json!([{"verb": "conference", "name": "a@b+flags{endconf}"}]));
    assert_eq!(got[0].0, "/0/name");
}

#[test]
fn message_and_notify_need_a_body_and_info_may_have_none_or_several_lines() {
    let got = refused(json!([{"verb": "sip:request", "method": "MESSAGE"},
        {"verb": "sip:request", "method": "MESSAGE", "body": ""}]));
    let pointers: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(pointers, ["/0", "/1/body"], "{got:?}");
    let reply = accepted(json!([{"verb": "sip:request", "method": "INFO"},
        {"verb": "sip:request", "method": "INFO", "body": "Signal=5\r\nDuration=160\r\n",
         "headers": {"Content-Type": "application/dtmf-relay"}}]));
    let bodies: Vec<Option<&str>> = reply
        .instructions
        .iter()
        .map(|i| match &i.verb {
            Verb::SipRequest(r) => r.body.as_deref(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(bodies, [None, Some("Signal=5\r\nDuration=160\r\n")]);
}

#[test]
fn enqueue_and_dequeue_read_jambonz_properties() {
    let reply = accepted(json!([
        {"verb": "enqueue", "name": "support", "waitHook": "/wait", "actionHook": "/done",
         "priority": 3, "_": {"x": 1}},
        {"verb": "dequeue", "name": "support", "timeout": 30, "beep": true, "callSid": "CA1234"},
        {"verb": "dequeue", "name": "support", "timeout": 0},
    ]));
    let Verb::Enqueue(q) = &reply.instructions[0].verb else {
        panic!()
    };
    assert_eq!(q.name, "support");
    assert_eq!(q.wait_hook.as_ref().map(|h| h.url.as_str()), Some("/wait"));
    let n = notices(&reply);
    assert!(n.iter().any(|m| m.starts_with("/0/priority:")), "{n:?}");
    assert!(n.iter().any(|m| m.starts_with("/0/_:")), "{n:?}");
    let Verb::Dequeue(d) = &reply.instructions[1].verb else {
        panic!()
    };
    assert_eq!(
        (d.timeout, d.beep, d.call_sid.as_deref()),
        (Some(30), true, Some("CA1234"))
    );
    let Verb::Dequeue(d) = &reply.instructions[2].verb else {
        panic!()
    };
    assert_eq!(d.timeout, None, "0 waits as long as the call lasts");
    let got = refused(json!([
        {"verb": "enqueue", "name": "a@b"},
        {"verb": "dequeue"},
        {"verb": "enqueue", "name": "x", "waitHook": 7},
    ]));
    let pointers: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(pointers, ["/0/name", "/1", "/2/waitHook"], "{got:?}");
}

#[test]
fn config_barge_in_reads_a_digits_gather_and_refuses_what_it_cannot_do() {
    let reply = accepted(
        json!([{"verb": "config", "bargeIn": {"enable": true, "sticky": true,
        "actionHook": "/b", "input": ["digits", "speech"], "minDigits": 2, "maxDigits": 4,
        "finishOnKey": "#", "interDigitTimeout": 3, "minBargeinWordCount": 2}}]),
    );
    let Verb::Config(c) = &reply.instructions[0].verb else {
        panic!()
    };
    let b = c.barge_in.as_ref().expect("bargeIn");
    assert_eq!(
        (
            b.sticky,
            b.min_digits,
            b.max_digits,
            b.finish_on_key,
            b.inter_digit_timeout_ms
        ),
        (true, 2, Some(4), Some('#'), 3000)
    );
    let n = notices(&reply);
    assert!(
        n.iter().any(|m| m.starts_with("/0/bargeIn/input:")),
        "{n:?}"
    );
    assert!(
        n.iter()
            .any(|m| m.starts_with("/0/bargeIn/minBargeinWordCount:")),
        "{n:?}"
    );
    let got = refused(json!([
        {"verb": "config", "bargeIn": {"enable": true}},
        {"verb": "config", "bargeIn": {"enable": true, "actionHook": "/b", "input": ["speech"]}},
        {"verb": "config", "bargeIn": {"actionHook": "/b", "minDigits": 3, "maxDigits": 2}},
    ]));
    let pointers: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/0/bargeIn",
            "/1/bargeIn/input",
            "/2/bargeIn",
            "/2/bargeIn/maxDigits"
        ],
        "{got:?}"
    );
}
