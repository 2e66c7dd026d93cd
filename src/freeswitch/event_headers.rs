//! The headers of a call's events that dialbridge reads, and so keeps.
//!
//! FreeSWITCH puts every channel variable into nearly every channel event
//! (switch_channel.c `switch_channel_event_set_extended_data`: 100 to 300
//! headers, 5 to 12 KiB; docs/freeswitch.md §1), and a call reads a handful
//! of them. Building the whole event (a string pair and two map entries
//! per header) was over half of dialbridge's CPU per dial flow, so a call's
//! socket (and a screened leg's) is accepted with [`kept`] as its header
//! filter: the ESL library skips every other header unparsed
//! (vendor/freeswitch-esl-tokio/PATCHES.md item 6). The `connect` reply
//! carries the same channel data in its header block: [`reply_kept`] drops
//! the channel data ([`super::channel_data::ChannelData`] does not read)
//! and keeps every other header of a reply.
//!
//! A few of them are read on one kind of event only ([`ONLY_ON`]) and are
//! skipped on the others ([`kept_in`]: the library offers each header with
//! the event's name, which FreeSWITCH sends first; a header before the name
//! is kept).
//!
//! Reading a header of a call's event that is not listed here finds
//! nothing. A test of this module scans the sources for every literal
//! `header_str("…")`/`variable_str("…")` and checks it is listed; a name
//! passed to a reader through a closure or a list (the `playback_*`
//! variables, `sip_refer_*`) is listed by hand, next to its reader's file.

use super::header_look::FirstLook;

/// Event headers read (not `variable_*`), lowercase: FreeSWITCH spells a
/// few of them differently on different code paths, and the library reads
/// them case-insensitively.
pub const HEADERS: &[&str] = &[
    "event-name",
    "event-subclass",
    "event-sequence",
    // Every channel event carries it (`HeaderLookup::unique_id` falls back
    // to Caller-Unique-ID, which is not kept).
    "unique-id",
    "answer-state",
    "application",
    "application-uuid",
    "application-response",
    "hangup-cause",
    "other-leg-unique-id",
    "dtmf-digit",
    "dtmf-duration",
    // sofia::error (a caller's REFER outside a dial).
    "error-type",
    "full-refer-to",
    "transfer-exten",
    // conference::maintenance.
    "action",
    "conference-size",
    "member-id",
    // avmd::beep.
    "frequency",
    // RECV_INFO (background.rs `info_payload`).
    "sip-content-type",
    "sip-from-user",
    "sip-to-user",
    "job-uuid",
];

/// Channel variables read from events, without their `variable_` prefix
/// (case as FreeSWITCH sets them: variables are read case-sensitively).
pub const VARIABLES: &[&str] = &[
    "sip_term_status",
    "sip_call_id",
    "originate_causes",
    // dial/hold.rs: the held party's dialog.
    "sip_full_from",
    "sip_full_to",
    "dlg_req_swap_direction",
    // play_verb.rs `Played::add`.
    "playback_seconds",
    "playback_ms",
    "playback_last_offset_pos",
    "playback_terminator_used",
    "conference_member_id",
    // session_verbs.rs (sip:refer).
    "sip_refer_status_code",
    "sip_refer_target_status_code",
    // dial/refer.rs `Referred::from_variables`.
    "sip_refer_to",
    "sip_h_Referred-By",
    // verbs.rs `DIGITS_VAR` (gather's play_and_get_digits).
    "dialbridge_digits",
];

/// What [`super::channel_data::ChannelData::from_headers`] reads of the
/// `connect` reply, besides [`HEADERS`] and [`VARIABLES`]: `Caller-*` and
/// `Channel-*` headers, then variables.
pub const CONNECT_HEADERS: &[&str] = &[
    "Caller-Caller-ID-Number",
    "Caller-Destination-Number",
    "Caller-Caller-ID-Name",
    "Caller-Network-Addr",
    "Channel-Unique-ID",
];

/// See [`CONNECT_HEADERS`].
pub const CONNECT_VARIABLES: &[&str] = &[
    "direction",
    "sip_from_uri",
    "sip_to_uri",
    "sip_network_ip",
    "sip_received_ip",
    "hangup_cause",
    "originating_leg_uuid",
    "sip_P-Asserted-Identity",
    "sip_Privacy",
];

/// Headers of the serialized event the `connect` reply is (switch_event.c
/// `switch_event_prep_for_delivery`: who sent it, from where, when) that no
/// reply carries as framing and nothing reads.
const ENVELOPE: &[&str] = &["Event-Date-", "Event-Calling-", "FreeSWITCH-", "Presence-"];

