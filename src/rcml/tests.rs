//! The RCML reader against documents as Restcomm and Twilio publish them.

use super::*;
use crate::app::play::{Audio, Loop};
use crate::app::{Method, TargetKind};

pub(super) fn ctx() -> Context {
    Context {
        relaxed_numbers: true,
        carriers: vec!["pstn".into()],
        has_default_carrier: true,
        registrar_domain: Some("sip.example.com".into()),
        ..Context::default()
    }
}

pub(super) const DOC: &str = "http://app.example/rcml";

pub(super) fn read(text: &str) -> Result<Reply, ReplyError> {
    parse_document(text, Source { url: DOC }, &ctx())
}

fn dial(reply: &Reply, i: usize) -> &crate::app::Dial {
    match &reply.instructions[i].verb {
        Verb::Dial(d) => d,
        other => panic!("not a dial: {other:?}"),
    }
}

/// Every problem's location and message, for assertions.
pub(super) fn problems(text: &str) -> Vec<(String, String)> {
    match read(text) {
        Ok(r) => panic!("accepted: {r:?}"),
        Err(e) => e
            .problems()
            .into_iter()
            .map(|p| (p.pointer.as_str().to_owned(), p.message))
            .collect(),
    }
}

#[test]
fn the_seeds_examples_read_with_rcmls_defaults() {
    let r = read("<Response>\n    <Dial>1-444-555-666</Dial>\n</Response>").unwrap();
    let d = dial(&r, 0);
    assert_eq!(
        d.targets[0].1.kind,
        TargetKind::Phone {
            number: "1444555666".into(),
            trunk: None
        }
    );
    assert_eq!((d.timeout, d.time_limit), (30, Some(14_400)));
    assert_eq!(d.action_hook, None);
    assert!(!d.answer_on_bridge);
    assert!(!d.record);

    let r = read("<Response><Dial record=\"true\">1-444-555-666</Dial></Response>").unwrap();
    assert_eq!(r.instructions.len(), 1);
    assert!(dial(&r, 0).record);
    assert!(r.notices.is_empty(), "{:?}", r.notices);
    let r =
        read("<Response><Dial record=\"record-from-ringing-dual\">1</Dial></Response>").unwrap();
    assert!(dial(&r, 0).record);
    assert_eq!(r.notices[0].pointer, "/Response/Dial[1]/@record");

    let r = read(
        "<Response><Dial callerId=\"1555666777\" record=\"true\">1-444-555-666</Dial></Response>",
    )
    .unwrap();
    assert_eq!(dial(&r, 0).caller_id.as_deref(), Some("1555666777"));
}

#[test]
fn number_client_and_sip_nouns_ring_together() {
    let r = read(
        r#"<Response><Dial action="/after" method="GET" timeout="12" timeLimit="60"
              callerId="+15550001111" answerOnBridge="true" dialMusic="https://m.example/r.wav">
            <Number url="/whisper" method="GET">+1 (555) 000-2222</Number>
            <Client>alice</Client>
            <Sip username="bob" password="s3cret">sip:bob@pbx.example.com</Sip>
        </Dial></Response>"#,
    )
    .unwrap();
    let d = dial(&r, 0);
    let kinds: Vec<_> = d.targets.iter().map(|(_, t)| t.kind.clone()).collect();
    assert_eq!(
        kinds[0],
        TargetKind::Phone {
            number: "+15550002222".into(),
            trunk: None
        }
    );
    assert_eq!(
        kinds[1],
        TargetKind::User {
            name: "alice@sip.example.com".into()
        }
    );
    match &kinds[2] {
        TargetKind::Sip { uri, auth, .. } => {
            assert_eq!(uri, "sip:bob@pbx.example.com");
            let auth = auth.as_ref().unwrap();
            assert_eq!(
                (auth.username.as_str(), auth.password.expose()),
                ("bob", "s3cret")
            );
        }
        other => panic!("{other:?}"),
    }
    let whisper = d.targets[0].1.confirm_hook.as_ref().unwrap();
    assert_eq!(
        (whisper.url.as_str(), whisper.method),
        ("/whisper", Method::Get)
    );
    let action = d.action_hook.as_ref().unwrap();
    assert_eq!(
        (action.url.as_str(), action.method),
        ("/after", Method::Get)
    );
    assert_eq!((d.timeout, d.time_limit), (12, Some(60)));
    assert_eq!(d.caller_id.as_deref(), Some("+15550001111"));
    assert!(d.answer_on_bridge);
    assert_eq!(d.dial_music.as_deref(), Some("https://m.example/r.wav"));
}

