//! Kamailio as registrar, dispatcher and carrier/Teams router (issue 5),
//! proved with the real programs: Debian's `kamailio` running the project's
//! `kamailio/kamailio.cfg`, and sipp (`sip-tester`) playing SIP clients,
//! FreeSWITCH nodes, a carrier and Microsoft Teams with the scenarios in
//! `tests/sipp/`. Nothing is installed here: without kamailio or sipp these
//! tests fail and say `apt-get install -y kamailio sip-tester`.
//!
//! Each test has its own Kamailio, temporary directory and block of ports on
//! 127.0.0.1 (`Lab::new(name, block)`), so the tests run in parallel.

mod kamailio_support;

use kamailio_support::{
    Carrier, Destination, Kamailio, KamailioSetup, Lab, PROCESS_TIMEOUT, SippRun, Slot, User, repo,
    tool, wait_until,
};
use std::process::Command;

const DOMAIN: &str = "sip.example.com";
const TEAMS_DOMAIN: &str = "sip.pstnhub.microsoft.com";
const TENANT: &str = "sbc.contoso.example";

fn users() -> Vec<User> {
    vec![
        User {
            name: "jane",
            domain: DOMAIN,
            password: "jane-secret",
        },
        User {
            name: "bob",
            domain: DOMAIN,
            password: "bob-secret",
        },
    ]
}

fn password(user: &str) -> &'static str {
    match user {
        "jane" => "jane-secret",
        "bob" => "bob-secret",
        _ => panic!("no test user {user}"),
    }
}

fn aor(user: &str) -> String {
    format!("{user}@{DOMAIN}")
}

fn uri(port: u16) -> String {
    format!("sip:127.0.0.1:{port}")
}

/// Setup where `freeswitch` is the one node of the FreeSWITCH set, so
/// requests from that port are trusted.
fn setup_with_freeswitch(freeswitch: Slot) -> KamailioSetup {
    KamailioSetup {
        users: users(),
        dispatcher: vec![Destination::new(1, freeswitch.sip)],
        ..KamailioSetup::default()
    }
}

/// A client runs `scenario` (register.xml or register_wrong_password.xml)
/// for `user` from `from`, binding Contact port `contact` (Expires 0
/// unregisters).
fn register(
    lab: &Lab,
    kam: &Kamailio,
    from: Slot,
    scenario: &str,
    (user, password): (&str, &str),
    contact: u16,
    expires: u32,
) -> SippRun {
    lab.sipp(&format!("register-{user}"), scenario, from)
        .to(kam.port)
        .service(user)
        .credentials(user, password)
        .key("domain", DOMAIN)
        .key("contact_port", &contact.to_string())
        .key("expires", &expires.to_string())
        .calls(1)
        .run()
}

/// Registers `user` at Contact port `contact`, asserting success.
fn register_ok(lab: &Lab, kam: &Kamailio, from: Slot, user: &str, contact: u16) {
    register(
        lab,
        kam,
        from,
        "register.xml",
        (user, password(user)),
        contact,
        300,
    )
    .assert_success(&format!("{user} registers with the right password"));
}

/// The final answer Kamailio gives an INVITE for `user` sent from `from`.
fn final_answer(lab: &Lab, kam: &Kamailio, from: Slot, user: &str) -> String {
    let run = lab
        .sipp(&format!("invite-{user}"), "uac_rejected.xml", from)
        .to(kam.port)
        .service(user)
        .key("domain", DOMAIN)
        .calls(1)
        .run();
    run.assert_success(&format!("INVITE for {user} answered 404, 407 or 480"));
    let finals = run.logged("final");
    assert_eq!(finals.len(), 1, "one final answer expected: {finals:?}");
    finals[0].clone()
}

/// A device (or FreeSWITCH node) answering calls on `slot`, named `node`.
fn answering(lab: &Lab, name: &str, slot: Slot) -> kamailio_support::SippCommand {
    lab.sipp(name, "uas_answer.xml", slot).key("node", name)
}

