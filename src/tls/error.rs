//! Errors of the TLS settings, in TLS' own terms; the client decides which
//! status each kind becomes.
use std::fmt;

/// What went wrong with a TLS setting or configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TlsErrorKind {
    /// A setting that needs a value was given an empty one.
    EmptyArgument,
    /// Certificates, keys, cipher lists, names or a configuration that
    /// rustls cannot use.
    Rejected,
}

/// A TLS error: its kind and the explanation a user reads (nats.c's text
/// where nats.c has one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsError {
    pub kind: TlsErrorKind,
    pub text: String,
}

impl TlsError {
    pub fn new(kind: TlsErrorKind, text: impl Into<String>) -> Self {
        TlsError {
            kind,
            text: text.into(),
        }
    }
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for TlsError {}

pub type Result<T> = std::result::Result<T, TlsError>;