/// Whether a header of a reply on a call's socket is kept (the ESL
/// library's reply header filter for call sockets): every header but the
/// channel data (`variable_*`, `Caller-*`, `Channel-*`) that neither the
/// channel data nor the events are read for, and the event envelope
/// ([`ENVELOPE`], `Core-UUID`). The library's own framing (`Content-Type`,
/// `Reply-Text`, `Content-Disposition`, ...) is kept.
pub fn reply_kept(name: &str) -> bool {
    if ENVELOPE.iter().any(|p| name.starts_with(p)) || name == "Core-UUID" {
        return false;
    }
    if let Some(var) = name.strip_prefix("variable_") {
        return CONNECT_VARIABLES.contains(&var) || VARIABLES.contains(&var);
    }
    if name.starts_with("Caller-") || name.starts_with("Channel-") {
        return CONNECT_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name)) || kept(name);
    }
    true
}

/// The longest header name in [`HEADERS`] (a longer one is not kept).
const LONGEST: usize = 32;

const HEADERS_LOOK: FirstLook = FirstLook::new(HEADERS);
const VARIABLES_LOOK: FirstLook = FirstLook::new(VARIABLES);

/// Headers kept only on the events named with them: every channel event
/// carries them, and each is read on one kind of event. A reader of one on
/// another event must be added here.
pub const ONLY_ON: &[(&str, &[&str])] = &[
    // dial/hold.rs `hold_detail`, on the leg's CHANNEL_HOLD.
    (
        "variable_sip_full_from",
        &["CHANNEL_HOLD", "CHANNEL_UNHOLD"],
    ),
    ("variable_sip_full_to", &["CHANNEL_HOLD", "CHANNEL_UNHOLD"]),
    (
        "variable_dlg_req_swap_direction",
        &["CHANNEL_HOLD", "CHANNEL_UNHOLD"],
    ),
    // dial/legs.rs, a leg's CHANNEL_HANGUP_COMPLETE (`dial_sbc_callid`).
    ("variable_sip_call_id", &["CHANNEL_HANGUP_COMPLETE"]),
    // amd/mod.rs `beep`: CUSTOM avmd::beep, once per Event-Sequence.
    ("Event-Sequence", &["CUSTOM"]),
];

/// Whether a header of a call's event named `event` is kept (the ESL
/// library's event header filter for call sockets): [`kept`], and for a
/// header of [`ONLY_ON`] only on its events, or when the event's name is
/// not known (yet).
pub fn kept_in(event: Option<&str>, name: &str) -> bool {
    if !kept(name) {
        return false;
    }
    let Some(event) = event else {
        return true;
    };
    ONLY_ON
        .iter()
        .find(|(header, _)| header.eq_ignore_ascii_case(name))
        .is_none_or(|(_, events)| events.contains(&event))
}

