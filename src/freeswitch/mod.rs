//! Everything that knows FreeSWITCH: how a validated dial becomes the
//! argument of `bridge` ([`dialstring`]), how what FreeSWITCH reports about
//! each leg becomes the dial's outcome ([`outcome`]), and the per-call
//! event-socket connection ([`socket`], [`listener`]) with who may open
//! one and for how long ([`admission`]).

pub mod admission;
pub mod channel_data;
pub mod control;
pub mod dialstring;
pub mod listener;
pub mod outcome;
pub mod socket;
