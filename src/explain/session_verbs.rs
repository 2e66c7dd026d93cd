//! `explain`'s lines for the verbs jambonz applications use around a dial
//! (alert, config, dtmf, leave, sip:refer, sip:request): what each sends to
//! FreeSWITCH, and for `config` what each property did.

use crate::app::Verb;
use crate::app::config::{Config, Reset, Toggle};
use crate::secret::masked;

/// The line for `verb`, or None when it is not one of these.
pub(crate) fn line(verb: &Verb) -> Option<String> {
    Some(match verb {
        Verb::Alert(a) => format!(
            "alert: 180 Ringing (ring_ready) with Alert-Info: {} (skipped once answered)",
            a.message
        ),
        Verb::Config(c) => config(c),
        Verb::Conference(c) => format!(
            "conference: {}conference {} until the caller leaves the room{}",
            match &c.wait {
                _ if c.start_conference_on_enter => String::new(),
                crate::app::conference::Wait::Hook(h) => format!(
                    "until the room starts, outside it, what {} answers; then ",
                    masked(&h.url)
                ),
                crate::app::conference::Wait::Silence => {
                    "until the room starts, silence outside it; then ".to_owned()
                }
                crate::app::conference::Wait::RoomMusic => String::new(),
            },
            c.argument(),
            c.action_hook
                .as_ref()
                .map(|h| format!(", then {}", masked(&h.url)))
                .unwrap_or_default()
        ),
        Verb::SendDtmf(d) => format!(
            "dtmf: uuid_send_dtmf {}@{} (RFC 2833 to the caller)",
            d.digits, d.duration_ms
        ),
        Verb::Leave => "leave: nothing to leave (no conference or queue); goes on".to_owned(),
        Verb::Enqueue(q) => format!(
            "enqueue: answer, wait in queue `{}`{}; when dequeued, join the dequeuing call in \
             the room dialbridge-queue-<call_sid> (endconf){}",
            q.name,
            q.wait_hook
                .as_ref()
                .map(|h| format!(" hearing what {} answers", masked(&h.url)))
                .unwrap_or_else(|| " in silence".to_owned()),
            q.action_hook
                .as_ref()
                .map(|h| format!(", outcome to {}", masked(&h.url)))
                .unwrap_or_default()
        ),
        Verb::Dequeue(d) => format!(
            "dequeue: answer, take {} from queue `{}` (waiting {}){}, join it in its room{}",
            d.call_sid
                .as_deref()
                .map(|s| format!("call {s}"))
                .unwrap_or_else(|| "the longest-waiting caller".to_owned()),
            d.name,
            d.timeout
                .map(|t| format!("up to {t} s"))
                .unwrap_or_else(|| "as long as the call lasts".to_owned()),
            if d.beep { ", beep" } else { "" },
            d.action_hook
                .as_ref()
                .map(|h| format!(", outcome to {}", masked(&h.url)))
                .unwrap_or_default()
        ),
        Verb::RestDial(r) => format!(
            "rest:dial: place a call from {} (bgapi originate ... '&socket(...)', as createCall), \
             its application from {}; this call goes on at once",
            r.from,
            masked(&r.call_hook.url)
        ),
        Verb::SipRefer(r) => format!(
            "sip:refer: deflect {} (REFER to the caller; the call ends when the transfer \
             succeeds){}",
            r.refer_to,
            r.action_hook
                .as_ref()
                .map(|h| format!(", outcome to {}", masked(&h.url)))
                .unwrap_or_default()
        ),
        Verb::SipRequest(r) => format!(
            "sip:request: {} in the dialog ({}), Content-Type {}{}",
            r.method.as_str(),
            match r.method {
                _ if r.info_as_event() => "sendevent SEND_INFO".to_owned(),
                crate::app::sip_request::InDialogMethod::Info => "uuid_send_info".to_owned(),
                crate::app::sip_request::InDialogMethod::Message => "uuid_send_message".to_owned(),
                crate::app::sip_request::InDialogMethod::Notify => format!(
                    "sendevent NOTIFY, Event {}",
                    r.event.as_deref().unwrap_or_default()
                ),
            },
            r.content_type.as_deref().unwrap_or(match r.method {
                _ if r.info_as_event() => "none",
                crate::app::sip_request::InDialogMethod::Info => "freeswitch/data",
                _ => "text/plain",
            }),
            r.action_hook
                .as_ref()
                .map(|h| format!(", outcome to {}", masked(&h.url)))
                .unwrap_or_default()
        ),
        Verb::Record(r) => format!(
            "record: {}record {} s at most{}{}, then the recording to {}",
            if r.play_beep { "beep, " } else { "" },
            r.max_length,
            if r.timeout > 0 {
                format!(", ending after {} s of silence", r.timeout)
            } else {
                String::new()
            },
            if r.finish_on_key.is_empty() {
                String::new()
            } else {
                format!(" or on {}", r.finish_on_key)
            },
            masked(&r.action_hook.url)
        ),
        _ => return None,
    })
}

