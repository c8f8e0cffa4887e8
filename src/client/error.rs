//! Errors of the client, as values. The kinds mirror nats.c's `natsStatus`
//! so the C shell can translate them one to one.
use std::fmt;

/// nats.c's error statuses, one row each: the client's kind, nats.c's name
/// and value, and the text `natsStatus_GetText` gives (nats.c's words, since
/// programs print and compare them). This is the only place they are written
/// down: `ErrorKind` below and every status table of the C shell
/// (`ffi/status.rs`) are generated from it, and the `natsStatus` enum that
/// cbindgen puts in the header is checked against it at compile time.
///
/// Use: `error_statuses!(m)` calls `m!` with the rows
/// `(Kind, NATS_NAME, value, "text"),`.
macro_rules! error_statuses {
    ($then:ident) => {
        $then! {
            (Err, NATS_ERR, 1, "Error"),
            (ProtocolError, NATS_PROTOCOL_ERROR, 2, "Protocol Error"),
            (IoError, NATS_IO_ERROR, 3, "IO Error"),
            (LineTooLong, NATS_LINE_TOO_LONG, 4, "Line too long"),
            (ConnectionClosed, NATS_CONNECTION_CLOSED, 5, "Connection Closed"),
            (NoServer, NATS_NO_SERVER, 6, "No server available for connection"),
            (StaleConnection, NATS_STALE_CONNECTION, 7, "Stale Connection"),
            (SecureConnectionWanted, NATS_SECURE_CONNECTION_WANTED, 8, "Secure Connection not available"),
            (SecureConnectionRequired, NATS_SECURE_CONNECTION_REQUIRED, 9, "Secure Connection Required"),
            (ConnectionDisconnected, NATS_CONNECTION_DISCONNECTED, 10, "Connection Disconnected"),
            (AuthFailed, NATS_CONNECTION_AUTH_FAILED, 11, "Authentication Violation"),
            (NotPermitted, NATS_NOT_PERMITTED, 12, "Not Permitted"),
            (NotFound, NATS_NOT_FOUND, 13, "Not Found"),
            (AddressMissing, NATS_ADDRESS_MISSING, 14, "TCP Address missing"),
            (InvalidSubject, NATS_INVALID_SUBJECT, 15, "Invalid Subject"),
            (InvalidArg, NATS_INVALID_ARG, 16, "Invalid Argument"),
            (InvalidSubscription, NATS_INVALID_SUBSCRIPTION, 17, "Invalid Subscription"),
            (InvalidTimeout, NATS_INVALID_TIMEOUT, 18, "Invalid Timeout"),
            (IllegalState, NATS_ILLEGAL_STATE, 19, "Illegal State"),
            (SlowConsumer, NATS_SLOW_CONSUMER, 20, "Slow Consumer, messages dropped"),
            (MaxPayload, NATS_MAX_PAYLOAD, 21, "Maximum Payload Exceeded"),
            (MaxDeliveredMsgs, NATS_MAX_DELIVERED_MSGS, 22, "Maximum Messages Delivered"),
            (InsufficientBuffer, NATS_INSUFFICIENT_BUFFER, 23, "Insufficient Buffer"),
            (NoMemory, NATS_NO_MEMORY, 24, "No Memory"),
            (SysError, NATS_SYS_ERROR, 25, "System Error"),
            (Timeout, NATS_TIMEOUT, 26, "Timeout"),
            (FailedToInitialize, NATS_FAILED_TO_INITIALIZE, 27, "Initialization Failed"),
            (NotInitialized, NATS_NOT_INITIALIZED, 28, "Not Initialized"),
            (SslError, NATS_SSL_ERROR, 29, "SSL Error"),
            (NoServerSupport, NATS_NO_SERVER_SUPPORT, 30, "Not Supported By Server"),
            (NotYetConnected, NATS_NOT_YET_CONNECTED, 31, "Not Yet Connected"),
            (Draining, NATS_DRAINING, 32, "Draining in progress"),
            (InvalidQueueName, NATS_INVALID_QUEUE_NAME, 33, "Invalid queue name"),
            (NoResponders, NATS_NO_RESPONDERS, 34, "No responders available for request"),
            (Mismatch, NATS_MISMATCH, 35, "Mismatch"),
            (MissedHeartbeat, NATS_MISSED_HEARTBEAT, 36, "Missed Server Heartbeat"),
            (LimitReached, NATS_LIMIT_REACHED, 37, "Limit reached"),
            (PinIdMismatch, NATS_PIN_ID_MISMATCH, 38, "Jetstream Consumer PinID Mismatch"),
            (InvalidConfig, NATS_INVALID_CONFIG, 39, "Invalid Configuration"),
        }
    };
}
pub(crate) use error_statuses;

