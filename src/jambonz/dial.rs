//! Reading jambonz's `dial` verb into [`crate::app::Dial`]: its targets,
//! hooks, DTMF capture and the properties accepted without effect.

use serde_json::Value;

use super::Pointer;
use super::amd::read_amd;
use super::fields::{Fields, kind};
use super::headers::read_headers;
use super::hook::read_hook;
use super::target::read_target;
use super::without_effect::accepted_without_effect;
use crate::app::dial::{DEFAULT_TIMEOUT_SECS, MAX_SECS, MAX_TARGETS};
use crate::app::headers::{HeaderScope, Headers};
use crate::app::hook::check_url;
use crate::app::problem::Problems;
use crate::app::{Context, Dial, DtmfCapture, Hook, Target, TargetKind, rules};

/// Reads a `dial` verb's properties (the `verb` key already consumed).
pub(crate) fn read_dial(f: &mut Fields<'_, '_>, ctx: &Context) -> Option<Dial> {
    let before = f.problems().len();
    let targets = read_targets(f, ctx);
    let action_hook = hook(f, "actionHook");
    let amd = f.value("amd").and_then(|v| {
        let at = f.at_key("amd");
        read_amd(v, &at, f.problems())
    });
    let answer_on_bridge = f.bool("answerOnBridge").unwrap_or(false);
    let boost = read_boost(f);
    let caller_id = f.str("callerId").and_then(|c| {
        rules::phone_number(c, ctx.relaxed_numbers, "callerId")
            .map_err(|e| f.problem("callerId", e))
            .ok()
            .map(|()| c.to_owned())
    });
    let caller_name = read_caller_name(f);
    let confirm_hook = hook(f, "confirmHook");
    let dial_music = f.str("dialMusic").and_then(|u| {
        check_url(u)
            .map_err(|e| f.problem("dialMusic", e))
            .ok()
            .map(|()| u.to_owned())
    });
    let dtmf_capture = f.value("dtmfCapture").and_then(|v| {
        let at = f.at_key("dtmfCapture");
        read_dtmf_capture(v, &at, f.problems())
    });
    let dtmf_hook = hook(f, "dtmfHook");
    if dtmf_capture.is_some() && !f.has("dtmfHook") {
        f.notice(
            "dtmfCapture",
            "without a dtmfHook the matches are not reported (as in jambonz); the digits still \
             pass between the parties",
        );
    }
    let headers = f.value("headers").map_or_else(Headers::default, |v| {
        let at = f.at_key("headers");
        read_headers(v, &at, HeaderScope::Shared, f.problems())
    });
    let listen = read_dial_listen(f);
    let refer_hook = hook(f, "referHook");
    let on_hold_hook = hook(f, "onHoldHook");
    let transcribe = f.value("transcribe").and_then(|v| {
        let at = f.at_key("transcribe");
        super::transcribe::read_nested_transcribe(v, &at, ctx, f.problems()).map(Box::new)
    });
    let tag = f.value("tag").cloned();
    if let Some(t) = &tag {
        if !t.is_object() {
            f.problem("tag", format!("must be an object, not {}", kind(t)));
        } else if let Err(e) = crate::app::tag::check_size(t) {
            f.problem("tag", e);
        }
    }
    let time_limit = f
        .integer("timeLimit", 1, MAX_SECS, "seconds")
        .map(|n| n as u32);
    let timeout = f
        .integer("timeout", 1, MAX_SECS, "seconds")
        .map_or(DEFAULT_TIMEOUT_SECS, |n| n as u32);
    let exit_media_path = f.bool("exitMediaPath").unwrap_or(false);
    if exit_media_path {
        media_path_conflicts(f, amd.is_some(), dtmf_capture.is_some());
        for (key, present) in [
            ("boostAudioSignal", boost.is_some()),
            ("listen", listen.is_some()),
            ("transcribe", transcribe.is_some()),
            ("onHoldHook", on_hold_hook.is_some()),
        ] {
            if present {
                f.problem(
                    key,
                    "cannot run with exitMediaPath: once the media path leaves FreeSWITCH after \
                     the bridge, the caller's audio no longer passes through it; remove \
                     exitMediaPath or this property",
                );
            }
        }
    }
    let forward_pai = f.bool("forwardPAI").unwrap_or(true);
    let targets = targets.map(|t| with_dial_proxy(f, t));
    let srtp_mandatory = read_srtp(f);
    accepted_without_effect(f);
    (f.problems().len() == before).then(|| Dial {
        targets: targets.unwrap_or_default(),
        action_hook,
        amd,
        answer_on_bridge,
        boost,
        caller_id,
        caller_name,
        confirm_hook,
        dial_music,
        dtmf_capture,
        dtmf_hook,
        exit_media_path,
        record: false,
        hangup_on_star: false,
        forward_pai,
        srtp_mandatory,
        headers,
        listen,
        refer_hook,
        on_hold_hook,
        transcribe,
        tag,
        time_limit,
        timeout,
    })
}

