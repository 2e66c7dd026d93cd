//! Direct tests of the fake's mid-call knobs that the replays do not
//! exercise as a test would use them (tests/replay.rs holds the fake to the
//! captures 11-24 themselves): frame pacing as a pipelining proof, a REFER
//! whose transferee the same socket keeps, the dialplan after a transfer,
//! `park_timeout`, the WAV `record_session` writes, INFO/MESSAGE gating,
//! `deflect` refused, `uuid_break`, hold and DTMF toward the party. Driven
//! by the toy daemon (esl_toy_daemon/daemon.rs). Expected values are the
//! captures' (named beside each) or FreeSWITCH's source where marked.

#[path = "esl_toy_daemon/daemon.rs"]
mod daemon;
mod fake_freeswitch;

use std::time::Duration;

use daemon::{Session, WAIT, leg_uuid, name};
use fake_freeswitch::{Callee, Caller, FakeSwitch, SipSent};
use freeswitch_esl_tokio::EventFormat;
use tokio::net::TcpListener;

/// A fake whose second is 100 ms and whose frame is `frame`.
async fn start_with_frame(frame: Duration) -> (FakeSwitch, TcpListener) {
    let fake = FakeSwitch::builder()
        .second(Duration::from_millis(100))
        .frame(frame)
        .start()
        .await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    (fake, listener)
}

/// Subscribes the session to more events than the toy daemon's list.
async fn also(s: &Session, names: &str) {
    s.client
        .subscribe_events_raw(EventFormat::Plain, names)
        .await
        .expect("event");
}

fn bridge_to(leg: &str, user: &str) -> String {
    format!("{{origination_uuid={leg}}}sofia/external/{user}@127.0.0.1:5090")
}

#[tokio::test]
async fn a_pipelined_setup_runs_in_one_frame_an_awaited_one_in_a_frame_each() {
    // docs/freeswitch.md §17 (02a): set, set, bridge queued back to back run
    // together one frame after they were queued; awaiting each
    // application's completion costs a frame per application.
    let (fake, listener) = start_with_frame(Duration::from_millis(50)).await;
    let l1 = leg_uuid();
    let call = fake.call(
        listener.local_addr().expect("addr"),
        Caller::new("100", "200")
            .endpoint("1000", Callee::answers_after(20).hangs_up_after_answer(20)),
    );
    let mut s = Session::accept(&listener, &[&l1]).await;
    s.exec("set", "continue_on_fail=true").await;
    s.exec("set", "hangup_after_bridge=false").await;
    s.exec("bridge", &bridge_to(&l1, "1000")).await;
    let mut seen = Vec::new();
    s.completed("bridge", &mut seen).await;
    // Now one at a time, each after the previous one completed.
    for arg in ["a=1", "b=2", "c=3"] {
        s.exec("set", arg).await;
        s.completed("set", &mut seen).await;
    }
    s.exec("hangup", "").await;
    s.completed("socket", &mut seen).await;
    let _ = s.client.exit().await;
    call.finished(WAIT).await.expect("the call ends");
    let runs: Vec<_> = call
        .app_runs()
        .into_iter()
        .filter(|r| r.channel == call.uuid())
        .collect();
    let frames: Vec<u64> = runs.iter().map(|r| r.frame).collect();
    assert_eq!(runs[0].name, "set");
    assert_eq!(runs[2].name, "bridge");
    assert_eq!(frames[..3], [frames[0]; 3], "pipelined set-up: {runs:?}");
    assert_eq!(runs[0].queued_frame.map(|q| q + 1), Some(frames[0]));
    // The three awaited sets: three frames, each after the previous.
    assert!(
        frames[3] < frames[4] && frames[4] < frames[5],
        "awaited set-up shares frames: {runs:?}"
    );
    // When the bridge was received and when it ran are both observable.
    assert!(runs[2].queued.is_some_and(|q| q <= runs[2].started));
}

