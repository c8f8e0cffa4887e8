//! Every thread the library starts goes through `spawn`, so that
//! `nats_CloseAndWait` can wait for all of them to end and code can tell
//! whether it runs on a library thread.
use std::cell::Cell;
use std::sync::{Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::error::{Error, ErrorKind, Result};

static LIVE: Mutex<usize> = Mutex::new(0);
static LIVE_CV: Condvar = Condvar::new();

thread_local! {
    static ON_LIBRARY_THREAD: Cell<bool> = const { Cell::new(false) };
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

/// Starts a named library thread.
pub fn spawn<F>(name: String, f: F) -> Result<JoinHandle<()>>
where
    F: FnOnce() + Send + 'static,
{
    *LIVE.lock().unwrap_or_else(|p| p.into_inner()) += 1;
    std::thread::Builder::new()
        .name(name)
        .spawn(move || {
            let _guard = LiveGuard;
            ON_LIBRARY_THREAD.with(|c| c.set(true));
            super::library_config::thread_started();
            f();
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
