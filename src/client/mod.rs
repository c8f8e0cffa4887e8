//! The thread-based NATS client, in safe Rust with no C types.
//!
//! Threads: per connection a reader and a flusher; per asynchronous
//! subscription a dispatcher (or a shared pool worker); one library-wide
//! event thread for connection callbacks.
//!
//! # Layers
//!
//! Leaves (import nothing else of `client`): `error`, `flow_counts`,
//! `stats`, `url` (error only), `pool` (url only), `block_cache`, `message`
//! (block_cache, error), `threads` (error), `library_config`, `quiet_socket`.
//! Above them, each importing only what is below it: `events`, `dispatch`
//! and `subscription` (a subscription knows its connection only as a
//! `subscription::Home`), `sub_table`, `writer`, `transport`,
//! `handshake`, `credentials`, `options`; then the connection (`conn` and
//! the files that extend it: `reader`, `reconnect`, `request`, `drain`).
//!
//! # Lock order
//!
//! The one order every thread takes locks in; a lock may be taken while
//! holding only those to its left. No lock is held while user code runs,
//! while blocking on the network (except `Writer::sock`, held across a
//! write so writes keep their order), or while waiting on another thread.
//!
//! 1. `ConnInner::reader_turn`: held by a reader thread for its whole life.
//! 2. `ConnInner::state` (with `state_cv`): status changes, server info,
//!    the pool, the PINGs in flight. `status` changes only under it.
//! 3. `ReplyMux::inner` (the request multiplexer, `reply_mux.rs`).
//! 4. `SubTable::open` → `SubTable::routed` (`sub_table.rs`).
//! 5. `Writer::sock` → `Writer::out` (with the flusher's condvar,
//!    `writer.rs`).
//! 6. Library-wide: the delivery pool (`delivery_pool::POOL`) and the event
//!    queue (`events::QUEUE`), posted to under `state` where an event's
//!    order against a close matters; both may start a thread under their
//!    lock, so they come before
//! 7. the thread registry (`threads::LIVE`).
//!
//! Leaves, under which no other lock is taken: a subscription's `life`
//! (`subscription.rs`), a dispatcher's queue, the message block depot
//! (`block_cache::DEPOT`, taken wherever a message is freed), the TLS
//! session (`transport.rs`), `library_config`'s settings and the timer
//! queue (`timer.rs`).
mod block_cache;
pub mod callbacks;
pub mod conn;
mod credentials;
mod delivery_pool;
mod dispatch;
mod drain;
pub mod error;
mod error_from;
pub mod events;
mod flow_counts;
mod handshake;
pub mod library_config;
pub mod message;
pub mod options;
mod pool;
mod quiet_socket;
mod reader;
mod reconnect;
mod reply_mux;
mod request;
pub mod stats;
mod sub_table;
pub mod subscription;
pub mod threads;
pub mod timer;
mod transport;
pub mod url;
mod writer;

pub use block_cache::release_depot;
pub use conn::{Connection, MsgHandler, Status};
pub use delivery_pool::{set_pool_size, shutdown_pool};
pub use drain::DEFAULT_DRAIN_TIMEOUT;
pub use error::{Error, ErrorKind, Result, Traced};
pub use message::{release_spare_blocks, Message, Part};
pub use options::{Callbacks, IpOrder, Options};
pub use stats::Statistics;
pub use subscription::Subscription;
