//! nats_rs: a NATS client exposing the nats.c C API.
pub mod auth;
pub mod client;
pub mod ffi;
/// Nothing of it is C API: cbindgen skips it (ffi/ translates).
/// cbindgen:ignore
pub mod jetstream;
/// cbindgen:ignore
pub mod micro;
pub mod proto;
pub mod tls;
