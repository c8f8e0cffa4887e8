//! The library-wide event thread: connection callbacks (closed,
//! disconnected, async errors...) run here, one at a time and in the order
//! they were posted, never under a lock and never on the reader thread.
use std::sync::Mutex;

use crossbeam_channel::{unbounded, Sender};

use super::error::Error;
use super::threads::{self, ThreadKind};

/// What runs if an event panics: told the error, it reports it to the
/// event's owner (a connection).
pub(crate) type OnPanic = Box<dyn FnOnce(Error) + Send>;

struct Event {
    run: Box<dyn FnOnce() + Send>,
    on_panic: Option<OnPanic>,
}

static QUEUE: Mutex<Option<Sender<Event>>> = Mutex::new(None);

/// Queues `f` to run on the event thread, starting the thread if needed.
pub fn post(f: impl FnOnce() + Send + 'static) {
    post_guarded(f, None);
}

/// Like `post`; a panic in `f` is handed to `on_panic` (on the event
/// thread, which carries on with the next event either way: it serves
/// every connection).
pub(crate) fn post_guarded(f: impl FnOnce() + Send + 'static, on_panic: Option<OnPanic>) {
    let ev = Event {
        run: Box::new(f),
        on_panic,
    };
    let mut q = QUEUE.lock().unwrap_or_else(|p| p.into_inner());
    if q.is_none() {
        let (tx, rx) = unbounded::<Event>();
        let started = threads::spawn_guarded(
            "nats-events".into(),
            move || {
                for ev in rx.iter() {
                    let Event { run, on_panic } = ev;
                    let r = threads::catch(move || {
                        threads::injection_point(ThreadKind::Events);
                        run()
                    });
                    if let (Err(e), Some(report)) = (r, on_panic) {
                        let _ = threads::catch(move || report(e));
                    }
                }
            },
            // Not reachable through the loop above, which catches every
            // event; should the thread die anyway, the next post starts
            // a new one instead of queueing to nobody.
            |_| {
                QUEUE.lock().unwrap_or_else(|p| p.into_inner()).take();
            },
        );
        if started.is_err() {
            // Without a thread the event is run inline rather than lost.
            drop(q);
            let _ = threads::catch(ev.run);
            return;
        }
        *q = Some(tx);
    }
    if let Some(tx) = q.as_ref() {
        if let Err(crossbeam_channel::SendError(ev)) = tx.send(ev) {
            // The thread is gone (see above): start another one.
            q.take();
            drop(q);
            post_guarded(ev.run, ev.on_panic);
        }
    }
}

/// Lets the event thread finish what is queued and exit (`nats_Close`).
/// A later `post` starts a new one.
pub fn shutdown() {
    QUEUE.lock().unwrap_or_else(|p| p.into_inner()).take();
}
