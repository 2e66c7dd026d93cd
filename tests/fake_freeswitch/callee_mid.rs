//! What a callee does in the middle of a call: REFER (refer.rs), answering
//! FreeSWITCH's REFER, INFO (info.rs), hold re-INVITEs (hold.rs), and the
//! `X-FS-Support` it advertises. Times count from the answer, like
//! `presses`; `Callee::scaled` scales them.

use super::refer::{Refer, ReferReply};
use super::scenario::Callee;

impl Callee {
    /// `at_ms` after answering, the callee sends a blind REFER to `uri`
    /// (`sip:2000@127.0.0.1:5340`), Referred-By itself unless
    /// `referred_by` says otherwise (docs/freeswitch.md §11).
    pub fn refers_to(mut self, uri: &str, at_ms: u64) -> Self {
        self.refer = Some(Refer {
            to: uri.to_string(),
            referred_by: None,
            headers: Vec::new(),
            at: at_ms,
        });
        self
    }
    /// The REFER's Referred-By value (`<sip:callee@127.0.0.1:5302>`).
    pub fn referred_by(mut self, value: &str) -> Self {
        if let Some(r) = &mut self.refer {
            r.referred_by = Some(value.to_string());
        }
        self
    }
    /// An extra header of the REFER (`X-...`). FreeSWITCH makes no variable
    /// of it (sofia.c); it is kept for the test's own records.
    pub fn refer_header(mut self, name: &str, value: &str) -> Self {
        if let Some(r) = &mut self.refer {
            r.headers.push((name.to_string(), value.to_string()));
        }
        self
    }
    /// How the callee answers a REFER from FreeSWITCH (`deflect`): final
    /// response `code`, then, when it is 2xx and `notify` is given, a
    /// NOTIFY with that sipfrag 300 ms later. Default 202 and
    /// `SIP/2.0 200 OK` (20a).
    pub fn answers_refer(mut self, code: u16, notify: Option<&str>) -> Self {
        self.refer_reply = ReferReply {
            code,
            after_ms: self.refer_reply.after_ms,
            notify: notify.map(|n| (n.to_string(), 300)),
        };
        self
    }
    /// `at_ms` after answering, the callee sends an in-dialog INFO
    /// (`application/dtmf-relay` with `Signal=7\r\nDuration=160\r\n` also
    /// gives a DTMF event; docs/freeswitch.md §21).
    pub fn sends_info(mut self, content_type: &str, body: &str, at_ms: u64) -> Self {
        self.infos
            .push((content_type.to_string(), body.to_string(), at_ms));
        self
    }
    /// `at_ms` after answering, the callee puts the call on hold with a
    /// re-INVITE (`a=sendonly`, docs/freeswitch.md §23).
    pub fn holds_at(mut self, at_ms: u64) -> Self {
        self.holds.push((at_ms, true));
        self
    }
    /// `at_ms` after answering, the callee resumes it (`a=sendrecv`).
    pub fn resumes_at(mut self, at_ms: u64) -> Self {
        self.holds.push((at_ms, false));
        self
    }
    /// The `X-FS-Support` value of its answer (`send_info`,
    /// `send_message`): FreeSWITCH then sends INFO / MESSAGE without
    /// `fs_send_unsupported_*` (mod_sofia.c).
    pub fn advertises(mut self, fs_support: &str) -> Self {
        self.fs_support = fs_support.to_string();
        self
    }
}
