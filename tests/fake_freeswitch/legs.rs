//! Dialed legs: reading a bridge argument with freeswitch-types' port of
//! the switch parser, creating each leg's channel as the originate does
//! (its `origination_uuid`, the installed variables), and playing a leg's
//! scripted behaviour on a timeline.

use std::time::{Duration, Instant};

use freeswitch_esl_tokio::{BlockParse, BridgeDialString, DialString, DialStringCarrier, Endpoint};
use tokio::sync::{mpsc, watch};

use super::channel::{Channel, Profile};
use super::core::Core;
use super::headers;
use super::lifecycle::Disp;
use super::record::{Dial, DialLeg, LegFate};
use super::scenario::{Callee, Outcome};
use super::signal;
use super::switch::Switch;

/// One leg of one failover group, before its channel exists: what the
/// dial string asked for, so the originate can create (or refuse) it.
#[derive(Debug, Clone)]
pub struct PlannedLeg {
    pub index: usize,
    pub uuid: String,
    pub endpoint: String,
    pub user: String,
    pub vars: Vec<(String, String)>,
    /// `error/<cause>`: no channel, only a cause (docs/freeswitch.md §3).
    pub error: Option<String>,
}

impl PlannedLeg {
    pub fn var(&self, k: &str) -> Option<&str> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a bridge argument into failover groups of planned legs, and the
/// record a test reads. A string the parser refuses yields the error.
pub fn plan(arg: &str) -> (Dial, Vec<Vec<PlannedLeg>>) {
    let mut dial = Dial {
        raw: arg.to_string(),
        error: None,
        global_vars: Vec::new(),
        legs: Vec::new(),
    };
    let parsed = match BridgeDialString::parse_with(&upper_error_causes(arg), BlockParse::default())
    {
        Ok(p) => p,
        Err(e) => {
            dial.error = Some(e.to_string());
            return (dial, Vec::new());
        }
    };
    let global: Vec<(String, String)> = parsed
        .variables()
        .map(|v| {
            v.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .unwrap_or_default();
    dial.global_vars = global.clone();
    let mut groups = Vec::new();
    let mut index = 0;
    for group in parsed.groups() {
        let mut legs = Vec::new();
        for ep in group {
            let mut vars = global.clone();
            if let Some(v) = ep.variables() {
                vars.extend(v.iter().map(|(k, v)| (k.to_string(), v.to_string())));
            }
            let mut bare = ep.clone();
            bare.set_variables(None);
            let endpoint = bare.display_for(DialStringCarrier::Dialplan).to_string();
            let user = dialed_user(&endpoint);
            let error = match ep {
                Endpoint::Error(e) => Some(e.to_string().trim_start_matches("error/").to_string()),
                _ => None,
            };
            let uuid = vars
                .iter()
                .rev()
                .find(|(k, _)| k == "origination_uuid")
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
            let leg = PlannedLeg {
                index,
                uuid,
                endpoint,
                user,
                vars,
                error,
            };
            dial.legs.push(DialLeg {
                index,
                uuid: leg.uuid.clone(),
                endpoint: leg.endpoint.clone(),
                vars: leg.vars.clone(),
            });
            legs.push(leg);
            index += 1;
        }
        groups.push(legs);
    }
    (dial, groups)
}

/// `error/<cause>` as freeswitch-types' parser takes it: the cause in
/// capitals (FreeSWITCH reads causes without regard to case,
/// `switch_channel_str2cause`) and no `[...]` variables before it (an error
/// endpoint creates no channel for them; 11a's stock dialplan dials
/// `[^^:sip_invite_domain=...]error/user_not_registered`).
fn upper_error_causes(arg: &str) -> String {
    let mut out = String::with_capacity(arg.len());
    let mut rest = arg;
    while let Some(i) = rest.find("error/") {
        out.push_str(&rest[..i]);
        if out.ends_with(']')
            && let Some(open) = out.rfind('[')
        {
            out.truncate(open);
        }
        out.push_str("error/");
        rest = &rest[i + 6..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        out.push_str(&rest[..end].to_ascii_uppercase());
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The user part a leg dials: `sofia/external/1000@host` -> `1000`.
pub fn dialed_user(endpoint: &str) -> String {
    let last = endpoint
        .strip_prefix("sofia/")
        .and_then(|r| r.split_once('/'))
        .map(|(_, d)| d)
        .unwrap_or(endpoint);
    let last = last.rsplit('/').next().unwrap_or(last);
    let last = last.strip_prefix("sip:").unwrap_or(last);
    last.split('@').next().unwrap_or(last).to_string()
}

/// The variables `export_vars` names on the caller, with their values
/// (`export` appends to the list; FreeSWITCH keeps it comma-separated, the
/// fake as an array).
fn exported(ach: &super::channel::Channel) -> Vec<(String, String)> {
    let Some(list) = ach.var("export_vars") else {
        return Vec::new();
    };
    let list = list.strip_prefix("ARRAY::").unwrap_or(list);
    list.split("|:")
        .flat_map(|p| p.split(','))
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .filter_map(|k| ach.var(k).map(|v| (k.to_string(), v.to_string())))
        .collect()
}

/// Creates the leg's channel (CHANNEL_CREATE) in CS_CONSUME_MEDIA, DOWN.
pub fn create_leg(
    core: &mut Core,
    cu: &str,
    a: &str,
    leg: &PlannedLeg,
    script: Callee,
) -> Option<watch::Receiver<bool>> {
    let ach = core.channels.get(a)?;
    let log = ach.log.clone();
    // mod_sofia copies the caller's sip_h_* onto a sofia leg (not loopback).
    let from_caller = headers::copied_from_caller(ach);
    let ignore_early = leg.var("ignore_early_media") == Some("true");
    let (from_name, from_num) = (
        leg.var("origination_caller_id_name")
            .map(str::to_string)
            .unwrap_or(ach.profile.caller_id_name.clone()),
        leg.var("origination_caller_id_number")
            .map(str::to_string)
            .unwrap_or(ach.profile.caller_id_number.clone()),
    );
    let name = leg.endpoint.clone();
    let module = leg
        .endpoint
        .split('/')
        .next()
        .unwrap_or("sofia")
        .to_string();
    let dest = leg
        .endpoint
        .splitn(3, '/')
        .nth(2)
        .unwrap_or(&leg.endpoint)
        .to_string();
    let mut vars: Vec<(String, String)> = vec![
        ("direction".into(), "outbound".into()),
        ("is_outbound".into(), "true".into()),
        ("uuid".into(), leg.uuid.clone()),
        ("sip_profile_name".into(), "external".into()),
        ("channel_name".into(), name.clone()),
        ("sip_destination_url".into(), format!("sip:{dest}")),
        ("max_forwards".into(), "69".into()),
        (
            "originator_codec".into(),
            "CORE_PCM_MODULE.PCMU@8000h@20i@64000b".into(),
        ),
        ("originator".into(), a.to_string()),
        ("signal_bond".into(), a.to_string()),
        ("call_uuid".into(), a.to_string()),
    ];
    let loopback = module == "loopback";
    // loopback/<exten>[/<context>]: the originating half is `<exten>-a`.
    let name = if loopback {
        let exten = leg.endpoint.split('/').nth(1).unwrap_or("loopback");
        format!("loopback/{exten}-a")
    } else {
        name
    };
    let profile = Profile {
        direction: "outbound",
        username: ach.profile.username.clone(),
        caller_id_name: from_name,
        caller_id_number: from_num,
        callee_id_name: Some("Outbound Call".into()),
        callee_id_number: Some(leg.user.clone()),
        network_addr: "127.0.0.1".into(),
        destination: leg.user.clone(),
        source: "mod_sofia".into(),
        context: "public".into(),
        created_us: 0,
        dialplan: "XML".into(),
        logical_direction: None,
        transfer_source: None,
        flipped: None,
    };
    let mut ch = Channel::new(&leg.uuid, name.clone(), profile, log.clone());
    ch.cs = "CS_CONSUME_MEDIA";
    ch.call_state = "DOWN";
    ch.other = Some((a.to_string(), "originator"));
    ch.fs_support = script.fs_support.clone();
    ch.script = Some(script);
    ch.loopback = loopback;
    if loopback {
        vars.retain(|(k, _)| !k.starts_with("sip_"));
    }
    for (k, v) in vars.iter_mut() {
        if k == "channel_name" {
            *v = name.clone();
        }
    }
    if !loopback {
        vars.extend(from_caller);
    }
    // The caller's `export_vars` (what `export` set) reach every leg
    // (switch_ivr_originate copies them before the dial string's own).
    vars.extend(exported(ach));
    // The dial string's {}/[] variables are installed after the copy: they win.
    vars.extend(leg.vars.iter().cloned());
    vars.push(("originate_early_media".into(), (!ignore_early).to_string()));
    vars.push(("originating_leg_uuid".into(), a.to_string()));
    vars.push(("originate_endpoint".into(), module));
    if !loopback {
        let tag = || uuid::Uuid::new_v4().simple().to_string()[..13].to_string();
        vars.push((
            "sip_full_from".into(),
            format!(
                "\"{}\" <sip:{}@127.0.0.1>;tag={}",
                ach.profile.caller_id_name,
                ach.profile.caller_id_number,
                tag()
            ),
        ));
        vars.push(("sip_full_to".into(), format!("<sip:{dest}>;tag={}", tag())));
        vars.push(("sip_req_uri".into(), dest));
        vars.push(("sip_call_id".into(), uuid::Uuid::new_v4().to_string()));
    }
    for (k, v) in vars {
        ch.set_var(&k, v);
    }
    let rx = ch.hung.subscribe();
    let sip_call_id = ch.var("sip_call_id").map(str::to_owned);
    let invite_headers = if loopback {
        Vec::new()
    } else {
        headers::invite_headers(&ch.vars)
    };
    core.channels.insert(leg.uuid.clone(), ch);
    // The caller's bond is the last leg created (02a, 02d).
    if let Some(ach) = core.channels.get_mut(a) {
        ach.set_var("originate_signal_bond", leg.uuid.clone());
    }
    log.push_leg(LegFate {
        uuid: leg.uuid.clone(),
        endpoint: leg.endpoint.clone(),
        sip_call_id,
        invite_headers,
        ..LegFate::default()
    });
    core.fire(cu, &leg.uuid, "CHANNEL_CREATE", &[], &[]);
    core.fire(cu, &leg.uuid, "CHANNEL_ORIGINATE", &[], &[]);
    Some(rx)
}

/// What a leg's far end does, delivered to the ringing loop in time order,
/// so one task decides the originate's outcome as FreeSWITCH's does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stim {
    Ring,
    Early,
    Answer,
    Reject(u16),
    /// A screening socket app returned; `true` when the leg is still up.
    Screened(bool),
    /// The leg was hung up from outside the originate (`uuid_kill`).
    HungUp,
}

/// A leg's far end before its answer: each signal at its time from the
/// INVITE (the originate plays them, ringing.rs).
pub fn leg_plan(script: &Callee) -> Vec<(u64, Stim)> {
    let mut plan: Vec<(u64, Stim)> = Vec::new();
    if let Some(r) = script.ring_at {
        plan.push((r, Stim::Ring));
    }
    if let Some(e) = script.early_media_at {
        plan.push((e, Stim::Early));
    }
    match script.outcome {
        Outcome::Answer(t) => plan.push((t, Stim::Answer)),
        Outcome::Reject(code, t) => plan.push((t, Stim::Reject(code))),
        Outcome::NoListener => plan.push((14, Stim::Reject(503))),
        Outcome::RingForever => {}
    }
    plan.sort_by_key(|(t, _)| *t);
    plan
}
