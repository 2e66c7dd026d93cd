//! dialbridge: a daemon beside FreeSWITCH that runs jambonz-style webhook
//! applications, centred on the `dial` verb.
//!
//! Crate map, bottom layer first; a module uses only modules above it in
//! this list, never below or beside (checked by `tests/layers.rs`; the
//! layers are explained in docs/architecture.md):
//!
//! 0. Values: [`secret`] (values that never reach a log), [`metrics`] (the
//!    counters and histograms `/metrics` prints).
//! 1. What applications say: [`app`], the validated verb model and its
//!    value rules, every problem at a location; its readers and pure
//!    consumers: [`jambonz`] (jambonz JSON into the model), [`dialect`]
//!    (which reader reads a reply), [`rcml`] (RCML/TwiML XML into the
//!    model), [`amd`] (the answering-machine
//!    classifier), [`dtmf`] (the DTMF sequence matcher).
//! 2. [`config`]: settings from TOML + `DIALBRIDGE__*` environment
//!    variables.
//! 3. Transports: [`webhook`] (the application: signing, retries, caps),
//!    [`freeswitch`] (the dial-string compiler with its one escaping path,
//!    the outcome mapping, a call's socket, the control connection); then
//!    [`explain`], what `dialbridge explain` prints.
//! 4. [`call`]: one call's life — the verb loop, the verbs, the dial,
//!    screening, DTMF and AMD on a live dial, status hooks, media, the call
//!    handle.
//! 5. [`daemon`]: `dialbridge run` — listener and admission, the registry
//!    of live calls, HTTP health and metrics, systemd, logging, the drain.
//!
//! Visibility: items are `pub(crate)` unless the binary (`src/main.rs`),
//! the integration tests, the benches or the load generator use them; that
//! `pub` remainder is the crate's deliberate surface. A REST handler or any
//! other task reaches a live call through `call::handle::CallHandle`, never
//! through the call's socket, whose fields are not public.

pub mod metrics;
pub mod secret;

pub mod amd;
pub mod app;
pub mod dialect;
pub mod dtmf;
pub mod jambonz;
pub mod rcml;

pub mod config;

pub mod explain;
pub mod freeswitch;
pub mod webhook;

pub mod call;

pub mod daemon;
