//! The A leg's channel variables, taken from a real `connect` reply
//! (trace 03d) with this call's identity substituted, so the daemon sees
//! exactly the variable set a real inbound sofia call has.

use std::sync::OnceLock;

use super::scenario::Caller;
use super::trace::{Dir, Trace, parse_message};

const TEMPLATE: &[u8] = include_bytes!("../fixtures/traces/03d-plain-bridge-baseline.esl");

/// The template's `variable_*` headers, decoded, in order.
fn template_vars() -> &'static Vec<(String, String)> {
    static VARS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    VARS.get_or_init(|| {
        let trace = Trace::parse("template", TEMPLATE).expect("the template capture parses");
        let reply = trace
            .blocks(Dir::Received)
            .next()
            .expect("the template capture starts with the connect reply");
        // The connect reply is one header block: parse it as an event body.
        let fake = format!("Content-Type: text/event-plain\n\n{}", reply.payload);
        let parsed = parse_message(&fake);
        parsed
            .event
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, v)| k.strip_prefix("variable_").map(|k| (k.to_string(), v)))
            .collect()
    })
}

/// The A leg's variables for this caller.
pub fn a_leg_vars(c: &Caller, uuid: &str, socket_data: &str) -> Vec<(String, String)> {
    let ip = &c.source_ip;
    let from_uri = format!("{}@{ip}:5070", c.from);
    let to_uri = format!("{}@127.0.0.1:5080", c.to);
    template_vars()
        .iter()
        .map(|(k, v)| {
            let v = match k.as_str() {
                "uuid" | "call_uuid" => uuid.to_string(),
                "sip_from_user" | "sip_from_user_stripped" => c.from.clone(),
                "sip_from_uri" => from_uri.clone(),
                "sip_from_host" | "sip_network_ip" | "sip_received_ip" | "sip_contact_host"
                | "sip_via_host" => ip.clone(),
                "sip_from_display" => c.name.clone(),
                "sip_full_from" => format!("\"{}\" <sip:{from_uri}>;tag={}", c.name, &uuid[..8]),
                "sip_full_to" => format!("<sip:{to_uri}>"),
                "sip_req_user" | "sip_to_user" => c.to.clone(),
                "sip_req_uri" | "sip_to_uri" => to_uri.clone(),
                "sip_call_id" => c.call_id.clone(),
                "channel_name" => a_leg_name(c),
                "DP_MATCH" => format!("ARRAY::{}|:{}", c.to, c.to),
                "current_application_data" => socket_data.to_string(),
                _ => v.clone(),
            };
            (k.clone(), v)
        })
        .chain(c.extra_vars.iter().cloned())
        .collect()
}

/// `Channel-Name` of the caller's leg.
pub fn a_leg_name(c: &Caller) -> String {
    format!("sofia/external/{}@{}:5070", c.from, c.source_ip)
}
