//! Every fault dialbridge is proven to survive, one test each, named after
//! the fault (README "What dialbridge survives" lists them). They drive the
//! real daemon against the fake switch with faults injected
//! (tests/support/faults.rs), and each ends with `/ready` back to
//! `live_calls: 0` and no channel left in the switch.
//!
//! * screening never fails open: a screening socket that cannot connect
//!   (FreeSWITCH.md §13), a refused subscription on it, a screening socket
//!   gone silent, a screening connection no dial expects;
//! * every wait has a deadline: `event` or `filter` answered `-ERR`, a lost
//!   CHANNEL_EXECUTE_COMPLETE, a lost CHANNEL_HANGUP_COMPLETE, a socket
//!   gone silent;
//! * a drain serves and finishes: a new call during the drain, a screening
//!   connection during the drain, status / error / AMD hook posts still
//!   running;
//! * honest outcomes: the call's socket cut while legs ring, a FreeSWITCH
//!   crash mid-bridge, events dropped mid-bridge;
//! * an AMD hook answering with an invalid application.

mod dialing;
#[path = "faults/fixture.rs"]
mod fixture;
mod harness;
mod support;

#[path = "faults/amd_hooks.rs"]
mod amd_hooks;
#[path = "faults/deadlines.rs"]
mod deadlines;
#[path = "faults/drain.rs"]
mod drain;
#[path = "faults/screening.rs"]
mod screening;
#[path = "faults/socket_loss.rs"]
mod socket_loss;
