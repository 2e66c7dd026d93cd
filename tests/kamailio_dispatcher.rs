//! Kamailio as dispatcher in front of the FreeSWITCH nodes (issue 5), proved
//! with the real programs: Debian's `kamailio` running the project's
//! `kamailio/kamailio.cfg`, and sipp (`sip-tester`) playing a carrier and the
//! FreeSWITCH nodes with the scenarios in `tests/sipp/`: round-robin between
//! nodes, failover when a node is down, and OPTIONS probing that takes a
//! dead node out and brings it back.
//!
//! Each test has its own Kamailio, temporary directory and block of ports on
//! 127.0.0.1 (`Lab::new(name, PortBlock::...)`; the blocks are unique across
//! the Kamailio test binaries, which run at the same time), so the tests run
//! in parallel. Without kamailio or sipp these tests fail and say
//! `apt-get install -y kamailio sip-tester`.

mod kamailio_support;

use kamailio_support::{
    Destination, Kamailio, KamailioSetup, Lab, PROCESS_TIMEOUT, PortBlock, answering, uri, users,
    wait_until,
};

#[test]
fn dispatcher_alternates_calls_between_freeswitch_nodes() {
    let lab = Lab::new("roundrobin", PortBlock::RoundRobin);
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
    let lab = Lab::new("failover", PortBlock::Failover);
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
    let lab = Lab::new("probing", PortBlock::Probing);
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
