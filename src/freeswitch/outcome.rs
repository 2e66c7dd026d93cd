//! From what FreeSWITCH reported about each leg to the dial's outcome:
//! `dial_status`, `dial_sip_status`, `dial_call_sid` and one entry per leg.
//!
//! The per-leg CHANNEL_HANGUP_COMPLETE is the truth (docs/freeswitch.md §3); the
//! A-leg summary variables name the first-listed or the last-failed leg and
//! are never used. Rules, in order:
//!
//! 1. a leg was bridged -> `completed` / 200, `dial_call_sid` = that leg;
//! 2. the dial was cancelled through the API -> `canceled` / 487;
//! 3. the caller hung up while legs rang -> `no-answer` / 487;
//! 4. some leg rang until our timeout (487), answered 408 or 480, or was
//!    declined by its screening app -> `no-answer` with that leg's code
//!    (a timed-out leg first);
//! 5. some leg answered 486 or 600 -> `busy` with that code;
//! 6. otherwise `failed` with the best final response among the legs as a
//!    forking proxy picks it (RFC 3261 §16.7: any 6xx, else 4xx before
//!    5xx, the first-listed leg within a class), or 500 when FreeSWITCH gave
//!    no SIP status at all.
//!
//! Cancelled legs (another leg won, or the caller left) count as no-answer
//! with 487 when nothing was bridged.

use freeswitch_esl_tokio::HangupCause;
use serde::Serialize;

/// What FreeSWITCH reported about one leg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegReport {
    /// Index in the application's target array.
    pub target: usize,
    /// The leg's UUID (`origination_uuid`).
    pub uuid: String,
    /// `Hangup-Cause` of its CHANNEL_HANGUP_COMPLETE; None when FreeSWITCH
    /// never created the channel.
    pub cause: Option<HangupCause>,
    /// `variable_sip_term_status`: the final response it got, when it got one.
    pub sip_status: Option<u16>,
    /// It was bridged to the caller.
    pub bridged: bool,
    /// It answered but its screening app (confirmHook) turned it down, or it
    /// hung up during screening.
    pub declined: bool,
    /// Seconds it was connected to the caller.
    pub connected_secs: u64,
    /// Its SIP Call-ID.
    pub sip_call_id: Option<String>,
}

/// How the dial ended from the caller's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialEnd {
    /// The bridge returned on its own.
    Normal,
    /// The caller hung up before any leg was bridged.
    CallerHungUp,
    /// Cancelled through the REST API.
    Canceled,
}

/// The dial's result as applications know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum DialStatus {
    /// Bridged.
    Completed,
    /// Could not be routed or was refused.
    Failed,
    /// Busy.
    Busy,
    /// Nobody answered in time.
    NoAnswer,
    /// Cancelled through the API.
    Canceled,
}

impl DialStatus {
    /// The name applications see.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DialStatus::Completed => "completed",
            DialStatus::Failed => "failed",
            DialStatus::Busy => "busy",
            DialStatus::NoAnswer => "no-answer",
            DialStatus::Canceled => "canceled",
        }
    }
}

/// One leg's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum LegStatus {
    /// Bridged to the caller.
    Completed,
    /// Busy.
    Busy,
    /// Rang out, or 408/480.
    NoAnswer,
    /// Refused or unroutable.
    Failed,
    /// Cancelled because another leg won or the caller left.
    Canceled,
    /// Answered, then turned down during screening.
    Declined,
}

impl LegStatus {
    /// The name applications see.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            LegStatus::Completed => "completed",
            LegStatus::Busy => "busy",
            LegStatus::NoAnswer => "no-answer",
            LegStatus::Failed => "failed",
            LegStatus::Canceled => "canceled",
            LegStatus::Declined => "declined",
        }
    }
}

/// One entry of `dial_legs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct LegOutcome {
    /// Index in the application's target array.
    pub target: usize,
    /// The leg's UUID.
    pub call_sid: String,
    /// What happened.
    pub(crate) status: LegStatus,
    /// Its SIP status (200 when answered, 487 when cancelled by us).
    pub sip_status: Option<u16>,
    /// FreeSWITCH's Hangup-Cause.
    pub hangup_cause: Option<String>,
    /// Seconds connected.
    pub(crate) duration: u64,
}

