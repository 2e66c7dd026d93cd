//! Which dialect reads an application's reply. Every dialect is a
//! front-end onto the same verb model ([`crate::app`]): a reader that turns
//! the reply's text into a [`Reply`], reporting problems at [`Location`]s
//! of its own kind. The call engine asks this module, never a reader
//! directly.
//!
//! The choice: a hook declared `format = "rcml"` is read as RCML and a
//! JSON reply to it is an error naming the dialect; one declared
//! `format = "jambonz"` is read as jambonz JSON and an XML reply to it is
//! an error; an undeclared one is read as RCML when the reply's
//! Content-Type is XML (`text/xml`, `application/xml`, `…+xml`) and as
//! jambonz JSON otherwise (many applications answer JSON as `text/plain`
//! or `text/html`, as dialbridge always accepted).
//!
//! [`Location`]: crate::app::Location

use crate::app::{Context, Format, Location, Problem, Reply, ReplyError};
use crate::rcml::Source;

/// A language applications answer in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// jambonz JSON verbs.
    Jambonz,
    /// RCML / TwiML XML documents.
    Rcml,
}

impl Dialect {
    /// The dialect of a reply to an undeclared hook, from its
    /// `content_type`.
    pub fn of(content_type: Option<&str>) -> Self {
        if content_type.is_some_and(is_xml) {
            Dialect::Rcml
        } else {
            Dialect::Jambonz
        }
    }

    /// The dialect's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Jambonz => "jambonz JSON",
            Dialect::Rcml => "RCML/TwiML XML",
        }
    }
}

/// True for an XML media type.
fn is_xml(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "text/xml" || essence == "application/xml" || essence.ends_with("+xml")
}

/// True for a JSON media type.
fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

/// Reads a reply declared with `content_type` to an undeclared hook (the
/// AMD and DTMF hooks, which only jambonz applications have). Blank text
/// is an empty reply. Public for the fuzz crate (fuzz/).
pub fn read_reply(
    text: &str,
    content_type: Option<&str>,
    ctx: &Context,
) -> Result<Reply, ReplyError> {
    read(text, content_type, Format::Auto, "", ctx)
}

/// Reads a reply to a hook of an application declared `declared`, fetched
/// from `document_url` (the default `action` of an RCML `<Gather>`).
pub fn read(
    text: &str,
    content_type: Option<&str>,
    declared: Format,
    document_url: &str,
    ctx: &Context,
) -> Result<Reply, ReplyError> {
    let looks_xml = content_type.is_some_and(is_xml) || text.trim_start().starts_with('<');
    let looks_json = content_type.is_some_and(is_json) || text.trim_start().starts_with(['[', '{']);
    let dialect = match declared {
        Format::Rcml if looks_json && !text.trim().is_empty() => {
            return Err(wrong_dialect(Dialect::Rcml, Dialect::Jambonz));
        }
        Format::Jambonz if looks_xml && !text.trim().is_empty() => {
            return Err(wrong_dialect(Dialect::Jambonz, Dialect::Rcml));
        }
        Format::Rcml => Dialect::Rcml,
        Format::Jambonz => Dialect::Jambonz,
        Format::Auto => Dialect::of(content_type),
    };
    match dialect {
        Dialect::Jambonz => crate::jambonz::parse_reply(text, ctx),
        Dialect::Rcml => crate::rcml::parse_document(text, Source { url: document_url }, ctx),
    }
}

fn wrong_dialect(declared: Dialect, got: Dialect) -> ReplyError {
    let setting = match declared {
        Dialect::Rcml => "rcml",
        Dialect::Jambonz => "jambonz",
    };
    ReplyError::Invalid(vec![Problem {
        pointer: Location::default(),
        message: format!(
            "the application is declared format = \"{setting}\" and must answer {}, but it \
             answered {}; fix the application, or change the hook's format",
            declared.name(),
            got.name()
        ),
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undeclared_replies_are_jambonz_json_unless_their_content_type_is_xml() {
        for declared in [
            None,
            Some("application/json"),
            Some("text/plain; charset=utf-8"),
            Some("text/html"),
        ] {
            assert_eq!(Dialect::of(declared), Dialect::Jambonz, "{declared:?}");
        }
        for declared in [
            "text/xml",
            "application/xml; charset=utf-8",
            "application/rss+xml",
        ] {
            assert_eq!(Dialect::of(Some(declared)), Dialect::Rcml, "{declared}");
        }
        let reply = read_reply(
            r#"[{"verb": "answer"}]"#,
            Some("text/plain"),
            &Context::default(),
        );
        assert_eq!(reply.map(|r| r.instructions.len()).ok(), Some(1));
        let reply = read_reply(
            "<Response><Hangup/></Response>",
            Some("text/xml"),
            &Context::default(),
        );
        assert_eq!(reply.map(|r| r.instructions.len()).ok(), Some(1));
    }

    #[test]
    fn a_declared_format_is_read_as_declared_and_the_other_dialect_is_named() {
        let ctx = Context::default();
        let xml = "<Response><Hangup/></Response>";
        // Declared RCML: read as XML even when served as text/plain.
        let r = read(xml, Some("text/plain"), Format::Rcml, "http://a/x", &ctx);
        assert_eq!(r.map(|r| r.instructions.len()).ok(), Some(1));
        let e = read("[]", Some("application/json"), Format::Rcml, "", &ctx).unwrap_err();
        assert!(
            e.to_string().contains("format = \"rcml\"") && e.to_string().contains("jambonz JSON"),
            "{e}"
        );
        let e = read(xml, Some("text/xml"), Format::Jambonz, "", &ctx).unwrap_err();
        assert!(e.to_string().contains("RCML/TwiML XML"), "{e}");
        // Blank is an empty reply in both.
        assert!(read(" ", None, Format::Rcml, "", &ctx).is_ok());
    }
}
