//! An RCML / TwiML document, as the application sent it: read by the RCML
//! reader (XML, then the verbs and their attributes) and validated, as a
//! hook declared `format = "rcml"` is; never a panic, and every dial that
//! validates compiles to a dial string that reads back as built
//! (fuzz/src/lib.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static SETTINGS: OnceLock<dialbridge::config::Settings> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let settings = SETTINGS.get_or_init(dialbridge_fuzz::settings);
    let ctx = settings.app_context();
    if let Ok(reply) = dialbridge::dialect::read(
        text,
        Some("text/xml"),
        dialbridge::app::Format::Rcml,
        "http://app.example/rcml",
        &ctx,
    ) {
        dialbridge_fuzz::dials_compile(&reply.instructions, settings);
    }
});
