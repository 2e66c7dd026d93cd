//! Hold, both ways (docs/freeswitch.md §22, §23; traces 22, 23).
//!
//! * `uuid_hold [off] <uuid>` (22): `+OK Success`; the party gets a
//!   re-INVITE with `a=sendonly` (or, off, without a direction line);
//!   CHANNEL_HOLD with call state HELD (CHANNEL_UNHOLD with UNHELD, then
//!   ACTIVE 20 ms later); about 200 ms after the hold the bridged partner
//!   runs `playback local_stream://moh`.
//! * The far end's own re-INVITE (`Callee::holds_at` / `resumes_at`, 23):
//!   the same events on that leg with `remote_audio_media_flow`
//!   (`sendonly` / `sendrecv`) and `audio_media_flow`, a CUSTOM
//!   `sofia::reinvite` (Unique-ID only) about 240 ms after the hold and at
//!   once with the resume, the partner's moh about 180 ms after the hold,
//!   and from then on the leg's `sip_full_from` / `sip_full_to` swapped
//!   with `dlg_req_swap_direction=true`. The hold is not passed on.
//!
//! What the partner hears is the *held* leg's own `temp_hold_music`, else
//! its `hold_music`, else the profile's (`local_stream://moh` on the
//! capturing host); `silence` plays nothing (switch_core_media.c, not
//! captured beyond the default).
//!
//! `local_stream://moh` is "FILE NOT FOUND" unless a test gave it a length
//! (`FakeSwitch::file_duration`), as on the capturing host.
//! `hold_accum_ms` is reported at hangup (lifecycle.rs).

use std::time::Instant;

use super::apps::run_app;
use super::channel::{AppRequest, Channel};
use super::core::Core;
use super::record::SipSent;
use super::switch::Switch;

/// `uuid_hold [off|toggle] <uuid> [<display>]`.
pub fn uuid_hold(sw: &Switch, args: &[&str]) -> String {
    const USAGE: &str = "-USAGE: [off|toggle] <uuid> [<display>]\n";
    let (on, uuid) = match args {
        ["off", u, ..] => (Some(false), *u),
        ["toggle", u, ..] => (None, *u),
        [u, ..] => (Some(true), *u),
        [] => return USAGE.into(),
    };
    let held = {
        let core = sw.lock();
        match core.channels.get(uuid) {
            Some(c) if c.is_up() && c.answered => c.held_since.is_some(),
            _ => return "-ERR Operation failed\n".into(),
        }
    };
    let on = on.unwrap_or(!held);
    if on == held {
        return "-ERR Operation failed\n".into();
    }
    if let Some(ch) = sw.lock().channels.get(uuid) {
        ch.log.push_sip_sent(uuid, SipSent::Reinvite { hold: on });
    }
    if on {
        hold(sw, uuid, &[], 200);
    } else {
        unhold(sw, uuid, &[]);
    }
    "+OK Success\n".into()
}

/// Puts `uuid` on hold: CHANNEL_HOLD with `vars` set first, and the
/// partner's hold music `moh_ms` switch milliseconds later.
pub fn hold(sw: &Switch, uuid: &str, vars: &[(&str, &str)], moh_ms: u64) {
    let cu = sw.0.core_uuid.clone();
    let partner = {
        let mut core = sw.lock();
        let Some(ch) = core.channels.get_mut(uuid) else {
            return;
        };
        for (k, v) in vars {
            ch.set_var(k, *v);
        }
        ch.held_since = Some(Instant::now());
        ch.call_state = "HELD";
        let partner = ch.bridged_to.clone();
        core.fire(&cu, uuid, "CHANNEL_HOLD", &[], &[]);
        partner
    };
    let music = {
        let core = sw.lock();
        core.channels.get(uuid).map(|c| {
            c.var("temp_hold_music")
                .or_else(|| c.var("hold_music"))
                .unwrap_or("local_stream://moh")
                .to_string()
        })
    };
    if let (Some(p), Some(music)) = (partner, music.filter(|m| m != "silence")) {
        let sw = sw.clone();
        tokio::spawn(async move {
            tokio::time::sleep(sw.ms(moh_ms)).await;
            run_app(&sw, &p, AppRequest::new("playback", &music)).await;
        });
    }
}