macro_rules! define_error_kind {
    ($(($kind:ident, $c_name:ident, $value:literal, $text:literal),)*) => {
        /// What went wrong; one variant per non-OK `natsStatus` of nats.c.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorKind {
            $($kind,)*
        }

        impl ErrorKind {
            /// Every kind, in the order of nats.c's status values.
            pub const ALL: [ErrorKind; [$(ErrorKind::$kind),*].len()] = [$(ErrorKind::$kind),*];

            /// nats.c's `natsStatus` value for this kind, as its default
            /// error handler prints it.
            pub fn status_value(self) -> i32 {
                match self {
                    $(ErrorKind::$kind => $value,)*
                }
            }

            /// nats.c's text for this kind's status (`natsStatus_GetText`).
            pub fn text(self) -> &'static str {
                match self {
                    $(ErrorKind::$kind => $text,)*
                }
            }
        }
    };
}
error_statuses!(define_error_kind);

/// How many functions an error remembers passing through (nats.c keeps 50
/// frames in its stack too); later ones are dropped.
pub const MAX_FRAMES: usize = 50;

/// An error with its kind, a human readable explanation, and the functions
/// it passed through on its way out (innermost first), which the C shell
/// shows as `nats_GetLastErrorStack`.
#[derive(Debug, Clone)]
pub struct Error {
    pub kind: ErrorKind,
    pub text: String,
    frames: Vec<&'static str>,
}

/// Two errors are the same error whatever path they took.
impl PartialEq for Error {
    fn eq(&self, other: &Error) -> bool {
        self.kind == other.kind && self.text == other.text
    }
}

impl Eq for Error {}

impl Error {
    pub fn new(kind: ErrorKind, text: impl Into<String>) -> Self {
        Error {
            kind,
            text: text.into(),
            frames: Vec::new(),
        }
    }

    /// An error whose text is just the kind's name.
    pub fn kind(kind: ErrorKind) -> Self {
        Error::new(kind, String::new())
    }

    pub fn io(e: &std::io::Error) -> Self {
        Error::new(ErrorKind::IoError, e.to_string())
    }

    /// Notes that the error passed through `func` (a repeat of the last
    /// frame is not noted twice).
    pub fn at(mut self, func: &'static str) -> Self {
        if self.frames.last() != Some(&func) && self.frames.len() < MAX_FRAMES {
            self.frames.push(func);
        }
        self
    }

    /// The functions the error passed through, innermost first.
    pub fn frames(&self) -> &[&'static str] {
        &self.frames
    }
}

/// `result.at("fn")`: notes a frame on the error of a failed result.
pub trait Traced<T> {
    fn at(self, func: &'static str) -> Result<T>;
}

impl<T> Traced<T> for Result<T> {
    fn at(self, func: &'static str) -> Result<T> {
        self.map_err(|e| e.at(func))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_kept_innermost_first_without_repeats() {
        let r: Result<()> = Err(Error::new(ErrorKind::Timeout, "late"));
        let e = r.at("inner").at("inner").at("outer").unwrap_err();
        assert_eq!(e.frames(), ["inner", "outer"]);
        // The path does not change which error it is.
        assert_eq!(e, Error::new(ErrorKind::Timeout, "late"));
    }

    #[test]
    fn frames_stop_at_the_limit() {
        let names: Vec<&'static str> = (0..MAX_FRAMES + 5)
            .map(|i| &*Box::leak(format!("f{i}").into_boxed_str()))
            .collect();
        let e = names
            .iter()
            .fold(Error::kind(ErrorKind::Err), |e, f| e.at(f));
        assert_eq!(e.frames().len(), MAX_FRAMES);
        assert_eq!(e.frames()[0], "f0");
    }
}
