//! An RCML document read into a small element tree, each element knowing
//! its path (`/Response/Dial[1]/Number[2]`) for problem reports.
//!
//! Exists so the verb readers walk a tree instead of a token stream, and so
//! the parser's limits live in one place: no DTD (no entity can expand),
//! only XML's five predefined entities and character references, at most
//! [`MAX_DEPTH`] levels and [`MAX_ELEMENTS`] elements. Any input gives a
//! tree or an error message; nothing panics.

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};

/// Deepest nesting accepted (`Response/Dial/Number` is 3).
pub(crate) const MAX_DEPTH: usize = 16;
/// Most elements in one document.
pub(crate) const MAX_ELEMENTS: usize = 10_000;

/// One element: its name, attributes in document order, children, and
/// where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Element {
    /// Tag name as written (RCML names are case-sensitive).
    pub(crate) name: String,
    /// Attributes, unescaped.
    pub(crate) attrs: Vec<(String, String)>,
    /// Child elements and text, in order.
    pub(crate) children: Vec<Node>,
    /// Element path, `/Response/Dial[1]`.
    pub(crate) path: String,
}

/// Content of an element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    /// A child element.
    Element(Element),
    /// Character data (text and CDATA, references resolved).
    Text(String),
}

impl Element {
    /// The child elements.
    pub(crate) fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The element's own text (not its children's), trimmed, with its
    /// line breaks and tabs (a document's layout) as spaces: no value of a
    /// document can end a line of the ESL protocol.
    pub(crate) fn text(&self) -> String {
        let mut s = String::new();
        for n in &self.children {
            if let Node::Text(t) = n {
                s.push_str(t);
            }
        }
        s.trim()
            .chars()
            .map(|c| {
                if matches!(c, '\r' | '\n' | '\t') {
                    ' '
                } else {
                    c
                }
            })
            .collect()
    }

    /// The path of attribute `name`: `/Response/Dial[1]/@timeout`.
    pub(crate) fn attr_path(&self, name: &str) -> String {
        format!("{}/@{name}", self.path)
    }
}

/// Reads `text` into its root element.
pub(crate) fn parse(text: &str) -> Result<Element, String> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    loop {
        let at = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| format!("{e} (near byte {at})"))?;
        match event {
            Event::Start(start) | Event::Empty(start) if root.is_some() => {
                let _ = start;
                return Err("the document has more than one root element".into());
            }
            Event::Start(start) => {
                count += 1;
                if count > MAX_ELEMENTS || stack.len() >= MAX_DEPTH {
                    return Err(format!(
                        "the document is too large: at most {MAX_ELEMENTS} elements, \
                         nested at most {MAX_DEPTH} deep"
                    ));
                }
                let el = open(&start, &stack)?;
                stack.push(el);
            }
            Event::Empty(start) => {
                count += 1;
                if count > MAX_ELEMENTS || stack.len() >= MAX_DEPTH {
                    return Err(format!(
                        "the document is too large: at most {MAX_ELEMENTS} elements, \
                         nested at most {MAX_DEPTH} deep"
                    ));
                }
                let el = open(&start, &stack)?;
                close(el, &mut stack, &mut root)?;
            }
            Event::End(_) => match stack.pop() {
                Some(el) => close(el, &mut stack, &mut root)?,
                None => return Err(format!("an end tag without its start tag (near byte {at})")),
            },
            Event::Text(t) => {
                let s = t.xml10_content();
                push_text(&mut stack, &s, at)?;
            }
            Event::CData(c) => {
                let s = c.xml10_content();
                push_text(&mut stack, &s, at)?;
            }
            Event::GeneralRef(r) => {
                let s = reference(&r)?;
                push_text(&mut stack, &s, at)?;
            }
            Event::DocType(_) => {
                return Err(
                    "the document has a DOCTYPE; RCML documents have none (DTDs are not read)"
                        .into(),
                );
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!("<{}> is not closed", open.name));
    }
    root.ok_or_else(|| "the document has no root element".to_owned())
}

fn push_text(stack: &mut [Element], s: &str, at: u64) -> Result<(), String> {
    match stack.last_mut() {
        Some(el) => {
            match el.children.last_mut() {
                Some(Node::Text(t)) => t.push_str(s),
                _ => el.children.push(Node::Text(s.to_owned())),
            }
            Ok(())
        }
        None if s.trim().is_empty() => Ok(()),
        None => Err(format!(
            "text outside the root element (near byte {at}); an RCML document is one <Response>"
        )),
    }
}

/// Text of an entity or character reference: XML's five entities and
/// `&#NN;`/`&#xHH;` only.
fn reference(r: &BytesRef<'_>) -> Result<String, String> {
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(c.to_string()),
            _ => Err(format!(
                "`&{};` is not a valid character reference",
                r.xml10_content()
            )),
        };
    }
    let name = r.xml10_content();
    Ok(match name.as_ref() {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        other => {
            return Err(format!(
                "unknown entity `&{other};`; only &amp; &lt; &gt; &quot; &apos; and character \
                 references are understood"
            ));
        }
    }
    .to_owned())
}