#[tokio::test]
async fn a_refer_with_inline_park_leaves_the_transferee_to_the_same_socket() {
    // docs/freeswitch.md §11 (11b1): B refers; FreeSWITCH answers 202,
    // NOTIFY 200, BYE; A gets the REFER's variables, its socket app ends,
    // `park` runs, and a bridge sent on the same socket still runs.
    let (fake, listener) = start_with_frame(Duration::from_millis(2)).await;
    let (l1, l2) = (leg_uuid(), leg_uuid());
    let call = fake.call(
        listener.local_addr().expect("addr"),
        Caller::new("100", "200")
            .endpoint(
                "1000",
                Callee::answers_after(10)
                    .refers_to("sip:2000@127.0.0.1:5340", 100)
                    .referred_by("<sip:1000@127.0.0.1:5090>")
                    .refer_header("X-Reason", "transfer"),
            )
            .endpoint("2000", Callee::answers_after(10).hangs_up_after_answer(50)),
    );
    let mut s = Session::accept(&listener, &[&l1, &l2]).await;
    also(&s, "CHANNEL_PARK").await;
    s.exec("set", "hangup_after_bridge=false").await;
    s.exec("set", "force_transfer_dialplan=inline:park").await;
    s.exec("bridge", &bridge_to(&l1, "1000")).await;
    let mut seen = Vec::new();
    let done = s.completed("bridge", &mut seen).await;
    assert_eq!(
        done.header_str("variable_sip_refer_to"),
        Some("<sip:2000@127.0.0.1:5340>")
    );
    assert_eq!(
        done.header_str("variable_sip_h_Referred-By"),
        Some("<sip:1000@127.0.0.1:5090>")
    );
    // A REFER's other headers become no variable (sofia.c).
    assert_eq!(done.header_str("variable_sip_h_X-Reason"), None);
    s.completed("socket", &mut seen).await;
    let a = call.uuid().to_string();
    s.until(&mut seen, |e| {
        name(e) == "CHANNEL_EXECUTE" && e.header_str("Application") == Some("park")
    })
    .await;
    assert!(
        call.var(&a, "transfer_source")
            .is_some_and(|t| t.contains(":bl_xfer:2000/public/inline:park"))
    );
    s.exec("bridge", &bridge_to(&l2, "2000")).await;
    let second = s
        .until(&mut seen, |e| {
            name(e) == "CHANNEL_BRIDGE" && e.header_str("Unique-ID") == Some(a.as_str())
        })
        .await;
    assert_eq!(second.header_str("Bridge-B-Unique-ID"), Some(l2.as_str()));
    s.completed("bridge", &mut seen).await;
    s.exec("hangup", "").await;
    s.completed("park", &mut seen).await;
    let _ = s.client.exit().await;
    call.finished(WAIT).await.expect("the call ends");
    let to_b: Vec<SipSent> = call
        .sip_sent()
        .into_iter()
        .filter(|(u, _)| *u == l1)
        .map(|(_, m)| m)
        .collect();
    assert_eq!(
        to_b,
        vec![
            SipSent::Accepted202,
            SipSent::Notify("SIP/2.0 200 OK".into()),
            SipSent::Bye
        ]
    );
    assert_eq!(call.legs()[0].cause.as_deref(), Some("NORMAL_CLEARING"));
}

#[tokio::test]
async fn a_transfer_runs_the_scripted_extension_or_fails_no_route() {
    // docs/freeswitch.md §14 (14c): uuid_transfer mid-ring cancels the
    // ringing leg, ends the socket app and runs the extension; an
    // extension nobody scripted: NO_ROUTE_DESTINATION (switch_core_state_
    // machine.c, not captured).
    for (scripted, cause) in [(true, "NORMAL_CLEARING"), (false, "NO_ROUTE_DESTINATION")] {
        let (fake, listener) = daemon::start().await;
        if scripted {
            fake.extension("public", "wait", &[("set", "outside_call=true")]);
        }
        let l1 = leg_uuid();
        let call = fake.call(
            listener.local_addr().expect("addr"),
            Caller::new("100", "200").endpoint("1000", Callee::rings_forever()),
        );
        let mut s = Session::accept(&listener, &[&l1]).await;
        s.exec("bridge", &bridge_to(&l1, "1000")).await;
        let mut seen = Vec::new();
        s.until(&mut seen, |e| name(e) == "CHANNEL_PROGRESS").await;
        let reply = fake
            .api(&format!("uuid_transfer {} wait XML public", call.uuid()))
            .await;
        assert_eq!(reply, "+OK\n");
        let done = s.completed("bridge", &mut seen).await;
        assert_eq!(
            done.header_str("variable_originate_disposition"),
            Some("ORIGINATOR_CANCEL")
        );
        s.completed("socket", &mut seen).await;
        s.until(&mut seen, |e| {
            name(e) == "CHANNEL_HANGUP_COMPLETE" && e.header_str("Unique-ID") == Some(call.uuid())
        })
        .await;
        let _ = s.client.exit().await;
        call.finished(WAIT).await.expect("the call ends");
        assert_eq!(call.hangup_cause().as_deref(), Some(cause));
        assert_eq!(call.legs()[0].cause.as_deref(), Some("ORIGINATOR_CANCEL"));
    }
}

