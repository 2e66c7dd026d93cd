//! What the fuzz targets share: the settings they validate and compile
//! against (two carriers, one a gateway and one behind a proxy; a Teams
//! tenant), and the check that a validated dial compiles to a dial string
//! that reads back as built.

use dialbridge::app::{Instruction, Verb};
use dialbridge::config::{Carrier, Settings};
use dialbridge::freeswitch::dialstring::compile;
use freeswitch_esl_tokio::{BlockParse, BridgeDialString};

/// Settings with a default gateway carrier, a proxied one and a tenant.
pub fn settings() -> Settings {
    let mut s = Settings::default();
    s.carriers.insert(
        "carrier".into(),
        Carrier {
            gateway: Some("carrier".into()),
            default: true,
            ..Default::default()
        },
    );
    s.carriers.insert(
        "proxied".into(),
        Carrier {
            proxy: Some("sip:kamailio.example:5070".into()),
            strip_plus: true,
            ..Default::default()
        },
    );
    s.teams.tenant = Some("contoso.example".into());
    s
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
