//! Errors of credentials handling, in authentication's own terms; the
//! client decides which status each kind becomes.
use std::fmt;

/// What went wrong with a key, a credentials source or an encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthErrorKind {
    /// A malformed nkey or seed (bad base32, checksum, prefix or length).
    InvalidKey,
    /// The system's random generator could not make a seed.
    Random,
    /// A credentials file that cannot be read, is not text, or holds no
    /// seed.
    File,
    /// Malformed base64url.
    InvalidEncoding,
    /// Credentials text without the JWT or seed block asked for.
    NotFound,
    /// A user JWT asked of credentials that hold only a seed.
    NoJwt,
}

/// An authentication error: its kind and the explanation a user reads
/// (nats.c's text where nats.c has one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError {
    pub kind: AuthErrorKind,
    pub text: String,
}

impl AuthError {
    pub fn new(kind: AuthErrorKind, text: impl Into<String>) -> Self {
        AuthError {
            kind,
            text: text.into(),
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for AuthError {}

pub type Result<T> = std::result::Result<T, AuthError>;