#[tokio::test]
async fn park_timeout_hangs_a_parked_channel_up() {
    // switch_ivr.c `switch_ivr_park`: park_timeout=<secs>[:<cause>] (not
    // captured); without it nothing ends a park.
    let (fake, listener) = start_with_frame(Duration::from_millis(2)).await;
    let call = fake.call(
        listener.local_addr().expect("addr"),
        Caller::new("100", "200"),
    );
    let mut s = Session::accept(&listener, &[]).await;
    s.exec("answer", "").await;
    s.exec("set", "park_timeout=2:USER_BUSY").await;
    s.exec("park", "").await;
    let mut seen = Vec::new();
    s.completed("park", &mut seen).await;
    let _ = s.client.exit().await;
    call.finished(WAIT).await.expect("the call ends");
    assert_eq!(call.hangup_cause().as_deref(), Some("USER_BUSY"));
}

#[tokio::test]
async fn record_session_writes_a_wav_complete_only_when_the_channel_hangs_up() {
    // docs/freeswitch.md §16 (16a/16b): the header alone until RECORD_STOP
    // at hangup; then 44 + samples x 2 x channels bytes, and the variables.
    let dir = std::env::temp_dir().join(format!("fakefs-rec-{}", leg_uuid()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for stereo in [false, true] {
        let (fake, listener) = start_with_frame(Duration::from_millis(2)).await;
        let path = dir.join(format!("r-{stereo}.wav"));
        let call = fake.call(
            listener.local_addr().expect("addr"),
            Caller::new("100", "200"),
        );
        let mut s = Session::accept(&listener, &[]).await;
        also(&s, "RECORD_START RECORD_STOP").await;
        s.exec("answer", "").await;
        if stereo {
            s.exec("set", "RECORD_STEREO=true").await;
        }
        s.exec("record_session", &path.to_string_lossy()).await;
        let mut seen = Vec::new();
        s.until(&mut seen, |e| name(e) == "RECORD_START").await;
        s.completed("record_session", &mut seen).await;
        assert_eq!(std::fs::metadata(&path).expect("file").len(), 44);
        tokio::time::sleep(Duration::from_millis(150)).await;
        s.exec("hangup", "").await;
        let stop = s.until(&mut seen, |e| name(e) == "RECORD_STOP").await;
        let _ = s.client.exit().await;
        call.finished(WAIT).await.expect("the call ends");
        let ms: u64 = stop
            .header_str("variable_record_ms")
            .and_then(|v| v.parse().ok())
            .expect("record_ms");
        let channels = if stereo { 2 } else { 1 };
        let size = 44 + ms * 8 * 2 * channels;
        // 150 ms real at a 100 ms second: over a switch second recorded.
        assert!(ms >= 1000 && ms.is_multiple_of(20), "record_ms {ms}");
        assert_eq!(
            stop.header_str("variable_record_file_size"),
            Some(size.to_string().as_str())
        );
        assert_eq!(std::fs::metadata(&path).expect("file").len(), size);
        let wav = std::fs::read(&path).expect("read");
        assert_eq!(&wav[..4], b"RIFF");
        assert_eq!(u16::from_le_bytes([wav[22], wav[23]]), channels as u16);
        assert_eq!(
            stop.header_str("Record-Completion-Cause"),
            Some("success-silence")
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
