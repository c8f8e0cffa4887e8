//! The ordered consumer (jsSubOptions' `Ordered`): an in-memory ephemeral
//! push consumer without acks whose messages the user sees exactly once
//! and in order. When one is missed (a consumer sequence gap, a heartbeat
//! naming another last sequence, missed heartbeats, the consumer deleted on
//! the server, a reconnect) the library starts over: the subscription moves
//! to a fresh inbox under a new sid (what still arrives for the old one is
//! dropped), and a new consumer is created from the stream sequence after
//! the last one queued. Messages already queued are still delivered, so
//! nothing is seen twice.
//!
//! The reset itself runs where the loss is noticed (the reader, the timer
//! or the reconnecting thread) and never blocks; the consumer is created
//! on a short-lived thread. If that fails, the error handler is told and
//! the next missed heartbeat check tries again (as nats.c).
use std::sync::atomic::{AtomicU64, Ordering::*};
use std::sync::MutexGuard;

use crate::client::threads;
use crate::client::{Error, Subscription};
use crate::jetstream::consumer_config::{ConsumerConfig, DeliverPolicy};

use super::push::{PushState, Track};
use super::JsSub;

/// What an ordered consumer recreates itself with.
pub struct Ordered {
    /// The consumer's config without a deliver subject.
    config: ConsumerConfig,
    /// Bumped by each reset: only the latest reset's consumer is kept.
    generation: AtomicU64,
}

impl Ordered {
    pub(crate) fn new(config: ConsumerConfig) -> Ordered {
        Ordered {
            config,
            generation: AtomicU64::new(0),
        }
    }

    /// Starts over from the stream sequence after the last one queued.
    /// `t` is the subscription's tracking state, held so that no message
    /// of the old consumer is counted after the rewire.
    pub(crate) fn reset(
        &self,
        js: &JsSub,
        sub: &Subscription,
        push: &PushState,
        mut t: MutexGuard<'_, Track>,
    ) {
        if !sub.is_valid() {
            return;
        }
        let start = t.last_sseq + 1;
        t.next_dseq = 1;
        t.last = None;
        t.pending = None;
        t.mismatch = (0, 0, 0);
        t.suppressed = false;
        push.clear_flow_control();
        let conn = js.connection().clone();
        let inbox = conn.new_inbox();
        if let Err(e) = conn.rewire(sub, &inbox) {
            drop(t);
            report(sub, js, &e);
            return;
        }
        let generation = self.generation.fetch_add(1, AcqRel) + 1;
        drop(t);
        let mut cfg = self.config.clone();
        cfg.deliver_subject = inbox;
        cfg.deliver_policy = DeliverPolicy::ByStartSequence;
        cfg.opt_start_seq = start;
        let Some(jsub) = JsSub::of(sub) else {
            return;
        };
        let for_thread = sub.clone();
        let spawned = threads::spawn("nats-ordered".into(), move || {
            recreate(&jsub, &for_thread, cfg, generation);
        });
        if let Err(e) = spawned {
            report(sub, js, &e);
        }
    }
}

/// Creates the consumer of reset `generation`; a later reset wins.
fn recreate(jsub: &JsSub, sub: &Subscription, cfg: ConsumerConfig, generation: u64) {
    let Some(o) = jsub.push().and_then(|p| p.ordered.as_ref()) else {
        return;
    };
    let old = jsub.consumer();
    match jsub.js.add_consumer(&jsub.stream, &cfg) {
        Ok(info) => {
            let current = o.generation.load(Acquire) == generation && sub.is_valid();
            // A consumer nobody listens to any more goes at once rather
            // than when the server notices.
            let stale = if current {
                jsub.set_consumer(&info.name);
                old.filter(|n| *n != info.name)
            } else {
                Some(info.name)
            };
            if let Some(name) = stale {
                let _ = jsub.js.delete_consumer(&jsub.stream, &name);
            }
        }
        Err(e) => {
            if sub.is_valid() {
                report(sub, jsub, &e.into_client());
            }
        }
    }
}

fn report(sub: &Subscription, js: &JsSub, e: &Error) {
    js.connection().report_async_error(
        Some(sub),
        Error::new(
            e.kind,
            format!(
                "error recreating ordered consumer, will try again: status={} error={}",
                e.kind.status_value(),
                e.text
            ),
        ),
    );
}
