//! A webhook's reply, as the application sent it: read by its dialect
//! (jambonz JSON today) and validated; never a panic, and every dial that
//! validates compiles (fuzz/src/lib.rs).
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
    if let Ok(reply) = dialbridge::dialect::read_reply(text, Some("application/json"), &ctx) {
        dialbridge_fuzz::dials_compile(&reply.instructions, settings);
    }
});
