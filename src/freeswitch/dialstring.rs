//! The dial-string compiler: a validated [`Dial`] plus the configuration
//! become the exact argument of FreeSWITCH's `bridge`, with the UUID and
//! endpoint chosen for every leg.
//!
//! Shape (docs/freeswitch.md §2, §5, §9):
//! `{global vars}[leg vars]endpoint,[leg vars]endpoint,...` — comma simring.
//! Global: `ignore_early_media`, `originate_timeout`,
//! `sofia_suppress_url_encoding=true` (a `+` in a user part stays `+`
//! instead of `%2B`), caller ID, the dial's own headers. Per leg:
//! `origination_uuid`, `leg_timeout`, the target's headers, digest
//! credentials, screening (`group_confirm_*`).
//!
//! Every value reaches the string through one path, [`render`]: it is laid
//! out with freeswitch-types' `BridgeDialString` (which escapes for the
//! dialplan carrier exactly as the switch unescapes) and then read back with
//! the same crate's port of the switch's parser; a string that does not read
//! back as built is refused. Values were validated by [`crate::app`] before.
//! The one exception is a string whose every key, value and endpoint is
//! inert (nothing to escape, nothing read differently: the usual dial of
//! numbers and SIP URIs): it is laid out directly
//! ([`super::inert_text::inert_dial_string`]), and debug builds, so every
//! test, check it against [`render`].

use std::fmt;

use freeswitch_esl_tokio::commands::{SofiaEndpoint, SofiaGateway};
use freeswitch_esl_tokio::{BlockParse, BridgeDialString, Endpoint, Variables, VariablesType};

use crate::app::target::Routing;
use crate::app::{Dial, Target, TargetKind};
use crate::config::Settings;
use crate::secret::MASK;

use super::inert_text::{inert, inert_dial_string};

/// Why a dial cannot become a dial string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    /// A target names a carrier that is not configured (validation should
    /// have caught it; the configuration may have been reloaded since).
    #[error("target {target}: no carrier named `{name}` in [carriers]; add it or fix the trunk")]
    UnknownCarrier {
        /// Index in the application's target array.
        target: usize,
        /// The trunk given (or "default").
        name: String,
    },
    /// A value of one target cannot be carried by FreeSWITCH's parser.
    #[error("target {target} cannot be carried in a FreeSWITCH dial string: {reason}")]
    NotCarriable {
        /// Index in the application's target array.
        target: usize,
        /// What the parser port refused.
        reason: String,
    },
    /// The whole string does not read back as built.
    #[error("the dial string does not read back as built ({reason}); please report this")]
    RoundTrip {
        /// What differed.
        reason: String,
    },
}

/// What a target became.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlannedLeg {
    /// Index in the application's target array.
    pub target: usize,
    /// `origination_uuid`: the leg's UUID, chosen here so its events can be
    /// filtered before the bridge starts.
    pub uuid: String,
    /// The endpoint text after the variable block.
    pub endpoint: String,
    /// True when a confirmHook screens this leg.
    pub screened: bool,
}

/// The compiled dial.
#[derive(Clone, PartialEq, Eq)]
pub struct CompiledDial {
    argument: String,
    masked: String,
    /// One entry per distinct target, in dial order.
    pub legs: Vec<PlannedLeg>,
    /// The global `originate_timeout` in seconds.
    pub(crate) originate_timeout: u32,
}

impl CompiledDial {
    /// The `bridge` argument to send to FreeSWITCH (holds passwords).
    pub fn argument(&self) -> &str {
        &self.argument
    }

    /// The same argument with digest passwords masked, for logs and explain.
    pub(crate) fn masked_argument(&self) -> &str {
        &self.masked
    }
}

impl fmt::Debug for CompiledDial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompiledDial")
            .field("argument", &self.masked)
            .field("legs", &self.legs)
            .field("originate_timeout", &self.originate_timeout)
            .finish()
    }
}