/// The dial's outcome, as reported to the actionHook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DialOutcome {
    /// completed, failed, busy, no-answer or canceled.
    pub(crate) dial_status: DialStatus,
    /// The SIP status that decided it.
    pub(crate) dial_sip_status: u16,
    /// The bridged leg's UUID.
    pub(crate) dial_call_sid: Option<String>,
    /// The bridged leg's SIP Call-ID.
    pub(crate) dial_sbc_callid: Option<String>,
    /// Seconds the bridged leg was connected.
    pub(crate) duration: u64,
    /// Every leg.
    pub(crate) dial_legs: Vec<LegOutcome>,
}

/// One leg's status and SIP code.
fn classify(leg: &LegReport) -> (LegStatus, Option<u16>) {
    use HangupCause as C;
    if leg.bridged {
        return (LegStatus::Completed, Some(200));
    }
    if leg.declined {
        return (LegStatus::Declined, Some(200));
    }
    match (leg.cause, leg.sip_status) {
        (Some(C::LoseRace | C::OriginatorCancel), _) => (LegStatus::Canceled, Some(487)),
        (Some(C::AllottedTimeout | C::NoAnswer), None) => (LegStatus::NoAnswer, Some(487)),
        (_, Some(code)) => (status_of_code(code), Some(code)),
        (Some(C::UserBusy), None) => (LegStatus::Busy, Some(486)),
        (Some(C::NoUserResponse), None) => (LegStatus::NoAnswer, Some(480)),
        (Some(C::RecoveryOnTimerExpire), None) => (LegStatus::NoAnswer, Some(408)),
        _ => (LegStatus::Failed, None),
    }
}

/// What a final response means for a leg.
fn status_of_code(code: u16) -> LegStatus {
    match code {
        // Answered but never bridged (e.g. killed during screening).
        200..=299 => LegStatus::Declined,
        408 | 480 | 487 => LegStatus::NoAnswer,
        486 | 600 => LegStatus::Busy,
        _ => LegStatus::Failed,
    }
}

/// RFC 3261 §16.7 preference among failure classes (lower is better): any
/// 6xx, then 4xx, then 5xx. Within a class the first-listed leg wins.
/// (§16.7's preference for 401/407 serves a proxy whose caller can retry
/// with credentials; dialbridge is a B2BUA, so it does not apply.)
fn rank(code: u16) -> u8 {
    match code {
        600..=699 => 0,
        400..=499 => 1,
        500..=599 => 2,
        _ => 3,
    }
}

/// Decides the dial's outcome from its legs.
pub fn decide(legs: &[LegReport], end: DialEnd) -> DialOutcome {
    let classified: Vec<(&LegReport, LegStatus, Option<u16>)> = legs
        .iter()
        .map(|l| {
            let (s, c) = classify(l);
            (l, s, c)
        })
        .collect();
    let dial_legs = classified
        .iter()
        .map(|(l, s, c)| LegOutcome {
            target: l.target,
            call_sid: l.uuid.clone(),
            status: *s,
            sip_status: *c,
            hangup_cause: l.cause.map(|c| c.to_string()),
            duration: l.connected_secs,
        })
        .collect();
    let mut out = DialOutcome {
        dial_status: DialStatus::Failed,
        dial_sip_status: 500,
        dial_call_sid: None,
        dial_sbc_callid: None,
        duration: 0,
        dial_legs,
    };
    let first = |wanted: LegStatus| classified.iter().find(|(_, s, _)| *s == wanted);
    if let Some((leg, _, _)) = first(LegStatus::Completed) {
        out.dial_status = DialStatus::Completed;
        out.dial_sip_status = 200;
        out.dial_call_sid = Some(leg.uuid.clone());
        out.dial_sbc_callid = leg.sip_call_id.clone();
        out.duration = leg.connected_secs;
        return out;
    }
    let (status, code) = match end {
        DialEnd::Canceled => (DialStatus::Canceled, 487),
        DialEnd::CallerHungUp => (DialStatus::NoAnswer, 487),
        DialEnd::Normal => {
            let no_answer = classified
                .iter()
                .filter(|(_, s, _)| matches!(s, LegStatus::NoAnswer | LegStatus::Canceled))
                .map(|(_, _, c)| c.unwrap_or(480))
                .min_by_key(|c| u8::from(*c != 487));
            if let Some(code) = no_answer {
                (DialStatus::NoAnswer, code)
            } else if first(LegStatus::Declined).is_some() {
                (DialStatus::NoAnswer, 480)
            } else if let Some((_, _, code)) = first(LegStatus::Busy) {
                (DialStatus::Busy, code.unwrap_or(486))
            } else {
                let best = classified
                    .iter()
                    .filter(|(_, s, _)| *s == LegStatus::Failed)
                    .filter_map(|(_, _, c)| *c)
                    .min_by_key(|c| rank(*c));
                (DialStatus::Failed, best.unwrap_or(500))
            }
        }
    };
    out.dial_status = status;
    out.dial_sip_status = code;
    out
}