fn config(c: &Config) -> String {
    let mut parts = Vec::new();
    for r in &c.reset {
        parts.push(match r {
            Reset::Synthesizer => "drop the default voice".to_owned(),
            Reset::Recognizer => "drop the default recognizer".to_owned(),
        });
    }
    if let Some(s) = &c.synthesizer {
        parts.push(format!(
            "say uses voice {} language {} by default",
            s.voice.as_deref().unwrap_or("([tts] voice)"),
            s.language.as_deref().unwrap_or("(engine's)")
        ));
    }
    if let Some(r) = &c.recognizer {
        parts.push(format!(
            "recognizer {} {} kept as transcribe's default (gathers: digits only)",
            r.vendor.as_deref().unwrap_or("-"),
            r.language.as_deref().unwrap_or("-")
        ));
    }
    if let Some(a) = &c.amd {
        parts.push(format!(
            "answering-machine detection on the call in the background, events to {}",
            masked(&a.action_hook.url)
        ));
    }
    match &c.listen {
        Some(Toggle::On(l)) => parts.push(format!(
            "stream the caller's channel ({}, {} Hz) to {} in the background",
            l.mix_type.as_str(),
            l.sample_rate,
            masked(&l.url)
        )),
        Some(Toggle::Off) => parts.push("stop the background stream".to_owned()),
        None => {}
    }
    match &c.transcribe {
        Some(Toggle::On(t)) => parts.push(format!(
            "transcribe the caller in the background, transcripts to {}",
            masked(&t.transcription_hook.url)
        )),
        Some(Toggle::Off) => parts.push("stop the background transcription".to_owned()),
        None => {}
    }
    if let Some(m) = &c.on_hold_music {
        parts.push(format!(
            "hold_music {} (fetched into the media cache)",
            masked(m)
        ));
    }
    if let Some(b) = &c.boost {
        parts.push(match b.level() {
            0 => "the caller's audio level back to unchanged (uuid_audio stop)".to_owned(),
            n => format!(
                "the caller's audio at uuid_audio level {n} (nearest {} dB)",
                b.db
            ),
        });
    }
    match &c.barge_in {
        Some(b) if b.enable => parts.push(format!(
            "collect digits in the background{} (min {}{}{}, {} ms between digits), sent to {}",
            if b.sticky { ", again after each" } else { "" },
            b.min_digits,
            b.max_digits
                .map(|m| format!(", max {m}"))
                .unwrap_or_default(),
            b.finish_on_key
                .map(|k| format!(", finish on {k}"))
                .unwrap_or_default(),
            b.inter_digit_timeout_ms,
            b.action_hook
                .as_ref()
                .map(|h| masked(&h.url))
                .unwrap_or_default()
        )),
        Some(_) => parts.push("stop collecting digits in the background".to_owned()),
        None => {}
    }
    if let Some(h) = &c.sip_request_within_dialog_hook {
        parts.push(format!("INFO requests received told to {}", masked(&h.url)));
    }
    if let Some(h) = &c.refer_hook {
        parts.push(format!(
            "a REFER the caller sends outside a dial told to {} (its verbs replace the rest)",
            masked(&h.url)
        ));
    }
    if !c.without_effect.is_empty() {
        parts.push(format!(
            "accepted without effect: {}",
            c.without_effect.join(", ")
        ));
    }
    if parts.is_empty() {
        parts.push("nothing to change".to_owned());
    }
    format!("config: {}", parts.join("; "))
}

#[cfg(test)]
mod tests {
    use crate::config::Settings;

    #[test]
    fn explain_says_what_each_config_property_did() {
        let reply = r##"[{"verb": "config", "reset": "recognizer",
            "synthesizer": {"voice": "kal"}, "amd": {"actionHook": "https://u:p@h.example.com/amd"},
            "bargeIn": {"enable": true, "actionHook": "/b", "finishOnKey": "#"}, "notifyEvents": true,
            "referHook": "/refer"},
            {"verb": "sip:request", "method": "MESSAGE", "body": "hi"},
            {"verb": "dtmf", "dtmf": "1#"}]"##;
        let settings = Settings::default();
        let out = crate::explain::explain(reply, &settings).expect("valid");
        let text = out.human();
        assert_eq!(
            text,
            "0: config: drop the default recognizer; say uses voice kal language (engine's) by \
             default; answering-machine detection on the call in the background, events to \
             https://u:********@h.example.com/amd; collect digits in the background (min 1, \
             finish on #, 5000 ms between digits), sent to /b; a REFER the caller sends \
             outside a dial told to /refer (its verbs replace the rest); accepted without \
             effect: notifyEvents\n\
             1: sip:request: MESSAGE in the dialog (uuid_send_message), Content-Type text/plain\n\
             2: dtmf: uuid_send_dtmf 1#@500 (RFC 2833 to the caller)\n"
        );
    }

    #[test]
    fn explain_says_how_a_conference_member_waits() {
        let reply = r##"[{"verb": "conference", "name": "r", "startConferenceOnEnter": false,
            "waitHook": "/wait"}, {"verb": "conference", "name": "r", "startConferenceOnEnter": false}]"##;
        let out = crate::explain::explain(reply, &Settings::default()).expect("valid");
        assert_eq!(
            out.human(),
            "0: conference: until the room starts, outside it, what /wait answers; then \
             conference r@default+flags{wait-mod} until the caller leaves the room\n\
             1: conference: conference r@default+flags{wait-mod} until the caller leaves the room\n"
        );
    }
}
