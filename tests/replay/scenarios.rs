//! The scenario of every replayed call capture: which callee answers,
//! rejects or rings at each dialed user and when, when the caller hangs up
//! or presses digits, and what the dialplan does around the socket app, read
//! off each capture and its results JSON.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::driver;
use crate::fake_freeswitch::trace::Trace;
use crate::fake_freeswitch::{Callee, DialplanNext};

/// One capture's scenario: the callees by dialed user, when the caller
/// hangs up, what the dialplan does after the socket app.
pub struct Scenario {
    pub name: &'static str,
    pub callees: Vec<(&'static str, Callee)>,
    /// When the caller hangs up and presses digits (300 ms apart), on the
    /// capture's connection timeline (see `caller_acts`).
    pub caller_hangup: Option<u64>,
    pub caller_digits: Vec<(&'static str, u64)>,
    pub next: DialplanNext,
    /// Dialplan applications before the socket app (seen by observers).
    pub dialplan: Vec<(&'static str, &'static str)>,
    /// The caller hangs up when the daemon has received one message more
    /// than the capture had before its linger notice, instead of at a time
    /// (07b: see its scenario).
    pub hangup_after_linger_point: bool,
    /// The caller's number and the number it dials (`caller`, `5551000`).
    pub from: &'static str,
    pub to: &'static str,
    /// The dialplan has no socket app (12c).
    pub without_socket: bool,
    /// X- headers of the caller's INVITE (`Caller::sip_header`).
    pub sip_headers: Vec<(&'static str, &'static str)>,
}

pub fn sc(name: &'static str, callees: Vec<(&'static str, Callee)>) -> Scenario {
    Scenario {
        name,
        callees,
        caller_hangup: None,
        caller_digits: Vec::new(),
        next: DialplanNext::Nothing,
        dialplan: Vec::new(),
        hangup_after_linger_point: false,
        from: "caller",
        to: "5551000",
        without_socket: false,
        sip_headers: Vec::new(),
    }
}

/// The dialplan of the 08 experiments before `socket` (08a observer).
const DIALPLAN_08: &[(&str, &str)] = &[
    ("set", "outside_call=true"),
    ("export", "RFC2822_DATE=Sun, 22 Nov 2026 07:32:59 +0000"),
];

/// The scenario table, read off each capture and its results JSON.
pub fn scenarios() -> Vec<Scenario> {
    let ans = Callee::answers_after;
    let ring = Callee::rings_forever;
    let late = || Callee::answers_after(3040).rings_at(1530);
    vec![
        Scenario {
            caller_hangup: Some(7090),
            caller_digits: vec![("9", 4210)],
            ..sc(
                "01-event-scoping",
                vec![("1000", ans(1040).presses("123", 1620)), ("1001", ring())],
            )
        },
        Scenario {
            caller_hangup: Some(5070),
            ..sc(
                "02a-simring-busy-ring-answer",
                vec![
                    // No 180 before the 486: no CHANNEL_PROGRESS on that leg.
                    ("1000", Callee::rejects(486, 40).no_ringing()),
                    ("1001", ring()),
                    ("1002", ans(2030)),
                ],
            )
        },
        sc(
            "02b1-simring-486-404",
            vec![
                ("1000", Callee::rejects(486, 340)),
                ("1001", Callee::rejects(404, 620)),
            ],
        ),
        sc(
            "02b2-simring-404-486",
            vec![
                ("1000", Callee::rejects(404, 340)),
                ("1001", Callee::rejects(486, 620)),
            ],
        ),
        sc(
            "02b3-simring-480-603",
            vec![
                ("1000", Callee::rejects(480, 340)),
                ("1001", Callee::rejects(603, 620)),
            ],
        ),
        sc(
            "02b4-simring-486late-404early",
            vec![
                ("1000", Callee::rejects(486, 920)),
                ("1001", Callee::rejects(404, 320)),
            ],
        ),
        sc(
            "02b5-simring-486-404-ignore-remote-cause",
            vec![
                ("1000", Callee::rejects(486, 340)),
                ("1001", Callee::rejects(404, 640)),
            ],
        ),
        sc(
            "02c1-simring-leg-timeout",
            vec![("1000", ring()), ("1001", ring())],
        ),
        sc(
            "02c2-simring-originate-timeout",
            vec![("1000", ring()), ("1001", ring())],
        ),
        sc(
            "02c3-simring-mixed-timeouts",
            vec![("1000", ring()), ("1001", ring())],
        ),
        Scenario {
            caller_hangup: Some(2070),
            ..sc(
                "02d-caller-cancels",
                vec![("1000", ring()), ("1001", ring())],
            )
        },
        sc(
            "02e-callee-hangs-up",
            vec![
                ("1000", ans(1040).hangs_up_after_answer(3000)),
                ("1001", ring()),
            ],
        ),
        sc(
            "03a-ring-ready-then-bridge",
            vec![("1000", late().hangs_up_after_answer(2000))],
        ),
        sc(
            "03b-ringback-then-bridge",
            vec![("1000", late().hangs_up_after_answer(2000))],
        ),
        sc(
            "03c-answer-then-bridge",
            vec![("1000", late().hangs_up_after_answer(2000))],
        ),
        sc(
            "03d-plain-bridge-baseline",
            vec![("1000", late().hangs_up_after_answer(2000))],
        ),
        sc(
            "03e-ringback-ignore-early-media",
            vec![("1000", late().hangs_up_after_answer(2000))],
        ),
        Scenario {
            caller_hangup: Some(7215),
            ..sc(
                "04a-screen-global-accept",
                vec![("1000", ans(1040).presses("123", 2090))],
            )
        },
        Scenario {
            caller_hangup: Some(9060),
            ..sc(
                "04b-screen-perleg-reject-other-leg-wins",
                vec![("1000", ans(1050)), ("1001", ans(5030))],
            )
        },
        Scenario {
            caller_hangup: Some(7200),
            ..sc(
                "04c-screen-perleg-quoted-close-tcp",
                vec![("1000", ans(1040).presses("123", 2090))],
            )
        },
        sc(
            "04d-screen-leg-timeout-during-screening",
            vec![("1000", ans(1040))],
        ),
        Scenario {
            caller_hangup: Some(14120),
            ..sc(
                "04e-screen-leg-timeout-cancel-timeout",
                vec![("1000", ans(1040))],
            )
        },
        sc(
            "04f-screen-originate-timeout-cancel-timeout",
            vec![("1000", ans(1040))],
        ),
        Scenario {
            caller_hangup: Some(8070),
            caller_digits: vec![("123", 3160)],
            ..sc(
                "05-dtmf-bridge-json",
                vec![("1000", ans(1025).presses("9", 4140)), ("1001", ring())],
            )
        },
        Scenario {
            caller_hangup: Some(11700),
            ..sc("06-uuid-record", vec![("1000", ans(600))])
        },
        Scenario {
            ..sc(
                "07a-avmd-loopback-execute-on-answer",
                vec![(
                    "public",
                    ans(40)
                        .no_ringing()
                        .early_media_at(38)
                        .beeps_at(2020)
                        .hangs_up_after_answer(7030),
                )],
            )
        },
        Scenario {
            // The caller's BYE (9580) raced the daemon's `api avmd stop`
            // (9575): the linger notice came before the stop's reply, and
            // FreeSWITCH still had the B leg for the stop (B ends ~20 ms
            // after A there; at once in the fake). The two clocks drift
            // apart under load, so the BYE is tied to the daemon's
            // timeline: right after the stop's reply.
            hangup_after_linger_point: true,
            ..sc("07b-avmd-sipp-api-start", vec![("1000", ans(545))])
        },
        Scenario {
            caller_hangup: Some(9580),
            ..sc(
                "07c-avmd-sipp-sendmsg-bleg",
                vec![("1000", ans(545).beeps_at(1990))],
            )
        },
        Scenario {
            dialplan: DIALPLAN_08.to_vec(),
            ..sc(
                "08a-socket-closed-mid-bridge",
                vec![("1000", ans(540).hangs_up_after_answer(6000))],
            )
        },
        Scenario {
            dialplan: DIALPLAN_08.to_vec(),
            ..sc("08b-no-listener", vec![])
        },
        Scenario {
            dialplan: DIALPLAN_08.to_vec(),
            next: DialplanNext::Respond(503),
            ..sc("08c-no-listener-with-respond-503", vec![])
        },
        Scenario {
            dialplan: DIALPLAN_08.to_vec(),
            next: DialplanNext::Respond(503),
            ..sc(
                "08d-socket-closed-mid-bridge-with-respond-503",
                vec![("1000", ans(540).hangs_up_after_answer(6000))],
            )
        },
        // An INVITE with X- headers to `wait@` in the stock public context:
        // they became sip_h_* variables of the caller; no extension after
        // the first two applications, no socket; the observer filtered on
        // the caller's number (docs/freeswitch.md §12).
        Scenario {
            sip_headers: vec![("X-Dialbridge-Route", "teams"), ("X-Foo", "bar")],
            dialplan: vec![
                ("set", "outside_call=true"),
                ("export", "RFC2822_DATE=Mon, 30 Nov 2026 19:16:16 +0000"),
            ],
            from: "xh12c44bfaf4d",
            to: "wait",
            without_socket: true,
            ..sc("12c-inbound-call-nonnumeric-public-no-route", vec![])
        },
    ]
}

/// Plays the caller's digits (`Some`) and hangup (`None`), each at its
/// moment of the capture's connection timeline, anchored to the messages
/// that connection received: the fake's clock and the replay's drift apart
/// under load, the order of the caller's actions and the daemon's does not.
pub async fn caller_acts(
    call: crate::fake_freeswitch::CallHandle,
    mut rx: watch::Receiver<driver::Progress>,
    t: Trace,
    mut acts: Vec<(u64, Option<char>)>,
    f: f64,
) {
    acts.sort_by_key(|a| a.0);
    for (at, act) in acts {
        let (k, after) = driver::anchor(&t, at);
        let Ok(p) = rx.wait_for(|(n, _)| *n >= k).await.map(|p| *p) else {
            return;
        };
        let base = if k == 0 { Instant::now() } else { p.1 };
        tokio::time::sleep_until(base + Duration::from_secs_f64(after as f64 * f / 1000.0)).await;
        match act {
            Some(d) => call.press(d),
            None => call.hang_up(),
        }
    }
}
