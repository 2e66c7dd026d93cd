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
mod caller;
mod callee_mid;
mod channel;
mod core;
mod digits;
mod event;
mod fake;
pub mod faults;
mod headers;
mod inbound;
mod legs;
mod lifecycle;
mod originate;
mod outbound;
pub mod pacing;
mod park;
mod playback;
mod control_api;
mod hold;
mod info;
mod refer;
mod recording;
mod conference;
mod conference_api;
pub mod record;
mod ringing;
mod scenario;
mod screening;
mod sendmsg;
mod signal;
mod switch;
mod template;
mod transfer;
pub mod trace;
pub mod wire;

pub use call::CallHandle;
pub use fake::{Builder, FakeSwitch};
pub use faults::Faults;
pub use pacing::AppRun;
pub use record::{CallerSip, Command, Dial, DialLeg, LegFate, SipSent};
pub use scenario::{Callee, Caller, DialplanNext, Outcome, Target, hangup_cause_to_sip};