/// Renders `bridge` for a `bridge` application argument and checks that the
/// switch's parser (freeswitch-types' port) reads back exactly what was
/// built. This is the one escaping path of dialbridge.
pub(crate) fn render(bridge: &BridgeDialString) -> Result<String, String> {
    let text = bridge.display_with(BlockParse::default()).to_string();
    match BridgeDialString::parse_with(&text, BlockParse::default()) {
        Ok(back) if &back == bridge => Ok(text),
        Ok(_) => Err("FreeSWITCH would read it differently".to_owned()),
        Err(e) => Err(e.to_string()),
    }
}

/// Adds `;lr` (loose routing) to a proxy URI when missing and the `sip:`
/// scheme when omitted, for use as `fs_path`.
fn route_uri(proxy: &str) -> String {
    let lower = proxy.to_ascii_lowercase();
    let with_scheme = if lower.starts_with("sip:") || lower.starts_with("sips:") {
        proxy.to_owned()
    } else {
        format!("sip:{proxy}")
    };
    if with_scheme
        .split(';')
        .skip(1)
        .any(|p| p.eq_ignore_ascii_case("lr"))
    {
        with_scheme
    } else {
        format!("{with_scheme};lr")
    }
}

/// `host:port[;params]` of a proxy URI.
fn host_of(proxy: &str) -> &str {
    let lower = proxy.to_ascii_lowercase();
    if lower.starts_with("sips:") {
        &proxy[5..]
    } else if lower.starts_with("sip:") {
        &proxy[4..]
    } else {
        proxy
    }
}

/// Compiles `dial` against `settings`; `new_uuid` supplies each leg's UUID.
pub fn compile(
    dial: &Dial,
    settings: &Settings,
    new_uuid: &mut dyn FnMut() -> String,
) -> Result<CompiledDial, CompileError> {
    let screened_any = dial
        .targets
        .iter()
        .any(|(_, t)| t.confirm_hook.is_some() || dial.confirm_hook.is_some());
    let originate_timeout = if screened_any {
        dial.timeout + settings.dial.screening_timeout
    } else {
        // FreeSWITCH fires leg_timeout=N between N and N+1 s and
        // originate_timeout=N between N-1 and N s (docs/freeswitch.md §3): +2 keeps
        // the legs' own timeout first, so they end ALLOTTED_TIMEOUT.
        dial.timeout + 2
    };
    let global = global_vars(dial, originate_timeout);
    let mut plain = global
        .iter()
        .all(|(k, v)| inert(k, false) && inert(v, false));
    let mut legs = Vec::new();
    let mut built = Vec::new();
    for (index, target) in &dial.targets {
        let uuid = new_uuid();
        let screened = target.confirm_hook.is_some() || dial.confirm_hook.is_some();
        let mut vars = Variables::new(VariablesType::Channel);
        vars.insert("origination_uuid", uuid.clone());
        vars.insert("leg_timeout", dial.timeout.to_string());
        let (endpoint, routing_headers) = endpoint(*index, target, settings)?;
        routing_vars(&target.routing, &mut vars);
        for (name, value) in routing_headers.iter().chain(target.headers.0.iter()) {
            vars.insert(format!("sip_h_{name}"), value.clone());
        }
        let mut hidden = vars.clone();
        if let TargetKind::Sip {
            auth: Some(auth), ..
        } = &target.kind
        {
            for v in [&mut vars, &mut hidden] {
                v.insert("sip_auth_username", auth.username.clone());
            }
            vars.insert("sip_auth_password", auth.password.expose().to_owned());
            hidden.insert("sip_auth_password", MASK);
        }
        if let Some(digits) = &target.send_digits {
            // RCML `<Number sendDigits>`: mod_dptools' send_dtmf on the leg
            // as it answers (`w`/`W` are its half and whole second pauses).
            for v in [&mut vars, &mut hidden] {
                v.insert("execute_on_answer", format!("send_dtmf {digits}"));
            }
        }
        if screened {
            let file = format!("socket {} async full", settings.listener.address);
            for v in [&mut vars, &mut hidden] {
                v.insert("group_confirm_key", "exec");
                v.insert("group_confirm_file", file.clone());
                v.insert("group_confirm_cancel_timeout", "true");
            }
        }
        let text = leg_text(&endpoint);
        plain = plain
            && inert(&text, true)
            && vars.iter().all(|(k, v)| inert(k, false) && inert(v, false));
        legs.push(PlannedLeg {
            target: *index,
            uuid,
            endpoint: text,
            screened,
        });
        built.push(BuiltLeg {
            target: *index,
            endpoint,
            vars,
            hidden,
        });
    }
    // A string of inert values only has nothing to escape and nothing to
    // read differently (see [`inert`]): it is laid out directly, and debug
    // builds (every test) check it against the layout and the read-back.
    // Otherwise one read-back of the whole string; only when it fails is
    // each target read back alone, to name the one FreeSWITCH could not
    // carry.
    let argument = if plain {
        let text = inert_dial_string(
            &global,
            built
                .iter()
                .zip(&legs)
                .map(|(b, l)| (&b.vars, l.endpoint.as_str())),
        );
        debug_assert_eq!(
            render(&bridge(&global, &built, |b| &b.vars)).as_ref(),
            Ok(&text),
            "an inert dial string reads back as laid out"
        );
        text
    } else {
        render(&bridge(&global, &built, |b| &b.vars)).map_err(|reason| {
            built
                .iter()
                .find_map(|b| {
                    render(&bridge(&global, std::slice::from_ref(b), |b| &b.vars))
                        .err()
                        .map(|reason| CompileError::NotCarriable {
                            target: b.target,
                            reason,
                        })
                })
                .unwrap_or(CompileError::RoundTrip { reason })
        })?
    };
    // The masked copy is for logs only: never sent, so not read back.
    let hidden_inert = || {
        built.iter().all(|b| {
            b.hidden
                .iter()
                .all(|(k, v)| inert(k, false) && inert(v, false))
        })
    };
    let masked = if plain && hidden_inert() {
        inert_dial_string(
            &global,
            built
                .iter()
                .zip(&legs)
                .map(|(b, l)| (&b.hidden, l.endpoint.as_str())),
        )
    } else {
        bridge(&global, &built, |b| &b.hidden)
            .display_with(BlockParse::default())
            .to_string()
    };
    Ok(CompiledDial {
        argument,
        masked,
        legs,
        originate_timeout,
    })
}

