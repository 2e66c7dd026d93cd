//! The comparable view of one connection, built the same way from the
//! capture's `<<<` side and from what the fake sent.
//!
//! What is compared is what FreeSWITCH orders: command replies in the order
//! of their commands, and per Unique-ID the events of that channel (name,
//! Application and its response, Answer-State, Channel-Call-State,
//! Hangup-Cause, DTMF digit, the `sip_h_*` variables (the headers a leg's
//! INVITE carries) and the result variables on the events that end a leg
//! or a bridge). Across channels FreeSWITCH orders nothing (its
//! event threads and the 20 ms poll of each socket interleave them), and
//! the `linger` disconnect notice is written by the socket's own thread
//! when it sees the channel down, racing the replies to commands sent
//! meanwhile (07b: it came before the `api avmd stop` reply): it is
//! compared by count, outside the reply order.

use std::collections::HashMap;

use crate::fake_freeswitch::trace::{Parsed, parse_message};

/// Variables compared on the events that carry the result of a leg or a
/// bridge.
pub const RESULT_VARS: &[&str] = &[
    "variable_sip_term_status",
    "variable_sip_hangup_disposition",
    "variable_originate_disposition",
    "variable_DIALSTATUS",
    "variable_sip_invite_failure_status",
    "variable_last_bridge_hangup_cause",
    "variable_originate_causes",
    // REFER both ways (docs/freeswitch.md §11, §20).
    "variable_sip_refer_to",
    "variable_sip_h_Referred-By",
    "variable_sip_refer_status_code",
    "variable_sip_refer_target_status_code",
    // Conferences (§19), far-end hold (§23).
    "variable_conference_member_id",
    "variable_dlg_req_swap_direction",
];

/// Event headers compared where present, by what they tell (§16, §19, §21,
/// §22): the conference action and member, the recording, the media bug,
/// the playback, the INFO received.
const DETAIL_HEADERS: &[&str] = &[
    "Action",
    "Member-ID",
    "Conference-Size",
    "Hear",
    "Speak",
    "Floor",
    "Record-File-Path",
    "Record-Completion-Cause",
    "Media-Bug-Function",
    "Media-Bug-Target",
    "Playback-File-Path",
    "Playback-Status",
    "SIP-Content-Type",
];

/// See the module doc.
#[derive(Debug, Default, PartialEq)]
pub struct View {
    pub replies: Vec<String>,
    pub lingers: usize,
    pub events: HashMap<String, Vec<String>>,
}

/// Builds the view of a connection's received messages; `rename` maps
/// UUIDs the daemon could not have chosen (injected legs, 09) to stable
/// names.
pub fn view(msgs: &[String], rename: &dyn Fn(&str) -> String) -> View {
    let mut v = View::default();
    for m in msgs {
        let p = parse_message(m);
        match p.content_type() {
            "command/reply" => {
                let text = p.outer("Reply-Text").unwrap_or("");
                // A bgapi's Job-UUID is the switch's random choice.
                let text = match text.strip_prefix("+OK Job-UUID: ") {
                    Some(_) => "+OK Job-UUID: <job>".to_string(),
                    None => rename(text),
                };
                v.replies.push(format!("reply {text}"))
            }
            "api/response" => v.replies.push(format!("api {}", rename(p.body.trim_end()))),
            "text/disconnect-notice" if p.outer("Content-Disposition") == Some("linger") => {
                v.lingers += 1
            }
            "text/disconnect-notice" => v.replies.push(format!(
                "notice {}",
                p.outer("Content-Disposition").unwrap_or("-")
            )),
            "auth/request" => v.replies.push("auth/request".into()),
            _ if p.event.is_some() => {
                let Some(name) = p.event_name() else { continue };
                if name == "CHANNEL_PARK" {
                    continue; // a race in the captures themselves (driver::counts)
                }
                // Conference events without a member go with their
                // conference, apart from other events without a channel.
                let uid = match (p.ev("Unique-ID"), p.ev("Conference-Name")) {
                    (Some(u), _) => rename(u),
                    (None, Some(c)) => format!("conference {c}"),
                    (None, None) => "-".into(),
                };
                v.events
                    .entry(uid)
                    .or_default()
                    .push(rename(&key(&name, &p)));
            }
            _ if p.outer("Event-Name") == Some("CHANNEL_DATA") => v.replies.push("connect".into()),
            other => v.replies.push(format!("other {other}")),
        }
    }
    v
}

/// One event as compared.
pub fn key(name: &str, p: &Parsed) -> String {
    let mut k = format!(
        "{name} [{}/{}]",
        p.ev("Answer-State").unwrap_or("-"),
        p.ev("Channel-Call-State").unwrap_or("-")
    );
    if let Some(a) = p.ev("Application") {
        k.push_str(&format!(" {a}"));
        if let Some(r) = p.ev("Application-Response") {
            k.push_str(&format!("={r}"));
        }
    }
    if let Some(c) = p.ev("Hangup-Cause") {
        k.push_str(&format!(" cause={c}"));
    }
    if let Some(d) = p.ev("DTMF-Digit") {
        k.push_str(&format!(" digit={d}"));
    }
    for h in DETAIL_HEADERS {
        if let Some(v) = p.ev(h) {
            k.push_str(&format!(" {h}={v}"));
        }
    }
    if name == "BACKGROUND_JOB" || name == "RECV_INFO" {
        let body = match p.ev("_body") {
            Some(b) => b.to_string(),
            None => p
                .body
                .split_once("\n\n")
                .map(|(_, b)| b.to_string())
                .unwrap_or_default(),
        };
        k.push_str(&format!(" body={}", body.trim_end()));
    }
    // The extra headers the channel's INVITE carries (docs/freeswitch.md §12).
    let mut sip_h: Vec<String> = p
        .event
        .iter()
        .flatten()
        .filter_map(|(k, v)| Some(format!("{}={v}", k.strip_prefix("variable_sip_h_")?)))
        .collect();
    if !sip_h.is_empty() {
        sip_h.sort();
        k.push_str(&format!(" sip_h=[{}]", sip_h.join(",")));
    }
    if name == "CHANNEL_HANGUP_COMPLETE"
        || p.ev("Application") == Some("bridge") && name.ends_with("COMPLETE")
    {
        for var in RESULT_VARS {
            k.push_str(&format!(
                " {}={}",
                var.trim_start_matches("variable_"),
                p.ev(var).unwrap_or("-")
            ));
        }
    }
    k
}

/// Differences between the capture's view and the fake's, empty when equal.
pub fn diff(want: &View, got: &View) -> Vec<String> {
    let mut out = Vec::new();
    if want.replies != got.replies {
        out.push(format!(
            "replies differ:\n  capture: {:?}\n  fake:    {:?}",
            want.replies, got.replies
        ));
    }
    if want.lingers != got.lingers {
        out.push(format!(
            "linger notices: capture {}, fake {}",
            want.lingers, got.lingers
        ));
    }
    let mut uids: Vec<&String> = want.events.keys().chain(got.events.keys()).collect();
    uids.sort();
    uids.dedup();
    for u in uids {
        let (w, g) = (
            want.events.get(u).cloned().unwrap_or_default(),
            got.events.get(u).cloned().unwrap_or_default(),
        );
        if w != g {
            out.push(format!(
                "events of {u} differ:\n  capture: {w:#?}\n  fake:    {g:#?}"
            ));
        }
    }
    out
}
