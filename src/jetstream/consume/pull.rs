//! Pull subscriptions: fetch requests and their status messages
//! (helper PULL fills this in).
use crate::client::{Message, Result, Subscription};

use super::JsSub;

/// The pull-mode state of a JetStream subscription.
#[derive(Default)]
pub struct PullState {}

impl PullState {
    /// On the reader thread: statuses are left for the fetch to read.
    pub fn on_routed(&self, _js: &JsSub, _sub: &Subscription, msg: Message) -> Option<Message> {
        Some(msg)
    }

    pub fn on_delivered(&self, _js: &JsSub, _sub: &Subscription, _delivered: u64) {}

    pub fn check_next_msg(&self, _js: &JsSub, _sub: &Subscription) -> Result<()> {
        Ok(())
    }

    pub fn on_closed(&self, _js: &JsSub, _sub: &Subscription) {}
}
