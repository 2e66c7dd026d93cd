//! What applications say, whatever their dialect: the validated verb model
//! (verbs, the dial with its targets and hooks, headers, AMD settings) and
//! the dialect-neutral rules every value passes before it may reach
//! FreeSWITCH ([`rules`]). Readers of a dialect ([`crate::jambonz`] today)
//! produce these values; the call engine runs them. Nothing here knows
//! FreeSWITCH, HTTP, or the syntax of a dialect.

pub mod address_rules;
pub mod alert;
pub mod amd;
pub(crate) mod boost;
pub mod conference;
pub mod config;
pub mod decline;
pub mod dial;
pub(crate) mod gather;
pub(crate) mod hangup;
pub(crate) mod headers;
pub mod hook;
pub(crate) mod listen;
pub(crate) mod pause;
pub(crate) mod play;
pub(crate) mod problem;
pub(crate) mod queue;
pub(crate) mod record;
pub(crate) mod redirect;
mod refusal;
pub mod rest_dial;
pub mod rules;
pub mod say;
pub mod send_dtmf;
pub mod sip_refer;
pub mod sip_request;
pub mod tag;
pub mod target;
pub(crate) mod transcribe;

use serde::Serialize;

pub use dial::{Dial, DtmfCapture};
pub use hook::{Format, Hook, Method};
pub use problem::{Location, Problem, Problems, ReplyError};
pub(crate) use target::{SipAuth, Target, TargetKind};

/// What validation needs to know about this installation.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Accept national digits where E.164 is expected.
    pub relaxed_numbers: bool,
    /// Names of the configured carriers.
    pub carriers: Vec<String>,
    /// True when a carrier is marked `default`.
    pub(crate) has_default_carrier: bool,
    /// `[teams] tenant`, used by teams targets that name none.
    pub(crate) teams_tenant: Option<String>,
    /// Directories `play` may name files in (`[media] cache_dir` and
    /// `allow_paths`); empty: no local path is allowed.
    pub media_dirs: Vec<String>,
    /// `[registrar] domain`: the domain of RCML `<Client>` names written
    /// without one.
    pub registrar_domain: Option<String>,
    /// Names of the `[speech.<name>]` recognizers.
    pub speech: Vec<String>,
}

impl Context {
    /// True when `name` names a configured carrier (ignoring case, as
    /// environment-variable overrides lowercase keys).
    pub(crate) fn has_carrier(&self, name: &str) -> bool {
        self.carriers.iter().any(|c| c.eq_ignore_ascii_case(name))
    }
}

/// One verb of an application.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "verb", rename_all = "lowercase")]
pub enum Verb {
    /// Send 180 Ringing with `Alert-Info`.
    Alert(alert::Alert),
    /// Answer the call.
    Answer,
    /// Session-wide defaults and background features.
    Config(Box<config::Config>),
    /// Join a conference room.
    Conference(conference::Conference),
    /// Connect this call to a caller waiting in a queue.
    Dequeue(queue::Dequeue),
    /// Ring targets and bridge the first to answer.
    Dial(Box<Dial>),
    /// Wait in a queue until another call dequeues this one.
    Enqueue(queue::Enqueue),
    /// Collect digits.
    Gather(gather::Gather),
    /// End the call.
    Hangup(hangup::Hangup),
    /// Stream the call's audio to a websocket (jambonz's `stream` too).
    Listen(Box<listen::Listen>),
    /// Silence.
    Pause(pause::Pause),
    /// Play audio.
    Play(play::Play),
    /// Record the caller (RCML `<Record>`).
    Record(record::Record),
    /// Fetch a new application.
    Redirect(redirect::Redirect),
    /// Start an outbound call (createCall's engine); the call goes on.
    #[serde(rename = "rest:dial")]
    RestDial(Box<rest_dial::RestDial>),
    /// Speak text.
    Say(say::Say),
    /// Send DTMF digits to the caller.
    #[serde(rename = "dtmf")]
    SendDtmf(send_dtmf::SendDtmf),
    /// Leave a conference or queue (nothing to leave otherwise).
    Leave,
    /// Send a REFER to the caller.
    #[serde(rename = "sip:refer")]
    SipRefer(sip_refer::SipRefer),
    /// Send a SIP request inside the caller's dialog.
    #[serde(rename = "sip:request")]
    SipRequest(sip_request::SipRequest),
    /// Refuse the call with a SIP status.
    #[serde(rename = "sip:decline")]
    SipDecline(decline::SipDecline),
    /// Attach data to later hooks.
    Tag(tag::Tag),
    /// Send the caller's speech to a recognizer, transcripts to a hook.
    Transcribe(Box<transcribe::Transcribe>),
}

impl Verb {
    /// The verb's name as applications write it.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Verb::Alert(_) => "alert",
            Verb::Answer => "answer",
            Verb::Config(_) => "config",
            Verb::Conference(_) => "conference",
            Verb::Dequeue(_) => "dequeue",
            Verb::Dial(_) => "dial",
            Verb::Enqueue(_) => "enqueue",
            Verb::Gather(_) => "gather",
            Verb::Hangup(_) => "hangup",
            Verb::Listen(_) => "listen",
            Verb::Pause(_) => "pause",
            Verb::Play(_) => "play",
            Verb::Record(_) => "record",
            Verb::Redirect(_) => "redirect",
            Verb::RestDial(_) => "rest:dial",
            Verb::Say(_) => "say",
            Verb::SendDtmf(_) => "dtmf",
            Verb::Leave => "leave",
            Verb::SipRefer(_) => "sip:refer",
            Verb::SipRequest(_) => "sip:request",
            Verb::SipDecline(_) => "sip:decline",
            Verb::Tag(_) => "tag",
            Verb::Transcribe(_) => "transcribe",
        }
    }
}

/// A verb with its optional `id` (echoed as `verb_id` in its hooks).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Instruction {
    /// The application's id for this verb.
    pub(crate) id: Option<String>,
    /// The verb.
    #[serde(flatten)]
    pub verb: Verb,
}

/// A valid reply: the verbs to run, plus notices about properties that were
/// accepted but have no effect.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reply {
    /// Verbs in order.
    pub instructions: Vec<Instruction>,
    /// Things the application should know (not errors).
    pub notices: Vec<Problem>,
}
