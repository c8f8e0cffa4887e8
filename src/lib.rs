//! nats_rs: a NATS client exposing the nats.c C API.
pub mod auth;
pub mod client;
pub mod ffi;
pub mod proto;
pub mod tls;