#[test]
fn verbs_after_a_dial_with_action_are_unreachable_and_without_it_run() {
    let r = read(
        "<Response><Dial action=\"/a\">+15550001111</Dial><Say>never</Say><Hangup/></Response>",
    )
    .unwrap();
    assert_eq!(r.instructions.len(), 1);
    let notes: Vec<_> = r.notices.iter().map(|n| n.pointer.as_str()).collect();
    assert_eq!(notes, ["/Response/Say[1]", "/Response/Hangup[1]"]);
    let r = read("<Response><Dial>+15550001111</Dial><Say>after</Say></Response>").unwrap();
    assert_eq!(r.instructions.len(), 2);
}

#[test]
fn the_verbs_around_a_dial() {
    let r = read(
        r#"<Response>
            <Say voice="alice" language="en-GB" loop="0">Hello &amp; welcome</Say>
            <Say voice="slt">again</Say>
            <Play loop="2">https://m.example/a.mp3</Play>
            <Pause length="3"/>
            <Pause/>
            <Reject reason="busy"/>
            <Reject/>
            <Hangup/>
        </Response>"#,
    )
    .unwrap();
    let v: Vec<&Verb> = r.instructions.iter().map(|i| &i.verb).collect();
    match v[0] {
        Verb::Say(s) => {
            assert_eq!(s.text, ["Hello & welcome"]);
            assert_eq!(
                (s.voice.as_deref(), s.language.as_deref()),
                (None, Some("en-GB"))
            );
            assert_eq!(s.repeat, Loop::Forever);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(v[1], Verb::Say(s) if s.voice.as_deref() == Some("slt")));
    assert!(matches!(v[2], Verb::Play(p) if p.repeat == Loop::Times(2)
            && p.audio == [Audio::Url("https://m.example/a.mp3".into())]));
    assert!(matches!(v[3], Verb::Pause(p) if p.length == 3));
    assert!(matches!(v[4], Verb::Pause(p) if p.length == 1));
    assert!(matches!(v[5], Verb::SipDecline(d) if d.status == 486));
    assert!(matches!(v[6], Verb::SipDecline(d) if d.status == 603));
    assert!(matches!(v[7], Verb::Hangup(_)));
    let r =
        read("<Response><Play digits=\"ww12#\"/><Play>https://m.example/a.wav</Play></Response>")
            .unwrap();
    assert!(matches!(&r.instructions[0].verb, Verb::SendDtmf(d) if d.digits == "ww12#"));
    assert_eq!(element_path(&r.instructions, 1), "/Response/Play[2]");
    let r =
        read("<Response><Redirect method=\"GET\">/next</Redirect><Say>x</Say></Response>").unwrap();
    assert_eq!(r.instructions.len(), 1);
    assert!(matches!(&r.instructions[0].verb,
        Verb::Redirect(rd) if rd.action_hook.url == "/next" && rd.action_hook.method == Method::Get));
}

#[test]
fn gather_reads_its_attributes_and_nested_prompt() {
    let r = read(
        r#"<Response><Gather action="/digits" method="GET" timeout="7" finishOnKey="*" numDigits="4">
            <Say>Enter your PIN</Say><Say>then star</Say><Pause length="2"/>
        </Gather></Response>"#,
    )
    .unwrap();
    let Verb::Gather(g) = &r.instructions[0].verb else {
        panic!()
    };
    assert_eq!((g.min_digits, g.max_digits), (4, 4));
    assert_eq!(g.finish_on_key, Some('*'));
    assert_eq!((g.timeout, g.inter_digit_timeout), (9, 7));
    assert_eq!(g.action_hook.as_ref().map(|h| h.method), Some(Method::Get));
    match &g.prompt {
        Some(crate::app::gather::Prompt::Say(s)) => {
            assert_eq!(s.text, ["Enter your PIN", "then star"])
        }
        other => panic!("{other:?}"),
    }
    // TwiML's defaults: the document's own URL, POST, 5 s, '#'.
    let r = read("<Response><Gather/></Response>").unwrap();
    let Verb::Gather(g) = &r.instructions[0].verb else {
        panic!()
    };
    let hook = g.action_hook.as_ref().expect("the document's own URL");
    assert_eq!((hook.url.as_str(), hook.method), (DOC, Method::Post));
    assert_eq!(
        (g.timeout, g.finish_on_key, g.max_digits),
        (5, Some('#'), 64)
    );
    let r = read("<Response><Gather finishOnKey=\"\"/></Response>").unwrap();
    assert!(matches!(&r.instructions[0].verb, Verb::Gather(g) if g.finish_on_key.is_none()));
}

#[test]
fn problems_are_reported_at_element_and_attribute_paths() {
    let p = problems(
        r#"<Response>
            <Say>ok</Say>
            <Enqueue>support</Enqueue>
            <Dial timeout="soon" bogus="1"><Number>+15550001111</Number><Queue>room</Queue></Dial>
            <Dial><Client>bob</Client><Number>12ab</Number></Dial>
            <Gather><Say>a</Say><Play>https://m.example/a.wav</Play><Dial>+1555</Dial></Gather>
            <Play digits="12x"/>
            <Reject reason="later"/>
            <Say><break time="1s"/>hi</Say>
        </Response>"#,
    );
    let at: Vec<&str> = p.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        at,
        [
            "/Response/Enqueue[1]",
            "/Response/Dial[1]/@timeout",
            "/Response/Dial[1]/@bogus",
            "/Response/Dial[1]/Queue[1]",
            "/Response/Dial[2]/Number[1]",
            "/Response/Gather[1]/Play[1]",
            "/Response/Gather[1]/Dial[1]",
            "/Response/Play[1]/@digits",
            "/Response/Reject[1]/@reason",
            "/Response/Say[2]/break[1]",
        ],
        "{p:#?}"
    );
    assert!(p[0].1.contains("not supported"), "{}", p[0].1);
    // A client with no domain, and none configured.
    let no_domain = Context {
        registrar_domain: None,
        ..ctx()
    };
    let e = parse_document(
        "<Response><Dial><Client>bob</Client></Dial></Response>",
        Source { url: DOC },
        &no_domain,
    )
    .unwrap_err();
    assert!(e.to_string().contains("[registrar] domain"), "{e}");
}

