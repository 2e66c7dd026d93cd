//! What is wrong with an application's reply, each problem at a
//! [`Location`] a web developer can find in what they sent: a JSON pointer
//! (RFC 6901) into a JSON reply, or an element path into an XML document.
//! Every dialect reports its problems in these terms, so logs, `explain`
//! and `error_hook` show them the same way whatever the application speaks.

use std::fmt;

use serde::{Serialize, Serializer};

/// Where a problem is in the reply, as the dialect that read it names
/// places. Built by the readers (the jambonz reader's
/// [`Pointer`](crate::jambonz::pointer::Pointer)); printed and serialized
/// as its text.
///
/// Exists so a problem's place is typed by the document it points into,
/// while the verb model and everything downstream stay dialect-neutral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A JSON pointer (RFC 6901): `/0/target/2/number`; empty for the
    /// whole reply.
    JsonPointer(String),
    /// An XML element path: `/Response/Dial[1]/Number[2]`, an attribute as
    /// `/Response/Dial[1]/@timeout`; empty for the whole document.
    XmlPath(String),
}

impl Default for Location {
    fn default() -> Self {
        Location::JsonPointer(String::new())
    }
}

impl Location {
    /// The location's text (`""` for the whole reply).
    pub fn as_str(&self) -> &str {
        match self {
            Location::JsonPointer(p) | Location::XmlPath(p) => p,
        }
    }

    /// True for the whole reply.
    pub(crate) fn is_whole(&self) -> bool {
        self.as_str().is_empty()
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_whole() {
            f.write_str("(the whole reply)")
        } else {
            f.write_str(self.as_str())
        }
    }
}

impl Serialize for Location {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl PartialEq<str> for Location {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Location {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One thing the application must fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where it is (empty for the whole reply). Serialized as `pointer`
    /// whatever the dialect, so `explain --json` and `error_hook` have one
    /// shape.
    pub pointer: Location,
    /// What is wrong and how to fix it, in words for a web developer.
    pub(crate) message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_whole() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.pointer.as_str(), self.message)
        }
    }
}

/// Problems found while reading one reply, plus notices about properties
/// that are accepted but have no effect in dialbridge. Reading goes on after
/// a problem so that the application learns everything at once.
#[derive(Debug, Default)]
pub struct Problems {
    problems: Vec<Problem>,
    notices: Vec<Problem>,
}

impl Problems {
    /// Records a problem at `at`.
    pub(crate) fn add(&mut self, at: impl Into<Location>, message: impl Into<String>) {
        self.problems.push(Problem {
            pointer: at.into(),
            message: message.into(),
        });
    }

    /// Records a notice: accepted, but the application should know.
    pub(crate) fn notice(&mut self, at: impl Into<Location>, message: impl Into<String>) {
        self.notices.push(Problem {
            pointer: at.into(),
            message: message.into(),
        });
    }

    /// True when nothing is wrong (notices do not count).
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    /// How many problems were recorded so far.
    pub(crate) fn len(&self) -> usize {
        self.problems.len()
    }

    /// Splits into (problems, notices).
    pub(crate) fn into_parts(self) -> (Vec<Problem>, Vec<Problem>) {
        (self.problems, self.notices)
    }
}

/// Why an application's reply cannot be run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// Not JSON at all (the jambonz reader's; an XML dialect adds its own
    /// syntax variant).
    #[error(
        "the reply is not valid JSON: {message} at line {line}, column {column}; \
         check for a missing or trailing comma there"
    )]
    Syntax {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// serde_json's description.
        message: String,
    },
    /// Read, but not a valid application.
    #[error("the reply has {} problem(s): {}", .0.len(), join(.0))]
    Invalid(Vec<Problem>),
}

impl ReplyError {
    /// Every problem with its location; a syntax error is one problem at
    /// the root whose message names the line and column.
    pub(crate) fn problems(&self) -> Vec<Problem> {
        match self {
            Self::Syntax { .. } => vec![Problem {
                pointer: Location::default(),
                message: self.to_string(),
            }],
            Self::Invalid(problems) => problems.clone(),
        }
    }
}

fn join(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_reply_message_lists_every_problem() {
        let err = ReplyError::Invalid(vec![
            Problem {
                pointer: Location::JsonPointer("/0/target".into()),
                message: "x".into(),
            },
            Problem {
                pointer: Location::JsonPointer("/1".into()),
                message: "y".into(),
            },
        ]);
        assert_eq!(
            err.to_string(),
            "the reply has 2 problem(s): /0/target: x; /1: y"
        );
    }

    #[test]
    fn a_problem_in_an_xml_document_names_its_element_path() {
        let mut problems = Problems::default();
        problems.add(
            Location::XmlPath("/Response/Dial[1]/Number[2]".into()),
            "is not a phone number",
        );
        let (p, _) = problems.into_parts();
        assert_eq!(
            p[0].to_string(),
            "/Response/Dial[1]/Number[2]: is not a phone number"
        );
        assert_eq!(
            serde_json::to_value(&p[0]).ok(),
            Some(serde_json::json!({
                "pointer": "/Response/Dial[1]/Number[2]",
                "message": "is not a phone number"
            }))
        );
        assert_eq!(
            Location::XmlPath(String::new()).to_string(),
            "(the whole reply)"
        );
    }
}
