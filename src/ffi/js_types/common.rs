//! What all of JetStream shares: the context handles and the metadata list.
use std::ffi::{c_char, c_int};

/// A JetStream context (opaque), made from a connection with
/// natsConnection_JetStream, whose API calls it sends through that
/// connection; freed with jsCtx_Destroy.
pub struct jsCtx {
    _private: [u8; 0],
}

/// An atomic batch being published (opaque), started with
/// js_BatchPublishStart and freed with jsAtomicBatchCtx_Destroy.
pub struct jsAtomicBatchCtx {
    _private: [u8; 0],
}

/// Key/value metadata as a flat array of strings: `List[2*i]` is a key and
/// `List[2*i+1]` its value. In a config the caller owns the strings; in an
/// info the library does.
#[repr(C)]
pub struct natsMetadata {
    /// Keys and values, alternating.
    pub List: *mut *const c_char,
    /// The number of key/value pairs: half the number of strings in `List`.
    pub Count: c_int,
}
