//! The scenario of every replayed call created through the API (traces
//! 10-24), read off each capture: when the originated party answers (from
//! the bgapi to its CHANNEL_ANSWER on the inbound timeline), what the legs
//! it dials do (from each leg's INVITE, its CHANNEL_CREATE, to its answer,
//! and after the answer), what the dialplan does after a transfer.

use std::time::Duration;

use crate::fake_freeswitch::{Callee, Caller};
use crate::originated::{Originated, o};

/// The stock dialplan's extension 2000 in `default` (11a): a group call
/// to five unregistered users.
const GROUP_2000: &str = "[^^:sip_invite_domain=192.0.2.2:presence_id=1000@192.0.2.2]error/user_not_registered,\
[^^:sip_invite_domain=192.0.2.2:presence_id=1001@192.0.2.2]error/user_not_registered,\
[^^:sip_invite_domain=192.0.2.2:presence_id=1002@192.0.2.2]error/user_not_registered,\
[^^:sip_invite_domain=192.0.2.2:presence_id=1003@192.0.2.2]error/user_not_registered,\
[^^:sip_invite_domain=192.0.2.2:presence_id=1004@192.0.2.2]error/user_not_registered";

/// The callee that sends the REFER of 11a/11b1/11b2: answered at once,
/// REFER ~1.53 s later (B's ANSWER to its HANGUP).
fn referrer(at: u64) -> Callee {
    Callee::answers_after(1)
        .rings_at(0)
        .refers_to("sip:2000@127.0.0.1:5340", at)
        .referred_by("<sip:callee@127.0.0.1:5302>")
}

/// The Refer-To target 2000 the daemon bridges A to (11b1, 11b2).
fn target(bye_after: u64) -> Callee {
    Callee::answers_after(1)
        .rings_at(0)
        .hangs_up_after_answer(bye_after)
}

