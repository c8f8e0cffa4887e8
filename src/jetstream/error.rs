//! The JetStream error: what the client reports (a `natsStatus` kind and a
//! text) plus, when the server answered with an API error, its `err_code`
//! (nats.c's `jsErrCode`), which C callers read through an out-parameter.
use std::fmt;

use crate::client::error::MAX_FRAMES;
use crate::client::{Error, ErrorKind};

/// The server's JetStream error code (`jsErrCode`); 0 means none.
pub type ErrorCode = u16;

/// Codes the library itself looks at; the full list is the server's.
pub mod codes {
    use super::ErrorCode;
    pub const CONSUMER_NOT_FOUND: ErrorCode = 10014;
    pub const STREAM_NOT_FOUND: ErrorCode = 10059;
    pub const WRONG_LAST_SEQUENCE: ErrorCode = 10071;
    pub const STREAM_WRONG_LAST_MSG_ID: ErrorCode = 10070;
    pub const NO_MESSAGE_FOUND: ErrorCode = 10037;
    pub const BAD_REQUEST: ErrorCode = 10003;
    pub const JETSTREAM_NOT_ENABLED: ErrorCode = 10076;
    pub const JETSTREAM_NOT_ENABLED_FOR_ACCOUNT: ErrorCode = 10039;
}

/// A failed JetStream call.
#[derive(Debug, Clone)]
pub struct JsError {
    /// The status a C caller gets.
    pub kind: ErrorKind,
    /// The server's API error code, 0 when the failure is not an API error.
    pub code: ErrorCode,
    /// The server's description, or the client's explanation.
    pub text: String,
    /// The functions the error passed through (see `client::Error::at`).
    frames: Vec<&'static str>,
}

/// The same error whatever path it took.
impl PartialEq for JsError {
    fn eq(&self, other: &JsError) -> bool {
        (self.kind, self.code, &self.text) == (other.kind, other.code, &other.text)
    }
}

impl Eq for JsError {}

pub type JsResult<T> = std::result::Result<T, JsError>;

impl JsError {
    pub fn new(kind: ErrorKind, text: impl Into<String>) -> JsError {
        JsError::api(kind, 0, text)
    }

    /// An error the server reported in an API answer.
    pub fn api(kind: ErrorKind, code: ErrorCode, text: impl Into<String>) -> JsError {
        JsError {
            kind,
            code,
            text: text.into(),
            frames: Vec::new(),
        }
    }

    pub fn invalid_arg(text: impl Into<String>) -> JsError {
        JsError::new(ErrorKind::InvalidArg, text)
    }

    /// Notes that the error passed through `func`.
    pub fn at(mut self, func: &'static str) -> JsError {
        if self.frames.last() != Some(&func) && self.frames.len() < MAX_FRAMES {
            self.frames.push(func);
        }
        self
    }

    /// An API error whose code is one of `codes` becomes `NotFound`, the
    /// status nats.c gives for "stream/consumer/message not found" answers
    /// (each call names the codes it treats so); anything else is kept.
    pub fn not_found_if(mut self, codes: &[ErrorCode]) -> JsError {
        if self.kind == ErrorKind::Err && self.code != 0 && codes.contains(&self.code) {
            self.kind = ErrorKind::NotFound;
        }
        self
    }

    /// The client error, without the API code.
    pub fn into_client(self) -> Error {
        self.frames
            .iter()
            .fold(Error::new(self.kind, self.text), |e, f| e.at(f))
    }
}

impl From<Error> for JsError {
    fn from(e: Error) -> JsError {
        let frames = e.frames().to_vec();
        JsError {
            kind: e.kind,
            code: 0,
            text: e.text,
            frames,
        }
    }
}

impl fmt::Display for JsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.code != 0 {
            write!(f, "{:?} ({}): {}", self.kind, self.code, self.text)
        } else {
            write!(f, "{:?}: {}", self.kind, self.text)
        }
    }
}

impl std::error::Error for JsError {}