/// One target's endpoint with the variables sent ([`BuiltLeg::vars`]) and
/// those logged ([`BuiltLeg::hidden`]: passwords masked).
struct BuiltLeg {
    target: usize,
    endpoint: Endpoint,
    vars: Variables,
    hidden: Variables,
}

/// The dial string of `legs`, each with the variables `pick` chooses.
fn bridge(
    global: &Variables,
    legs: &[BuiltLeg],
    pick: impl Fn(&BuiltLeg) -> &Variables,
) -> BridgeDialString {
    BridgeDialString::new(vec![
        legs.iter()
            .map(|b| with_vars(b.endpoint.clone(), pick(b).clone()))
            .collect(),
    ])
    .with_variables(global.clone())
}

/// A target's `from` and `overrideTo` as the leg's variables: the From
/// user is the leg's caller ID number, the From host `sip_invite_domain`,
/// the To URI `sip_invite_to_uri` (mod_sofia's names; README).
fn routing_vars(routing: &Routing, vars: &mut Variables) {
    if let Some(u) = &routing.from_user {
        vars.insert("origination_caller_id_number", u.clone());
    }
    if let Some(h) = &routing.from_host {
        vars.insert("sip_invite_domain", h.clone());
    }
    if let Some(to) = &routing.override_to {
        vars.insert("sip_invite_to_uri", format!("<{to}>"));
    }
}

fn global_vars(dial: &Dial, originate_timeout: u32) -> Variables {
    let mut g = Variables::new(VariablesType::Default);
    let simring = dial.targets.len() > 1 || dial.dial_music.is_some();
    g.insert("ignore_early_media", simring.to_string());
    g.insert("originate_timeout", originate_timeout.to_string());
    g.insert("sofia_suppress_url_encoding", "true");
    if let Some(n) = &dial.caller_id {
        g.insert("origination_caller_id_number", n.clone());
    }
    if let Some(n) = &dial.caller_name {
        g.insert("origination_caller_id_name", n.clone());
    }
    for (name, value) in dial.headers.iter() {
        g.insert(format!("sip_h_{name}"), value);
    }
    if dial.srtp_mandatory {
        // switch_core_media.c: a leg offers SDES crypto and fails without it.
        g.insert("rtp_secure_media", "mandatory");
    }
    if dial.on_hold_hook.is_some() {
        // A holding leg's own hold_music is what FreeSWITCH plays to its
        // partner; the onHoldHook plays instead (call::dial::hold).
        g.insert("hold_music", "silence");
    }
    g
}

