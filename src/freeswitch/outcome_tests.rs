use super::*;
use HangupCause as C;

fn leg(target: usize, cause: Option<HangupCause>, sip: Option<u16>) -> LegReport {
    LegReport {
        target,
        uuid: format!("leg-{target}"),
        cause,
        sip_status: sip,
        bridged: false,
        declined: false,
        connected_secs: 0,
        sip_call_id: None,
    }
}

fn failed_with(target: usize, code: u16) -> LegReport {
    leg(target, HangupCause::from_sip_response(code), Some(code))
}

fn bridged(target: usize, secs: u64) -> LegReport {
    LegReport {
        bridged: true,
        connected_secs: secs,
        sip_call_id: Some(format!("callid-{target}")),
        ..leg(target, Some(C::NormalClearing), Some(200))
    }
}

/// Every SIP final code in FreeSWITCH's `sofia_glue_sip_cause_to_freeswitch`
/// (docs/freeswitch.md §3), with the cause FreeSWITCH gives and the dial outcome
/// one leg failing with it must produce.
const SINGLE_LEG: &[(u16, &str, DialStatus, u16)] = &[
    (400, "NORMAL_TEMPORARY_FAILURE", DialStatus::Failed, 400),
    (401, "CALL_REJECTED", DialStatus::Failed, 401),
    (402, "CALL_REJECTED", DialStatus::Failed, 402),
    (403, "CALL_REJECTED", DialStatus::Failed, 403),
    (404, "UNALLOCATED_NUMBER", DialStatus::Failed, 404),
    (405, "SERVICE_UNAVAILABLE", DialStatus::Failed, 405),
    (406, "SERVICE_NOT_IMPLEMENTED", DialStatus::Failed, 406),
    (407, "CALL_REJECTED", DialStatus::Failed, 407),
    (408, "RECOVERY_ON_TIMER_EXPIRE", DialStatus::NoAnswer, 408),
    (410, "NUMBER_CHANGED", DialStatus::Failed, 410),
    (413, "INTERWORKING", DialStatus::Failed, 413),
    (414, "INTERWORKING", DialStatus::Failed, 414),
    (415, "SERVICE_NOT_IMPLEMENTED", DialStatus::Failed, 415),
    (416, "INTERWORKING", DialStatus::Failed, 416),
    (420, "INTERWORKING", DialStatus::Failed, 420),
    (421, "INTERWORKING", DialStatus::Failed, 421),
    (423, "INTERWORKING", DialStatus::Failed, 423),
    (428, "NO_IDENTITY", DialStatus::Failed, 428),
    (429, "BAD_IDENTITY_INFO", DialStatus::Failed, 429),
    (437, "UNSUPPORTED_CERTIFICATE", DialStatus::Failed, 437),
    (438, "INVALID_IDENTITY", DialStatus::Failed, 438),
    (480, "NO_USER_RESPONSE", DialStatus::NoAnswer, 480),
    (481, "NORMAL_TEMPORARY_FAILURE", DialStatus::Failed, 481),
    (482, "EXCHANGE_ROUTING_ERROR", DialStatus::Failed, 482),
    (483, "EXCHANGE_ROUTING_ERROR", DialStatus::Failed, 483),
    (484, "INVALID_NUMBER_FORMAT", DialStatus::Failed, 484),
    (485, "NO_ROUTE_DESTINATION", DialStatus::Failed, 485),
    (486, "USER_BUSY", DialStatus::Busy, 486),
    (487, "ORIGINATOR_CANCEL", DialStatus::NoAnswer, 487),
    (488, "INCOMPATIBLE_DESTINATION", DialStatus::Failed, 488),
    (500, "NORMAL_TEMPORARY_FAILURE", DialStatus::Failed, 500),
    (501, "SERVICE_NOT_IMPLEMENTED", DialStatus::Failed, 501),
    (502, "NETWORK_OUT_OF_ORDER", DialStatus::Failed, 502),
    (503, "NORMAL_TEMPORARY_FAILURE", DialStatus::Failed, 503),
    (504, "RECOVERY_ON_TIMER_EXPIRE", DialStatus::Failed, 504),
    (505, "INTERWORKING", DialStatus::Failed, 505),
    (513, "INTERWORKING", DialStatus::Failed, 513),
    (600, "USER_BUSY", DialStatus::Busy, 600),
    (603, "CALL_REJECTED", DialStatus::Failed, 603),
    (604, "NO_ROUTE_DESTINATION", DialStatus::Failed, 604),
    (606, "INCOMPATIBLE_DESTINATION", DialStatus::Failed, 606),
    (607, "UNWANTED", DialStatus::Failed, 607),
    (608, "CALL_REJECTED", DialStatus::Failed, 608),
];

