//! JetStream on top of `client/`: the `$JS.API` JSON requests, their
//! errors, and the typed values they carry. Nothing here knows a C type;
//! `ffi/` translates nats.c's structs to and from these values.
//!
//! Layers (arrows point down): `context` (a connection plus the API prefix
//! and timeout) → `api` (one request/answer round trip, the error object)
//! → `error` (the JetStream error: a client kind plus the server's
//! `err_code`) and the data modules (`account`, ...).
pub mod account;
pub mod api;
pub mod context;
pub mod error;

pub use context::{JetStream, JsOptions};
pub use error::{ErrorCode, JsError, JsResult};