#[test]
fn config_check_reports_the_config_valid() {
    // Exactly the operator's check, on the file in the repository.
    let out = Command::new(tool("kamailio"))
        .arg("-c")
        .arg("-f")
        .arg(repo().join("kamailio").join("kamailio.cfg"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run kamailio -c: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "kamailio -c failed:\n{text}");
    assert!(
        text.contains("config file ok"),
        "kamailio -c did not report the config valid:\n{text}"
    );
}

#[test]
fn register_with_right_password_binds_and_wrong_password_never_does() {
    let lab = Lab::new("register", 0);
    let kam = Kamailio::start(
        &lab,
        &KamailioSetup {
            users: users(),
            ..KamailioSetup::default()
        },
    );
    let client = lab.slot(0);
    let (phone, other_phone) = (lab.slot(1).sip, lab.slot(2).sip);

    // Wrong password: 401, then 403, and no binding.
    register(
        &lab,
        &kam,
        client,
        "register_wrong_password.xml",
        ("jane", "not-her-password"),
        phone,
        300,
    )
    .assert_success("REGISTER with a wrong password is answered 401 then 403");
    assert_eq!(
        kam.contacts(&aor("jane")),
        Vec::<String>::new(),
        "a REGISTER with a wrong password created a binding"
    );

    // Right password: 401, then 200, and the binding is there.
    register_ok(&lab, &kam, client, "jane", phone);
    let jane_phone = format!("sip:jane@127.0.0.1:{phone}");
    assert_eq!(kam.contacts(&aor("jane")), vec![jane_phone.clone()]);

    // A wrong password for a registered user adds no second binding.
    register(
        &lab,
        &kam,
        client,
        "register_wrong_password.xml",
        ("jane", "not-her-password"),
        other_phone,
        300,
    )
    .assert_success("REGISTER with a wrong password is answered 401 then 403");
    assert_eq!(
        kam.contacts(&aor("jane")),
        vec![jane_phone],
        "a REGISTER with a wrong password changed jane's bindings"
    );

    // Bob's password does not register jane: the scenario's 200 never comes.
    let run = register(
        &lab,
        &kam,
        client,
        "register.xml",
        ("jane", "bob-secret"),
        other_phone,
        300,
    );
    assert_ne!(
        run.code,
        Some(0),
        "REGISTER with another user's password succeeded"
    );
}

#[test]
fn unregister_removes_the_binding() {
    let lab = Lab::new("unregister", 1);
    let freeswitch = lab.slot(0);
    let kam = Kamailio::start(&lab, &setup_with_freeswitch(freeswitch));
    let (client, phone) = (lab.slot(1), lab.slot(2).sip);

    register_ok(&lab, &kam, client, "bob", phone);
    assert_eq!(
        kam.contacts(&aor("bob")),
        vec![format!("sip:bob@127.0.0.1:{phone}")]
    );

    register(
        &lab,
        &kam,
        client,
        "register.xml",
        ("bob", password("bob")),
        phone,
        0,
    )
    .assert_success("REGISTER with Expires: 0 is accepted");
    assert_eq!(
        kam.contacts(&aor("bob")),
        Vec::<String>::new(),
        "Expires: 0 left bob's binding in place"
    );
    // and calls to bob no longer find him
    assert_eq!(final_answer(&lab, &kam, freeswitch, "bob"), "480");
}

#[test]
fn invite_to_registered_user_reaches_the_device_and_completes_through_kamailio() {
    let lab = Lab::new("usercall", 2);
    let freeswitch = lab.slot(0);
    let kam = Kamailio::start(&lab, &setup_with_freeswitch(freeswitch));
    let (client, phone) = (lab.slot(1), lab.slot(2));

    register_ok(&lab, &kam, client, "jane", phone.sip);
    let device = answering(&lab, "jane-phone", phone).calls(1).start();

    // FreeSWITCH (its port is in the pool) sends INVITE sip:jane@sip.example.com
    // with fs_path's Route to Kamailio; ACK and BYE follow the Record-Route.
    let call = lab
        .sipp("freeswitch", "uac_call.xml", freeswitch)
        .to(kam.port)
        .service("jane")
        .key("domain", DOMAIN)
        .calls(1)
        .run();
    call.assert_success("INVITE -> 200 -> ACK -> BYE -> 200 through Kamailio");
    assert_eq!(call.logged("answered-by"), vec!["jane-phone"]);
    device
        .finish()
        .assert_success("jane's phone got INVITE, ACK and BYE from Kamailio");
}

#[test]
fn unregistered_user_gets_480_and_unknown_user_404() {
    let lab = Lab::new("notfound", 3);
    let (freeswitch, sending_profile) = (lab.slot(0), lab.slot(1));
    let mut setup = setup_with_freeswitch(freeswitch);
    // a FreeSWITCH profile that only sends: trusted, never dispatched to
    setup.dispatcher.push(Destination {
        flags: 4,
        ..Destination::new(1, sending_profile.sip)
    });
    let kam = Kamailio::start(&lab, &setup);

    assert_eq!(
        final_answer(&lab, &kam, freeswitch, "bob"),
        "480",
        "bob is a subscriber without a registration"
    );
    assert_eq!(
        final_answer(&lab, &kam, freeswitch, "nobody"),
        "404",
        "nobody is not in the subscriber table"
    );
    assert_eq!(
        final_answer(&lab, &kam, sending_profile, "bob"),
        "480",
        "a disabled (flags 4) entry of the FreeSWITCH set is trusted too"
    );
}

#[test]
fn two_devices_both_ring_first_answer_wins_the_other_is_cancelled() {
    let lab = Lab::new("fork", 4);
    let freeswitch = lab.slot(0);
    let kam = Kamailio::start(&lab, &setup_with_freeswitch(freeswitch));
    let (client, desk, mobile) = (lab.slot(1), lab.slot(2), lab.slot(3));

    register_ok(&lab, &kam, client, "jane", desk.sip);
    register_ok(&lab, &kam, client, "jane", mobile.sip);
    assert_eq!(kam.contacts(&aor("jane")).len(), 2, "two bindings for jane");

    // The desk phone answers; the mobile rings until it is cancelled.
    let desk_phone = answering(&lab, "desk", desk).calls(1).start();
    let mobile_phone = lab
        .sipp("mobile", "uas_ring_cancel.xml", mobile)
        .key("node", "mobile")
        .calls(1)
        .start();

    let call = lab
        .sipp("freeswitch", "uac_call.xml", freeswitch)
        .to(kam.port)
        .service("jane")
        .key("domain", DOMAIN)
        .calls(1)
        .run();
    call.assert_success("the call to jane is answered");
    assert_eq!(call.logged("answered-by"), vec!["desk"]);
    desk_phone
        .finish()
        .assert_success("the desk phone rang, answered and got the BYE");
    mobile_phone
        .finish()
        .assert_success("the mobile rang and then got CANCEL (200, 487, ACK)");
}

#[test]
fn dispatcher_alternates_calls_between_freeswitch_nodes() {
    let lab = Lab::new("roundrobin", 5);
    let (node_a, node_b, carrier) = (lab.slot(0), lab.slot(1), lab.slot(2));
    let kam = Kamailio::start(
        &lab,
        &KamailioSetup {
            users: users(),
            dispatcher: vec![
                Destination::new(1, node_a.sip),
                Destination::new(1, node_b.sip),
            ],
            ..KamailioSetup::default()
        },
    );
    let _a = answering(&lab, "node-a", node_a).start();
    let _b = answering(&lab, "node-b", node_b).start();

    // A carrier (not in the pool) sends 6 calls, one after the other.
    let calls = lab
        .sipp("carrier", "uac_call.xml", carrier)
        .to(kam.port)
        .service("+15550001111")
        .key("domain", "pstn.example.net")
        .calls(6)
        .run();
    calls.assert_success("every call to the pool completes");
    let nodes = calls.logged("answered-by");
    assert_eq!(nodes.len(), 6, "answered-by lines: {nodes:?}");
    for pair in nodes.windows(2) {
        assert_ne!(pair[0], pair[1], "round-robin must alternate: {nodes:?}");
    }
    assert!(
        nodes.iter().all(|n| n == "node-a" || n == "node-b"),
        "{nodes:?}"
    );
}

#[test]
fn dispatcher_fails_over_to_the_live_node_and_marks_the_dead_one_inactive() {
    let lab = Lab::new("failover", 6);
    let (node_a, node_b, carrier) = (lab.slot(0), lab.slot(1), lab.slot(2));
    let kam = Kamailio::start(
        &lab,
        &KamailioSetup {
            users: users(),
            dispatcher: vec![
                Destination::new(1, node_a.sip),
                Destination::new(1, node_b.sip),
            ],
            // no probing here: only the failed calls can take node B out
            ping_interval_s: 3600,
            fr_timer_ms: 1000,
            ..KamailioSetup::default()
        },
    );
    let _a = answering(&lab, "node-a", node_a).start();
    answering(&lab, "node-b", node_b).start().stop();
    // node B is stopped: nothing listens on its port any more
    let flags = kam.dispatcher_flags();
    assert!(
        flags[&uri(node_b.sip)].starts_with('A'),
        "node B starts active: {flags:?}"
    );

    let calls = lab
        .sipp("carrier", "uac_call.xml", carrier)
        .to(kam.port)
        .service("+15550001111")
        .key("domain", "pstn.example.net")
        .calls(4)
        .run();
    calls.assert_success("every call completes although node B is down");
    assert_eq!(calls.logged("answered-by"), vec!["node-a"; 4]);

    let flags = kam.dispatcher_flags();
    assert!(
        flags[&uri(node_b.sip)].starts_with('I'),
        "node B must be inactive after failing to answer: {flags:?}"
    );
    assert!(
        flags[&uri(node_a.sip)].starts_with('A'),
        "node A stays active: {flags:?}"
    );
}

#[test]
fn dispatcher_options_probes_take_a_dead_node_out_and_bring_it_back() {
    let lab = Lab::new("probing", 7);
    let (node_a, node_b) = (lab.slot(0), lab.slot(1));
    let kam = Kamailio::start(
        &lab,
        &KamailioSetup {
            users: users(),
            dispatcher: vec![
                Destination::new(1, node_a.sip),
                Destination::new(1, node_b.sip),
            ],
            ping_interval_s: 1,
            fr_timer_ms: 1000,
            ..KamailioSetup::default()
        },
    );
    let node_b_uri = uri(node_b.sip);
    let _a = answering(&lab, "node-a", node_a).start();
    let b = answering(&lab, "node-b", node_b).start();
    wait_until("both nodes are active", PROCESS_TIMEOUT, || {
        kam.dispatcher_flags().values().all(|f| f.starts_with('A'))
    });

    b.stop();
    wait_until(
        "Kamailio's OPTIONS probes mark stopped node B inactive",
        PROCESS_TIMEOUT,
        || kam.dispatcher_flags()[&node_b_uri].starts_with('I'),
    );
    assert!(kam.dispatcher_flags()[&uri(node_a.sip)].starts_with('A'));

    let _b_again = answering(&lab, "node-b", node_b).start();
    wait_until(
        "node B, answering OPTIONS again, is active again",
        PROCESS_TIMEOUT,
        || kam.dispatcher_flags()[&node_b_uri].starts_with('A'),
    );
}

#[test]
fn untrusted_invite_to_local_user_or_from_local_user_is_challenged() {
    let lab = Lab::new("untrusted", 8);
    let freeswitch = lab.slot(0);
    let kam = Kamailio::start(&lab, &setup_with_freeswitch(freeswitch));
    let (outsider, phone) = (lab.slot(1), lab.slot(2));
    register_ok(&lab, &kam, outsider, "bob", phone.sip);
    let bobs_phone = answering(&lab, "bob-phone", phone).calls(1).start();

    // From a port outside the FreeSWITCH pool, without credentials: 407.
    assert_eq!(final_answer(&lab, &kam, outsider, "bob"), "407");
    assert_eq!(final_answer(&lab, &kam, outsider, "jane"), "407");

    // jane, with her credentials, gets through to bob's phone.
    let call = lab
        .sipp("jane-calls-bob", "uac_call_auth.xml", outsider)
        .to(kam.port)
        .service("bob")
        .credentials("jane", password("jane"))
        .key("caller", "jane")
        .key("domain", DOMAIN)
        .calls(1)
        .run();
    call.assert_success("an authenticated call to bob completes");
    assert_eq!(call.logged("answered-by"), vec!["bob-phone"]);
    bobs_phone
        .finish()
        .assert_success("bob's phone got exactly the authenticated call");

    // A caller claiming to be jane (From) must prove it even to reach the
    // FreeSWITCH pool: 407 first, then the node answers.
    let _node = answering(&lab, "node", freeswitch).start();
    let call = lab
        .sipp("jane-calls-a-number", "uac_call_auth.xml", outsider)
        .to(kam.port)
        .service("+15550001111")
        .credentials("jane", password("jane"))
        .key("caller", "jane")
        .key("domain", DOMAIN)
        .calls(1)
        .run();
    call.assert_success("challenged, then dispatched to the pool");
    assert_eq!(call.logged("answered-by"), vec!["node"]);
}

#[test]
fn carrier_route_removes_dialbridge_headers_and_answers_the_carriers_challenge() {
    let lab = Lab::new("carrier", 9);
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
    let lab = Lab::new("teams", 10);
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
    let lab = Lab::new("negative", 11);
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
