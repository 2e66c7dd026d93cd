//! dialbridge: a daemon beside FreeSWITCH that runs jambonz-style webhook
//! applications, centred on the `dial` verb.
//!
//! Crate map (data flows top to bottom):
//!
//! - [`config`]: settings from TOML + `DIALBRIDGE__*` environment variables.
//! - [`app`]: what web applications send — verbs read and validated, every
//!   problem with its JSON pointer. Knows nothing of FreeSWITCH.
//! - [`freeswitch`]: everything that knows FreeSWITCH — the dial-string
//!   compiler with its one escaping path, and the outcome mapping from
//!   per-leg hangup causes to `dial_status`.
//! - [`explain`]: what `dialbridge explain` prints: each verb as the
//!   FreeSWITCH command it becomes.
//! - [`call`]: one call's life — the verb loop, the dial runner, screening,
//!   status hooks, the media cache.
//! - [`webhook`]: talking to the web application (signing, retries, caps).
//! - [`daemon`]: `dialbridge run` — listener, control connection, HTTP,
//!   signals, drain; [`api`] the HTTP endpoints, [`metrics`] their counters,
//!   [`systemd`] readiness and watchdog, [`logging`] the log output.
//! - [`secret`]: values that never reach a log.

pub mod amd;
pub mod app;
pub mod call;
pub mod config;
pub mod daemon;
pub mod dialect;
pub mod dtmf;
pub mod explain;
pub mod freeswitch;
pub mod jambonz;
pub mod metrics;
pub mod rcml;
pub mod secret;
pub mod webhook;
