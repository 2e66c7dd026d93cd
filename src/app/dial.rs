//! The `dial` verb: ring up to ten targets at once, bridge the first to
//! answer (and pass screening), report the outcome to `actionHook`.

use serde::Serialize;
use serde_json::Value;

use super::amd::Amd;
use super::headers::Headers;
use super::hook::Hook;
use super::target::Target;

/// Most targets one dial may ring (jambonz's limit; FreeSWITCH's own
/// originate limit is 128 legs).
pub(crate) const MAX_TARGETS: usize = 10;

/// Ring timeout when the application gives none (jambonz's default).
pub(crate) const DEFAULT_TIMEOUT_SECS: u32 = 60;

/// Longest ring timeout or call time limit accepted: one day.
pub(crate) const MAX_SECS: u64 = 86_400;

/// A validated `dial` verb.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dial {
    /// Distinct targets with their index in the application's array.
    pub(crate) targets: Vec<(usize, Target)>,
    /// Where the outcome is posted.
    pub(crate) action_hook: Option<Hook>,
    /// Answering-machine detection.
    pub amd: Option<Amd>,
    /// Gain on the caller's audio toward the callee (`boostAudioSignal`).
    pub(crate) boost: Option<super::boost::Boost>,
    /// Caller not answered until a target answers.
    pub(crate) answer_on_bridge: bool,
    /// Caller ID number shown to the targets.
    pub(crate) caller_id: Option<String>,
    /// Caller ID name shown to the targets.
    pub(crate) caller_name: Option<String>,
    /// Screening app for every target without its own.
    pub(crate) confirm_hook: Option<Hook>,
    /// Ringback audio URL for the caller.
    pub(crate) dial_music: Option<String>,
    /// DTMF sequences to report.
    pub(crate) dtmf_capture: Option<DtmfCapture>,
    /// Where DTMF matches are posted.
    pub(crate) dtmf_hook: Option<Hook>,
    /// Take the media path out of FreeSWITCH after the bridge.
    pub(crate) exit_media_path: bool,
    /// Forward the caller's P-Asserted-Identity and Privacy (default true).
    pub(crate) forward_pai: bool,
    /// Every dialed leg must negotiate SRTP (SDES) or fail
    /// (`srtpEncryption: "sdes"`: FreeSWITCH's `rtp_secure_media=mandatory`).
    pub(crate) srtp_mandatory: bool,
    /// SIP headers on every target's INVITE.
    pub(crate) headers: Headers,
    /// Record the bridged call (RCML `record="true"`).
    pub(crate) record: bool,
    /// The caller's `*` ends the bridged call and the caller goes on (RCML
    /// `hangupOnStar="true"`).
    pub(crate) hangup_on_star: bool,
    /// Audio streamed to a websocket while bridged (`listen`/`stream`).
    pub(crate) listen: Option<Box<super::listen::Listen>>,
    /// Webhook for REFER on the dialed call.
    pub(crate) refer_hook: Option<Hook>,
    /// Asked what the caller hears while the callee holds the call
    /// (`play`, `say`, `pause`), instead of FreeSWITCH's hold music.
    pub(crate) on_hold_hook: Option<Hook>,
    /// Transcripts of the bridged call (`transcribe`).
    pub(crate) transcribe: Option<Box<super::transcribe::Transcribe>>,
    /// Extra data for the child call's hooks (`customerData`).
    pub(crate) tag: Option<Value>,
    /// Max seconds the answered call may last.
    pub(crate) time_limit: Option<u32>,
    /// Ring timeout in seconds.
    pub(crate) timeout: u32,
}

/// DTMF sequences to watch: on both legs, or per leg.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DtmfCapture {
    /// The same list on the caller and the callee.
    Both(Vec<String>),
    /// Separate lists (jambonz's object form).
    PerLeg {
        /// Sequences pressed by the callee.
        child_call: Vec<String>,
        /// Sequences pressed by the caller.
        parent_call: Vec<String>,
    },
}
