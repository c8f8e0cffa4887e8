//! The library-wide timer thread: JetStream heartbeat checks and fetch
//! deadlines fire here. One thread for all timers, started when the first
//! timer is scheduled and gone when none is left (so `nats_Close` can wait
//! for every library thread).
//!
//! Lock order: `TIMERS` is a leaf; timer functions run without it.
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::error::Result;
use super::threads;

/// What a timer runs; `false` stops a repeating timer.
type TimerFn = Arc<dyn Fn() -> bool + Send + Sync>;

struct Entry {
    due: Instant,
    every: Option<Duration>,
    f: TimerFn,
}

#[derive(Default)]
struct Timers {
    entries: HashMap<u64, Entry>,
    /// (due, id) of every entry, earliest first.
    order: BTreeSet<(Instant, u64)>,
    next_id: u64,
    thread_running: bool,
}

impl Timers {
    fn set_due(&mut self, id: u64, due: Instant) {
        if let Some(e) = self.entries.get_mut(&id) {
            self.order.remove(&(e.due, id));
            e.due = due;
            self.order.insert((due, id));
        }
    }

    fn remove(&mut self, id: u64) {
        if let Some(e) = self.entries.remove(&id) {
            self.order.remove(&(e.due, id));
        }
    }
}

static TIMERS: Mutex<Option<Timers>> = Mutex::new(None);
static WAKE: Condvar = Condvar::new();

fn lock() -> MutexGuard<'static, Option<Timers>> {
    TIMERS.lock().unwrap_or_else(|p| p.into_inner())
}

/// A scheduled timer; dropping it (or `cancel`) stops it.
#[derive(Debug)]
pub struct TimerHandle {
    id: u64,
}

impl TimerHandle {
    /// Stops the timer; a run already under way finishes.
    pub fn cancel(&self) {
        if let Some(t) = lock().as_mut() {
            t.remove(self.id);
        }
        WAKE.notify_all();
    }

    /// Fires next `after` from now (a repeating timer then goes on at its
    /// period). Does nothing once the timer has stopped.
    pub fn reset(&self, after: Duration) {
        if let Some(t) = lock().as_mut() {
            t.set_due(self.id, Instant::now() + after);
        }
        WAKE.notify_all();
    }
}

impl Drop for TimerHandle {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// Runs `f` on the timer thread `after` from now, then every `every` while
/// it returns true. `f` must be short and never block.
pub fn schedule(
    after: Duration,
    every: Option<Duration>,
    f: impl Fn() -> bool + Send + Sync + 'static,
) -> Result<TimerHandle> {
    let mut g = lock();
    let t = g.get_or_insert_with(Timers::default);
    t.next_id += 1;
    let id = t.next_id;
    let due = Instant::now() + after;
    t.entries.insert(
        id,
        Entry {
            due,
            every,
            f: Arc::new(f),
        },
    );
    t.order.insert((due, id));
    if !t.thread_running {
        t.thread_running = true;
        if let Err(e) = threads::spawn("nats-timer".into(), run) {
            t.thread_running = false;
            t.remove(id);
            return Err(e);
        }
    }
    drop(g);
    WAKE.notify_all();
    Ok(TimerHandle { id })
}

/// The timer thread: fires what is due, sleeps until the next, and exits
/// when no timer is left.
fn run() {
    let mut g = lock();
    loop {
        let Some(t) = g.as_mut() else { return };
        let Some(&(due, id)) = t.order.first() else {
            t.thread_running = false;
            return;
        };
        let now = Instant::now();
        if due > now {
            g = WAKE
                .wait_timeout(g, due - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
            continue;
        }
        let (f, every) = match t.entries.get(&id) {
            Some(e) => (e.f.clone(), e.every),
            None => continue,
        };
        // Taken off the queue while it runs; a repeating one comes back.
        t.order.remove(&(due, id));
        drop(g);
        let again = threads::catch(|| f()).unwrap_or(false);
        g = lock();
        if let Some(t) = g.as_mut() {
            match (again, every) {
                // Unless `reset` or `cancel` came meanwhile.
                (true, Some(p)) if t.entries.get(&id).is_some_and(|e| e.due == due) => {
                    t.set_due(id, (due + p).max(Instant::now()));
                }
                _ if t.entries.get(&id).is_some_and(|e| e.due == due) => t.remove(id),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
    use std::sync::mpsc;

    #[test]
    fn a_one_shot_timer_fires_once_and_a_repeating_one_until_it_says_stop() {
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(tx);
        let _once = schedule(Duration::from_millis(5), None, move || {
            let _ = tx.lock().unwrap().send(());
            true
        })
        .unwrap();
        rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert!(rx.recv_timeout(Duration::from_millis(50)).is_err());

        let n = Arc::new(AtomicU32::new(0));
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(tx);
        let n2 = n.clone();
        let _rep = schedule(Duration::ZERO, Some(Duration::from_millis(1)), move || {
            let k = n2.fetch_add(1, SeqCst) + 1;
            if k == 3 {
                let _ = tx.lock().unwrap().send(());
            }
            k < 3
        })
        .unwrap();
        rx.recv_timeout(Duration::from_secs(5)).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(n.load(SeqCst), 3);
    }

    #[test]
    fn a_cancelled_timer_never_fires() {
        let fired = Arc::new(AtomicU32::new(0));
        let f2 = fired.clone();
        let h = schedule(Duration::from_millis(30), None, move || {
            f2.fetch_add(1, SeqCst);
            true
        })
        .unwrap();
        drop(h);
        // A later timer firing shows the thread went past the cancelled one.
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(tx);
        let _later = schedule(Duration::from_millis(60), None, move || {
            let _ = tx.lock().unwrap().send(());
            true
        })
        .unwrap();
        rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(fired.load(SeqCst), 0);
    }
}
