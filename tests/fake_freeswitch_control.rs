//! Direct tests of the fake's call-control knobs beyond what the replays of
//! 20-23 exercise: INFO/MESSAGE only when allowed, a REFER the far end
//! refuses (`deflect`), `uuid_break` on a playback, hold and DTMF toward
//! the party, a conference member kicked off a socket's channel, and a
//! fake with no frame pacing. Driven by the toy daemon
//! (esl_toy_daemon/daemon.rs); expected values are the captures' (named
//! beside each) or FreeSWITCH's source where marked.

#[path = "esl_toy_daemon/daemon.rs"]
mod daemon;
mod fake_freeswitch;

use std::time::Duration;

use daemon::{Session, WAIT, leg_uuid, name, start};
use fake_freeswitch::{Callee, Caller, FakeSwitch, SipSent};
use freeswitch_esl_tokio::EventFormat;
use tokio::net::TcpListener;

fn bridge_to(leg: &str, user: &str) -> String {
    format!("{{origination_uuid={leg}}}sofia/external/{user}@127.0.0.1:5090")
}

/// An inbound call bridged to a callee with `callee`'s script; the session
/// once A is bridged.
async fn bridged(
    fake: &FakeSwitch,
    listener: &TcpListener,
    callee: Callee,
) -> (fake_freeswitch::CallHandle, Session, String) {
    let l1 = leg_uuid();
    let call = fake.call(
        listener.local_addr().expect("addr"),
        Caller::new("100", "200").endpoint("1000", callee),
    );
    let mut s = Session::accept(listener, &[&l1]).await;
    s.exec("set", "hangup_after_bridge=false").await;
    s.exec("bridge", &bridge_to(&l1, "1000")).await;
    let mut seen = Vec::new();
    s.until(&mut seen, |e| name(e) == "CHANNEL_BRIDGE").await;
    (call, s, l1)
}

/// What FreeSWITCH sent the party of `uuid`.
fn sent_to(call: &fake_freeswitch::CallHandle, uuid: &str) -> Vec<SipSent> {
    call.sip_sent()
        .into_iter()
        .filter(|(u, _)| u == uuid)
        .map(|(_, m)| m)
        .collect()
}

#[tokio::test]
async fn info_and_message_reach_a_party_only_when_it_may_take_them() {
    // docs/freeswitch.md §21 (21a/21b): `+OK Success` either way; sent only
    // with fs_send_unsupported_* or the party's X-FS-Support (mod_sofia.c).
    for advertised in [false, true] {
        let (fake, listener) = start().await;
        let callee = Callee::answers_after(10);
        let callee = if advertised {
            callee.advertises("update_display,send_info,send_message")
        } else {
            callee
        };
        let (call, s, b) = bridged(&fake, &listener, callee).await;
        let info = fake
            .api(&format!("uuid_send_info {b} application x-fs-test hello=1"))
            .await;
        assert_eq!(info, "+OK Success\n");
        let msg = fake
            .api(&format!("uuid_send_message {b} hello-from-fs"))
            .await;
        assert_eq!(msg, "+OK Success\n");
        let want = if advertised {
            vec![
                SipSent::Info {
                    content_type: "application/x-fs-test".into(),
                    body: "hello=1".into(),
                },
                SipSent::Message {
                    content_type: "text/plain".into(),
                    body: "hello-from-fs".into(),
                },
            ]
        } else {
            Vec::new()
        };
        assert_eq!(sent_to(&call, &b), want);
        // On A, `fs_send_unsupported_info=true` lets FreeSWITCH send (set
        // by api: a `set` would wait for the bridge to return).
        fake.api(&format!(
            "uuid_setvar {} fs_send_unsupported_info true",
            call.uuid()
        ))
        .await;
        let one = fake
            .api(&format!("uuid_send_info {} only-a-body", call.uuid()))
            .await;
        assert_eq!(one, "+OK Success\n");
        assert_eq!(
            sent_to(&call, call.uuid()),
            vec![SipSent::Info {
                content_type: "freeswitch/data".into(),
                body: "only-a-body".into()
            }]
        );
        assert_eq!(
            fake.api("uuid_send_info no-such-uuid x").await,
            "-ERR Operation Failed\n"
        );
        let _ = s.client.exit().await;
    }
}

