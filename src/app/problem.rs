//! What is wrong with an application's reply, each problem located by a JSON
//! pointer (RFC 6901) so a web developer can find it in what they sent.

use std::fmt;

use serde::Serialize;

/// A location inside the reply, e.g. `/0/target/2/number`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pointer(String);

impl Pointer {
    /// The whole document.
    pub fn root() -> Self {
        Self::default()
    }

    /// The member `key` of the object here.
    pub fn key(&self, key: &str) -> Self {
        let escaped = key.replace('~', "~0").replace('/', "~1");
        Self(format!("{}/{escaped}", self.0))
    }

    /// The element `index` of the array here.
    pub fn index(&self, index: usize) -> Self {
        Self(format!("{}/{index}", self.0))
    }

    /// The pointer text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("(the whole reply)")
        } else {
            f.write_str(&self.0)
        }
    }
}

/// One thing the application must fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where it is (`""` for the whole reply).
    pub pointer: String,
    /// What is wrong and how to fix it, in words for a web developer.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.pointer, self.message)
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
    pub fn add(&mut self, at: &Pointer, message: impl Into<String>) {
        self.problems.push(Problem {
            pointer: at.as_str().to_owned(),
            message: message.into(),
        });
    }

    /// Records a notice: accepted, but the application should know.
    pub fn notice(&mut self, at: &Pointer, message: impl Into<String>) {
        self.notices.push(Problem {
            pointer: at.as_str().to_owned(),
            message: message.into(),
        });
    }

    /// True when nothing is wrong (notices do not count).
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    /// How many problems were recorded so far.
    pub fn len(&self) -> usize {
        self.problems.len()
    }

    /// Splits into (problems, notices).
    pub fn into_parts(self) -> (Vec<Problem>, Vec<Problem>) {
        (self.problems, self.notices)
    }
}

/// Why an application's reply cannot be run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// Not JSON at all.
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
    /// JSON, but not a valid application.
    #[error("the reply has {} problem(s): {}", .0.len(), join(.0))]
    Invalid(Vec<Problem>),
}

impl ReplyError {
    /// Every problem with its pointer; a syntax error is one problem at the
    /// root whose message names the line and column.
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            Self::Syntax { .. } => vec![Problem {
                pointer: String::new(),
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
    fn pointer_escapes_slash_and_tilde_as_rfc6901_says() {
        let p = Pointer::root().index(0).key("headers").key("a/b~c");
        assert_eq!(p.as_str(), "/0/headers/a~1b~0c");
    }

    #[test]
    fn invalid_reply_message_lists_every_problem() {
        let err = ReplyError::Invalid(vec![
            Problem {
                pointer: "/0/target".into(),
                message: "x".into(),
            },
            Problem {
                pointer: "/1".into(),
                message: "y".into(),
            },
        ]);
        assert_eq!(
            err.to_string(),
            "the reply has 2 problem(s): /0/target: x; /1: y"
        );
    }
}
