//! Reading one JSON object of a reply property by property.
//!
//! serde's derive stops at the first error; applications deserve every
//! problem at once, each with its JSON pointer. [`Fields`] reads typed
//! properties, records a problem for each wrong one, refuses properties the
//! verb does not have (as jambonz does), and applies the checks every string
//! that may reach FreeSWITCH must pass.

use serde_json::{Map, Value};

use super::Pointer;
use crate::app::problem::Problems;

/// The properties of one JSON object being read.
pub struct Fields<'a, 'p> {
    object: &'a Map<String, Value>,
    at: Pointer,
    known: Vec<&'static str>,
    problems: &'p mut Problems,
}

impl<'a, 'p> Fields<'a, 'p> {
    /// Starts reading `value`, which must be an object; `what` names it in
    /// the problem otherwise (e.g. "a target").
    pub(crate) fn of(
        value: &'a Value,
        at: &Pointer,
        what: &str,
        problems: &'p mut Problems,
    ) -> Option<Self> {
        match value.as_object() {
            Some(object) => Some(Self {
                object,
                at: at.clone(),
                known: Vec::new(),
                problems,
            }),
            None => {
                problems.add(
                    at,
                    format!("{what} must be a JSON object, not {}", kind(value)),
                );
                None
            }
        }
    }

    /// Where this object is.
    pub(crate) fn at(&self) -> &Pointer {
        &self.at
    }

    /// Where property `key` is.
    pub(crate) fn at_key(&self, key: &str) -> Pointer {
        self.at.key(key)
    }

    /// The problem list, for nested readers.
    pub(crate) fn problems(&mut self) -> &mut Problems {
        self.problems
    }

    /// Records a problem about property `key`.
    pub(crate) fn problem(&mut self, key: &str, message: impl Into<String>) {
        let at = self.at.key(key);
        self.problems.add(&at, message);
    }

    /// Records a notice about property `key`.
    pub(crate) fn notice(&mut self, key: &str, message: impl Into<String>) {
        let at = self.at.key(key);
        self.problems.notice(&at, message);
    }