#[test]
fn not_rcml_at_all() {
    let p = problems("<html><body>502</body></html>");
    assert_eq!(p[0].0, "/html");
    let p = problems("<Response><Say>unclosed</Response>");
    assert!(p[0].1.contains("not well-formed XML"), "{p:?}");
    // A national number without relaxed numbers says how to fix it.
    let strict = Context {
        relaxed_numbers: false,
        ..ctx()
    };
    let e = parse_document(
        "<Response><Dial>1-444-555-666</Dial></Response>",
        Source { url: DOC },
        &strict,
    )
    .unwrap_err();
    assert!(e.to_string().contains("relaxed_numbers"), "{e}");
}

#[test]
fn no_prefix_or_mangling_of_a_document_panics() {
    let doc = r#"<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/g" numDigits="2"><Say loop="2">Hi &amp; bye</Say><Pause length="1"/></Gather><Dial action="/a" callerId="client:bob"><Number url="/w">+1 555 000 1111</Number><Client>alice</Client><Sip username="u" password="p">sip:x@h.example</Sip></Dial><![CDATA[x]]><!-- c --></Response>"#;
    for end in 0..=doc.len() {
        if doc.is_char_boundary(end) {
            let _ = read(&doc[..end]);
            let _ = read(&doc[end..]);
        }
    }
    let bytes = doc.as_bytes();
    for i in 0..bytes.len() {
        for b in [b'<', b'>', b'&', b'"', b'/', 0u8, b'\''] {
            let mut m = bytes.to_vec();
            m[i] = b;
            let _ = read(&String::from_utf8_lossy(&m));
        }
    }
}