#[tokio::test]
async fn a_deflect_the_party_refuses_still_ends_the_leg_blind_transfer() {
    // mod_sofia.c SWITCH_MESSAGE_INDICATE_DEFLECT: the leg is hung up
    // BLIND_TRANSFER once the REFER is answered, NOTIFY or not, unless
    // sip_refer_continue_after_reply; `uuid_deflect` answers "no reply".
    let (fake, listener) = start().await;
    let (call, mut s, b) = bridged(
        &fake,
        &listener,
        Callee::answers_after(10).answers_refer(603, None),
    )
    .await;
    let reply = fake
        .api(&format!("uuid_deflect {b} sip:3000@127.0.0.1:5345"))
        .await;
    assert_eq!(reply, "+OK:no reply\n");
    let mut seen = Vec::new();
    let done = s.completed("bridge", &mut seen).await;
    assert_eq!(
        done.header_str("variable_last_bridge_hangup_cause"),
        Some("BLIND_TRANSFER")
    );
    assert_eq!(
        sent_to(&call, &b),
        vec![
            SipSent::Refer {
                refer_to: "<sip:3000@127.0.0.1:5345>".into(),
                referred_by: "<sip:127.0.0.1:5080>".into()
            },
            SipSent::Bye
        ]
    );
    assert_eq!(call.var(&b, "sip_refer_status_code"), None);
    let _ = s.client.exit().await;
}

#[tokio::test]
async fn uuid_break_cuts_a_playback_short_and_leaves_a_bridge_alone() {
    // 14a: `uuid_break` during a ringing bridge answers +OK and changes
    // nothing; on a playback it ends it (switch_ivr.c CF_BREAK, not
    // captured).
    let (fake, listener) = start().await;
    fake.file_duration("long.wav", 60_000);
    let call = fake.call(
        listener.local_addr().expect("addr"),
        Caller::new("100", "200"),
    );
    let mut s = Session::accept(&listener, &[]).await;
    s.exec("answer", "").await;
    s.exec("playback", "long.wav").await;
    let mut seen = Vec::new();
    s.until(&mut seen, |e| {
        name(e) == "CHANNEL_EXECUTE" && e.header_str("Application") == Some("playback")
    })
    .await;
    assert_eq!(
        fake.api(&format!("uuid_break {}", call.uuid())).await,
        "+OK\n"
    );
    let done = tokio::time::timeout(Duration::from_secs(2), s.completed("playback", &mut seen))
        .await
        .expect("the playback ends at once, not after 60 s");
    assert_eq!(done.header_str("Application-Response"), Some("FILE PLAYED"));
    assert_eq!(
        fake.api("uuid_break nobody").await,
        "-ERR No such channel!\n"
    );
    let _ = s.client.exit().await;
}

#[tokio::test]
async fn hold_and_dtmf_go_to_the_party_and_hold_time_is_reported() {
    // docs/freeswitch.md §22 (22): re-INVITE a=sendonly / without, RFC 2833
    // digits (15 packets each), hold_accum_ms at hangup.
    let (fake, listener) = start().await;
    let (call, mut s, _b) = bridged(&fake, &listener, Callee::answers_after(10)).await;
    let a = call.uuid().to_string();
    assert_eq!(
        fake.api(&format!("uuid_send_dtmf {a} 12")).await,
        format!("+OK {a} sent DTMF 12.\n")
    );
    assert_eq!(fake.api(&format!("uuid_hold {a}")).await, "+OK Success\n");
    // On hold twice: refused (switch_ivr_hold_uuid fails).
    assert_eq!(
        fake.api(&format!("uuid_hold {a}")).await,
        "-ERR Operation failed\n"
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        fake.api(&format!("uuid_hold off {a}")).await,
        "+OK Success\n"
    );
    assert_eq!(
        sent_to(&call, &a),
        vec![
            SipSent::Dtmf("12".into()),
            SipSent::Reinvite { hold: true },
            SipSent::Reinvite { hold: false }
        ]
    );
    assert_eq!(
        call.var(&a, "rtp_audio_out_dtmf_packet_count").as_deref(),
        Some("30")
    );
    // `uuid_audio` needs its level (22: measured, not kept).
    assert_eq!(
        fake.api(&format!("uuid_audio {a} start read mute")).await,
        "-USAGE: <uuid> [start [read|write] [mute|level <level>]|stop]\n"
    );
    assert_eq!(
        fake.api(&format!("uuid_audio {a} start read mute 1")).await,
        "+OK\n"
    );
    // FreeSWITCH ends the call itself (as a uuid_kill would).
    call.switch_hangup(&a, freeswitch_esl_tokio::HangupCause::NormalClearing);
    let mut seen = Vec::new();
    let end = s
        .until(&mut seen, |e| {
            name(e) == "CHANNEL_HANGUP_COMPLETE" && e.header_str("Unique-ID") == Some(a.as_str())
        })
        .await;
    let held: u64 = end
        .header_str("variable_hold_accum_ms")
        .and_then(|v| v.parse().ok())
        .expect("hold_accum_ms");
    assert!(held >= 100, "hold_accum_ms {held}");
    let _ = s.client.exit().await;
}

