//! Which dialect reads an application's reply. Every dialect is a
//! front-end onto the same verb model ([`crate::app`]): a reader that turns
//! the reply's text into a [`Reply`], reporting problems at [`Location`]s
//! of its own kind. The call engine asks this module, never a reader
//! directly, so a second dialect plugs in here: a variant of [`Dialect`],
//! its reader beside [`crate::jambonz`], and the rule choosing it from the
//! reply's Content-Type (and, later, from how the hook was configured).
//!
//! [`Location`]: crate::app::Location

use crate::app::{Context, Reply, ReplyError};

/// A language applications answer in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// jambonz JSON verbs.
    Jambonz,
}

impl Dialect {
    /// The dialect of a reply declared with `content_type`. Today every
    /// reply is read as jambonz JSON whatever its Content-Type (many
    /// applications answer JSON as `text/plain` or `text/html`), as
    /// dialbridge always has.
    pub(crate) fn of(content_type: Option<&str>) -> Self {
        let _declared = content_type;
        Dialect::Jambonz
    }
}

/// Reads a reply declared with `content_type` in its dialect. Blank text
/// is an empty reply.
pub(crate) fn read_reply(
    text: &str,
    content_type: Option<&str>,
    ctx: &Context,
) -> Result<Reply, ReplyError> {
    match Dialect::of(content_type) {
        Dialect::Jambonz => crate::jambonz::parse_reply(text, ctx),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reply_is_read_as_jambonz_json_whatever_its_content_type() {
        for declared in [
            None,
            Some("application/json"),
            Some("text/plain; charset=utf-8"),
            Some("text/html"),
        ] {
            assert_eq!(Dialect::of(declared), Dialect::Jambonz, "{declared:?}");
        }
        let reply = read_reply(
            r#"[{"verb": "answer"}]"#,
            Some("text/plain"),
            &Context::default(),
        );
        assert_eq!(reply.map(|r| r.instructions.len()).ok(), Some(1));
    }
}
