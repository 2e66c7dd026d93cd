//! The dial-string compiler and its read-back: the input is one `dial`
//! verb (JSON); what validates must compile to a string FreeSWITCH's
//! parser (freeswitch-types' port) reads back as built, and that renders
//! back to the same text. Nothing unvalidated reaches the compiler: the
//! verb goes through the same reader a webhook reply does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static SETTINGS: OnceLock<dialbridge::config::Settings> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(verb) = std::str::from_utf8(data) else {
        return;
    };
    let settings = SETTINGS.get_or_init(dialbridge_fuzz::settings);
    let ctx = settings.app_context();
    let reply = format!("[{verb}]");
    if let Ok(reply) = dialbridge::dialect::read_reply(&reply, None, &ctx) {
        dialbridge_fuzz::dials_compile(&reply.instructions, settings);
    }
});