/// How to refuse an unanswered caller after a dial that reached nobody:
/// the SIP status to send, and the hangup cause with which mod_sofia sends
/// exactly that status when `sip_ignore_remote_cause=true` (None when no
/// cause maps to it; then `respond <status>` is the way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// Final response for the caller.
    pub sip_status: u16,
    /// Cause for `hangup`, when one maps to `sip_status`.
    pub cause: Option<HangupCause>,
}

/// The refusal matching `outcome` (486 busy, 480 no-answer, the failing
/// leg's code for failed — 403 instead of a callee's 401/407 challenge —,
/// 487 canceled); None when a leg was bridged.
pub(crate) fn refusal(outcome: &DialOutcome) -> Option<Refusal> {
    let sip_status = match outcome.dial_status {
        DialStatus::Completed => return None,
        DialStatus::Busy => 486,
        DialStatus::NoAnswer => 480,
        DialStatus::Canceled => 487,
        // A callee's challenge is not the caller's to answer.
        DialStatus::Failed if matches!(outcome.dial_sip_status, 401 | 407) => 403,
        DialStatus::Failed => outcome.dial_sip_status,
    };
    Some(Refusal {
        sip_status,
        cause: cause_for_sip(sip_status),
    })
}

/// mod_sofia's `hangup_cause_to_sip`: the final response an unanswered
/// inbound channel gets when hung up with `cause` (and no other leg's code
/// overrides it).
pub(crate) fn sip_for_cause(cause: HangupCause) -> u16 {
    use HangupCause as C;
    match cause {
        C::UnallocatedNumber | C::NoRouteTransitNet | C::NoRouteDestination => 404,
        C::UserBusy => 486,
        C::NoUserResponse => 408,
        C::NoAnswer | C::SubscriberAbsent => 480,
        C::CallRejected => 603,
        C::NumberChanged | C::RedirectionToNewDestination => 410,
        C::DestinationOutOfOrder | C::InvalidProfile => 502,
        C::InvalidNumberFormat | C::InvalidUrl | C::InvalidGateway => 484,
        C::FacilityRejected => 501,
        C::NormalUnspecified => 480,
        C::RequestedChanUnavail
        | C::NormalCircuitCongestion
        | C::NetworkOutOfOrder
        | C::NormalTemporaryFailure
        | C::SwitchCongestion
        | C::GatewayDown
        | C::BearercapabilityNotavail => 503,
        C::OutgoingCallBarred | C::IncomingCallBarred | C::BearercapabilityNotauth => 403,
        C::BearercapabilityNotimpl | C::IncompatibleDestination => 488,
        C::FacilityNotImplemented | C::ServiceNotImplemented => 501,
        C::RecoveryOnTimerExpire => 504,
        C::OriginatorCancel => 487,
        C::ExchangeRoutingError => 483,
        _ => 480,
    }
}

/// A cause that [`sip_for_cause`] maps to `code`, if any.
pub(crate) fn cause_for_sip(code: u16) -> Option<HangupCause> {
    use HangupCause as C;
    Some(match code {
        403 => C::OutgoingCallBarred,
        404 => C::UnallocatedNumber,
        408 => C::NoUserResponse,
        410 => C::NumberChanged,
        480 => C::NoAnswer,
        483 => C::ExchangeRoutingError,
        484 => C::InvalidNumberFormat,
        486 => C::UserBusy,
        487 => C::OriginatorCancel,
        488 => C::IncompatibleDestination,
        501 => C::ServiceNotImplemented,
        502 => C::DestinationOutOfOrder,
        503 => C::NormalTemporaryFailure,
        504 => C::RecoveryOnTimerExpire,
        603 => C::CallRejected,
        _ => return None,
    })
}

#[cfg(test)]
#[path = "outcome_tests.rs"]
mod tests;
