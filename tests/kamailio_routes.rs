//! Kamailio routing FreeSWITCH's calls out to carriers and Microsoft Teams
//! (issue 5), proved with the real programs: Debian's `kamailio` running the
//! project's `kamailio/kamailio.cfg`, and sipp (`sip-tester`) playing
//! FreeSWITCH, a carrier and Teams with the scenarios in `tests/sipp/`:
//! X-Dialbridge-* headers removed, the carrier's digest challenge answered,
//! the Teams Request-URI, tenant Contact and SBC failover, X-Dialbridge-*
//! headers honoured only from a trusted FreeSWITCH node (a forged one from
//! outside is removed and routes nothing), and the negative check that the
//! scenarios' header checks are real.
//!
//! Each test has its own Kamailio, temporary directory and block of ports on
//! 127.0.0.1 (`Lab::new(name, PortBlock::...)`; the blocks are unique across
//! the Kamailio test binaries, which run at the same time), so the tests run
//! in parallel. Without kamailio or sipp these tests fail and say
//! `apt-get install -y kamailio sip-tester`.

mod kamailio_support;

use kamailio_support::{
    Carrier, Destination, Kamailio, KamailioSetup, Lab, PortBlock, answering, uri, users,
};

const TEAMS_DOMAIN: &str = "sip.pstnhub.microsoft.com";
const TENANT: &str = "sbc.contoso.example";

#[test]
fn carrier_route_removes_dialbridge_headers_and_answers_the_carriers_challenge() {
    let lab = Lab::new("carrier", PortBlock::Carrier);
    let (freeswitch, carrier, ip_carrier) = (lab.slot(0), lab.slot(1), lab.slot(2));
    let kam = Kamailio::start(
        &lab,
        &KamailioSetup {
            users: users(),
            carriers: vec![
                Carrier {
                    name: "acme",
                    address: uri(carrier.sip),
                    username: "alice",
                    password: "s3cret",
                },
                // a carrier that knows us by IP: no credentials
                Carrier {
                    name: "freetel",
                    address: uri(ip_carrier.sip),
                    username: "",
                    password: "",
                },
            ],
            dispatcher: vec![Destination::new(1, freeswitch.sip)],
            ..KamailioSetup::default()
        },
    );
    // uas_carrier.xml fails on any X-Dialbridge-* header, on a missing
    // X-Keep-Me header, or on wrong digest credentials.
    let acme = lab
        .sipp("acme", "uas_carrier.xml", carrier)
        .calls(1)
        .start();
    let call = lab
        .sipp("freeswitch-to-acme", "uac_carrier_call.xml", freeswitch)
        .to(kam.port)
        .service("+15550001111")
        .key("domain", "pstn.invalid")
        .key("carrier", "acme")
        .calls(1)
        .run();
    call.assert_success("the carrier call completes");
    acme.finish()
        .assert_success("the carrier got clean INVITEs and valid credentials");

    // uas_answer.xml fails on any X-Dialbridge-* header too.
    let freetel = answering(&lab, "freetel", ip_carrier).calls(1).start();
    lab.sipp("freeswitch-to-freetel", "uac_carrier_call.xml", freeswitch)
        .to(kam.port)
        .service("+15550002222")
        .key("domain", "pstn.invalid")
        .key("carrier", "freetel")
        .calls(1)
        .run()
        .assert_success("the call through the IP-authenticated carrier completes");
    freetel
        .finish()
        .assert_success("the carrier without credentials got a clean call");
}

