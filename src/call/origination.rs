//! What a call created through the REST API (createCall) starts with
//! instead of the configuration's: its own `call_hook` and
//! `call_status_hook`, the `from`/`to` the request named, and its `tag`.
//!
//! The API reserves the call's UUID with this in the daemon's registry
//! before the originate; when FreeSWITCH hands the answered call to the
//! listener, the registry gives it to the call's task. The `from` and `to`
//! of the request are used rather than the socket's connect data, whose
//! `Caller-Caller-ID-Number` is the dialled party on an API-created call
//! (docs/freeswitch.md §24).

use serde_json::{Map, Value};

use super::info::CallInfo;
use crate::app::amd::Amd;
use crate::app::hook::HookSpec;
use crate::config::Settings;

/// A call created through the API, as its task starts it.
#[derive(Debug, Clone, PartialEq)]
pub struct Origination {
    /// Where the application comes from (absolute).
    pub(crate) call_hook: HookSpec,
    /// Where status changes go, if anywhere (absolute).
    pub(crate) call_status_hook: Option<HookSpec>,
    /// The caller ID the call was placed with.
    pub(crate) from: String,
    /// Whom it was placed to (the target's number, URI or user).
    pub(crate) to: String,
    /// The caller name it was placed with.
    pub(crate) caller_name: Option<String>,
    /// `tag`: the call's `customerData` from the start.
    pub(crate) tag: Option<Map<String, Value>>,
    /// `amd`: answering-machine detection on the call itself once answered,
    /// its events to `amd.actionHook` as on a dial (the application goes
    /// on meanwhile, as with the `config` verb's `amd`).
    pub(crate) amd: Option<Amd>,
    /// `timeLimit`: the answered call lasts at most this many seconds
    /// (FreeSWITCH's `sched_hangup +<n> <uuid> ALLOTTED_TIMEOUT`, sent as
    /// the call's socket connects, i.e. at its answer, when jambonz starts
    /// its max-duration timer).
    pub(crate) time_limit: Option<u32>,
}

impl Origination {
    /// `settings` with this call's hooks.
    pub(crate) fn settings(&self, settings: &Settings) -> Settings {
        let mut s = settings.clone();
        s.app.call_hook = self.call_hook.clone();
        s.app.call_status_hook = self.call_status_hook.clone();
        s
    }

    /// Puts the request's parties and tag into the call's hook fields.
    pub(crate) fn apply(&self, info: &mut CallInfo) {
        info.channel.from = self.from.clone();
        info.channel.to = self.to.clone();
        info.channel.caller_name = self
            .caller_name
            .clone()
            .unwrap_or_else(|| self.from.clone());
        if self.tag.is_some() {
            info.customer_data = self.tag.clone();
        }
    }
}