fn with_vars(endpoint: Endpoint, vars: Variables) -> Endpoint {
    match endpoint {
        Endpoint::Sofia(e) => e.with_variables(vars).into(),
        Endpoint::SofiaGateway(e) => e.with_variables(vars).into(),
        other => other,
    }
}

/// The endpoint as FreeSWITCH's module receives it (no variable block).
fn leg_text(endpoint: &Endpoint) -> String {
    match endpoint {
        Endpoint::Sofia(e) => format!("sofia/{}/{}", e.profile, e.destination),
        Endpoint::SofiaGateway(e) => format!("sofia/gateway/{}/{}", e.gateway, e.destination),
        other => other.to_string(),
    }
}

/// The endpoint for one target plus the routing headers dialbridge adds.
fn endpoint(
    index: usize,
    target: &Target,
    s: &Settings,
) -> Result<(Endpoint, Vec<(String, String)>), CompileError> {
    let profile = s.sip.profile.as_str();
    let via = target.routing.proxy.as_deref();
    Ok(match &target.kind {
        TargetKind::Phone { number, trunk } if let Some(proxy) = via => {
            let number = match s.carrier(trunk.as_deref()) {
                Some((_, c)) if c.strip_plus => number.trim_start_matches('+'),
                _ => number.as_str(),
            };
            (
                SofiaEndpoint::new(profile, format!("{number}@{}", host_of(proxy))).into(),
                vec![],
            )
        }
        TargetKind::Phone { number, trunk } => {
            let (name, carrier) =
                s.carrier(trunk.as_deref())
                    .ok_or_else(|| CompileError::UnknownCarrier {
                        target: index,
                        name: trunk.clone().unwrap_or_else(|| "default".into()),
                    })?;
            let number = if carrier.strip_plus {
                number.trim_start_matches('+')
            } else {
                number.as_str()
            };
            match (&carrier.gateway, &carrier.proxy) {
                (Some(gw), _) => (SofiaGateway::new(gw.clone(), number).into(), vec![]),
                (None, Some(proxy)) => (
                    SofiaEndpoint::new(profile, format!("{number}@{}", host_of(proxy))).into(),
                    vec![("X-Dialbridge-Carrier".into(), name.to_owned())],
                ),
                (None, None) => {
                    return Err(CompileError::UnknownCarrier {
                        target: index,
                        name: name.to_owned(),
                    });
                }
            }
        }
        TargetKind::Sip { uri, proxy, .. } => {
            let dest = match proxy {
                Some(p) => format!("{uri};fs_path=<{}>", route_uri(p)),
                None => uri.clone(),
            };
            (SofiaEndpoint::new(profile, dest).into(), vec![])
        }
        TargetKind::User { name } => (
            SofiaEndpoint::new(
                profile,
                format!(
                    "{name};fs_path=<{}>",
                    route_uri(via.unwrap_or(&s.registrar.proxy))
                ),
            )
            .into(),
            vec![],
        ),
        TargetKind::Teams {
            number,
            tenant,
            voicemail,
        } => {
            let tenant = tenant
                .clone()
                .or_else(|| s.teams.tenant.clone())
                .unwrap_or_default();
            let mut headers = vec![
                ("X-Dialbridge-Route".to_owned(), "teams".to_owned()),
                ("X-Dialbridge-Tenant".to_owned(), tenant),
            ];
            if *voicemail {
                headers.push(("X-Dialbridge-Voicemail".into(), "true".into()));
            }
            (
                SofiaEndpoint::new(
                    profile,
                    format!(
                        "{number}@{};fs_path=<{}>",
                        s.teams.domain,
                        route_uri(&s.teams.proxy)
                    ),
                )
                .into(),
                headers,
            )
        }
    })
}

#[cfg(test)]
#[path = "dialstring_tests.rs"]
mod tests;