#[test]
fn a_byte_order_mark_and_an_empty_response_are_fine() {
    let r = read("\u{feff}<?xml version=\"1.0\"?>\n<Response><Hangup/></Response>").unwrap();
    assert_eq!(r.instructions.len(), 1);
    assert!(read("<Response/>").unwrap().instructions.is_empty());
}

proptest::proptest! {
    /// Any text at all is a reply or a list of problems, never a panic.
    #[test]
    fn any_text_is_read_without_panicking(text in "\\PC{0,200}") {
        let _ = read(&text);
    }

    /// Documents made of RCML's own pieces in any order, too.
    #[test]
    fn any_arrangement_of_rcml_pieces_is_read_without_panicking(
        pieces in proptest::collection::vec(proptest::sample::select(vec![
            "<Response>", "</Response>", "<Dial", " action=\"/a\"", " timeout=\"x\"", ">",
            "</Dial>", "<Number>", "+15550001111", "</Number>", "<Client>", "bob", "</Client>",
            "<Sip>", "sip:a@b.example", "</Sip>", "<Gather>", "</Gather>", "<Say>", "</Say>",
            "<Pause/>", "<Play>", "</Play>", "&amp;", "&#0;", "&#x41;", "<![CDATA[", "]]>",
            "<!--", "-->", "/>", "\"", "'", "=", "<?xml version=\"1.0\"?>",
        ]), 0..40)
    ) {
        let _ = read(&pieces.concat());
    }
}

#[test]
fn number_send_digits_are_checked_and_carried() {
    let r = read(
        r#"<Response><Dial><Number sendDigits="wW1234#">+15550001111</Number></Dial></Response>"#,
    )
    .expect("valid");
    assert_eq!(
        dial(&r, 0).targets[0].1.send_digits.as_deref(),
        Some("wW1234#")
    );
    let p = problems(
        r#"<Response><Dial><Number sendDigits="12,3">+15550001111</Number></Dial></Response>"#,
    );
    assert_eq!(p[0].0, "/Response/Dial[1]/Number[1]/@sendDigits", "{p:?}");
}

/// Found by the rcml fuzz target: a `<Sip>` password holding U+0001 was
/// accepted and then could not be put in a dial string. Control
/// characters are refused in attributes (literal or as references) and in
/// text, as the jambonz reader refuses them.
#[test]
fn control_characters_are_refused_where_the_document_gives_them() {
    let sip = |pw: &str| {
        format!(
            "<Response><Dial><Sip username=\"bob\" password=\"{pw}\">sip:bob@pbx.example.com</Sip></Dial></Response>"
        )
    };
    for pw in ["p\u{1}w", "p&#1;w", "p&#10;w", "p&#27;w"] {
        let got = problems(&sip(pw));
        assert!(
            got.iter()
                .any(|(_, m)| m.contains("/Sip[1]/@password: contains") && m.contains("remove it")),
            "{pw}: {got:?}"
        );
    }
    // A tab is carried; a literal line break is normalized to a space.
    for pw in ["p&#9;w", "p\nw"] {
        assert!(read(&sip(pw)).is_ok(), "{pw}");
    }
    let got = problems("<Response><Say>hello\u{7}</Say></Response>");
    assert!(got[0].1.contains("U+0007"), "{got:?}");
}
