//! The checks a loaded configuration must pass, each naming its key.

use std::net::SocketAddr;

use super::cidr::Cidr;
use super::{SettingProblem, Settings, check_config_hook};
use crate::app::rules;

/// Every problem with `s`.
pub(crate) fn check(s: &Settings) -> Vec<SettingProblem> {
    let mut out = Vec::new();
    let mut bad = |key: &str, message: String| {
        out.push(SettingProblem {
            key: key.to_owned(),
            message,
        })
    };
    if s.freeswitch.host.trim().is_empty() {
        bad(
            "freeswitch.host",
            "is empty; give FreeSWITCH's ESL host".into(),
        );
    }
    if s.freeswitch.port == 0 {
        bad(
            "freeswitch.port",
            "must be a TCP port from 1 to 65535".into(),
        );
    }
    if !(5..=3600).contains(&s.freeswitch.liveness_secs) {
        bad(
            "freeswitch.liveness_secs",
            "use 5 to 3600 seconds (FreeSWITCH sends HEARTBEAT every 20 s)".into(),
        );
    }
    if !(1..=3600).contains(&s.freeswitch.reconnect_max_secs) {
        bad(
            "freeswitch.reconnect_max_secs",
            "use 1 to 3600 seconds".into(),
        );
    }
    if !(100..=60_000).contains(&s.freeswitch.reply_timeout_ms) {
        bad(
            "freeswitch.reply_timeout_ms",
            "use 100 to 60000 milliseconds (FreeSWITCH answers in a few ms)".into(),
        );
    }
    if !(100..=3_600_000).contains(&s.freeswitch.probe_after_ms) {
        bad(
            "freeswitch.probe_after_ms",
            "use 100 to 3600000 milliseconds".into(),
        );
    }
    if s.shutdown.drain_timeout > 86_400 {
        bad("shutdown.drain_timeout", "use at most 86400 seconds".into());
    }
    if let Err(e) = s.listener.address.parse::<SocketAddr>() {
        bad(
            "listener.address",
            format!(
                "`{}` is not host:port ({e}); e.g. 127.0.0.1:8084",
                s.listener.address
            ),
        );
    }
    if s.listener.max_calls == 0 {
        bad("listener.max_calls", "must be at least 1".into());
    }
    if s.listener.allow.is_empty() {
        bad(
            "listener.allow",
            "is empty, which refuses every call connection; list FreeSWITCH's address, e.g. [\"127.0.0.0/8\", \"::1/128\"]".into(),
        );
    }
    for block in &s.listener.allow {
        if let Err(e) = block.parse::<Cidr>() {
            bad("listener.allow", e.to_string());
        }
    }
    if !(1..=100_000).contains(&s.listener.max_pending_connects) {
        bad(
            "listener.max_pending_connects",
            "use 1 to 100000 connections".into(),
        );
    }
    if !(100..=60_000).contains(&s.listener.connect_timeout_ms) {
        bad(
            "listener.connect_timeout_ms",
            "use 100 to 60000 milliseconds (FreeSWITCH answers `connect` within milliseconds)"
                .into(),
        );
    }
    if !(100..=60_000).contains(&s.http.header_read_timeout_ms) {
        bad(
            "http.header_read_timeout_ms",
            "use 100 to 60000 milliseconds".into(),
        );
    }
    if !(1..=3600).contains(&s.http.idle_timeout_secs) {
        bad("http.idle_timeout_secs", "use 1 to 3600 seconds".into());
    }
    if !(1..=10_000).contains(&s.http.max_connections) {
        bad("http.max_connections", "use 1 to 10000 connections".into());
    }
    if let Err(e) = s.http.address.parse::<SocketAddr>() {
        bad(
            "http.address",
            format!(
                "`{}` is not host:port ({e}); e.g. 127.0.0.1:8085",
                s.http.address
            ),
        );
    }
    if let Err(e) = check_config_hook(&s.app.call_hook) {
        bad("app.call_hook", e);
    }
    if let Some(h) = &s.app.error_hook
        && let Err(e) = check_config_hook(h)
    {
        bad("app.error_hook", e);
    }
    if let Some(h) = &s.app.call_status_hook
        && let Err(e) = check_config_hook(h)
    {
        bad("app.call_status_hook", e);
    }
    if !(100..=120_000).contains(&s.app.webhook_timeout_ms) {
        bad(
            "app.webhook_timeout_ms",
            format!(
                "is {}; use 100 to 120000 milliseconds",
                s.app.webhook_timeout_ms
            ),
        );
    }
    if s.app.webhook_retries > 10 {
        bad("app.webhook_retries", "use at most 10 retries".into());
    }
    if !(400..=699).contains(&s.app.reject_status) {
        bad(
            "app.reject_status",
            format!(
                "is {}; use a SIP final error code from 400 to 699",
                s.app.reject_status
            ),
        );
    }
    if let Err(e) = name(&s.sip.profile) {
        bad("sip.profile", e);
    } else if s.sip.profile.eq_ignore_ascii_case("gateway") {
        bad(
            "sip.profile",
            "`gateway` is read by mod_sofia as the gateway path; name the profile".into(),
        );
    }
    let defaults: Vec<&String> = s
        .carriers
        .iter()
        .filter(|(_, c)| c.default)
        .map(|(n, _)| n)
        .collect();
    if defaults.len() > 1 {
        bad(
            "carriers",
            format!(
                "{} carriers have default = true ({}); mark exactly one",
                defaults.len(),
                defaults
                    .iter()
                    .map(|n| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    let names: Vec<&String> = s.carriers.keys().collect();
    for (i, (n, c)) in s.carriers.iter().enumerate() {
        let key = |k: &str| format!("carriers.{n}.{k}");
        if let Err(e) = name(n) {
            bad(&format!("carriers.{n}"), format!("carrier name: {e}"));
        }
        if names[..i].iter().any(|m| m.eq_ignore_ascii_case(n)) {
            bad(
                &format!("carriers.{n}"),
                "two carriers differ only in case; trunk names ignore case".into(),
            );
        }
        match (&c.gateway, &c.proxy) {
            (Some(g), None) => {
                if let Err(e) = name(g) {
                    bad(&key("gateway"), e);
                }
            }
            (None, Some(p)) => {
                if let Err(e) = rules::proxy(p, "proxy") {
                    bad(&key("proxy"), e);
                }
            }
            (Some(_), Some(_)) => bad(
                &format!("carriers.{n}"),
                "set either gateway or proxy, not both".into(),
            ),
            (None, None) => bad(
                &format!("carriers.{n}"),
                "set gateway = \"<sofia gateway>\" or proxy = \"sip:host:port\"".into(),
            ),
        }
    }
    if let Err(e) = rules::proxy(&s.registrar.proxy, "proxy") {
        bad("registrar.proxy", e);
    }
    if let Some(d) = &s.registrar.domain
        && let Err(e) = rules::host_port(d, "domain")
    {
        bad("registrar.domain", e);
    }
    if let Err(e) = rules::proxy(&s.teams.proxy, "proxy") {
        bad("teams.proxy", e);
    }
    if let Err(e) = rules::hostname(&s.teams.domain, "domain") {
        bad("teams.domain", e);
    }
    if let Some(t) = &s.teams.tenant
        && let Err(e) = rules::hostname(t, "tenant")
    {
        bad("teams.tenant", e);
    }
    if s.dial
        .ringback
        .chars()
        .any(|c| c.is_whitespace() || "'\"${}[]".contains(c))
    {
        bad(
            "dial.ringback",
            "a tone like %(2000,4000,440,480) or a file path, without spaces or quotes".into(),
        );
    }
    if !(1..=3600).contains(&s.dial.screening_timeout) {
        bad("dial.screening_timeout", "use 1 to 3600 seconds".into());
    }
    if s.media.cache_dir.trim().is_empty() || !s.media.cache_dir.starts_with('/') {
        bad(
            "media.cache_dir",
            "must be an absolute directory FreeSWITCH can read".into(),
        );
    }
    if let Some(c) = s
        .media
        .cache_dir
        .chars()
        .find(|c| c.is_whitespace() || "'\"${}[]".contains(*c))
    {
        bad(
            "media.cache_dir",
            format!("contains '{c}', which FreeSWITCH would misread in a path"),
        );
    }
    if s.media.max_file_bytes == 0 || s.media.max_cache_bytes < s.media.max_file_bytes {
        bad(
            "media.max_cache_bytes",
            "must be at least media.max_file_bytes (and both above 0)".into(),
        );
    }
    for dir in &s.media.allow_paths {
        if let Err(e) = crate::app::play::allowed_dir(dir) {
            bad("media.allow_paths", e);
        }
    }
    for (key, v) in [("tts.engine", &s.tts.engine), ("tts.voice", &s.tts.voice)] {
        if v.chars()
            .any(|c| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
        {
            bad(key, format!("`{v}`: use letters, digits, - _ and . only"));
        }
    }
    if !s.amd.audio_dir.starts_with('/')
        || s.amd
            .audio_dir
            .chars()
            .any(|c| c.is_whitespace() || "'\"${}[]".contains(c))
    {
        bad(
            "amd.audio_dir",
            "must be an absolute directory without spaces or quotes, shared with FreeSWITCH".into(),
        );
    }
    if s.amd
        .avmd_options
        .chars()
        .any(|c| !(c.is_ascii_alphanumeric() || "_=,".contains(c)))
    {
        bad(
            "amd.avmd_options",
            "comma-separated option=value pairs of avmd_start, e.g. detectors_n=2".into(),
        );
    }
    if !(100..=60_000).contains(&s.amd.file_wait_ms) {
        bad("amd.file_wait_ms", "use 100 to 60000 milliseconds".into());
    }
    if !(100..=60_000).contains(&s.dtmf.gap_ms) {
        bad("dtmf.gap_ms", "use 100 to 60000 milliseconds".into());
    }
    for (key, v, max) in [
        (
            "dtmf.hook_rate_per_sec",
            s.dtmf.hook_rate_per_sec as usize,
            1000,
        ),
        ("dtmf.hook_burst", s.dtmf.hook_burst as usize, 1000),
        ("dtmf.hook_max_in_flight", s.dtmf.hook_max_in_flight, 100),
    ] {
        if !(1..=max).contains(&v) {
            bad(key, format!("is {v}; use 1 to {max}"));
        }
    }
    if !matches!(s.log.format.as_str(), "text" | "json") {
        bad(
            "log.format",
            format!("is `{}`; use text or json", s.log.format),
        );
    }
    if let Err(e) = tracing_subscriber::EnvFilter::try_new(&s.log.level) {
        bad(
            "log.level",
            format!("`{}` is not a level filter: {e}", s.log.level),
        );
    }
    if let Some(api) = &s.api {
        out.extend(super::api::check(api));
    }
    if let Some(r) = &s.recordings {
        out.extend(super::recordings::check(r));
    }
    out.extend(super::speech::check(s.speech.iter()));
    out
}

/// A name used inside dial strings (profile, gateway, carrier).
fn name(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("is empty".into());
    }
    match s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "-_.".contains(*c)))
    {
        None => Ok(()),
        Some(c) => Err(format!(
            "`{s}` contains '{c}'; use letters, digits, - _ and . only"
        )),
    }
}