/// `srtpEncryption`: `"sdes"` makes SRTP mandatory on every dialed leg
/// (FreeSWITCH's `rtp_secure_media=mandatory`, read per channel by
/// switch_core_media.c's `switch_core_session_parse_crypto_prefs`: the
/// INVITE offers SDES crypto and a leg whose answer has none fails instead
/// of going unencrypted). jambonz sends it to its SBC for `sip` targets
/// only; dialbridge places every leg itself, so it applies to all of them.
/// `"dtls"` is refused: FreeSWITCH does DTLS-SRTP only on WebRTC (AVPF)
/// channels, which a SIP trunk or phone leg is not.
/// `callerName`: a display name FreeSWITCH carries in the dial string's
/// shared block (a dial's, and rest:dial's created call's).
pub(crate) fn read_caller_name(f: &mut Fields<'_, '_>) -> Option<String> {
    f.str("callerName").and_then(|c| {
        rules::display_name(c, "callerName")
            .and_then(|()| rules::block_value(c, rules::VarBlock::Shared, "callerName"))
            .map_err(|e| f.problem("callerName", e))
            .ok()
            .map(|()| c.to_owned())
    })
}

fn read_srtp(f: &mut Fields<'_, '_>) -> bool {
    match f.str("srtpEncryption") {
        None => false,
        Some("sdes") => true,
        Some("dtls") => {
            f.problem(
                "srtpEncryption",
                "FreeSWITCH negotiates DTLS-SRTP only on WebRTC channels, not on the SIP legs a \
                 dial places; use \"sdes\" (SRTP keyed in the SDP)",
            );
            false
        }
        Some(other) => {
            f.problem(
                "srtpEncryption",
                format!("must be \"sdes\" or \"dtls\" (got {other:?})"),
            );
            false
        }
    }
}

/// `boostAudioSignal`: a number of dB or a string like `"-6 dB"`.
pub(crate) fn read_boost(f: &mut Fields<'_, '_>) -> Option<crate::app::boost::Boost> {
    use crate::app::boost::Boost;
    let v = f.value("boostAudioSignal")?;
    let read = match v {
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| "must be a number of dB".to_owned())
            .and_then(Boost::of_db),
        Value::String(s) => Boost::parse_str(s),
        other => Err(format!(
            "must be a number of dB or a string like \"-6 dB\", not {}",
            kind(other)
        )),
    };
    read.map_err(|e| f.problem("boostAudioSignal", e)).ok()
}

/// `listen`, or jambonz's alias `stream` (not both).
fn read_dial_listen(f: &mut Fields<'_, '_>) -> Option<Box<crate::app::listen::Listen>> {
    let (key, v) = match (f.value("listen"), f.value("stream")) {
        (Some(_), Some(_)) => {
            f.problem(
                "stream",
                "give either `listen` or `stream` (its alias), not both",
            );
            return None;
        }
        (Some(v), None) => ("listen", v),
        (None, Some(v)) => ("stream", v),
        (None, None) => return None,
    };
    let at = f.at_key(key);
    let listen = super::listen::read_nested_listen(v, &at, f.problems())?;
    if listen.action_hook.is_some() {
        f.problems().notice(
            &at.key("actionHook"),
            "a listen nested in a dial posts no actionHook: the stream ends with the dial, whose \
             actionHook reports it",
        );
    }
    Some(Box::new(listen))
}

/// With `exitMediaPath` FreeSWITCH hands the media to the endpoints once
/// the call is bridged (`bypass_media_after_bridge`): it no longer hears the
/// callee's audio nor the RFC 2833 digits, so AMD and DTMF capture could
/// only fail silently. Both combinations are refused.
fn media_path_conflicts(f: &mut Fields<'_, '_>, amd: bool, dtmf_capture: bool) {
    if amd {
        f.problem(
            "amd",
            "cannot run with exitMediaPath: once the media path leaves FreeSWITCH after the \
             bridge, the callee's audio never reaches the detector; remove exitMediaPath or amd",
        );
    }
    if dtmf_capture {
        f.problem(
            "dtmfCapture",
            "cannot run with exitMediaPath: once the media path leaves FreeSWITCH after the \
             bridge, the digits (RFC 2833 events travel in the media) never reach dialbridge; \
             remove exitMediaPath or dtmfCapture",
        );
    }
}