/// The scenario table.
pub fn scenarios() -> Vec<Originated> {
    let legs = || Caller::new("caller", "5551000");
    let ans = Callee::answers_after;
    // 12a/12b: the originated caller answered ~27 ms after the bgapi (its
    // CHANNEL_ANSWER at inbound +34); the bridged callee answered ~300 ms
    // after its INVITE and sent BYE ~1 s later (B's ANSWER and HANGUP at
    // outbound +333/+1364 in 12a, +353/+1359 in 12b).
    let x_headers = |name| Originated {
        legs: legs().endpoint("callee", ans(300).hangs_up_after_answer(1000)),
        ..o(name, ans(27))
    };
    // 19-24: the originated caller answered ~225 ms after the bgapi.
    let caller = || ans(225);
    vec![
        // The callee answered about 1 s after the bgapi (BACKGROUND_JOB at
        // +1434) and beeped about 2.1 s after answering (avmd::beep at
        // outbound +2095).
        o("10-originate-to-socket", ans(1020).beeps_at(2040)),
        Originated {
            legs: legs().endpoint("callee", referrer(1530)),
            extensions: vec![("default", "2000", vec![("bridge", GROUP_2000)])],
            ..o("11a-refer-blind-stock", ans(26))
        },
        Originated {
            legs: legs()
                .endpoint("callee", referrer(1527))
                .endpoint("2000", target(1004)),
            // FreeSWITCH hung the parked A up at +9889 (NORMAL_CLEARING,
            // send_bye), no command or park_timeout behind it in the
            // capture (docs/freeswitch.md §11): reproduced as it happened
            // (anchored just before its CHANNEL_HANGUP).
            switch_hangup_at: Some(9888),
            ..o("11b1-refer-force-transfer-dialplan-inline-park", ans(24))
        },
        Originated {
            legs: legs()
                .endpoint("callee", referrer(1528))
                .endpoint("2000", target(1016)),
            ..o("11b2-refer-force-transfer-dialplan-inline-socket", ans(23))
        },
        x_headers("12a-x-headers-copied-by-default"),
        x_headers("12b-x-headers-sip-copy-custom-headers-false"),
        Originated {
            // The screened callee answered 1005 ms after its INVITE.
            legs: legs().otherwise(ans(1005)),
            ..o("13a-screen-socket-refused", ans(20))
        },
        Originated {
            legs: legs().otherwise(ans(1020).rings_at(18)),
            ..o("13b-screen-socket-refused-cancel-timeout", ans(20))
        },
        Originated {
            legs: legs().endpoint("callee", Callee::rings_forever()),
            ..o("14a-uuid-break-mid-ring", ans(27))
        },
        Originated {
            // Two legs to callee@; the second answered 4038 ms after its
            // INVITE and sent BYE 1530 ms later.
            legs: legs()
                .endpoint(
                    "sofia/external/callee@127.0.0.1:5314",
                    Callee::rings_forever(),
                )
                .endpoint(
                    "sofia/external/callee@127.0.0.1:5315",
                    ans(4038).hangs_up_after_answer(1530),
                ),
            ..o("14b-uuid-kill-one-simring-leg", ans(24))
        },
        Originated {
            legs: legs().endpoint("callee", Callee::rings_forever()),
            // The stock public context for `wait`: two applications, no
            // extension after them.
            extensions: vec![(
                "public",
                "wait",
                vec![
                    ("set", "outside_call=true"),
                    ("export", "RFC2822_DATE=Mon, 30 Nov 2026 19:15:23 +0000"),
                ],
            )],
            ..o("14c-uuid-transfer-mid-ring", ans(25))
        },
        Originated {
            legs: legs().endpoint("callee", ans(304)),
            ..o("14d-uuid-kill-a-bridged", ans(25))
        },
        // 486 at once, no 180 (no CHANNEL_PROGRESS).
        o("15a-originate-486", Callee::rejects(486, 24).no_ringing()),
        o("15b-originate-timeout", Callee::rings_forever()),
        o(
            "15c-originate-answer-filtered-observer",
            ans(1029).rings_at(22),
        ),
        Originated {
            legs: legs().endpoint("callee", ans(302).hangs_up_after_answer(2030)),
            ..o("16a-record-session-mono", ans(26))
        },
        Originated {
            legs: legs().endpoint("callee", ans(301).hangs_up_after_answer(2016)),
            ..o("16b-record-session-stereo", ans(26))
        },
        Originated {
            // Neither party sent 180 (no CHANNEL_PROGRESS).
            // The callee sent BYE about 4 s after answering (its
            // del-member at +4492).
            parties: vec![
                ("caller", ans(225).no_ringing()),
                ("callee", ans(226).no_ringing().hangs_up_after_answer(4000)),
            ],
            conference_uuid: Some(("room1", "cc2a63f6-d107-4316-90c5-e69a6cb0afec")),
            // The recorder listed the members right after add-member, 23 ms
            // before the conference thread gave the floor: a 100 ms tick
            // keeps that order whatever this machine's load (the mute at
            // +799 is still reported before the unmute at +1099).
            conference_tick: Some(Duration::from_millis(100)),
            min_scale: 1.0,
            ..o("19a-conference-join-mute-leave", ans(225))
        },
        Originated {
            parties: vec![
                ("caller", ans(223).no_ringing()),
                ("callee", ans(226).no_ringing()),
                ("callee2", ans(223).no_ringing()),
            ],
            member_ids_from: Some(3),
            conference_uuid: Some(("room1", "594bc3d2-2ea7-4094-8ed4-62a7fd22bb3a")),
            min_scale: 1.0,
            ..o("19b-conference-flags-kick-endconf", ans(223))
        },
        Originated {
            legs: legs().endpoint("callee", ans(200)),
            ..o("20a-uuid-deflect-bridged-callee", caller())
        },
        o("20b-deflect-app-on-socket-leg", caller()),
        Originated {
            legs: legs().endpoint(
                "callee",
                ans(200)
                    .sends_info(
                        "application/dtmf-relay",
                        "Signal=7\r\nDuration=160\r\n",
                        1028,
                    )
                    .sends_info("application/x-custom", "foo=bar\r\n", 1350),
            ),
            ..o("21a-send-info-message-default-not-sent", caller())
        },
        Originated {
            legs: legs().endpoint(
                "callee",
                ans(200)
                    .sends_info(
                        "application/dtmf-relay",
                        "Signal=7\r\nDuration=160\r\n",
                        1026,
                    )
                    .sends_info("application/x-custom", "foo=bar\r\n", 1348),
            ),
            ..o("21b-send-info-message-fs-send-unsupported", caller())
        },
        Originated {
            legs: legs().endpoint("callee", ans(200)),
            ..o("22-bridge-call-control-apis", caller())
        },
        Originated {
            legs: legs().endpoint("callee", ans(201).holds_at(1026).resumes_at(3535)),
            ..o("23-far-end-hold-reinvite", caller())
        },
        o("24a-originate-caller-id-x-header", ans(226)),
        o("24b-originate-caller-id-sip-cid-type-pid", ans(246)),
    ]
}