/// Takes `uuid` off hold: CHANNEL_UNHOLD (UNHELD), ACTIVE 20 ms later; the
/// partner's hold music stops.
pub fn unhold(sw: &Switch, uuid: &str, vars: &[(&str, &str)]) {
    let cu = sw.0.core_uuid.clone();
    let mut core = sw.lock();
    let Some(ch) = core.channels.get_mut(uuid) else {
        return;
    };
    for (k, v) in vars {
        ch.set_var(k, *v);
    }
    end_hold(ch);
    ch.call_state = "UNHELD";
    let partner = ch.bridged_to.clone();
    core.fire(&cu, uuid, "CHANNEL_UNHOLD", &[], &[]);
    if let Some(p) = partner.and_then(|p| core.channels.get(&p)) {
        p.brk.send_modify(|b| *b += 1);
    }
    let (sw, u) = (sw.clone(), uuid.to_string());
    tokio::spawn(async move {
        tokio::time::sleep(sw.ms(20)).await;
        if let Some(ch) = sw.lock().channels.get_mut(&u)
            && ch.is_up()
            && ch.call_state == "UNHELD"
        {
            ch.call_state = "ACTIVE";
        }
    });
}

/// Adds the running hold to `hold_accum_ms`.
pub fn end_hold(ch: &mut Channel) {
    if let Some(since) = ch.held_since.take() {
        ch.hold_accum_ms += since.elapsed().as_millis() as u64;
    }
}

/// The leg's far end sends a re-INVITE with `a=sendonly` (23).
pub fn far_end_holds(sw: &Switch, uuid: &str) {
    let sdp = "v=0\r\no=user1 53655765 2353687638 IN IP4 127.0.0.1\r\ns=-\r\n\
               c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 16010 RTP/AVP 0 101\r\n\
               a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n\
               a=fmtp:101 0-15\r\na=sendonly\r\n";
    if let Some(ch) = sw.lock().channels.get(uuid) {
        ch.log.push_sip_sent(uuid, SipSent::Ok("INVITE".into()));
    }
    hold(
        sw,
        uuid,
        &[
            ("remote_audio_media_flow", "sendonly"),
            ("audio_media_flow", "recvonly"),
            ("switch_r_sdp", sdp),
        ],
        180,
    );
    let (sw, u) = (sw.clone(), uuid.to_string());
    tokio::spawn(async move {
        tokio::time::sleep(sw.ms(240)).await;
        let cu = sw.0.core_uuid.clone();
        let mut core = sw.lock();
        if let Some(ch) = core.channels.get_mut(&u).filter(|c| c.is_up()) {
            swap_dialog(ch);
            reinvite_event(&mut core, &cu, &u);
        }
    });
}

/// The leg's far end sends a re-INVITE with `a=sendrecv` (23).
pub fn far_end_resumes(sw: &Switch, uuid: &str) {
    if let Some(ch) = sw.lock().channels.get(uuid) {
        ch.log.push_sip_sent(uuid, SipSent::Ok("INVITE".into()));
    }
    unhold(
        sw,
        uuid,
        &[
            ("remote_audio_media_flow", "sendrecv"),
            ("audio_media_flow", "sendrecv"),
        ],
    );
    let cu = sw.0.core_uuid.clone();
    let mut core = sw.lock();
    if let Some(ch) = core.channels.get_mut(uuid) {
        swap_dialog(ch);
    }
    reinvite_event(&mut core, &cu, uuid);
}

/// After the far end's own re-INVITE FreeSWITCH holds the dialog the other
/// way round: From and To swapped (23).
fn swap_dialog(ch: &mut Channel) {
    if ch.var_true("dlg_req_swap_direction") {
        return;
    }
    let from = ch.var("sip_full_from").map(str::to_string);
    let to = ch.var("sip_full_to").map(str::to_string);
    if let (Some(f), Some(t)) = (from, to) {
        ch.set_var("sip_full_from", t);
        ch.set_var("sip_full_to", f);
    }
    ch.set_var("dlg_req_swap_direction", "true");
}

/// CUSTOM `sofia::reinvite`: only the channel's Unique-ID (23).
fn reinvite_event(core: &mut Core, cu: &str, uuid: &str) {
    let mut ev = core.base(
        cu,
        "CUSTOM",
        Some("sofia::reinvite"),
        "sofia_handle_sip_i_state",
    );
    ev.push("Unique-ID", uuid);
    core.emit(&ev);
}
