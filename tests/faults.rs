//! Every fault dialbridge is proven to survive, one module per fault family,
//! each test named after the fault it injects (README "What dialbridge
//! survives" lists the same, with the behaviour):
//!
//! * headers: a caller sending `X-Dialbridge-Route` / `X-Dialbridge-Carrier`
//!   or any other X- header cannot put it on a leg (FreeSWITCH would copy
//!   it, FREESWITCH.md §12); an application cannot set a reserved
//!   `X-Dialbridge-*` header either.

mod dialing;
mod harness;
mod support;

#[path = "faults/headers.rs"]
mod headers;
