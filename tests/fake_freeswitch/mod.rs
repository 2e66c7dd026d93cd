//! A fake FreeSWITCH for integration tests, faithful to the wire captures
//! in tests/fixtures/traces (see README.md beside this file).
//!
//! Not every test binary uses every part, hence the module-wide allow.
#![allow(dead_code, unused_imports)]

mod api;
mod apps;
pub mod audio;
mod bridge;
mod bridged;
mod call;
mod callee_mid;
mod caller;
mod channel;
mod conference;
mod conference_api;
mod conference_events;
mod control_api;
mod core;
mod digits;
mod event;
mod fake;
mod far_end;
pub mod faults;
mod headers;
mod hold;
mod inbound;
mod info;
mod legs;
mod lifecycle;
mod originate;
mod outbound;
pub mod pacing;
mod park;
mod playback;
pub mod record;
mod record_app;
mod recording;
mod refer;
mod ringing;
mod scenario;
mod screening;
mod sendmsg;
mod signal;
mod sub_index;
mod switch;
mod template;
pub mod trace;
mod transfer;
pub mod wire;

pub use call::CallHandle;
pub use fake::{ApiHandle, Builder, FakeSwitch};
pub use faults::Faults;
pub use pacing::AppRun;
pub use record::{CallerSip, Command, Dial, DialLeg, LegFate, SipSent};
pub use scenario::{Callee, Caller, DialplanNext, Outcome, Target, hangup_cause_to_sip};
