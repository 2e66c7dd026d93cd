//! Which dial-string values FreeSWITCH's parser cannot read differently
//! from how they were written: the fast path of [`super::dialstring`].

/// FreeSWITCH's enterprise-originate separator: made of inert characters,
/// it still splits a dial string wherever it stands (switch_ivr_originate.c),
/// even inside a variable block. The webhook readers refuse it in every
/// value; a configured name (a gateway, the SIP profile) is not checked
/// there, so it is refused here too.
const ENTERPRISE: &str = ":_:";

/// Whether a key, value or endpoint text holds only characters that
/// FreeSWITCH's dial-string parser takes as they are: ASCII letters and
/// digits and `+ - _ . @ : /` (an endpoint also `;` and `=`, as in
/// `sip:u@h;transport=tcp`). None of them separates (`,` `|`), opens or
/// closes a block (`{` `[` `<` `}` `]` `>`), quotes, escapes (`\` `'` `^`)
/// or expands (`$`), and a text holding `:_:` is not inert (see
/// [`ENTERPRISE`]), so a dial string made only of such values is laid out
/// with nothing escaped and reads back as built. [`super::dialstring::compile`]
/// then skips the read-back, about 15% of a dial flow's instructions
/// (issue 12); a test checks the claim against the parser port for every
/// inert character, and debug builds still read every string back.
pub(crate) fn inert(text: &str, endpoint: bool) -> bool {
    !text.is_empty()
        && !text.contains(ENTERPRISE)
        && text.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'+' | b'-' | b'_' | b'.' | b'@' | b':' | b'/')
                || (endpoint && matches!(b, b';' | b'='))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use freeswitch_esl_tokio::commands::{SofiaEndpoint, SofiaGateway};
    use freeswitch_esl_tokio::{BlockParse, BridgeDialString, Endpoint, Variables, VariablesType};

    const INERT: &str = "abcxyzABCXYZ0189+-_.@:/";

    #[test]
    fn separators_quotes_escapes_and_spaces_are_not_inert() {
        for c in [
            ',', '|', '{', '}', '[', ']', '<', '>', '\\', '\'', '^', '$', ' ', '=', ';', '%', '"',
        ] {
            assert!(!inert(&format!("a{c}b"), false), "{c:?}");
        }
        assert!(inert("sip:u@h;transport=tcp", true));
        assert!(!inert("sip:u@h,x", true));
        assert!(!inert("", false));
        assert!(inert("+15551230000", false));
        // The enterprise separator breaks a variable block open: not inert
        // (the parser port refuses `{g=a:_:b}...` as a block that never closes).
        for t in ["a:_:b", ":_:", "sip:u@h:_:x"] {
            assert!(!inert(t, false) && !inert(t, true), "{t}");
        }
    }

    /// Every inert character, in every place a value goes (global and leg
    /// variables, keys, endpoints), reads back as built with the parser
    /// port: the claim the fast path rests on.
    #[test]
    fn every_inert_character_reads_back_as_built_in_every_place() {
        let mut texts: Vec<String> = INERT.chars().map(|c| format!("{c}v{c}")).collect();
        texts.push(INERT.to_owned());
        texts.push("sip:+1555@example.test:5060".to_owned());
        // Inert characters that spell something to FreeSWITCH's parsers:
        // a custom inline separator, `undef`, a queued execute_on, numbers.
        for t in [
            "x::y", "m:1:x", "m:a:b", "undef", "UNDEF", "-1.5", "+0", "::",
        ] {
            texts.push(t.to_owned());
        }
        let endpoints: Vec<String> = texts
            .iter()
            .cloned()
            .chain(["1000@h;transport=tcp".to_owned(), "a=b;c=d".to_owned()])
            .collect();
        for (i, t) in texts.iter().enumerate() {
            let e = &endpoints[i % endpoints.len()];
            assert!(inert(t, false) && inert(e, true));
            let mut leg_vars = Variables::new(VariablesType::Channel);
            leg_vars.insert(format!("k{}", i % 7), t.clone());
            leg_vars.insert("origination_uuid", "0f3e-77aa");
            let mut global = Variables::new(VariablesType::Default);
            global.insert("g", t.clone());
            global.insert("originate_timeout", "32");
            let legs: Vec<Endpoint> = vec![
                SofiaEndpoint::new("internal", e.clone())
                    .with_variables(leg_vars.clone())
                    .into(),
                SofiaGateway::new(format!("gw{}", i % 3), t.clone())
                    .with_variables(leg_vars)
                    .into(),
            ];
            let whole = BridgeDialString::new(vec![legs]).with_variables(global);
            let text = whole.display_with(BlockParse::default()).to_string();
            assert!(!text.contains('\\'), "nothing was escaped in {text}");
            let back = BridgeDialString::parse_with(&text, BlockParse::default()).unwrap();
            assert_eq!(back, whole, "{text}");
        }
    }
}
