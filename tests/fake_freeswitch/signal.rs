//! Call progress on a channel (ring, early media, answer) with the events
//! and caller-side SIP each produces, as traces 03a-03e show: each fires
//! once, an answer of an inbound channel passes through early media first,
//! and the caller hears 180 / 183 / 200 accordingly.

use super::core::Core;
use super::record::CallerSip;

/// `ring_ready`, or a leg's 180: CHANNEL_PROGRESS once; 180 to an inbound
/// caller not yet in early media or answered.
pub fn ring_ready(core: &mut Core, cu: &str, uuid: &str) {
    let Some(ch) = core.channels.get_mut(uuid) else {
        return;
    };
    if ch.ring_ready || ch.early || ch.answered || !ch.is_up() || ch.loopback {
        return;
    }
    ch.ring_ready = true;
    if ch.profile.direction == "inbound" {
        ch.log.push_sip(CallerSip::Ringing180);
    }
    core.fire(cu, uuid, "CHANNEL_PROGRESS", &[], &[]);
    if let Some(ch) = core.channels.get_mut(uuid) {
        ch.call_state = "RINGING";
    }
}

/// `pre_answer`, ringback with media, or a leg's 183: CHANNEL_PROGRESS_MEDIA
/// once; 183 to the caller when `sip` (not when part of an answer).
pub fn pre_answer(core: &mut Core, cu: &str, uuid: &str, sip: bool) {
    let Some(ch) = core.channels.get_mut(uuid) else {
        return;
    };
    if ch.early || ch.answered || !ch.is_up() {
        return;
    }
    ch.early = true;
    if ch.loopback {
        // A loopback leg passes early media on without an event (07a).
        return;
    }
    ch.answer_state = "early";
    if sip && ch.profile.direction == "inbound" {
        ch.log.push_sip(CallerSip::Progress183);
    }
    core.fire(cu, uuid, "CHANNEL_PROGRESS_MEDIA", &[], &[]);
    if let Some(ch) = core.channels.get_mut(uuid) {
        ch.call_state = "EARLY";
    }
}

/// `answer`, or a leg's 200: CHANNEL_ANSWER once (an inbound channel
/// first goes through CHANNEL_PROGRESS_MEDIA without a 183); 200 to the caller.
pub fn answer(core: &mut Core, cu: &str, uuid: &str) {
    let Some(ch) = core.channels.get_mut(uuid) else {
        return;
    };
    if ch.answered || !ch.is_up() {
        return;
    }
    let inbound = ch.profile.direction == "inbound";
    if inbound {
        pre_answer(core, cu, uuid, false);
    }
    let Some(ch) = core.channels.get_mut(uuid) else {
        return;
    };
    ch.answered = true;
    ch.answer_state = "answered";
    // An outgoing channel answered without a 180 reads RINGING by then
    // (19a: CHANNEL_ANSWER [answered/RINGING] with no CHANNEL_PROGRESS).
    if !inbound && !ch.loopback && ch.call_state == "DOWN" {
        ch.call_state = "RINGING";
    }
    if inbound {
        ch.log.push_sip(CallerSip::Ok200);
    }
    core.fire(cu, uuid, "CHANNEL_ANSWER", &[], &[]);
    // A loopback leg's call state stays DOWN (07a).
    if let Some(ch) = core.channels.get_mut(uuid)
        && !ch.loopback
    {
        ch.call_state = "ACTIVE";
    }
}

/// One DTMF event on `uuid` (fired at the end of the digit, §6).
pub fn dtmf(core: &mut Core, cu: &str, uuid: &str, digit: char) {
    let Some(ch) = core.channels.get_mut(uuid) else {
        return;
    };
    if !ch.is_up() {
        return;
    }
    ch.dtmf_buf.push(digit);
    core.fire(
        cu,
        uuid,
        "DTMF",
        &[],
        &[
            ("DTMF-Digit", digit.to_string()),
            ("DTMF-Duration", "800".into()),
            ("DTMF-Source", "RTP".into()),
        ],
    );
}

/// An avmd CUSTOM event (`avmd::start|beep|stop`) for `uuid`: once, and on
/// a parked channel a second copy with the channel data and the same
/// Event-Sequence, delivered by the park loop: at once when idle, after the
/// running app's CHANNEL_EXECUTE_COMPLETE otherwise (trace 10).
pub fn avmd_event(core: &mut Core, cu: &str, uuid: &str, sub: &str, extra: &[(&str, &str)]) {
    let seq = core.next_seq();
    let mut ev = core.base_with_seq(cu, "CUSTOM", Some(sub), "avmd_fire_event", seq);
    ev.push("Unique-ID", uuid);
    ev.push("Call-command", "avmd");
    for (k, v) in extra {
        ev.push(k, *v);
    }
    core.emit(&ev);
    let Some(ch) = core.channels.get_mut(uuid) else {
        return;
    };
    if ch.parked {
        ch.state_headers(&mut ev, false);
        ch.profile_headers(&mut ev, "Caller");
        ch.var_headers(&mut ev);
        if ch.running_app > 0 {
            ch.deferred.push(ev);
        } else {
            core.emit(&ev);
        }
    }
}
