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
pub mod batch;
pub mod context;
pub mod error;
pub mod pub_ack;
pub mod pub_options;
pub mod publish;
pub mod publish_async;

pub use batch::AtomicBatch;
pub use context::{JetStream, JsOptions};
pub use error::{ErrorCode, JsError, JsResult};
pub use pub_ack::{PubAck, PubAckErr};
pub use pub_options::{PubOptions, ScheduleOptions};
pub use publish_async::{PublishAsyncOptions, Unpublished};
