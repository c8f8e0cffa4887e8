//! The thread-based NATS client, in safe Rust with no C types.
pub mod error;
pub mod message;
pub mod stats;

pub use error::{Error, ErrorKind, Result};
pub use message::Message;
pub use stats::Statistics;
