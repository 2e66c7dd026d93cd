use super::*;

#[test]
fn e164_is_strict_unless_relaxed() {
    assert!(phone_number("+15083084809", false, "n").is_ok());
    assert!(phone_number("+4917", false, "n").is_ok());
    assert!(phone_number("15083084809", false, "n").is_err());
    assert!(phone_number("15083084809", true, "n").is_ok());
    assert!(phone_number("+05083084809", false, "n").is_err());
    assert!(phone_number("+1234567890123456", false, "n").is_err());
    assert!(phone_number("+", false, "n").is_err());
    assert!(phone_number("", true, "n").is_err());
}

#[test]
fn breakout_characters_are_named_with_the_reason() {
    let e = phone_number("+1555,sofia/x", false, "number").unwrap_err();
    assert!(e.contains("','") && e.contains("another leg"), "{e}");
    let e = user_name("ja ne@x.com", "name").unwrap_err();
    assert!(e.contains("a space"), "{e}");
    for bad in [
        "a|b@x", "a[b@x", "a{b@x", "a^b@x", "a'b@x", "a\"b@x", "a`b@x", "a$b@x",
    ] {
        assert!(user_name(bad, "name").is_err(), "{bad}");
    }
    assert!(user_name("a:_:b@x.com", "name").is_err());
}

#[test]
fn sip_uris() {
    for ok in [
        "sip:1617333456@sip.trunk1.com",
        "sips:alice@example.com:5061;transport=tls",
        "sip:+15551234@10.0.0.1",
        "SIP:carrier.example.com",
        "sip:1000@[2001:db8::1]:5060",
        "sip:a%20b@h",
    ] {
        assert!(
            sip_uri(ok, "sipUri").is_ok(),
            "{ok}: {:?}",
            sip_uri(ok, "u")
        );
    }
    for bad in [
        "tel:+1555",
        "1000@host",
        "sip:1000@host?X-Foo=bar",
        "sip:1000@host,sofia/external/evil@x",
        "sip:@host",
        "sip:1000@ho st",
        "sip:1000@[::1",
        "sip:1000@host:99999",
        "sip:a%zzb@h",
        "sip:1000@-bad-.com",
    ] {
        assert!(sip_uri(bad, "sipUri").is_err(), "{bad}");
    }
}

#[test]
fn proxies() {
    assert!(proxy("sip:192.168.0.1:5060", "proxy").is_ok());
    assert!(proxy("192.168.0.1", "proxy").is_ok());
    assert!(proxy("sip:u@192.168.0.1", "proxy").is_err());
}

#[test]
fn header_names_and_values() {
    assert!(header_name("X-Customer-Id").is_ok());
    assert!(header_name("P-Asserted-Identity").is_ok());
    assert!(header_name("Call-ID").is_err());
    assert!(header_name("X-Dialbridge-Route").is_err());
    assert!(header_name("X Foo").is_err());
    assert!(header_name("X=Foo").is_err());
    assert!(header_name("").is_err());
    assert!(header_value("X", "a,b;c \"q\" 'x'").is_ok());
    assert!(header_value("X", "a\u{7}b").is_err());
    assert!(header_value("X", " ").is_err());
    assert!(header_value("X", &"a".repeat(MAX_HEADER_VALUE + 1)).is_err());
}

#[test]
fn dtmf_and_display_names() {
    assert!(dtmf_sequence("*2", "d").is_ok());
    assert!(dtmf_sequence("12#A", "d").is_ok());
    assert!(dtmf_sequence("1x", "d").is_err());
    assert!(dtmf_sequence("", "d").is_err());
    assert!(display_name("O'Brien, Pat", "callerName").is_ok());
    assert!(display_name("a\"b", "callerName").is_err());
}

#[test]
fn relaxed_numbers_are_national_digits_only() {
    for ok in ["5083084809", "0049301234567", "911", "1"] {
        assert!(phone_number(ok, true, "number").is_ok(), "{ok}");
    }
    for bad in [
        "abc",
        "508-308-4809",
        "(508)3084809",
        "508.308.4809",
        "*67",
        "12#",
        "1/2",
        "5083084809x",
        "123456789012345678901",
    ] {
        let e = phone_number(bad, true, "number").unwrap_err();
        assert!(e.contains("national digits only"), "{bad}: {e}");
    }
}

#[test]
fn a_bracket_after_a_host_name_is_the_character_named() {
    for uri in ["sip:a@b[x=y]", "sip:b[x=y]", "sip:a@host]x"] {
        let e = sip_uri(uri, "sipUri").unwrap_err();
        let bracket = if uri.contains('[') { "'['" } else { "']'" };
        assert!(e.contains(bracket), "{uri}: {e}");
        assert!(e.contains("variable block"), "{uri}: {e}");
    }
    // An IPv6 literal keeps its brackets; what follows it is still named.
    assert!(sip_uri("sip:a@[2001:db8::1]:5060", "sipUri").is_ok());
    let e = sip_uri("sip:a@[2001:db8::1]x=y", "sipUri").unwrap_err();
    assert!(e.contains("'='"), "{e}");
}

#[test]
fn text_hazards_are_named_and_tab_is_carried() {
    assert_eq!(text_hazard("hello\tworld", false), None);
    assert_eq!(text_hazard("two\nlines", true), None);
    assert!(
        text_hazard("two\nlines", false)
            .unwrap()
            .contains("line feed")
    );
    assert!(
        text_hazard("a\rb", false)
            .unwrap()
            .contains("carriage return")
    );
    assert!(text_hazard("${x}", true).unwrap().contains("expand"));
    assert_eq!(
        text_hazard("a\0b", true).as_deref(),
        Some("a NUL character")
    );
    for c in ['\u{1}', '\u{1b}', '\u{7f}'] {
        let why = text_hazard(&format!("a{c}b"), true).unwrap();
        assert!(why.contains(&format!("U+{:04X}", c as u32)), "{why}");
    }
}
