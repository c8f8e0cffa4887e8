//! The thread-based NATS client, in safe Rust with no C types.
//!
//! Threads: per connection a reader and a flusher; per asynchronous
//! subscription a dispatcher (or a shared pool worker); one library-wide
//! event thread for connection callbacks.
mod block_cache;
pub mod conn;
mod credentials;
mod dispatch;
mod drain;
pub mod error;
pub mod events;
mod flow_counts;
mod handshake;
pub mod library_config;
pub mod message;
pub mod options;
mod pool;
mod reader;
mod reconnect;
mod request;
pub mod stats;
mod sub_table;
pub mod subscription;
pub mod threads;
mod transport;
pub mod url;

pub use block_cache::release_depot;
pub use conn::{Connection, MsgHandler, Status};
pub use dispatch::{set_pool_size, shutdown_pool};
pub use drain::DEFAULT_DRAIN_TIMEOUT;
pub use error::{Error, ErrorKind, Result};
pub use message::{release_spare_blocks, Message};
pub use options::Options;
pub use stats::Statistics;
pub use subscription::Subscription;
