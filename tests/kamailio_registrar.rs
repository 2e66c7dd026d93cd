//! Kamailio as registrar (issue 5), proved with the real programs: Debian's
//! `kamailio` running the project's `kamailio/kamailio.cfg`, and sipp
//! (`sip-tester`) playing SIP clients, devices and FreeSWITCH with the
//! scenarios in `tests/sipp/`: the config check, REGISTER with right and
//! wrong passwords, unregistering, calls from FreeSWITCH to registered users
//! (forked to every device), and untrusted callers challenged.
//!
//! Each test has its own Kamailio, temporary directory and block of ports on
//! 127.0.0.1 (`Lab::new(name, PortBlock::...)`; the blocks are unique across
//! the Kamailio test binaries, which run at the same time), so the tests run
//! in parallel. Without kamailio or sipp these tests fail and say
//! `apt-get install -y kamailio sip-tester`.

mod kamailio_support;

use kamailio_support::{
    DOMAIN, Destination, Kamailio, KamailioSetup, Lab, PortBlock, SippRun, Slot, answering, aor,
    password, repo, tool, users,
};
use std::process::Command;

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
    let lab = Lab::new("register", PortBlock::Register);
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
    let lab = Lab::new("unregister", PortBlock::Unregister);
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
    let lab = Lab::new("usercall", PortBlock::UserCall);
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
    let lab = Lab::new("notfound", PortBlock::NotFound);
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
    let lab = Lab::new("fork", PortBlock::Fork);
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
fn untrusted_invite_to_local_user_or_from_local_user_is_challenged() {
    let lab = Lab::new("untrusted", PortBlock::Untrusted);
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
