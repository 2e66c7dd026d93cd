//! The sections of the configuration file, one struct each, with the
//! defaults an installation beside a stock FreeSWITCH works with.

use serde::{Deserialize, Serialize};

use super::DEFAULT_ESL_PASSWORD;
use crate::app::hook::{Format, Hook, HookSpec};
use crate::secret::Secret;

/// `[freeswitch]`: the inbound ESL control connection.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Freeswitch {
    /// ESL host.
    pub host: String,
    /// ESL port.
    pub port: u16,
    /// ESL password (`event_socket.conf.xml`).
    pub password: Secret,
    /// Seconds without any traffic (FreeSWITCH sends HEARTBEAT every 20 s)
    /// after which the control connection is taken for dead and re-opened.
    pub liveness_secs: u64,
    /// Longest wait between reconnection attempts (exponential backoff
    /// with jitter up to this).
    pub reconnect_max_secs: u64,
    /// How long FreeSWITCH has for what is due promptly on a call's socket:
    /// the reply to a command, the completion of a short application (set,
    /// answer, hangup, respond...), a channel's CHANNEL_HANGUP_COMPLETE after
    /// dialbridge ended it. Past it the call is ended by force.
    pub reply_timeout_ms: u64,
    /// Silence on a call's socket after which dialbridge asks FreeSWITCH
    /// (`uuid_exists`) whether the call still exists. Long playbacks and
    /// bridges are never cut short by it: only a socket that stops
    /// answering, or a channel that vanished unreported, ends the call.
    pub probe_after_ms: u64,
}

impl Default for Freeswitch {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8021,
            password: Secret::new(DEFAULT_ESL_PASSWORD),
            liveness_secs: 60,
            reconnect_max_secs: 30,
            reply_timeout_ms: 10_000,
            probe_after_ms: 30_000,
        }
    }
}

/// `[shutdown]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Shutdown {
    /// After SIGTERM, how long live calls may go on before dialbridge
    /// exits anyway (bridged calls survive it, docs/freeswitch.md §8).
    pub(crate) drain_timeout: u64,
}

impl Default for Shutdown {
    fn default() -> Self {
        Self { drain_timeout: 60 }
    }
}

/// `[listener]`: the outbound-socket listener, one connection per call.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Listener {
    /// `host:port` the dialplan's `socket` application connects to.
    pub address: String,
    /// Calls handled at once; past it new calls are refused with 503.
    pub max_calls: usize,
    /// Who may connect: CIDR blocks (or single addresses) of the FreeSWITCH
    /// nodes. Anyone else is closed at once, before a byte is sent. In an
    /// environment variable: comma-separated.
    #[serde(deserialize_with = "list_or_string")]
    pub allow: Vec<String>,
    /// Connections accepted that have not finished the `connect` handshake
    /// (FreeSWITCH answers it within milliseconds, so these are a burst of
    /// new calls); past it a new connection is closed at once.
    pub max_pending_connects: usize,
    /// How long a connection may take to answer `connect` before it is
    /// closed.
    pub connect_timeout_ms: u64,
}

impl Default for Listener {
    fn default() -> Self {
        Self {
            address: "127.0.0.1:8084".into(),
            max_calls: 1000,
            allow: vec!["127.0.0.0/8".into(), "::1/128".into()],
            max_pending_connects: 1000,
            connect_timeout_ms: 5000,
        }
    }
}

/// `[http]`: health, metrics and REST API.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Http {
    /// `host:port` to serve on.
    pub address: String,
    /// A request's header must arrive whole within this, counted from the
    /// connection's opening or from the request's first byte.
    pub header_read_timeout_ms: u64,
    /// A keep-alive connection with no request for this long is closed.
    pub idle_timeout_secs: u64,
    /// Connections open at once; past it a new one is closed at once.
    pub max_connections: usize,
}

impl Default for Http {
    fn default() -> Self {
        Self {
            address: "127.0.0.1:8085".into(),
            header_read_timeout_ms: 5000,
            idle_timeout_secs: 60,
            max_connections: 64,
        }
    }
}

/// A list given as a TOML array, or as one comma-separated string (how an
/// environment variable sets it).
fn list_or_string<'de, D>(deserializer: D) -> Result<Vec<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        List(Vec<String>),
        Text(String),
    }
    Ok(match Form::deserialize(deserializer)? {
        Form::List(items) => items,
        Form::Text(text) => text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

/// `[app]`: the web application and how to talk to it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct App {
    /// Asked what to do with each new call.
    pub call_hook: HookSpec,
    /// Told of every call status change (optional).
    pub call_status_hook: Option<HookSpec>,
    /// HMAC-SHA256 key for the `Jambonz-Signature` header; empty = unsigned.
    pub webhook_secret: Secret,
    /// Timeout of one webhook request.
    pub webhook_timeout_ms: u64,
    /// Retries after a connection error or a 5xx.
    pub webhook_retries: u32,
    /// Accept national digits where E.164 is expected.
    pub relaxed_numbers: bool,
    /// SIP status sent to the caller when the application cannot be reached
    /// or its reply is invalid, so a carrier or Kamailio can fail over.
    pub reject_status: u16,
    /// Sent as `account_sid` in hook payloads when set.
    pub account_sid: Option<String>,
    /// Sent as `application_sid` in hook payloads when set.
    pub application_sid: Option<String>,
    /// Told (fire-and-forget) when a reply is invalid or a hook fails.
    pub error_hook: Option<HookSpec>,
}

impl Default for App {
    fn default() -> Self {
        Self {
            call_hook: HookSpec::Url("http://127.0.0.1:3000/call".into()),
            call_status_hook: None,
            webhook_secret: Secret::default(),
            webhook_timeout_ms: 10_000,
            webhook_retries: 1,
            relaxed_numbers: false,
            reject_status: 503,
            account_sid: None,
            application_sid: None,
            error_hook: None,
        }
    }
}

impl App {
    /// `call_hook` as a [`Hook`].
    pub fn call_hook(&self) -> Hook {
        self.call_hook.clone().into()
    }

    /// The language of the application behind `call_hook`: its requests
    /// and replies, and those of every hook its replies name.
    pub fn format(&self) -> Format {
        self.call_hook.format()
    }
}

/// `[sip]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sip {
    /// Sofia profile for sip, user and teams targets (and carriers by proxy).
    pub profile: String,
}