fn open(start: &BytesStart<'_>, stack: &[Element]) -> Result<Element, String> {
    let name = start.name().as_ref().to_owned();
    let path = match stack.last() {
        None => format!("/{name}"),
        Some(parent) => {
            let n = parent.elements().filter(|e| e.name == name).count() + 1;
            format!("{}/{name}[{n}]", parent.path)
        }
    };
    let mut attrs: Vec<(String, String)> = Vec::new();
    for a in start.attributes() {
        let a = a.map_err(|e| format!("{path}: malformed attribute: {e}"))?;
        let key = a.key.as_ref().to_owned();
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| format!("{path}/@{key}: {e}"))?
            .into_owned();
        if let Some(why) = unsafe_for_freeswitch(&value, true) {
            return Err(format!("{path}/@{key}: contains {why}; remove it"));
        }
        if attrs.iter().any(|(k, _)| *k == key) {
            return Err(format!("{path}: attribute `{key}` is given twice"));
        }
        attrs.push((key, value));
    }
    Ok(Element {
        name,
        attrs,
        children: Vec::new(),
        path,
    })
}

fn close(el: Element, stack: &mut [Element], root: &mut Option<Element>) -> Result<(), String> {
    if let Some(why) = unsafe_for_freeswitch(&el.text(), false) {
        return Err(format!("{}: contains {why}; remove it", el.path));
    }
    match stack.last_mut() {
        Some(parent) => parent.children.push(Node::Element(el)),
        None => *root = Some(el),
    }
    Ok(())
}

/// What in a document's value FreeSWITCH would act on instead of passing
/// on: the rule the jambonz reader applies too
/// ([`crate::app::rules::text_hazard`]); an element's text may hold line
/// breaks (a document's layout: [`Element::text`] turns them to spaces),
/// an attribute may not (XML normalizes literal ones to spaces; a character
/// reference like `&#10;` would put one back).
fn unsafe_for_freeswitch(s: &str, attribute: bool) -> Option<String> {
    crate::app::rules::text_hazard(s, !attribute)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_freeswitch_would_act_on_passes() {
        let say = parse("<Response><Say>\n  Hello\r\n\tworld\n</Say></Response>").expect("layout");
        let text = say.elements().next().map(Element::text).unwrap_or_default();
        assert!(
            text.starts_with("Hello") && text.ends_with("world"),
            "{text:?}"
        );
        assert!(!text.contains(['\r', '\n', '\t']), "{text:?}");
        for doc in [
            "<Response><Say>hi ${system(id)}</Say></Response>",
            "<Response><Say>hi $&#123;x}</Say></Response>",
            "<Response><Play>https://x.example/a.wav?${x}</Play></Response>",
            "<Response><Dial callerId=\"+1555&#10;1234\">+15551234</Dial></Response>",
            "<Response><Dial action=\"/a${x}\">+15551234</Dial></Response>",
        ] {
            let e = parse(doc).expect_err(doc);
            assert!(e.contains("remove it"), "{doc}: {e}");
        }
    }

    #[test]
    fn paths_count_siblings_of_the_same_name() {
        let root = parse(
            "<?xml version=\"1.0\"?><Response><Say>a</Say><Dial><Number>1</Number>\
             <Client>c</Client><Number>2</Number></Dial><Say>b &amp; &#x41;</Say></Response>",
        )
        .unwrap();
        let paths: Vec<_> = root.elements().map(|e| e.path.clone()).collect();
        assert_eq!(
            paths,
            ["/Response/Say[1]", "/Response/Dial[1]", "/Response/Say[2]"]
        );
        let dial = root.elements().nth(1).unwrap();
        let nouns: Vec<_> = dial.elements().map(|e| e.path.clone()).collect();
        assert_eq!(
            nouns,
            [
                "/Response/Dial[1]/Number[1]",
                "/Response/Dial[1]/Client[1]",
                "/Response/Dial[1]/Number[2]"
            ]
        );
        assert_eq!(root.elements().nth(2).unwrap().text(), "b & A");
    }

    #[test]
    fn malformed_documents_are_errors_not_panics() {
        for bad in [
            "",
            "<Response>",
            "<Response></Dial>",
            "</Response>",
            "<Response/><Response/>",
            "text",
            "<Response>&bogus;</Response>",
            "<Response a='1' a='2'/>",
            "<!DOCTYPE x [<!ENTITY a 'b'>]><Response>&a;</Response>",
            "<Response><Say>&#xD800;</Say></Response>",
            "<Response attr=noquotes/>",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep).is_err());
    }
}
