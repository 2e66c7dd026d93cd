//! Reading a dial target of jambonz JSON into [`crate::app::Target`]:
//! phone, sip, user, teams.

use serde_json::Value;

use super::Pointer;
use super::fields::Fields;
use super::headers::read_headers;
use super::hook::read_hook;
use crate::app::headers::{HeaderScope, Headers};
use crate::app::hook::{Hook, Method};
use crate::app::problem::Problems;
use crate::app::target::Routing;
use crate::app::{Context, SipAuth, Target, TargetKind, rules};
use crate::secret::Secret;

/// Reads one target; None when it has problems (recorded).
pub(crate) fn read_target(
    value: &Value,
    at: &Pointer,
    ctx: &Context,
    problems: &mut Problems,
) -> Option<Target> {
    let before = problems.len();
    let mut f = Fields::of(value, at, "a target", problems)?;
    let confirm_hook = confirm_hook(&mut f);
    let headers = match f.value("headers") {
        Some(v) => {
            let at = f.at_key("headers");
            read_headers(v, &at, HeaderScope::PerLeg, f.problems())
        }
        None => Headers::default(),
    };
    let kind_name = f.value("type").and_then(|v| v.as_str());
    let mut routing = read_routing(&mut f, ctx, kind_name);
    let kind = match f.required_str("type", "one of phone, sip, user, teams") {
        Some("phone") => phone(&mut f, ctx, routing.proxy.is_some()),
        Some("sip") => sip(&mut f),
        Some("user") => user(&mut f),
        Some("teams") => teams(&mut f, ctx),
        Some(other) => {
            f.problem(
                "type",
                format!("unknown target type `{other}`; use phone, sip, user or teams"),
            );
            None
        }
        None => None,
    };
    f.finish();
    let kind = kind?;
    if matches!(kind, TargetKind::Sip { .. } | TargetKind::Teams { .. }) {
        routing.proxy = None;
    }
    (problems.len() == before).then_some(Target {
        kind,
        confirm_hook,
        headers,
        routing,
        send_digits: None,
    })
}

/// `confirmHook`, or jambonz's older spelling `url` (+ `method`).
fn confirm_hook(f: &mut Fields<'_, '_>) -> Option<Hook> {
    let mut hook = None;
    if let Some(v) = f.value("confirmHook") {
        let at = f.at_key("confirmHook");
        hook = read_hook(v, &at, f.problems());
    }
    let legacy_method = f.str("method");
    if let Some(v) = f.value("url") {
        if hook.is_some() {
            f.problem("url", "give either `confirmHook` or `url`, not both");
            return None;
        }
        let at = f.at_key("url");
        hook = read_hook(v, &at, f.problems());
        if let (Some(h), Some(m)) = (hook.as_mut(), legacy_method) {
            match m.to_ascii_uppercase().as_str() {
                "GET" => h.method = Method::Get,
                "POST" => {}
                _ => f.problem("method", format!("must be GET or POST, not `{m}`")),
            }
        }
    } else if let Some(m) = legacy_method {
        // jambonz's `method` beside `confirmHook`: the method of that hook.
        match (hook.as_mut(), m.to_ascii_uppercase().as_str()) {
            (None, _) => f.problem(
                "method",
                "`method` is the method of `confirmHook` (or `url`); give one of them",
            ),
            (Some(h), "GET") => h.method = Method::Get,
            (Some(_), "POST") => {}
            (Some(_), _) => f.problem("method", format!("must be GET or POST, not `{m}`")),
        }
    }
    hook
}

/// The target's `number`, checked as a phone number.
fn number(f: &mut Fields<'_, '_>, ctx: &Context, what: &str) -> Option<String> {
    let n = f.required_str("number", what)?;
    match rules::phone_number(n, ctx.relaxed_numbers, "number") {
        Ok(()) => Some(n.to_owned()),
        Err(e) => {
            f.problem("number", e);
            None
        }
    }
}

/// `proxy` (phone and user targets; a sip target reads its own), `from`
/// `{user, host}` and `overrideTo`.
fn read_routing(f: &mut Fields<'_, '_>, ctx: &Context, kind: Option<&str>) -> Routing {
    let mut routing = Routing::default();
    if matches!(kind, Some("phone") | Some("user")) {
        routing.proxy = f.str("proxy").and_then(|p| match rules::proxy(p, "proxy") {
            Ok(()) => Some(p.to_owned()),
            Err(e) => {
                f.problem("proxy", e);
                None
            }
        });
    }
    if let Some(v) = f.value("from") {
        let at = f.at_key("from");
        if let Some(mut from) = Fields::of(v, &at, "from", f.problems()) {
            if let Some(u) = from.str("user") {
                match rules::phone_number(u, ctx.relaxed_numbers, "user")
                    .or_else(|_| rules::user_part(u, "user"))
                {
                    Ok(()) => routing.from_user = Some(u.to_owned()),
                    Err(e) => from.problem("user", e),
                }
            }
            if let Some(h) = from.str("host") {
                match rules::hostname(h, "host") {
                    Ok(()) => routing.from_host = Some(h.to_owned()),
                    Err(e) => from.problem("host", e),
                }
            }
            from.finish();
        }
    }
    if let Some(to) = f.str("overrideTo") {
        match rules::sip_uri(to, "overrideTo") {
            Ok(()) => routing.override_to = Some(to.to_owned()),
            Err(e) => f.problem("overrideTo", e),
        }
    }
    routing
}