#[test]
fn teams_route_keeps_the_teams_request_uri_puts_the_tenant_in_contact_and_strips_headers() {
    let lab = Lab::new("teams", PortBlock::Teams);
    let (freeswitch, teams, dead_sbc) = (lab.slot(0), lab.slot(1), lab.slot(2));
    let kam = Kamailio::start(
        &lab,
        &KamailioSetup {
            users: users(),
            dispatcher: vec![
                Destination::new(1, freeswitch.sip),
                // set 2, the Teams SBCs, tried by priority: the first one
                // is down, the second is the sipp playing Microsoft
                Destination {
                    priority: 20,
                    ..Destination::new(2, dead_sbc.sip)
                },
                Destination {
                    priority: 10,
                    ..Destination::new(2, teams.sip)
                },
            ],
            fr_timer_ms: 1000,
            ..KamailioSetup::default()
        },
    );
    let microsoft = lab.sipp("teams", "uas_teams.xml", teams).start();
    for voicemail in ["false", "true"] {
        lab.sipp(
            &format!("freeswitch-voicemail-{voicemail}"),
            "uac_teams_call.xml",
            freeswitch,
        )
        .to(kam.port)
        .service("+15550001111")
        .key("domain", TEAMS_DOMAIN)
        .key("tenant", TENANT)
        .key("voicemail", voicemail)
        .calls(1)
        .run()
        .assert_success("the Teams call completes and Teams' BYE reaches FreeSWITCH");
    }
    let seen = microsoft.stop();
    assert_eq!(
        seen.logged("fail"),
        Vec::<String>::new(),
        "Teams side checks"
    );
    let flags = kam.dispatcher_flags();
    assert!(
        flags[&uri(dead_sbc.sip)].starts_with('I'),
        "the SBC that did not answer is inactive: {flags:?}"
    );

    let expected_ruri = format!("sip:+15550001111@{TEAMS_DOMAIN}");
    assert_eq!(
        seen.logged("ruri"),
        vec![expected_ruri.clone(), expected_ruri],
        "the Request-URI keeps the Teams domain, whatever SBC address it is sent to"
    );
    let mut contacts = seen.logged("contact");
    contacts.extend(seen.logged("reinvite-contact"));
    assert_eq!(
        contacts.len(),
        4,
        "two INVITEs and two re-INVITEs: {contacts:?}"
    );
    for contact in contacts {
        let expected = format!("<sip:+15557654321@{TENANT}:5061;transport=tls;alias=");
        assert!(
            contact.starts_with(&expected),
            "Contact must carry the tenant FQDN: {contact}"
        );
    }
    assert_eq!(
        seen.logged("diversion"),
        vec![
            String::new(),
            format!("<sip:+15550001111@{TEAMS_DOMAIN}>;reason=no-answer;counter=1;privacy=off"),
        ],
        "voicemail (and only voicemail) adds the Diversion header"
    );
}

/// The header checks of the carrier and Teams scenarios are real: the same
/// scenarios fail when the INVITE reaches them with an X-Dialbridge header
/// (here sent straight to them, bypassing Kamailio).
#[test]
fn header_checks_fail_when_a_dialbridge_header_gets_through() {
    let lab = Lab::new("negative", PortBlock::Negative);
    let (sender, receiver) = (lab.slot(0), lab.slot(1));

    let acme = lab
        .sipp("acme", "uas_carrier.xml", receiver)
        .calls(1)
        .start();
    let caller = lab
        .sipp("freeswitch-direct", "uac_carrier_call.xml", sender)
        .to(receiver.sip)
        .service("+15550001111")
        .key("domain", "pstn.invalid")
        .key("carrier", "acme")
        .calls(1)
        .start();
    let carrier = acme.finish();
    assert_ne!(
        carrier.code,
        Some(0),
        "uas_carrier.xml accepted X-Dialbridge-*"
    );
    assert_eq!(
        carrier.logged("fail"),
        vec!["an X-Dialbridge header reached the carrier"]
    );
    caller.stop();

    let teams = lab
        .sipp("teams", "uas_teams.xml", receiver)
        .calls(1)
        .start();
    let _caller = lab
        .sipp("freeswitch-direct", "uac_teams_call.xml", sender)
        .to(receiver.sip)
        .service("+15550001111")
        .key("domain", TEAMS_DOMAIN)
        .key("tenant", TENANT)
        .key("voicemail", "true")
        .calls(1)
        .start();
    let microsoft = teams.finish();
    assert_ne!(
        microsoft.code,
        Some(0),
        "uas_teams.xml accepted X-Dialbridge-*"
    );
    assert_eq!(
        microsoft.logged("fail"),
        vec!["an X-Dialbridge header reached Teams"]
    );
}

