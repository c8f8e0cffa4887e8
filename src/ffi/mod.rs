//! The `extern "C"` shell: nats.c's API as a thin translation of `client`.
mod boundary;
mod header;
mod library;
mod msg;
mod status;

pub use status::{natsConnStatus, natsStatus};
