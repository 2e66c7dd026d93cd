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
