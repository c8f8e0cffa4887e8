//! A service error: what a handler returns instead of a reply, and what a
//! service client gets back from the `Nats-Service-Error` headers.
use std::fmt;

use crate::client::{Error, ErrorKind};

/// An error with an optional NATS status, an application code (loosely an
/// HTTP status: 0 means none) and a text, possibly wrapping a cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    /// The NATS status behind the error, if it came from one.
    pub status: Option<ErrorKind>,
    /// The application code sent in `Nats-Service-Error-Code` (0: none).
    pub code: i32,
    pub message: String,
    /// The error this one wraps.
    pub cause: Option<Box<ServiceError>>,
}

impl ServiceError {
    /// An application error with `code` (0 for none).
    pub fn new(code: i32, message: impl Into<String>) -> ServiceError {
        ServiceError {
            status: None,
            code,
            message: message.into(),
            cause: None,
        }
    }

    /// The error for a NATS status, its text as the message.
    pub fn from_status(kind: ErrorKind) -> ServiceError {
        ServiceError {
            status: Some(kind),
            code: 0,
            message: kind.text().to_string(),
            cause: None,
        }
    }

    /// An `InvalidArg` error saying what was wrong.
    pub fn invalid_arg(message: impl Into<String>) -> ServiceError {
        ServiceError {
            status: Some(ErrorKind::InvalidArg),
            code: 0,
            message: message.into(),
            cause: None,
        }
    }

    /// `self` wrapped in a new error that says `context`.
    pub fn wrap(self, context: impl Into<String>) -> ServiceError {
        ServiceError {
            status: None,
            code: 0,
            message: context.into(),
            cause: Some(Box::new(self)),
        }
    }

    /// The first status along the chain, outermost first.
    pub fn effective_status(&self) -> Option<ErrorKind> {
        self.status
            .or_else(|| self.cause.as_ref().and_then(|c| c.effective_status()))
    }

    /// The first non-zero code along the chain, outermost first.
    pub fn effective_code(&self) -> i32 {
        match (self.code, &self.cause) {
            (0, Some(c)) => c.effective_code(),
            (code, _) => code,
        }
    }
}

/// `code N: message: cause...`, the text kept as an endpoint's last error.
impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.code != 0 {
            write!(f, "code {}: ", self.code)?;
        }
        f.write_str(&self.message)?;
        if let Some(c) = &self.cause {
            write!(f, ": {c}")?;
        }
        Ok(())
    }
}

/// A client error keeps its kind and text.
impl From<Error> for ServiceError {
    fn from(e: Error) -> ServiceError {
        let text = if e.text.is_empty() {
            e.kind.text().to_string()
        } else {
            e.text.clone()
        };
        ServiceError {
            status: Some(e.kind),
            code: 0,
            message: text,
            cause: None,
        }
    }
}

pub type ServiceResult<T> = std::result::Result<T, ServiceError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_walks_the_chain() {
        let e = ServiceError::new(400, "bad input").wrap("add failed");
        assert_eq!(e.to_string(), "add failed: code 400: bad input");
        assert_eq!(e.effective_code(), 400);
        assert_eq!(e.effective_status(), None);
        let s = ServiceError::from_status(ErrorKind::Timeout).wrap("request failed");
        assert_eq!(s.effective_status(), Some(ErrorKind::Timeout));
    }
}
