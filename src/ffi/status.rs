//! `natsStatus` and `natsConnStatus`, with nats.c 3.14's exact numeric values,
//! and `natsStatus_GetText`.
#![allow(non_camel_case_types)]

use std::ffi::{c_char, CStr};

use crate::client::error::error_statuses;
use crate::client::ErrorKind;

/// The result of most calls: `NATS_OK` on success, otherwise what went wrong.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum natsStatus {
    /// Success.
    NATS_OK = 0,
    /// A generic error.
    NATS_ERR,
    /// A protocol message could not be parsed, or was not the one expected.
    NATS_PROTOCOL_ERROR,
    /// A network read or write failed.
    NATS_IO_ERROR,
    /// A protocol line did not fit in the read buffer.
    NATS_LINE_TOO_LONG,
    /// The connection is closed.
    NATS_CONNECTION_CLOSED,
    /// No server could be reached.
    NATS_NO_SERVER,
    /// The server closed the connection because pings went unanswered.
    NATS_STALE_CONNECTION,
    /// TLS was requested but the server does not offer it.
    NATS_SECURE_CONNECTION_WANTED,
    /// The server requires TLS.
    NATS_SECURE_CONNECTION_REQUIRED,
    /// The connection was lost; it may reconnect.
    NATS_CONNECTION_DISCONNECTED,
    /// The server rejected the credentials.
    NATS_CONNECTION_AUTH_FAILED,
    /// The operation is not allowed.
    NATS_NOT_PERMITTED,
    /// What was looked for does not exist.
    NATS_NOT_FOUND,
    /// A URL lacks its host.
    NATS_ADDRESS_MISSING,
    /// The subject is NULL, empty or malformed.
    NATS_INVALID_SUBJECT,
    /// An argument is not acceptable (for instance NULL).
    NATS_INVALID_ARG,
    /// The subscription is closed or invalid.
    NATS_INVALID_SUBSCRIPTION,
    /// The timeout is not a positive number.
    NATS_INVALID_TIMEOUT,
    /// The call does not fit the object's current state.
    NATS_ILLEGAL_STATE,
    /// Pending limits were reached and messages were dropped.
    NATS_SLOW_CONSUMER,
    /// The payload is larger than the server accepts.
    NATS_MAX_PAYLOAD,
    /// The subscription's delivery limit was reached.
    NATS_MAX_DELIVERED_MSGS,
    /// The caller's buffer is too small.
    NATS_INSUFFICIENT_BUFFER,
    /// Memory could not be allocated.
    NATS_NO_MEMORY,
    /// A system call failed.
    NATS_SYS_ERROR,
    /// The operation did not complete in time.
    NATS_TIMEOUT,
    /// The library could not be initialized.
    NATS_FAILED_TO_INITIALIZE,
    /// The library is not initialized.
    NATS_NOT_INITIALIZED,
    /// A TLS error occurred.
    NATS_SSL_ERROR,
    /// The server does not support the operation.
    NATS_NO_SERVER_SUPPORT,
    /// The first connect failed and is being retried in the background.
    NATS_NOT_YET_CONNECTED,
    /// The connection or subscription is draining.
    NATS_DRAINING,
    /// The queue group name is not valid.
    NATS_INVALID_QUEUE_NAME,
    /// Nobody was subscribed to the request's subject.
    NATS_NO_RESPONDERS,
    /// A JetStream consumer sequence mismatch was detected.
    NATS_MISMATCH,
    /// JetStream heartbeats from the server were missed.
    NATS_MISSED_HEARTBEAT,
    /// A byte or message limit was reached.
    NATS_LIMIT_REACHED,
    /// The pin id does not match the pinned consumer client.
    NATS_PIN_ID_MISMATCH,
    /// The configuration does not allow the operation.
    NATS_INVALID_CONFIG,
    /// One past the last status; not a status itself.
    NATS_MAX_STATUS_VALUE,
}

/// The state of a connection.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum natsConnStatus {
    /// Disconnected; may reconnect.
    NATS_CONN_STATUS_DISCONNECTED = 0,
    /// Connecting for the first time.
    NATS_CONN_STATUS_CONNECTING,
    /// Connected.
    NATS_CONN_STATUS_CONNECTED,
    /// Closed for good.
    NATS_CONN_STATUS_CLOSED,
    /// Reconnecting after a disconnect.
    NATS_CONN_STATUS_RECONNECTING,
    /// Draining subscriptions.
    NATS_CONN_STATUS_DRAINING_SUBS,
    /// Draining publishers (flushing before close).
    NATS_CONN_STATUS_DRAINING_PUBS,
}

/// Text for a value that is not a status (out of range).
const UNKNOWN_STATUS: &CStr = c"Unknown Status";

