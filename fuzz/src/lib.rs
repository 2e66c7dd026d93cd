//! What the fuzz targets share: the settings they validate and compile
//! against (two carriers, one a gateway and one behind a proxy; a Teams
//! tenant), and the check that a validated dial compiles to a dial string
//! that reads back as built.

use dialbridge::app::{Instruction, Verb};
use dialbridge::config::Settings;
use dialbridge::freeswitch::dialstring::compile;
use freeswitch_esl_tokio::{BlockParse, BridgeDialString};

/// The settings the targets share, as an operator would write them.
const SETTINGS: &str = r#"
[carriers.carrier]
gateway = "carrier"
default = true

[carriers.proxied]
proxy = "sip:kamailio.example:5070"
strip_plus = true

[teams]
tenant = "contoso.example"
"#;

/// Settings with a default gateway carrier, a proxied one and a tenant,
/// read by the configuration loader itself (a file of this process's own).
pub fn settings() -> Settings {
    let path = std::env::temp_dir().join(format!(
        "dialbridge-fuzz-settings-{}.toml",
        std::process::id()
    ));
    std::fs::write(&path, SETTINGS).expect("cannot write the fuzz settings file");
    let loaded = Settings::load_with_env(Some(&path), std::iter::empty());
    let _ = std::fs::remove_file(&path);
    match loaded {
        Ok((settings, _)) => settings,
        Err(e) => panic!("the fuzz settings do not load: {e}"),
    }
}

/// Every dial among `verbs` compiles, and its dial string reads back with
/// the switch parser's port and renders to the same text. Panics (a crash
/// for the fuzzer) when one does not: whatever validates must compile.
pub fn dials_compile(verbs: &[Instruction], settings: &Settings) {
    let mut n = 0u32;
    for i in verbs {
        let Verb::Dial(dial) = &i.verb else { continue };
        let compiled = match compile(dial, settings, &mut || {
            n += 1;
            format!("00000000-0000-4000-8000-{n:012}")
        }) {
            Ok(c) => c,
            Err(e) => panic!("a validated dial does not compile: {e}\n{dial:?}"),
        };
        let text = compiled.argument();
        let back = BridgeDialString::parse_with(text, BlockParse::default())
            .unwrap_or_else(|e| panic!("the dial string does not parse: {e}\n{text}"));
        let again = back.display_with(BlockParse::default()).to_string();
        assert_eq!(again, text, "the dial string does not render back");
    }
}
