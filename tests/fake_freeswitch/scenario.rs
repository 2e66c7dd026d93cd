//! How a test scripts a call: the caller (`Caller`), each dialed endpoint
//! (`Callee`), and what the dialplan does after the socket app returns.

use std::sync::Arc;

use freeswitch_esl_tokio::HangupCause;

pub use super::caller::{Caller, DialplanNext, Target};
use super::faults::Faults;
use super::refer::{Refer, ReferReply};

/// What finally happens to a dialed leg's INVITE.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// 200 OK after this many ms.
    Answer(u64),
    /// A final SIP response after this many ms.
    Reject(u16, u64),
    /// Never answers; a timeout or the caller ends it.
    RingForever,
    /// Nothing listens: 503 / NORMAL_TEMPORARY_FAILURE after ~14 ms, no ringing.
    NoListener,
}

/// One dialed endpoint's scripted behaviour. Times are real milliseconds
/// from the INVITE (or from the answer, for what happens after it).
#[derive(Debug, Clone, PartialEq)]
pub struct Callee {
    pub outcome: Outcome,
    /// 180 Ringing at this time (default 2 ms); `None`: never rings.
    pub ring_at: Option<u64>,
    /// 183 with SDP at this time.
    pub early_media_at: Option<u64>,
    /// BYE from the callee this long after the answer.
    pub bye_after_answer: Option<u64>,
    /// RFC 2833 digits the callee sends, ms after the answer.
    pub digits: Vec<(String, u64)>,
    /// Beep tones (for avmd), ms after the answer.
    pub beeps: Vec<u64>,
    /// What `uuid_record` of this leg writes (16-bit 8 kHz samples).
    pub audio: Option<Arc<Vec<i16>>>,
    /// Milliseconds between two digits of one `presses` (default 300).
    pub digit_gap: u64,
    /// Faults on this leg's screening socket.
    pub faults: Faults,
    /// A REFER the callee sends after answering (refer.rs).
    pub refer: Option<Refer>,
    /// How it answers a REFER FreeSWITCH sends it (`deflect`).
    pub refer_reply: ReferReply,
    /// In-dialog INFOs it sends: content type, body, ms after the answer.
    pub infos: Vec<(String, String, u64)>,
    /// Its re-INVITEs: ms after the answer, `true` to hold (a=sendonly),
    /// `false` to resume (hold.rs).
    pub holds: Vec<(u64, bool)>,
    /// The `X-FS-Support` it advertises (`send_info`, `send_message`).
    pub fs_support: String,
}

