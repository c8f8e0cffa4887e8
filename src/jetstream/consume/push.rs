//! Push subscriptions: heartbeats, flow control, sequence mismatches and
//! auto-acks (helper PUSH fills this in).
use crate::client::{Message, Result, Subscription};

use super::JsSub;

/// The push-mode state of a JetStream subscription.
#[derive(Default)]
pub struct PushState {}

impl PushState {
    /// On the reader thread: control messages stop here.
    pub fn on_routed(&self, _js: &JsSub, _sub: &Subscription, msg: Message) -> Option<Message> {
        Some(msg)
    }

    pub fn on_delivered(&self, _js: &JsSub, _sub: &Subscription, _delivered: u64) {}

    pub fn check_next_msg(&self, _js: &JsSub, _sub: &Subscription) -> Result<()> {
        Ok(())
    }

    /// After a reconnect (on the reconnecting thread).
    pub fn on_reconnected(&self, _js: &JsSub, _sub: &Subscription) {}

    pub fn on_closed(&self, _js: &JsSub, _sub: &Subscription) {}
}