/// Whether a header of a call's event is kept, whatever the event.
pub fn kept(name: &str) -> bool {
    if let Some(var) = name.strip_prefix("variable_") {
        return VARIABLES_LOOK.may_be(var) && VARIABLES.contains(&var);
    }
    name.len() <= LONGEST
        && HEADERS_LOOK.may_be(name)
        && HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_headers_are_kept_in_any_case_and_others_are_not() {
        assert!(kept("Event-Name"));
        assert!(kept("event-name"));
        assert!(kept("Unique-ID"));
        assert!(kept("variable_sip_term_status"));
        assert!(kept("variable_sip_h_Referred-By"));
        assert!(!kept("variable_SIP_TERM_STATUS"));
        assert!(!kept("variable_sip_h_X-Secret"));
        assert!(!kept("Caller-Caller-ID-Name"));
        assert!(!kept("Core-UUID"));
        assert!(!kept("sip_term_status"));
        assert!(!kept(&"a".repeat(200)));
        assert!(!kept(""));
    }

    /// Every listed name is kept, headers in any case, and a name one byte
    /// longer or shorter, or with another last byte, is not.
    #[test]
    fn every_listed_name_passes_the_first_look() {
        for h in HEADERS {
            let title: String = h
                .split('-')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                        .unwrap_or_default()
                })
                .collect::<Vec<_>>()
                .join("-");
            for name in [h.to_string(), h.to_ascii_uppercase(), title] {
                assert!(kept(&name), "{name}");
                assert!(!kept(&format!("{name}x")), "{name}x");
                assert!(!kept(&name[..name.len() - 1]), "{name} shortened");
            }
        }
        for v in VARIABLES {
            assert!(kept(&format!("variable_{v}")), "{v}");
            assert!(!kept(&format!("variable_{v}_")), "{v}_");
            assert!(
                !kept(&format!("variable_{}", &v[..v.len() - 1])),
                "{v} shortened"
            );
        }
    }

    #[test]
    fn a_header_read_on_one_event_is_kept_on_that_event_only() {
        for (header, events) in ONLY_ON {
            assert!(kept(header), "{header} is listed");
            assert!(kept_in(None, header), "{header} before the event's name");
            for e in *events {
                assert!(kept_in(Some(e), header), "{header} on {e}");
            }
            assert!(
                !kept_in(Some("CHANNEL_EXECUTE_COMPLETE"), header),
                "{header}"
            );
        }
        assert!(!kept_in(Some("CHANNEL_HOLD"), "event-sequence"));
        assert!(kept_in(Some("CUSTOM"), "event-sequence"));
        // Headers read on every event are kept on every event.
        for h in [
            "Event-Name",
            "Unique-ID",
            "Answer-State",
            "variable_sip_term_status",
        ] {
            assert!(kept_in(Some("CHANNEL_EXECUTE_COMPLETE"), h), "{h}");
        }
        assert!(!kept_in(None, "Core-UUID"));
    }

    #[test]
    fn a_reply_keeps_its_framing_and_the_channel_data_that_is_read() {
        for k in [
            "Reply-Text",
            "Content-Type",
            "Job-UUID",
            "Socket-Mode",
            "Unique-ID",
        ] {
            assert!(reply_kept(k), "{k}");
        }
        assert!(reply_kept("Caller-Caller-ID-Number"));
        assert!(reply_kept("Channel-Unique-ID"));
        assert!(!reply_kept("Channel-Call-State"));
        assert!(reply_kept("variable_sip_Privacy"));
        assert!(reply_kept("variable_sip_term_status"));
        assert!(!reply_kept("variable_sip_user_agent"));
        assert!(!reply_kept("Caller-Context"));
        assert!(!reply_kept("Channel-Read-Codec-Name"));
        for k in [
            "Core-UUID",
            "FreeSWITCH-Hostname",
            "Event-Date-Timestamp",
            "Event-Calling-Function",
            "Presence-Call-Direction",
        ] {
            assert!(!reply_kept(k), "{k}");
        }
        for k in [
            "Event-Name",
            "Event-Sequence",
            "Content-Disposition",
            "Linger-Time",
        ] {
            assert!(reply_kept(k), "{k}");
        }
    }

    #[test]
    fn the_lists_are_as_documented() {
        assert!(HEADERS.iter().all(|h| h.len() <= LONGEST));
        assert!(HEADERS.iter().all(|h| *h == h.to_ascii_lowercase()));
        assert!(VARIABLES.iter().all(|v| !v.starts_with("variable_")));
    }

    /// Every literal name read with `header_str`/`variable_str` outside
    /// tests, anywhere in src/, with the file that reads it.
    fn literal_reads() -> Vec<(String, String, bool)> {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let mut files = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let mut reads = Vec::new();
        for file in files {
            let name = file.display().to_string();
            if name.ends_with("tests.rs") || name.ends_with("event_headers.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (reader, variable) in [("header_str(\"", false), ("variable_str(\"", true)] {
                for piece in code.split(reader).skip(1) {
                    if let Some(end) = piece.find('"') {
                        reads.push((piece[..end].to_owned(), name.clone(), variable));
                    }
                }
            }
        }
        reads
    }

    #[test]
    fn every_channel_data_read_of_the_connect_reply_is_kept() {
        let file =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/freeswitch/channel_data.rs");
        let text = std::fs::read_to_string(file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let mut seen = 0;
        for (reader, prefix) in [("get(\"", ""), ("var(\"", "variable_")] {
            for piece in code.split(reader).skip(1) {
                let name = &piece[..piece.find('"').unwrap()];
                assert!(
                    reply_kept(&format!("{prefix}{name}")),
                    "channel_data.rs reads {prefix}{name}: list it in CONNECT_HEADERS or CONNECT_VARIABLES"
                );
                seen += 1;
            }
        }
        assert!(
            seen > 15,
            "the scan found {seen} reads: has channel_data.rs changed its readers?"
        );
    }

    #[test]
    fn every_literal_read_of_an_event_header_is_kept() {
        let reads = literal_reads();
        assert!(
            reads.len() > 40,
            "the scan found {} reads: has the reading API changed?",
            reads.len()
        );
        for (name, file, variable) in reads {
            let key = if variable {
                format!("variable_{name}")
            } else {
                name.clone()
            };
            assert!(
                kept(&key),
                "{file} reads {key:?} from an event: list it in src/freeswitch/event_headers.rs"
            );
        }
    }
}
