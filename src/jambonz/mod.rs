//! The jambonz JSON dialect.

pub mod fields;
pub mod without_effect;

#[cfg(test)]
mod dial_tests;
#[cfg(test)]
mod target_tests;