/// The status tables, generated from the one list in `client::error`. The
/// `natsStatus` enum above stays written out because cbindgen reads it (it
/// does not expand macros); the build fails if it and the list disagree:
/// the matches below are exhaustive over both enums, and the asserts check
/// each value.
macro_rules! status_tables {
    ($(($kind:ident, $c_name:ident, $value:literal, $text:literal),)*) => {
        /// Every status in numeric order, `NATS_OK` first; `ALL[n]` has value `n`.
        const ALL: [natsStatus; natsStatus::NATS_MAX_STATUS_VALUE as usize] =
            [natsStatus::NATS_OK, $(natsStatus::$c_name),*];

        const _: () = {
            $(assert!(natsStatus::$c_name as i32 == $value);)*
            let mut i = 0;
            while i < ALL.len() {
                assert!(ALL[i] as usize == i);
                i += 1;
            }
        };

        impl natsStatus {
            /// The short human-readable name of this status (the same words
            /// nats.c uses, since programs print and sometimes compare them).
            pub fn text(self) -> &'static CStr {
                match self {
                    natsStatus::NATS_OK => c"OK",
                    $(natsStatus::$c_name => const {
                        match CStr::from_bytes_with_nul(concat!($text, "\0").as_bytes()) {
                            Ok(text) => text,
                            Err(_) => panic!("a status text holds a NUL"),
                        }
                    },)*
                    natsStatus::NATS_MAX_STATUS_VALUE => UNKNOWN_STATUS,
                }
            }

            /// The error kind of a non-OK status, e.g. one returned by a user
            /// callback (`Err` for `NATS_OK` or an out-of-range value).
            pub(crate) fn kind(self) -> ErrorKind {
                match self {
                    $(natsStatus::$c_name => ErrorKind::$kind,)*
                    natsStatus::NATS_OK | natsStatus::NATS_MAX_STATUS_VALUE => ErrorKind::Err,
                }
            }
        }

        impl From<ErrorKind> for natsStatus {
            fn from(kind: ErrorKind) -> natsStatus {
                match kind {
                    $(ErrorKind::$kind => natsStatus::$c_name,)*
                }
            }
        }
    };
}
error_statuses!(status_tables);

impl natsStatus {
    /// The status with this numeric value, if there is one.
    pub fn from_raw(value: i32) -> Option<natsStatus> {
        usize::try_from(value)
            .ok()
            .and_then(|i| ALL.get(i))
            .copied()
    }
}

/// How a `natsStatus` travels *into* Rust from C.
///
/// C may hand us any `int` where the header says `natsStatus` (an enum in C
/// is just an int). Receiving it as the Rust enum would make an out-of-range
/// value undefined behaviour, so parameters use this alias instead: Rust sees
/// a plain `c_int` (the same size and passing convention as a `#[repr(C)]`
/// enum) and checks it with [`natsStatus::from_raw`], while cbindgen, which
/// names a parameter's type by its last path segment and skips this ignored
/// alias, writes `natsStatus` in the header. Values going *out* to C use the
/// enum itself, which is always valid.
pub(crate) mod incoming {
    /// cbindgen:ignore
    #[allow(non_camel_case_types)]
    pub type natsStatus = std::ffi::c_int;
}

/// Returns a static, NUL-terminated description of a status; do not free it.
#[no_mangle]
pub extern "C" fn natsStatus_GetText(s: incoming::natsStatus) -> *const c_char {
    match natsStatus::from_raw(s) {
        Some(status) => status.text().as_ptr(),
        None => UNKNOWN_STATUS.as_ptr(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_values_match_nats_c() {
        assert_eq!(natsStatus::NATS_OK as i32, 0);
        assert_eq!(natsStatus::NATS_CONNECTION_CLOSED as i32, 5);
        assert_eq!(natsStatus::NATS_NOT_FOUND as i32, 13);
        assert_eq!(natsStatus::NATS_INVALID_ARG as i32, 16);
        assert_eq!(natsStatus::NATS_TIMEOUT as i32, 26);
        assert_eq!(natsStatus::NATS_SSL_ERROR as i32, 29);
        assert_eq!(natsStatus::NATS_NO_RESPONDERS as i32, 34);
        assert_eq!(natsStatus::NATS_INVALID_CONFIG as i32, 39);
        assert_eq!(natsStatus::NATS_MAX_STATUS_VALUE as i32, 40);
        assert_eq!(natsConnStatus::NATS_CONN_STATUS_CLOSED as i32, 3);
        assert_eq!(natsConnStatus::NATS_CONN_STATUS_DRAINING_PUBS as i32, 6);
        for (i, s) in ALL.iter().enumerate() {
            assert_eq!(*s as usize, i);
            assert_eq!(natsStatus::from_raw(i as i32), Some(*s));
        }
    }

    #[test]
    fn every_status_has_text() {
        for i in 0..natsStatus::NATS_MAX_STATUS_VALUE as i32 {
            // SAFETY: natsStatus_GetText returns a pointer to a static C string.
            let text = unsafe { CStr::from_ptr(natsStatus_GetText(i)) };
            assert!(!text.is_empty());
            assert_ne!(text, UNKNOWN_STATUS, "status {i}");
        }
        let text_of = |i: i32| {
            // SAFETY: as above.
            unsafe { CStr::from_ptr(natsStatus_GetText(i)) }
        };
        assert_eq!(text_of(0), c"OK");
        assert_eq!(text_of(5), c"Connection Closed");
        assert_eq!(text_of(26), c"Timeout");
        assert_eq!(text_of(-1), UNKNOWN_STATUS);
        assert_eq!(text_of(40), UNKNOWN_STATUS);
        assert_eq!(text_of(i32::MAX), UNKNOWN_STATUS);
    }

    #[test]
    fn every_error_status_maps_back_to_its_kind() {
        for k in ErrorKind::ALL {
            assert_eq!(natsStatus::from(k).kind(), k);
        }
    }

    #[test]
    fn status_values_of_kinds_are_the_c_values() {
        for k in ErrorKind::ALL {
            assert_eq!(k.status_value(), natsStatus::from(k) as i32, "{k:?}");
        }
    }

    #[test]
    fn error_kinds_map_one_to_one() {
        assert_eq!(natsStatus::from(ErrorKind::Err), natsStatus::NATS_ERR);
        assert_eq!(
            natsStatus::from(ErrorKind::AuthFailed),
            natsStatus::NATS_CONNECTION_AUTH_FAILED
        );
        assert_eq!(
            natsStatus::from(ErrorKind::InvalidConfig),
            natsStatus::NATS_INVALID_CONFIG
        );
    }
}
