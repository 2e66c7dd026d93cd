//! The unit tests of the modules dialbridge patches (PATCHES.md), run here
//! because the crate as published cannot build its own: `Cargo.toml`'s
//! `exclude` leaves out the test sources other modules declare (`tests.rs`,
//! `c_oracle.rs`, `test_text.rs`, `commands/proptests/`).
//!
//! `src/headers.rs` and `src/variables/esl_headers.rs` are compiled again
//! inside this test crate, under `cfg(test)`, with their own `mod tests`;
//! the modules below stand in for the `crate::` paths they use and re-export
//! the rest from the library as built.
#![allow(dead_code, unused_imports)]

#[path = "../src/headers.rs"]
mod headers;

#[path = "../src/variables/esl_headers.rs"]
mod esl_headers;

mod lookup {
    pub use freeswitch_types::lookup::{variable_key, HeaderLookup};
}

mod variables {
    pub use super::esl_headers::EslHeaders;
    pub use freeswitch_types::variables::{EslArray, EslArrayError, MAX_ARRAY_ITEMS};
}
