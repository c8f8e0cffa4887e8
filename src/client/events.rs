//! The library-wide event thread: connection callbacks (closed,
//! disconnected, async errors...) run here, one at a time and in the order
//! they were posted, never under a lock and never on the reader thread.
use std::sync::Mutex;

use crossbeam_channel::{unbounded, Sender};

use super::threads;

type Event = Box<dyn FnOnce() + Send>;

static QUEUE: Mutex<Option<Sender<Event>>> = Mutex::new(None);

/// Queues `f` to run on the event thread, starting the thread if needed.
pub fn post(f: impl FnOnce() + Send + 'static) {
    let mut q = QUEUE.lock().unwrap_or_else(|p| p.into_inner());
    if q.is_none() {
        let (tx, rx) = unbounded::<Event>();
        let started = threads::spawn("nats-events".into(), move || {
            for ev in rx.iter() {
                // A panicking user callback must not take the event thread down.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(ev));
            }
        });
        if started.is_err() {
            // Without a thread the event is run inline rather than lost.
            drop(q);
            f();
            return;
        }
        *q = Some(tx);
    }
    if let Some(tx) = q.as_ref() {
        // The receiver lives as long as the sender is stored here.
        let _ = tx.send(Box::new(f));
    }
}

/// Lets the event thread finish what is queued and exit (`nats_Close`).
/// A later `post` starts a new one.
pub fn shutdown() {
    QUEUE.lock().unwrap_or_else(|p| p.into_inner()).take();
}
