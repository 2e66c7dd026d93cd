//! The configuration loader on any file: a clear error or settings, never a
//! panic. The loader reads a path, so each input is written to a file of
//! this process's own (in /dev/shm when it exists) first.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

static PATH: OnceLock<PathBuf> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let path = PATH.get_or_init(|| {
        let dir = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        dir.join(format!("dialbridge-fuzz-{}.toml", std::process::id()))
    });
    if std::fs::write(path, data).is_err() {
        return;
    }
    if let Ok((settings, _)) =
        dialbridge::config::Settings::load_with_env(Some(path), std::iter::empty())
    {
        // What check-config prints must not panic either.
        let _ = settings.to_masked_toml();
    }
});