#[test]
fn every_sip_final_code_freeswitch_maps() {
    for &(code, cause, status, sip) in SINGLE_LEG {
        assert_eq!(
            HangupCause::from_sip_response(code)
                .map(|c| c.to_string())
                .as_deref(),
            Some(cause),
            "FreeSWITCH maps {code} to {cause}"
        );
        let out = decide(&[failed_with(0, code)], DialEnd::Normal);
        assert_eq!(
            (out.dial_status, out.dial_sip_status),
            (status, sip),
            "SIP {code}"
        );
        assert_eq!(out.dial_call_sid, None, "SIP {code}");
        assert_eq!(out.dial_legs[0].hangup_cause.as_deref(), Some(cause));
    }
}

#[test]
fn codes_freeswitch_does_not_map_still_fail_with_their_code() {
    for code in [409, 422, 499, 580, 599, 699] {
        assert_eq!(HangupCause::from_sip_response(code), None);
        let out = decide(
            &[leg(0, Some(C::NormalUnspecified), Some(code))],
            DialEnd::Normal,
        );
        assert_eq!(
            (out.dial_status, out.dial_sip_status),
            (DialStatus::Failed, code)
        );
    }
}

#[test]
fn busy_ringing_answer_completes_with_the_answering_leg() {
    // 02a: 486 / LOSE_RACE / bridged.
    let legs = [
        failed_with(0, 486),
        leg(1, Some(C::LoseRace), None),
        bridged(2, 3),
    ];
    let out = decide(&legs, DialEnd::Normal);
    assert_eq!(out.dial_status, DialStatus::Completed);
    assert_eq!(out.dial_sip_status, 200);
    assert_eq!(out.dial_call_sid.as_deref(), Some("leg-2"));
    assert_eq!(out.dial_sbc_callid.as_deref(), Some("callid-2"));
    assert_eq!(out.duration, 3);
    let statuses: Vec<_> = out
        .dial_legs
        .iter()
        .map(|l| (l.status, l.sip_status))
        .collect();
    assert_eq!(
        statuses,
        [
            (LegStatus::Busy, Some(486)),
            (LegStatus::Canceled, Some(487)),
            (LegStatus::Completed, Some(200))
        ]
    );
    assert_eq!(out.dial_legs[1].hangup_cause.as_deref(), Some("LOSE_RACE"));
}

#[test]
fn multi_leg_failures() {
    let cases: &[(&[LegReport], DialStatus, u16)] = &[
        // 02b1 / 02b2: busy wins over 404 whatever the order or timing.
        (
            &[failed_with(0, 486), failed_with(1, 404)],
            DialStatus::Busy,
            486,
        ),
        (
            &[failed_with(0, 404), failed_with(1, 486)],
            DialStatus::Busy,
            486,
        ),
        // 02b3: 480 means no-answer, which wins over a 603 decline.
        (
            &[failed_with(0, 480), failed_with(1, 603)],
            DialStatus::NoAnswer,
            480,
        ),
        // 4xx before 5xx, 6xx before both.
        (
            &[failed_with(0, 503), failed_with(1, 404)],
            DialStatus::Failed,
            404,
        ),
        (
            &[failed_with(0, 404), failed_with(1, 503)],
            DialStatus::Failed,
            404,
        ),
        (
            &[failed_with(0, 503), failed_with(1, 603)],
            DialStatus::Failed,
            603,
        ),
        (
            &[failed_with(0, 404), failed_with(1, 403)],
            DialStatus::Failed,
            404,
        ),
        // 02c1 / 02c3: rang out (leg_timeout, originate_timeout).
        (
            &[
                leg(0, Some(C::AllottedTimeout), None),
                leg(1, Some(C::NoAnswer), None),
            ],
            DialStatus::NoAnswer,
            487,
        ),
        // A timed-out leg decides the code over a 480.
        (
            &[failed_with(0, 480), leg(1, Some(C::AllottedTimeout), None)],
            DialStatus::NoAnswer,
            487,
        ),
        // No channel at all for a leg (an error/ endpoint): the other decides.
        (
            &[leg(0, None, None), failed_with(1, 486)],
            DialStatus::Busy,
            486,
        ),
        (&[leg(0, None, None)], DialStatus::Failed, 500),
        (&[], DialStatus::Failed, 500),
        // A cause without a SIP status (gateway down): failed, 500.
        (
            &[leg(0, Some(C::GatewayDown), None)],
            DialStatus::Failed,
            500,
        ),
        // USER_BUSY without SIP (another channel type) is still busy.
        (&[leg(0, Some(C::UserBusy), None)], DialStatus::Busy, 486),
    ];
    for (i, (legs, status, code)) in cases.iter().enumerate() {
        let out = decide(legs, DialEnd::Normal);
        assert_eq!(
            (out.dial_status, out.dial_sip_status),
            (*status, *code),
            "case {i}"
        );
    }
}

#[test]
fn a_declined_screening_counts_as_no_answer_before_busy() {
    let declined = LegReport {
        declined: true,
        ..leg(0, Some(C::CallRejected), None)
    };
    let out = decide(&[declined, failed_with(1, 486)], DialEnd::Normal);
    assert_eq!(
        (out.dial_status, out.dial_sip_status),
        (DialStatus::NoAnswer, 480)
    );
    assert_eq!(out.dial_legs[0].status, LegStatus::Declined);
}