fn phone(f: &mut Fields<'_, '_>, ctx: &Context, has_proxy: bool) -> Option<TargetKind> {
    let number = number(f, ctx, "the phone number to call");
    let trunk = f.str("trunk").map(str::to_owned);
    match &trunk {
        Some(t) if !ctx.has_carrier(t) => {
            let known = if ctx.carriers.is_empty() {
                "none is configured".to_owned()
            } else {
                format!("configured: {}", ctx.carriers.join(", "))
            };
            f.problem(
                "trunk",
                format!("no carrier named `{t}` in [carriers] ({known})"),
            );
            return None;
        }
        None if !ctx.has_default_carrier && !has_proxy => {
            f.problem(
                "trunk",
                "no trunk given and no carrier in [carriers] has default = true; \
                 name a trunk or mark a carrier as default",
            );
            return None;
        }
        _ => {}
    }
    Some(TargetKind::Phone {
        number: number?,
        trunk,
    })
}

fn sip(f: &mut Fields<'_, '_>) -> Option<TargetKind> {
    let uri = f.required_str("sipUri", "the SIP URI to call");
    let uri = uri.and_then(|u| match rules::sip_uri(u, "sipUri") {
        Ok(()) => Some(u.to_owned()),
        Err(e) => {
            f.problem("sipUri", e);
            None
        }
    });
    let proxy = f.str("proxy").and_then(|p| match rules::proxy(p, "proxy") {
        Ok(()) => Some(p.to_owned()),
        Err(e) => {
            f.problem("proxy", e);
            None
        }
    });
    let auth = match f.value("auth") {
        Some(v) => {
            let at = f.at_key("auth");
            Some(read_auth(v, &at, f.problems())?)
        }
        None => None,
    };
    Some(TargetKind::Sip {
        uri: uri?,
        auth,
        proxy,
    })
}

fn read_auth(value: &Value, at: &Pointer, problems: &mut Problems) -> Option<SipAuth> {
    let mut f = Fields::of(value, at, "auth", problems)?;
    let (ukey, username) = match (f.str("username"), f.str("user")) {
        (Some(_), Some(_)) => {
            f.problem("user", "give either `username` or `user`, not both");
            ("user", None)
        }
        (Some(u), None) => ("username", Some(u)),
        (None, Some(u)) => ("user", Some(u)),
        (None, None) => {
            let at = f.at().clone();
            f.problems().add(&at, "`username` is required in auth");
            ("username", None)
        }
    };
    let password = f.str("password");
    if password.is_none() && !f.has("password") {
        let at = f.at().clone();
        f.problems().add(
            &at,
            "auth has no `password`; give the SIP password or remove auth",
        );
    }
    if let Some(p) = password
        && let Err(e) = rules::block_value(p, rules::VarBlock::PerLeg, "password")
    {
        f.problem("password", e);
        return None;
    }
    if let Some(u) = username {
        if let Some(c) = u
            .chars()
            .find(|c| c.is_whitespace() || "'\",|[]{}^`".contains(*c))
        {
            f.problem(
                ukey,
                format!("contains '{c}', which cannot appear in a SIP digest user name"),
            );
            return None;
        }
        if let Err(e) = rules::block_value(u, rules::VarBlock::PerLeg, ukey) {
            f.problem(ukey, e);
            return None;
        }
    }
    f.finish();
    Some(SipAuth {
        username: username?.to_owned(),
        password: Secret::new(password?),
    })
}

fn user(f: &mut Fields<'_, '_>) -> Option<TargetKind> {
    let name = f.required_str("name", "the registered user, e.g. jane@sip.example.com")?;
    match rules::user_name(name, "name") {
        Ok(()) => Some(TargetKind::User {
            name: name.to_owned(),
        }),
        Err(e) => {
            f.problem("name", e);
            None
        }
    }
}

fn teams(f: &mut Fields<'_, '_>, ctx: &Context) -> Option<TargetKind> {
    let number = number(f, ctx, "the number mapped to the Teams user");
    let tenant = f
        .str("tenant")
        .and_then(|t| match rules::hostname(t, "tenant") {
            Ok(()) => Some(t.to_owned()),
            Err(e) => {
                f.problem("tenant", e);
                None
            }
        });
    // Read before any early return: a property left unread is reported
    // as unknown, which would hide the real problem.
    let voicemail = match (f.bool("voicemail"), f.bool("vmail")) {
        (Some(a), Some(b)) if a != b => {
            f.problem("vmail", "`voicemail` and `vmail` disagree; give one");
            None
        }
        (a, b) => Some(a.or(b).unwrap_or(false)),
    };
    if tenant.is_none() && ctx.teams_tenant.is_none() && !f.has("tenant") {
        f.problem(
            "tenant",
            "no tenant given and [teams] tenant is not configured; give the tenant's domain",
        );
        return None;
    }
    Some(TargetKind::Teams {
        number: number?,
        tenant,
        voicemail: voicemail?,
    })
}
