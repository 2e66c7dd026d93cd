//! Reading one element's attributes, each problem at the attribute's path
//! (`/Response/Dial[1]/@timeout`). Every attribute must be read or
//! declared ignored: [`Attrs::finish`] reports the rest as unknown, so a
//! misspelt attribute is an error rather than a silent default.

use super::xml::Element;
use crate::app::hook::{Hook, Method, check_url};
use crate::app::problem::{Location, Problems};

/// One element's attributes being read.
pub(crate) struct Attrs<'e, 'p> {
    el: &'e Element,
    used: Vec<&'e str>,
    problems: &'p mut Problems,
}

impl<'e, 'p> Attrs<'e, 'p> {
    /// Starts reading `el`'s attributes.
    pub(crate) fn of(el: &'e Element, problems: &'p mut Problems) -> Self {
        Self {
            el,
            used: Vec::new(),
            problems,
        }
    }

    /// A problem at the element.
    pub(crate) fn problem_here(&mut self, message: impl Into<String>) {
        self.problems
            .add(Location::XmlPath(self.el.path.clone()), message);
    }

    /// A problem at attribute `name`.
    pub(crate) fn problem(&mut self, name: &str, message: impl Into<String>) {
        self.problems
            .add(Location::XmlPath(self.el.attr_path(name)), message);
    }

    /// A notice at attribute `name`.
    pub(crate) fn notice(&mut self, name: &str, message: impl Into<String>) {
        self.problems
            .notice(Location::XmlPath(self.el.attr_path(name)), message);
    }

    /// The value of `name`, marking it read.
    pub(crate) fn str(&mut self, name: &'static str) -> Option<&'e str> {
        let el: &'e Element = self.el;
        let (k, v) = el.attrs.iter().find(|(k, _)| k == name)?;
        self.used.push(k.as_str());
        Some(v.as_str())
    }

    /// `true`/`false` (any case).
    pub(crate) fn bool(&mut self, name: &'static str) -> Option<bool> {
        let v = self.str(name)?;
        match v.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => {
                self.problem(name, format!("must be true or false, not `{v}`"));
                None
            }
        }
    }

    /// A whole number in `min..=max`.
    pub(crate) fn integer(
        &mut self,
        name: &'static str,
        min: u64,
        max: u64,
        unit: &str,
    ) -> Option<u64> {
        let v = self.str(name)?;
        match v.trim().parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                self.problem(
                    name,
                    format!("must be a whole number of {unit} from {min} to {max}, not `{v}`"),
                );
                None
            }
        }
    }

    /// `method`: GET or POST (default POST).
    pub(crate) fn method(&mut self) -> Method {
        match self.str("method") {
            None => Method::Post,
            Some(m) if m.eq_ignore_ascii_case("POST") => Method::Post,
            Some(m) if m.eq_ignore_ascii_case("GET") => Method::Get,
            Some(m) => {
                self.problem("method", format!("must be GET or POST, not `{m}`"));
                Method::Post
            }
        }
    }

    /// A URL attribute (absolute http(s), or relative to `call_hook`) as a
    /// hook called with `method`.
    pub(crate) fn hook(&mut self, name: &'static str, method: Method) -> Option<Hook> {
        let url = self.str(name)?;
        match check_url(url) {
            Ok(()) => Some(Hook {
                method,
                ..Hook::post(url)
            }),
            Err(e) => {
                self.problem(name, e);
                None
            }
        }
    }

    /// The `action` of a verb whose result TwiML posts to the document's
    /// own URL when `action` is absent (`<Gather>`, `<Record>`); None when
    /// the `action` given is invalid (a problem is recorded).
    pub(crate) fn action_or_document(&mut self, method: Method, document: &str) -> Option<Hook> {
        if self.el.attrs.iter().any(|(k, _)| k == "action") {
            return self.hook("action", method);
        }
        Some(Hook {
            method,
            ..Hook::post(document)
        })
    }

    /// Marks attributes Twilio or Restcomm define that dialbridge accepts
    /// without effect: each present one gets a notice saying so.
    pub(crate) fn without_effect(&mut self, names: &[&'static str], why: &str) {
        for name in names {
            if self.str(name).is_some() {
                self.notice(name, format!("accepted without effect: {why}"));
            }
        }
    }

    /// Reports attributes never read as unknown. Namespaced attributes
    /// (`xmlns`, `xmlns:x`, `x:y`) are left alone.
    pub(crate) fn finish(self) {
        let el = self.el;
        for (k, _) in &el.attrs {
            if self.used.contains(&k.as_str()) || k == "xmlns" || k.contains(':') {
                continue;
            }
            self.problems.add(
                Location::XmlPath(el.attr_path(k)),
                format!("<{}> has no attribute `{k}` that dialbridge knows", el.name),
            );
        }
    }
}
