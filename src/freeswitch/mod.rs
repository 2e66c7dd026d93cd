//! Everything that knows FreeSWITCH: how a validated dial becomes the
//! argument of `bridge` ([`dialstring`]), and how what FreeSWITCH reports
//! about each leg becomes the dial's outcome ([`outcome`]).

pub mod dialstring;
pub mod outcome;
