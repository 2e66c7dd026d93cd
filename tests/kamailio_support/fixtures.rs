//! The test world the Kamailio test binaries share: the subscribers' domain
//! and its two users, addresses on 127.0.0.1, and the sipp that answers
//! calls as a device or a FreeSWITCH node.

use super::lab::{Lab, Slot};
use super::setup::User;
use super::sipp::SippCommand;

pub const DOMAIN: &str = "sip.example.com";

pub fn users() -> Vec<User> {
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

pub fn password(user: &str) -> &'static str {
    match user {
        "jane" => "jane-secret",
        "bob" => "bob-secret",
        _ => panic!("no test user {user}"),
    }
}

pub fn aor(user: &str) -> String {
    format!("{user}@{DOMAIN}")
}

pub fn uri(port: u16) -> String {
    format!("sip:127.0.0.1:{port}")
}

/// A device (or FreeSWITCH node) answering calls on `slot`, named `node`.
pub fn answering(lab: &Lab, name: &str, slot: Slot) -> SippCommand {
    lab.sipp(name, "uas_answer.xml", slot).key("node", name)
}