    /// The raw value of `key`, if present (`null` counts as absent).
    pub(crate) fn value(&mut self, key: &'static str) -> Option<&'a Value> {
        if !self.known.contains(&key) {
            self.known.push(key);
        }
        self.object.get(key).filter(|v| !v.is_null())
    }

    /// True when `key` is present and not null (marks it known).
    pub(crate) fn has(&mut self, key: &'static str) -> bool {
        self.value(key).is_some()
    }

    /// A string property. Strings pass [`check_text`]: no CR, LF, NUL or
    /// other control character but TAB (they would end an ESL header or a
    /// SIP header line, or not survive FreeSWITCH's parsers) nor `${`
    /// (FreeSWITCH expands it as a variable or an API call).
    pub(crate) fn str(&mut self, key: &'static str) -> Option<&'a str> {
        let value = self.value(key)?;
        match value.as_str() {
            Some(s) => self.checked(key, s),
            None => {
                self.problem(key, format!("must be a string, not {}", kind(value)));
                None
            }
        }
    }

    /// Like [`Fields::str`] but records a problem when absent.
    pub(crate) fn required_str(&mut self, key: &'static str, what: &str) -> Option<&'a str> {
        if !self.has(key) {
            let at = self.at.clone();
            self.problems
                .add(&at, format!("`{key}` is required ({what})"));
            return None;
        }
        self.str(key)
    }

    /// Applies the checks every string must pass; `key` locates the problem.
    pub(crate) fn checked(&mut self, key: &str, s: &'a str) -> Option<&'a str> {
        let at = self.at.key(key);
        check_text(s, &at, self.problems).then_some(s)
    }

    /// A boolean property.
    pub(crate) fn bool(&mut self, key: &'static str) -> Option<bool> {
        let value = self.value(key)?;
        match value.as_bool() {
            Some(b) => Some(b),
            None => {
                self.problem(key, format!("must be true or false, not {}", kind(value)));
                None
            }
        }
    }

    /// A whole number in `min..=max`; `unit` names it in the problem.
    pub(crate) fn integer(
        &mut self,
        key: &'static str,
        min: u64,
        max: u64,
        unit: &str,
    ) -> Option<u64> {
        let value = self.value(key)?;
        let n = value.as_u64().or_else(|| {
            value
                .as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= u64::MAX as f64)
                .map(|f| f as u64)
        });
        match n {
            Some(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                let shown = match value {
                    Value::Number(n) => n.to_string(),
                    other => kind(other).to_owned(),
                };
                self.problem(
                    key,
                    format!("must be a whole number of {unit} from {min} to {max}, not {shown}"),
                );
                None
            }
        }
    }

    /// An object property that is accepted but has no effect; the notice
    /// says why. Shape is still checked: it must be an object.
    pub(crate) fn ignored_object(&mut self, key: &'static str, why: &str) {
        if let Some(value) = self.value(key) {
            if value.is_object() {
                self.notice(key, why);
            } else {
                self.problem(key, format!("must be a JSON object, not {}", kind(value)));
            }
        }
    }

    /// Reports every property nobody asked for; call once at the end.
    /// True when there was none.
    pub(crate) fn finish(self) -> bool {
        let mut clean = true;
        for key in self.object.keys() {
            if !self.known.contains(&key.as_str()) {
                let at = self.at.key(key);
                self.problems.add(
                    &at,
                    format!(
                        "unknown property `{key}`; this object accepts: {}",
                        self.known.join(", ")
                    ),
                );
                clean = false;
            }
        }
        clean
    }
}

/// The checks every string read from a reply must pass. Returns false after
/// recording why when it fails.
pub(crate) fn check_text(s: &str, at: &Pointer, problems: &mut Problems) -> bool {
    match crate::app::rules::text_hazard(s, false) {
        Some(what) => {
            problems.add(at, format!("contains {what}; remove it"));
            false
        }
        None => true,
    }
}

/// A short name of a JSON value's type, for problem messages.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: &Value, f: impl FnOnce(&mut Fields<'_, '_>)) -> Vec<String> {
        let mut problems = Problems::default();
        if let Some(mut fields) = Fields::of(v, &Pointer::root().index(0), "a verb", &mut problems)
        {
            f(&mut fields);
            fields.finish();
        }
        let (p, _) = problems.into_parts();
        p.into_iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn unknown_properties_are_reported_with_their_pointer() {
        let got = read(&json!({"a": 1, "zzz": 2}), |f| {
            f.value("a");
        });
        assert_eq!(
            got,
            vec!["/0/zzz: unknown property `zzz`; this object accepts: a"]
        );
    }

    #[test]
    fn control_characters_and_variable_expansion_are_refused() {
        let v = json!({"a": "x\r\ny", "b": "${sip_auth_password}", "c": "p\u{1}w", "d": "a\tb"});
        let got = read(&v, |f| {
            assert_eq!(f.str("a"), None);
            assert_eq!(f.str("b"), None);
            assert_eq!(f.str("c"), None);
            assert_eq!(f.str("d"), Some("a\tb"));
        });
        assert_eq!(got.len(), 3);
        assert!(got[0].starts_with("/0/a: contains a carriage return"));
        assert!(got[1].starts_with("/0/b: contains `${`"));
        assert_eq!(
            got[2],
            "/0/c: contains the control character U+0001, which FreeSWITCH cannot carry; remove it"
        );
    }

    #[test]
    fn integers_accept_whole_floats_and_refuse_out_of_range() {
        let got = read(&json!({"a": 30.0, "b": 0, "c": 1.5}), |f| {
            assert_eq!(f.integer("a", 1, 100, "seconds"), Some(30));
            assert_eq!(f.integer("b", 1, 100, "seconds"), None);
            assert_eq!(f.integer("c", 1, 100, "seconds"), None);
        });
        assert_eq!(
            got,
            vec![
                "/0/b: must be a whole number of seconds from 1 to 100, not 0",
                "/0/c: must be a whole number of seconds from 1 to 100, not 1.5"
            ]
        );
    }

    #[test]
    fn a_non_object_is_one_problem() {
        let got = read(&json!([1]), |_| unreachable!());
        assert_eq!(got, vec!["/0: a verb must be a JSON object, not an array"]);
    }
}