#[test]
fn an_answered_leg_that_was_never_bridged_is_not_completed() {
    // 04d: leg_timeout killed the leg while its screening app ran.
    let out = decide(
        &[leg(0, Some(C::AllottedTimeout), Some(200))],
        DialEnd::Normal,
    );
    assert_eq!(
        (out.dial_status, out.dial_sip_status),
        (DialStatus::NoAnswer, 480)
    );
    assert_eq!(out.dial_call_sid, None);
    assert_eq!(out.dial_legs[0].status, LegStatus::Declined);
}

#[test]
fn caller_hanging_up_while_ringing_is_no_answer_487() {
    // 02d: every leg ORIGINATOR_CANCEL.
    let legs = [
        leg(0, Some(C::OriginatorCancel), None),
        leg(1, Some(C::OriginatorCancel), None),
    ];
    for end in [DialEnd::CallerHungUp, DialEnd::Normal] {
        let out = decide(&legs, end);
        assert_eq!(
            (out.dial_status, out.dial_sip_status),
            (DialStatus::NoAnswer, 487)
        );
    }
    // A leg that failed before the caller left does not change that.
    let out = decide(
        &[failed_with(0, 486), leg(1, Some(C::OriginatorCancel), None)],
        DialEnd::CallerHungUp,
    );
    assert_eq!(
        (out.dial_status, out.dial_sip_status),
        (DialStatus::NoAnswer, 487)
    );
}

#[test]
fn api_cancel_is_canceled_unless_bridged() {
    let out = decide(
        &[leg(0, Some(C::OriginatorCancel), None)],
        DialEnd::Canceled,
    );
    assert_eq!(
        (out.dial_status, out.dial_sip_status),
        (DialStatus::Canceled, 487)
    );
    let out = decide(&[bridged(0, 10)], DialEnd::Canceled);
    assert_eq!(out.dial_status, DialStatus::Completed);
}

#[test]
fn callee_hanging_up_after_bridge_reports_the_connected_time() {
    // 02e: bridged, callee BYE after 3 s (NORMAL_CLEARING, 200).
    let out = decide(&[bridged(0, 3)], DialEnd::Normal);
    assert_eq!(out.duration, 3);
    assert_eq!(out.dial_legs[0].duration, 3);
}

#[test]
fn refusal_codes_and_causes() {
    let refuse = |legs: &[LegReport]| refusal(&decide(legs, DialEnd::Normal));
    assert_eq!(
        refuse(&[failed_with(0, 600)]),
        Some(Refusal {
            sip_status: 486,
            cause: Some(C::UserBusy)
        })
    );
    assert_eq!(
        refuse(&[leg(0, Some(C::AllottedTimeout), None)]),
        Some(Refusal {
            sip_status: 480,
            cause: Some(C::NoAnswer)
        })
    );
    assert_eq!(
        refuse(&[failed_with(0, 404)]),
        Some(Refusal {
            sip_status: 404,
            cause: Some(C::UnallocatedNumber)
        })
    );
    assert_eq!(
        refuse(&[failed_with(0, 500)]),
        Some(Refusal {
            sip_status: 500,
            cause: None
        })
    );
    assert_eq!(
        refuse(&[failed_with(0, 407)]).map(|r| r.sip_status),
        Some(403)
    );
    assert_eq!(refuse(&[bridged(0, 1)]), None);
}

#[test]
fn every_refusal_cause_makes_sofia_send_its_code() {
    for code in 400..700 {
        if let Some(cause) = cause_for_sip(code) {
            assert_eq!(sip_for_cause(cause), code, "{cause}");
        }
    }
    // docs/freeswitch.md §4, measured: these causes give the caller these codes.
    assert_eq!(sip_for_cause(C::NormalTemporaryFailure), 503);
    assert_eq!(sip_for_cause(C::NoAnswer), 480);
    assert_eq!(sip_for_cause(C::UserBusy), 486);
}

#[test]
fn names_match_the_serialized_form() {
    for s in [
        DialStatus::Completed,
        DialStatus::Failed,
        DialStatus::Busy,
        DialStatus::NoAnswer,
        DialStatus::Canceled,
    ] {
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
    }
    for s in [
        LegStatus::Completed,
        LegStatus::Busy,
        LegStatus::NoAnswer,
        LegStatus::Failed,
        LegStatus::Canceled,
        LegStatus::Declined,
    ] {
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
    }
}

#[test]
fn statuses_serialize_as_applications_expect() {
    let out = decide(&[leg(0, Some(C::AllottedTimeout), None)], DialEnd::Normal);
    let json = serde_json::to_value(&out).unwrap();
    assert_eq!(json["dial_status"], "no-answer");
    assert_eq!(json["dial_legs"][0]["status"], "no-answer");
    assert_eq!(json["dial_legs"][0]["hangup_cause"], "ALLOTTED_TIMEOUT");
}
