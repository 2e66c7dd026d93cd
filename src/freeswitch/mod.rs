//! Everything that knows FreeSWITCH: how a validated dial becomes the
//! argument of `bridge` ([`dialstring`]), how what FreeSWITCH reports about
//! each leg becomes the dial's outcome ([`outcome`]), and the per-call
//! event-socket connection ([`socket`], [`listener`]) with its deadlines
//! ([`deadline`]), who may open one and for how long ([`admission`]), and
//! the control connection ([`control`]).

mod app_queue;
mod caller_state;
pub(crate) mod channel_data;
pub(crate) mod command;
pub mod control;
pub(crate) mod deadline;
pub mod dialstring;
pub(crate) mod ending;
pub mod event_headers;
pub mod header_look;
mod inert_text;
pub mod outcome;
pub mod pipeline;
mod probe;
pub mod sizing;
pub mod socket;
mod socket_commands;
pub(crate) mod tap;
