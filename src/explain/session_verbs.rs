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
            "conference: conference {} until the caller leaves the room{}",
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
                crate::app::sip_request::InDialogMethod::Info => "uuid_send_info",
                crate::app::sip_request::InDialogMethod::Message => "uuid_send_message",
            },
            r.content_type.as_deref().unwrap_or(match r.method {
                crate::app::sip_request::InDialogMethod::Info => "freeswitch/data",
                crate::app::sip_request::InDialogMethod::Message => "text/plain",
            }),
            r.action_hook
                .as_ref()
                .map(|h| format!(", outcome to {}", masked(&h.url)))
                .unwrap_or_default()
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
        let reply = r#"[{"verb": "config", "reset": "recognizer",
            "synthesizer": {"voice": "kal"}, "amd": {"actionHook": "https://u:p@h.example.com/amd"},
            "bargeIn": {"enable": true}, "notifyEvents": true},
            {"verb": "sip:request", "method": "MESSAGE", "body": "hi"},
            {"verb": "dtmf", "dtmf": "1#"}]"#;
        let settings = Settings::default();
        let out = crate::explain::explain(reply, &settings).expect("valid");
        let text = out.human();
        assert_eq!(
            text,
            "0: config: drop the default recognizer; say uses voice kal language (engine's) by \
             default; answering-machine detection on the call in the background, events to \
             https://u:********@h.example.com/amd; accepted without effect: bargeIn, notifyEvents\n\
             1: sip:request: MESSAGE in the dialog (uuid_send_message), Content-Type text/plain\n\
             2: dtmf: uuid_send_dtmf 1#@500 (RFC 2833 to the caller)\n"
        );
    }
}