#[tokio::test]
async fn a_member_kicked_from_a_conference_goes_back_to_its_socket() {
    // docs/freeswitch.md §19 (19b): `kick` answers `+OK kicked <id>`,
    // kick-member then del-member; a socket's channel gets control back
    // with the conference variables set (the socket case is not captured).
    let (fake, listener) = start().await;
    let call = fake.call(
        listener.local_addr().expect("addr"),
        Caller::new("100", "200"),
    );
    let mut s = Session::accept(&listener, &[]).await;
    s.client
        .subscribe_events_raw(EventFormat::Plain, "CUSTOM conference::maintenance")
        .await
        .expect("event");
    s.exec("answer", "").await;
    s.exec("conference", "room9@default+flags{mute}").await;
    let mut seen = Vec::new();
    let add = s
        .until(&mut seen, |e| e.header_str("Action") == Some("add-member"))
        .await;
    assert_eq!(add.header_str("Speak"), Some("false"));
    let id = add.header_str("Member-ID").expect("Member-ID").to_string();
    let list = fake.api("conference room9 list").await;
    assert!(list.starts_with(&format!("{id};")), "{list}");
    assert_eq!(
        fake.api(&format!("conference room9 kick {id}")).await,
        format!("+OK kicked {id}\n")
    );
    let done = s.completed("conference", &mut seen).await;
    assert_eq!(done.header_str("variable_conference_name"), Some("room9"));
    assert_eq!(
        done.header_str("variable_conference_member_id"),
        Some(id.as_str())
    );
    let actions: Vec<&str> = seen.iter().filter_map(|e| e.header_str("Action")).collect();
    assert!(actions.contains(&"kick-member"), "{actions:?}");
    assert_eq!(actions.last(), Some(&"del-member"), "{actions:?}");
    // No member left: the conference goes one conference tick later.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        fake.api("conference room9 list").await,
        "-ERR Conference room9 not found\n"
    );
    s.exec("hangup", "").await;
    s.completed("socket", &mut seen).await;
    let _ = s.client.exit().await;
    call.finished(WAIT).await.expect("the call ends");
}

#[tokio::test]
async fn without_pacing_applications_start_at_once() {
    // Builder::frame(ZERO): no frame wait (for load tests that measure the
    // daemon, not the switch's pacing).
    let fake = FakeSwitch::builder()
        .second(Duration::from_millis(100))
        .frame(Duration::ZERO)
        .start()
        .await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let call = fake.call(
        listener.local_addr().expect("addr"),
        Caller::new("100", "200"),
    );
    let mut s = Session::accept(&listener, &[]).await;
    s.exec("set", "a=1").await;
    let mut seen = Vec::new();
    s.completed("set", &mut seen).await;
    s.exec("hangup", "").await;
    s.completed("socket", &mut seen).await;
    let _ = s.client.exit().await;
    call.finished(WAIT).await.expect("the call ends");
    let runs = call.app_runs();
    assert_eq!(runs[0].frame, 0);
    assert_eq!(runs[0].queued_frame, Some(0));
}
