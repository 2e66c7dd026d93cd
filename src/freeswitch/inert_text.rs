//! Which dial-string values FreeSWITCH's parser cannot read differently
//! from how they were written: the fast path of [`super::dialstring`].

use freeswitch_esl_tokio::Variables;

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

/// Lays out a dial string whose every key, value and endpoint text is
/// [`inert`]: `{global}` then each leg's `[vars]endpoint`, comma-separated,
/// an empty block left out — freeswitch-types' `BridgeDialString` layout
/// for such values, which need no escaping. It skips that crate's escaping
/// passes (most of the dial string's cost per call, issue 12); the caller
/// checks the inertness, and debug builds compare the text with the crate's
/// layout and its read-back (`dialstring::compile`).
pub(crate) fn inert_dial_string<'a>(
    global: &Variables,
    legs: impl IntoIterator<Item = (&'a Variables, &'a str)>,
) -> String {
    fn block(out: &mut String, vars: &Variables, open: char, close: char) {
        if vars.is_empty() {
            return;
        }
        out.push(open);
        for (i, (k, v)) in vars.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(k);
            out.push('=');
            out.push_str(v);
        }
        out.push(close);
    }
    let mut out = String::with_capacity(512);
    block(&mut out, global, '{', '}');
    for (i, (vars, endpoint)) in legs.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        block(&mut out, vars, '[', ']');
        out.push_str(endpoint);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use freeswitch_esl_tokio::commands::{SofiaEndpoint, SofiaGateway};
    use freeswitch_esl_tokio::{BlockParse, BridgeDialString, Endpoint, VariablesType};

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

    /// The direct layout is the crate's layout, for one leg and several,
    /// with and without leg variables, through a gateway or a profile.
    #[test]
    fn the_inert_layout_is_the_crates_layout() {
        let mut global = Variables::new(VariablesType::Default);
        global.insert("ignore_early_media", "true");
        global.insert("originate_timeout", "32");
        let mut leg = Variables::new(VariablesType::Channel);
        leg.insert("origination_uuid", "0f3e-77aa");
        leg.insert("sip_h_X-Call", "a.b@c:d/e+f");
        let none = Variables::new(VariablesType::Channel);
        let shapes: Vec<Vec<(&Variables, Endpoint, String)>> = vec![
            vec![(
                &leg,
                SofiaEndpoint::new("internal", "1000@h;transport=tcp").into(),
                "sofia/internal/1000@h;transport=tcp".to_owned(),
            )],
            vec![
                (
                    &leg,
                    SofiaGateway::new("gw1", "+15551230000").into(),
                    "sofia/gateway/gw1/+15551230000".to_owned(),
                ),
                (
                    &none,
                    SofiaEndpoint::new("external", "u@example.test").into(),
                    "sofia/external/u@example.test".to_owned(),
                ),
                (
                    &leg,
                    SofiaEndpoint::new("external", "v@example.test:5080").into(),
                    "sofia/external/v@example.test:5080".to_owned(),
                ),
            ],
        ];
        for shape in shapes {
            let endpoints: Vec<Endpoint> = shape
                .iter()
                .map(|(vars, e, _)| match e.clone() {
                    Endpoint::Sofia(s) => s.with_variables((*vars).clone()).into(),
                    Endpoint::SofiaGateway(g) => g.with_variables((*vars).clone()).into(),
                    other => other,
                })
                .collect();
            for g in [&global, &none] {
                let whole =
                    BridgeDialString::new(vec![endpoints.clone()]).with_variables(g.clone());
                let crate_text = whole.display_with(BlockParse::default()).to_string();
                let text = inert_dial_string(g, shape.iter().map(|(v, _, t)| (*v, t.as_str())));
                assert_eq!(text, crate_text);
            }
        }
    }
}