/// jambonz's dial-level `proxy`: every target without its own proxy is
/// sent through it (a sip target's `proxy`, a phone or user target's
/// routing proxy); teams targets keep `[teams] proxy`.
fn with_dial_proxy(
    f: &mut Fields<'_, '_>,
    mut targets: Vec<(usize, Target)>,
) -> Vec<(usize, Target)> {
    let Some(p) = f.str("proxy") else {
        return targets;
    };
    if let Err(e) = rules::proxy(p, "proxy") {
        f.problem("proxy", e);
        return targets;
    }
    for (_, t) in &mut targets {
        match &mut t.kind {
            TargetKind::Sip { proxy, .. } => {
                proxy.get_or_insert_with(|| p.to_owned());
            }
            TargetKind::Phone { .. } | TargetKind::User { .. } => {
                t.routing.proxy.get_or_insert_with(|| p.to_owned());
            }
            TargetKind::Teams { .. } => {}
        }
    }
    targets
}

fn hook(f: &mut Fields<'_, '_>, key: &'static str) -> Option<Hook> {
    let v = f.value(key)?;
    let at = f.at_key(key);
    read_hook(v, &at, f.problems())
}

/// Reads `target`: a non-empty array of at most [`MAX_TARGETS`] distinct
/// targets. Exact duplicates are dialled once (with a notice).
fn read_targets(f: &mut Fields<'_, '_>, ctx: &Context) -> Option<Vec<(usize, Target)>> {
    let at = f.at_key("target");
    let Some(value) = f.value("target") else {
        let here = f.at().clone();
        f.problems().add(
            &here,
            "`target` is required: an array of 1 to 10 destinations",
        );
        return None;
    };
    let Some(items) = value.as_array() else {
        f.problem(
            "target",
            format!("must be an array of destinations, not {}", kind(value)),
        );
        return None;
    };
    if items.is_empty() {
        f.problem("target", "is empty: give at least one destination to dial");
        return None;
    }
    let mut distinct: Vec<(usize, &Value)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match distinct.iter().find(|(_, seen)| *seen == item) {
            Some((first, _)) => f.problems().notice(
                &at.index(i),
                format!("same as target {first}; it is dialled once"),
            ),
            None => distinct.push((i, item)),
        }
    }
    if distinct.len() > MAX_TARGETS {
        let dups = items.len() - distinct.len();
        let extra = if dups > 0 {
            format!(" ({} given, {dups} exact duplicates removed)", items.len())
        } else {
            String::new()
        };
        f.problem(
            "target",
            format!(
                "has {} distinct destinations{extra}; a dial rings at most {MAX_TARGETS} at \
                 once. Nothing was dialled: split the list or ring in stages",
                distinct.len()
            ),
        );
        return None;
    }
    let mut out = Vec::new();
    for (i, item) in distinct {
        if let Some(t) = read_target(item, &at.index(i), ctx, f.problems()) {
            out.push((i, t));
        }
    }
    Some(out)
}

fn read_sequences(value: &Value, at: &Pointer, problems: &mut Problems) -> Vec<String> {
    let Some(items) = value.as_array() else {
        problems.add(
            at,
            format!("must be an array of DTMF strings, not {}", kind(value)),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item.as_str() {
            Some(s) => match rules::dtmf_sequence(s, "DTMF sequence") {
                Ok(()) => out.push(s.to_ascii_uppercase()),
                Err(e) => problems.add(&at.index(i), e),
            },
            None => problems.add(
                &at.index(i),
                format!("must be a string of DTMF digits, not {}", kind(item)),
            ),
        }
    }
    out
}

fn read_dtmf_capture(value: &Value, at: &Pointer, problems: &mut Problems) -> Option<DtmfCapture> {
    if value.is_array() {
        return Some(DtmfCapture::Both(read_sequences(value, at, problems)));
    }
    let mut f = Fields::of(value, at, "dtmfCapture", problems)?;
    let child = f.value("childCall").map(|v| {
        let at = f.at_key("childCall");
        read_sequences(v, &at, f.problems())
    });
    let parent = f.value("parentCall").map(|v| {
        let at = f.at_key("parentCall");
        read_sequences(v, &at, f.problems())
    });
    if child.is_none() && parent.is_none() {
        let here = f.at().clone();
        f.problems().add(
            &here,
            "give an array, or an object with childCall and/or parentCall",
        );
    }
    f.finish();
    Some(DtmfCapture::PerLeg {
        child_call: child.unwrap_or_default(),
        parent_call: parent.unwrap_or_default(),
    })
}
