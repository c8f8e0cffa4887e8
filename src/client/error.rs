//! Errors of the client, as values. The kinds mirror nats.c's `natsStatus`
//! so the C shell can translate them one to one.
use std::fmt;

/// What went wrong; one variant per non-OK `natsStatus` of nats.c.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    Err,
    ProtocolError,
    IoError,
    LineTooLong,
    ConnectionClosed,
    NoServer,
    StaleConnection,
    SecureConnectionWanted,
    SecureConnectionRequired,
    ConnectionDisconnected,
    AuthFailed,
    NotPermitted,
    NotFound,
    AddressMissing,
    InvalidSubject,
    InvalidArg,
    InvalidSubscription,
    InvalidTimeout,
    IllegalState,
    SlowConsumer,
    MaxPayload,
    MaxDeliveredMsgs,
    InsufficientBuffer,
    NoMemory,
    SysError,
    Timeout,
    FailedToInitialize,
    NotInitialized,
    SslError,
    NoServerSupport,
    NotYetConnected,
    Draining,
    InvalidQueueName,
    NoResponders,
    Mismatch,
    MissedHeartbeat,
    LimitReached,
    PinIdMismatch,
    InvalidConfig,
}

impl ErrorKind {
    /// Every kind, e.g. to map a status coming back from C.
    pub const ALL: [ErrorKind; 39] = [
        ErrorKind::Err,
        ErrorKind::ProtocolError,
        ErrorKind::IoError,
        ErrorKind::LineTooLong,
        ErrorKind::ConnectionClosed,
        ErrorKind::NoServer,
        ErrorKind::StaleConnection,
        ErrorKind::SecureConnectionWanted,
        ErrorKind::SecureConnectionRequired,
        ErrorKind::ConnectionDisconnected,
        ErrorKind::AuthFailed,
        ErrorKind::NotPermitted,
        ErrorKind::NotFound,
        ErrorKind::AddressMissing,
        ErrorKind::InvalidSubject,
        ErrorKind::InvalidArg,
        ErrorKind::InvalidSubscription,
        ErrorKind::InvalidTimeout,
        ErrorKind::IllegalState,
        ErrorKind::SlowConsumer,
        ErrorKind::MaxPayload,
        ErrorKind::MaxDeliveredMsgs,
        ErrorKind::InsufficientBuffer,
        ErrorKind::NoMemory,
        ErrorKind::SysError,
        ErrorKind::Timeout,
        ErrorKind::FailedToInitialize,
        ErrorKind::NotInitialized,
        ErrorKind::SslError,
        ErrorKind::NoServerSupport,
        ErrorKind::NotYetConnected,
        ErrorKind::Draining,
        ErrorKind::InvalidQueueName,
        ErrorKind::NoResponders,
        ErrorKind::Mismatch,
        ErrorKind::MissedHeartbeat,
        ErrorKind::LimitReached,
        ErrorKind::PinIdMismatch,
        ErrorKind::InvalidConfig,
    ];
}

/// An error with its kind and a human readable explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub text: String,
}

impl Error {
    pub fn new(kind: ErrorKind, text: impl Into<String>) -> Self {
        Error {
            kind,
            text: text.into(),
        }
    }

    /// An error whose text is just the kind's name.
    pub fn kind(kind: ErrorKind) -> Self {
        Error {
            kind,
            text: String::new(),
        }
    }

    pub fn io(e: &std::io::Error) -> Self {
        Error::new(ErrorKind::IoError, e.to_string())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.text.is_empty() {
            write!(f, "{:?}", self.kind)
        } else {
            write!(f, "{:?}: {}", self.kind, self.text)
        }
    }
}

impl std::error::Error for Error {}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error::kind(kind)
    }
}

pub type Result<T> = std::result::Result<T, Error>;