impl Default for Sip {
    fn default() -> Self {
        Self {
            profile: "external".into(),
        }
    }
}

/// `[carriers.NAME]`: one way out to the phone network.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Carrier {
    /// A sofia gateway: legs go to `sofia/gateway/<gateway>/<number>`.
    pub gateway: Option<String>,
    /// Or an address: legs go to `sofia/<profile>/<number>@<host:port>`
    /// with `X-Dialbridge-Carrier: <name>` for a Kamailio in front.
    pub proxy: Option<String>,
    /// Used by phone targets that name no trunk.
    pub default: bool,
    /// Send numbers without the leading `+`.
    pub strip_plus: bool,
}

/// `[registrar]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Registrar {
    /// Where `user` targets are sent (Kamailio), as `fs_path`.
    pub proxy: String,
    /// Domain of RCML `<Client>` names written without one (`alice` ->
    /// `alice@<domain>`).
    pub domain: Option<String>,
}

impl Default for Registrar {
    fn default() -> Self {
        Self {
            proxy: "sip:127.0.0.1:5070".into(),
            domain: None,
        }
    }
}

/// `[teams]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Teams {
    /// Where Teams legs are sent (the Kamailio Teams route), as `fs_path`.
    pub proxy: String,
    /// Request-URI host of Teams legs.
    pub(crate) domain: String,
    /// Tenant for targets that name none.
    pub(crate) tenant: Option<String>,
}

impl Default for Teams {
    fn default() -> Self {
        Self {
            proxy: "sip:127.0.0.1:5070".into(),
            domain: "sip.pstnhub.microsoft.com".into(),
            tenant: None,
        }
    }
}

/// `[dial]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DialSettings {
    /// Longest a screening application (confirmHook) may run after the
    /// callee answered, in seconds; it extends the dial's overall timeout.
    pub(crate) screening_timeout: u32,
    /// Ringback an answered caller hears while targets ring (FreeSWITCH
    /// `transfer_ringback`); empty = silence. Default: North American ring.
    pub(crate) ringback: String,
}

impl Default for DialSettings {
    fn default() -> Self {
        Self {
            screening_timeout: 60,
            ringback: "%(2000,4000,440,480)".into(),
        }
    }
}

/// `[log]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Log {
    /// `text` or `json`.
    pub(crate) format: String,
    /// Level filter (`info`, `debug`, `dialbridge=debug,info`); RUST_LOG wins.
    pub(crate) level: String,
}

impl Default for Log {
    fn default() -> Self {
        Self {
            format: "text".into(),
            level: "info".into(),
        }
    }
}

/// `[amd]`: answering-machine detection on a dial's answered leg.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AmdSettings {
    /// Where FreeSWITCH writes the callee's audio for the classifier
    /// (`uuid_record`); dialbridge reads it as it grows, so both must see the
    /// same directory (FreeSWITCH on this host).
    pub audio_dir: String,
    /// Options of mod_avmd's `avmd_start` (beep detection); a small
    /// detector count, as avmd runs one thread per detector.
    pub(crate) avmd_options: String,
    /// How long to wait for the recording to appear before reporting
    /// `amd_error`.
    pub file_wait_ms: u64,
    /// The classifier's thresholds and timers (`[amd.classifier]`).
    pub(crate) classifier: crate::amd::AmdParams,
}

impl Default for AmdSettings {
    fn default() -> Self {
        Self {
            audio_dir: "/dev/shm/dialbridge".into(),
            avmd_options: "detectors_n=2,detectors_lagged_n=1".into(),
            file_wait_ms: 2000,
            classifier: Default::default(),
        }
    }
}

/// `[dtmf]`: `dtmfCapture` matching, and the bound on the `dtmfHook` posts
/// a caller can trigger.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DtmfSettings {
    /// A digit more than this after the previous one starts a new sequence.
    pub(crate) gap_ms: u64,
    /// `dtmfHook` posts a second per call, sustained; matches past the
    /// bound are dropped (counted as `result="dropped"`, logged once per
    /// burst), never queued.
    pub hook_rate_per_sec: u32,
    /// Posts at once after a quiet period.
    pub hook_burst: u32,
    /// `dtmfHook` posts of one call waiting for their answer at once.
    pub hook_max_in_flight: usize,
}

impl Default for DtmfSettings {
    fn default() -> Self {
        Self {
            gap_ms: 3000,
            hook_rate_per_sec: 5,
            hook_burst: 10,
            hook_max_in_flight: 4,
        }
    }
}