/// An outside caller cannot steer Kamailio with dialbridge's routing
/// headers (issue 10, toll fraud): an INVITE forging `X-Dialbridge-Route:
/// teams`, `X-Dialbridge-Tenant` and `X-Dialbridge-Carrier` (in odd letter
/// cases, on the BYE too) from an address outside the FreeSWITCH pool goes
/// to the pool like any call from outside, and the node receives none of
/// the headers. The very same INVITE from a trusted FreeSWITCH node is
/// honoured: routed to Teams, the headers removed before it leaves.
#[test]
fn forged_dialbridge_headers_from_outside_are_removed_and_route_nothing() {
    let lab = Lab::new("forged", PortBlock::ForgedHeaders);
    let (freeswitch, outsider, teams_or_carrier, trusted_sender) =
        (lab.slot(0), lab.slot(1), lab.slot(2), lab.slot(3));
    let kam = Kamailio::start(
        &lab,
        &KamailioSetup {
            users: users(),
            // Where a forged header could send a call: the Teams SBC set
            // and the carrier it names are the same sipp, which logs every
            // INVITE's Request-URI.
            carriers: vec![Carrier {
                name: "acme",
                address: uri(teams_or_carrier.sip),
                username: "",
                password: "",
            }],
            dispatcher: vec![
                Destination::new(1, freeswitch.sip),
                // a FreeSWITCH profile that only sends: trusted, never dialled
                Destination {
                    flags: 4,
                    ..Destination::new(1, trusted_sender.sip)
                },
                Destination::new(2, teams_or_carrier.sip),
            ],
            ..KamailioSetup::default()
        },
    );
    // Both fail a call whose INVITE or BYE carries an X-Dialbridge header.
    let node = answering(&lab, "freeswitch", freeswitch).calls(1).start();
    let trap = answering(&lab, "teams-or-carrier", teams_or_carrier)
        .calls(1)
        .start();
    let forged = |name: &str, from| {
        lab.sipp(name, "uac_dialbridge_headers.xml", from)
            .to(kam.port)
            .service("+15550001111")
            .key("domain", TEAMS_DOMAIN)
            .key("tenant", TENANT)
            .key("carrier", "acme")
            .calls(1)
            .run()
    };

    let call = forged("outsider", outsider);
    call.assert_success("the outside call completes");
    assert_eq!(
        call.logged("answered-by"),
        vec!["freeswitch"],
        "an outside call goes to the FreeSWITCH pool whatever X-Dialbridge-* it carries"
    );
    node.finish()
        .assert_success("the FreeSWITCH node got the outside call without any X-Dialbridge header");

    let call = forged("freeswitch-node", trusted_sender);
    call.assert_success("the trusted call completes");
    assert_eq!(
        call.logged("answered-by"),
        vec!["teams-or-carrier"],
        "a trusted node's X-Dialbridge-Route is honoured"
    );
    let seen = trap.finish();
    seen.assert_success("Teams got the trusted call without any X-Dialbridge header");
    assert_eq!(
        seen.logged("ruri"),
        vec![format!("sip:+15550001111@{TEAMS_DOMAIN}")],
        "exactly one INVITE reached Teams/the carrier: the trusted one, by the Teams route"
    );
    let log = kam.log();
    let warned = |method: &str, port: u16| {
        log.contains(&format!(
            "untrusted {method} from 127.0.0.1:{port} carried X-Dialbridge-* headers: removed, not honoured"
        ))
    };
    assert!(
        warned("INVITE", outsider.sip) && warned("BYE", outsider.sip),
        "the forged headers are logged for the operator:\n{}",
        kam.log_tail()
    );
    assert!(
        !log.contains(&format!("from 127.0.0.1:{} carried", trusted_sender.sip)),
        "a trusted node's headers are not forged"
    );
}
