//! The user code a connection calls back: its events and the custom
//! reconnect delay. Kept apart from `Options`, which is plain data, because
//! these name the connection they are called for.
use std::sync::Arc;
use std::time::Duration;

use super::conn::Connection;
use super::error::Error;
use super::subscription::Subscription;

/// A connection event callback (closed, disconnected, reconnected...).
pub type ConnCallback = Arc<dyn Fn(&Connection) + Send + Sync>;
/// An asynchronous error callback, optionally naming the subscription at fault.
pub type ErrCallback = Arc<dyn Fn(&Connection, Option<&Subscription>, &Error) + Send + Sync>;
/// A user function returning how long to wait before the next reconnect round, given the round number (starting at 1).
pub type ReconnectDelayFn = Arc<dyn Fn(&Connection, i32) -> Duration + Send + Sync>;

/// The callbacks of one connection; each runs on the library's event
/// thread, never under a lock (the reconnect delay runs on the reconnect
/// thread).
#[derive(Clone, Default)]
pub struct Callbacks {
    /// Run once a connect that was retried in the background succeeds.
    pub connected_cb: Option<ConnCallback>,
    /// Run when the server announces new servers in the cluster.
    pub discovered_servers_cb: Option<ConnCallback>,
    /// Run when the server says it is entering lame duck mode.
    pub lame_duck_cb: Option<ConnCallback>,
    pub error_cb: Option<ErrCallback>,
    pub closed_cb: Option<ConnCallback>,
    pub disconnected_cb: Option<ConnCallback>,
    pub reconnected_cb: Option<ConnCallback>,
    /// When set, replaces `reconnect_wait` plus jitter between reconnect rounds.
    pub custom_reconnect_delay: Option<ReconnectDelayFn>,
}