impl Callee {
    fn with(outcome: Outcome) -> Self {
        Callee {
            outcome,
            ring_at: Some(2),
            early_media_at: None,
            bye_after_answer: None,
            digits: Vec::new(),
            beeps: Vec::new(),
            audio: None,
            digit_gap: 300,
            faults: Faults::default(),
            refer: None,
            refer_reply: ReferReply::default(),
            infos: Vec::new(),
            holds: Vec::new(),
            fs_support: String::new(),
        }
    }
    /// Rings, then answers `ms` after the INVITE.
    pub fn answers_after(ms: u64) -> Self {
        Self::with(Outcome::Answer(ms))
    }
    /// Rings, then answers with final response `code` after `ms`.
    pub fn rejects(code: u16, after_ms: u64) -> Self {
        Self::with(Outcome::Reject(code, after_ms))
    }
    /// Rings until something else ends it.
    pub fn rings_forever() -> Self {
        Self::with(Outcome::RingForever)
    }
    /// No SIP listener at the address (NORMAL_TEMPORARY_FAILURE, 503).
    pub fn no_listener() -> Self {
        let mut c = Self::with(Outcome::NoListener);
        c.ring_at = None;
        c
    }
    /// Sends 180 at `ms` instead of at once.
    pub fn rings_at(mut self, ms: u64) -> Self {
        self.ring_at = Some(ms);
        self
    }
    /// Never sends 180.
    pub fn no_ringing(mut self) -> Self {
        self.ring_at = None;
        self
    }
    /// Sends 183 with SDP at `ms`.
    pub fn early_media_at(mut self, ms: u64) -> Self {
        self.early_media_at = Some(ms);
        self
    }
    /// The callee hangs up (BYE) `ms` after answering.
    pub fn hangs_up_after_answer(mut self, ms: u64) -> Self {
        self.bye_after_answer = Some(ms);
        self
    }
    /// The callee presses `digits` (one event per digit, 300 ms apart)
    /// starting `at_ms` after answering.
    pub fn presses(mut self, digits: &str, at_ms: u64) -> Self {
        self.digits.push((digits.to_string(), at_ms));
        self
    }
    /// A 1 kHz beep starts `at_ms` after answering.
    pub fn beeps_at(mut self, at_ms: u64) -> Self {
        self.beeps.push(at_ms);
        self
    }
    /// Faults injected on the screening socket this leg opens when it
    /// answers.
    pub fn screening_faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }
    /// Audio `uuid_record` writes for this leg, at real-time pace.
    pub fn records(mut self, samples: Vec<i16>) -> Self {
        self.audio = Some(Arc::new(samples));
        self
    }
    /// Every time of the script multiplied by `f` (replays run a capture's
    /// timeline faster; the audio is not rescaled).
    pub fn scaled(mut self, f: f64) -> Self {
        let s = |ms: u64| (ms as f64 * f).round() as u64;
        self.outcome = match self.outcome {
            Outcome::Answer(t) => Outcome::Answer(s(t)),
            Outcome::Reject(c, t) => Outcome::Reject(c, s(t)),
            o => o,
        };
        self.ring_at = self.ring_at.map(s);
        self.early_media_at = self.early_media_at.map(s);
        self.bye_after_answer = self.bye_after_answer.map(s);
        for d in &mut self.digits {
            d.1 = s(d.1);
        }
        for b in &mut self.beeps {
            *b = s(*b);
        }
        self.digit_gap = s(self.digit_gap);
        if let Some(r) = &mut self.refer {
            r.at = s(r.at);
        }
        self.refer_reply.after_ms = s(self.refer_reply.after_ms);
        if let Some(n) = &mut self.refer_reply.notify {
            n.1 = s(n.1);
        }
        for i in &mut self.infos {
            i.2 = s(i.2);
        }
        for h in &mut self.holds {
            h.0 = s(h.0);
        }
        self
    }
}

/// mod_sofia's `hangup_cause_to_sip`: the response an unanswered caller
/// gets for a hangup cause when no remote code overrides it.
pub fn hangup_cause_to_sip(cause: HangupCause) -> u16 {
    use HangupCause::*;
    match cause {
        UnallocatedNumber | NoRouteTransitNet | NoRouteDestination => 404,
        UserBusy => 486,
        NoUserResponse => 408,
        NoAnswer | SubscriberAbsent => 480,
        CallRejected => 603,
        NumberChanged | RedirectionToNewDestination => 410,
        DestinationOutOfOrder => 502,
        InvalidNumberFormat => 484,
        FacilityRejected => 501,
        NormalUnspecified => 480,
        RequestedChanUnavail
        | NormalCircuitCongestion
        | NetworkOutOfOrder
        | NormalTemporaryFailure
        | SwitchCongestion => 503,
        OutgoingCallBarred | IncomingCallBarred | BearercapabilityNotauth => 403,
        BearercapabilityNotavail => 503,
        BearercapabilityNotimpl | IncompatibleDestination => 488,
        FacilityNotImplemented | ServiceNotImplemented => 501,
        RecoveryOnTimerExpire => 504,
        OriginatorCancel => 487,
        ExchangeRoutingError => 483,
        _ => 480,
    }
}

/// The Q.850 number of a cause (`hangup_cause_q850`, `sip_term_cause`).
/// Causes past 127 are FreeSWITCH's own and report 16 (02c1: ALLOTTED_TIMEOUT).
pub fn q850(cause: HangupCause) -> u16 {
    match cause as u16 {
        n @ 1..=127 => n,
        _ => 16,
    }
}
