//! Every fault dialbridge is proven to survive, one test each, named after
//! the fault (README "Operating it" > "What dialbridge survives" lists them
//! with the behaviour):
//!
//! * `limits`: a caller flooding RFC 2833 digits at a dial's dtmfCapture;
//!   AMD recordings and downloads left behind by a crash; an AMD recording
//!   dialbridge never gets to stop.
//! * `media`: a media server that stalls mid-file, many calls asking for the
//!   same file at once, a cache full of files live calls are playing.

mod dialing;
mod harness;
mod support;

#[path = "faults/limits.rs"]
mod limits;
#[path = "faults/media.rs"]
mod media;
