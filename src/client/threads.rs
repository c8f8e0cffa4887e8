//! Every thread the library starts goes through `spawn`, so that
//! `nats_CloseAndWait` can wait for all of them to end, code can tell
//! whether it runs on a library thread, and no panic ends a thread
//! silently: each body runs inside `catch_unwind`, and a panic is handed
//! to the thread's `on_panic` as an `ErrorKind::Err` naming the thread.
use std::any::Any;
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU8, Ordering::Relaxed};
use std::sync::{Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::error::{Error, ErrorKind, Result};

static LIVE: Mutex<usize> = Mutex::new(0);
static LIVE_CV: Condvar = Condvar::new();

thread_local! {
    static ON_LIBRARY_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// The kinds of library threads, as named by the test-only panic hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ThreadKind {
    Reader = 1,
    Flusher = 2,
    Reconnect = 3,
    /// A subscription's own delivery thread.
    Dispatcher = 4,
    /// A worker of the shared delivery pool.
    PoolWorker = 5,
    /// The library-wide event thread.
    Events = 6,
    /// A connection's or a subscription's drain.
    Drain = 7,
}

/// The kind whose next injection point panics (0: none).
static INJECT: AtomicU8 = AtomicU8::new(0);

/// **Test-only.** Makes the next library thread of `kind` that reaches
/// one of its injection points panic (once); `None` disarms. Inert unless
/// called: the points cost one relaxed load. Tests use it to check that a
/// panic becomes a reported connection loss, never a silent dead thread.
#[doc(hidden)]
pub fn inject_panic(kind: Option<ThreadKind>) {
    INJECT.store(kind.map_or(0, |k| k as u8), Relaxed);
}

/// An injection point of the test-only panic hook (see `inject_panic`).
#[inline]
pub(crate) fn injection_point(kind: ThreadKind) {
    if INJECT.load(Relaxed) == kind as u8
        && INJECT
            .compare_exchange(kind as u8, 0, Relaxed, Relaxed)
            .is_ok()
    {
        panic!("injected panic (test hook)");
    }
}

/// Decrements the live count when the thread ends, even by panic.
struct LiveGuard;

impl Drop for LiveGuard {
    fn drop(&mut self) {
        let mut n = LIVE.lock().unwrap_or_else(|p| p.into_inner());
        *n = n.saturating_sub(1);
        if *n == 0 {
            LIVE_CV.notify_all();
        }
    }
}

/// The text of a panic's payload.
fn panic_text(p: &(dyn Any + Send)) -> &str {
    if let Some(s) = p.downcast_ref::<&str>() {
        s
    } else if let Some(s) = p.downcast_ref::<String>() {
        s
    } else {
        "unknown panic"
    }
}

/// The error a panic on the thread `name` is reported as.
pub(crate) fn panic_error(name: &str, p: &(dyn Any + Send)) -> Error {
    Error::new(
        ErrorKind::Err,
        format!("library thread '{name}' panicked: {}", panic_text(p)),
    )
}

/// Runs `f`; a panic is returned as the error naming the current thread.
/// For threads that serve many owners (dispatchers, the event thread):
/// they catch per piece of work, report to its owner, and carry on.
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> std::result::Result<R, Error> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|p| {
        let e = panic_error(std::thread::current().name().unwrap_or("nats"), &*p);
        // A payload whose drop panics must not unwind from here either.
        let _ = catch_unwind(AssertUnwindSafe(move || drop(p)));
        e
    })
}

/// Starts a named library thread whose panic only reaches stderr (through
/// the panic hook); threads tied to a connection use `spawn_guarded`.
pub fn spawn<F>(name: String, f: F) -> Result<JoinHandle<()>>
where
    F: FnOnce() + Send + 'static,
{
    spawn_guarded(name, f, |_| {})
}

/// Starts a named library thread; if its body panics, `on_panic` gets an
/// `ErrorKind::Err` naming the thread and the panic (and may itself panic
/// without consequence).
pub fn spawn_guarded<F, P>(name: String, f: F, on_panic: P) -> Result<JoinHandle<()>>
where
    F: FnOnce() + Send + 'static,
    P: FnOnce(Error) + Send + 'static,
{
    *LIVE.lock().unwrap_or_else(|p| p.into_inner()) += 1;
    std::thread::Builder::new()
        .name(name)
        .spawn(move || {
            let _guard = LiveGuard;
            ON_LIBRARY_THREAD.with(|c| c.set(true));
            super::library_config::thread_started();
            if let Err(e) = catch(f) {
                let _ = catch_unwind(AssertUnwindSafe(move || on_panic(e)));
            }
        })
        .map_err(|e| {
            drop(LiveGuard);
            Error::new(ErrorKind::SysError, format!("cannot start thread: {e}"))
        })
}

pub fn on_library_thread() -> bool {
    ON_LIBRARY_THREAD.with(|c| c.get())
}

/// Waits until no library thread is alive; `false` on timeout.
pub fn wait_all(timeout: Option<Duration>) -> bool {
    let deadline = timeout.map(|t| Instant::now() + t);
    let mut n = LIVE.lock().unwrap_or_else(|p| p.into_inner());
    while *n > 0 {
        match deadline {
            None => n = LIVE_CV.wait(n).unwrap_or_else(|p| p.into_inner()),
            Some(d) => {
                let now = Instant::now();
                if now >= d {
                    return false;
                }
                n = LIVE_CV
                    .wait_timeout(n, d - now)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
            }
        }
    }
    true
}
