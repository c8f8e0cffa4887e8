//! Library-wide set-up and tear-down: `nats_Open`, `nats_Close`,
//! `nats_CloseAndWait`, the delivery pool size, per-thread memory.
use std::ffi::{c_int, c_void};
use std::sync::Arc;
use std::time::Duration;

use super::boundary::{guard, guard_value};
use super::options::Closure;
use super::status::natsStatus;
use crate::client::library_config::{self, LibraryConfig};
use crate::client::{threads, Error, ErrorKind};

/// Initializes the library. Optional: every call initializes what it needs.
/// `lockSpinCount` is accepted for compatibility and has no effect.
#[no_mangle]
pub extern "C" fn nats_Open(lockSpinCount: i64) -> natsStatus {
    let _ = lockSpinCount;
    guard("nats_Open", || Ok(()))
}

/// Lets the library's shared threads (events, delivery pool) finish and exit,
/// and frees the message blocks kept for reuse. Connections must have been
/// closed and destroyed first. Returns without waiting; nats_CloseAndWait
/// waits.
#[no_mangle]
pub extern "C" fn nats_Close() {
    guard_value("nats_Close", (), || {
        crate::client::events::shutdown();
        crate::client::shutdown_pool();
        crate::client::release_spare_blocks();
        crate::client::release_depot();
    })
}

/// Like nats_Close, then waits up to `timeout` milliseconds (0 or less: no
/// limit) for every library thread to exit. NATS_TIMEOUT when some are still
/// running at the limit, NATS_ILLEGAL_STATE when called from a library
/// thread (a callback), which could never see itself exit.
#[no_mangle]
pub extern "C" fn nats_CloseAndWait(timeout: i64) -> natsStatus {
    guard("nats_CloseAndWait", || {
        if threads::on_library_thread() {
            return Err(Error::new(
                ErrorKind::IllegalState,
                "nats_CloseAndWait cannot be called from a library thread",
            ));
        }
        nats_Close();
        let limit = (timeout > 0).then(|| std::time::Duration::from_millis(timeout as u64));
        if threads::wait_all(limit) {
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::Timeout,
                "library threads did not exit in time",
            ))
        }
    })
}

/// Sets the maximum number of threads of the shared delivery pool that
/// natsOptions_UseGlobalMessageDelivery uses (it only grows).
/// NATS_INVALID_ARG when `max` is 0 or less.
#[no_mangle]
pub extern "C" fn nats_SetMessageDeliveryPoolSize(max: c_int) -> natsStatus {
    guard("nats_SetMessageDeliveryPoolSize", || {
        if max <= 0 {
            return Err(Error::new(
                ErrorKind::InvalidArg,
                "pool size must be positive",
            ));
        }
        crate::client::set_pool_size(max as usize);
        Ok(())
    })
}

/// Frees the calling thread's library state (its last error).
#[no_mangle]
pub extern "C" fn nats_ReleaseThreadMemory() {
    super::boundary::clear_error();
}

/// Called, with the closure given in natsClientConfig, at the start of every
/// thread the library creates, on that thread, before it does anything else.
pub type natsThreadStartedHandler = Option<unsafe extern "C" fn(closure: *mut c_void)>;

/// Library-wide settings for `nats_OpenWithConfig` (nats.c's layout).
#[repr(C)]
pub struct natsClientConfig {
    /// Write deadline, in milliseconds, of options created afterwards (0: none).
    pub DefaultWriteDeadline: i64,
    /// Accepted for compatibility; nats_rs has no spin locks.
    pub LockSpinCount: i64,
    /// Options created afterwards deliver through the shared pool.
    pub DefaultToThreadPool: bool,
    /// The shared delivery pool's maximum size (0: unchanged).
    pub ThreadPoolMax: c_int,
    /// Accepted for compatibility: replies to requests never need a thread here.
    pub DefaultRepliesToThreadPool: bool,
    /// Accepted for compatibility, as above.
    pub UseSeparatePoolForReplies: bool,
    /// Accepted for compatibility, as above.
    pub ReplyThreadPoolMax: c_int,
    /// Called at the start of every library thread (NULL: none).
    pub ThreadStartedHandler: natsThreadStartedHandler,
    /// Passed to `ThreadStartedHandler`; must stay valid while the library runs.
    pub ThreadStartedHandlerClosure: *mut c_void,
}

/// `nats_Open` with library-wide settings; NULL is `nats_Open(-1)`. Call it
/// first: the defaults apply to options created after it.
#[no_mangle]
pub unsafe extern "C" fn nats_OpenWithConfig(config: *mut natsClientConfig) -> natsStatus {
    guard("nats_OpenWithConfig", || {
        // SAFETY: NULL or a valid config, per the API.
        let Some(c) = (unsafe { config.as_ref() }) else {
            return Ok(());
        };
        if c.ThreadPoolMax > 0 {
            crate::client::set_pool_size(c.ThreadPoolMax as usize);
        }
        let closure = Closure(c.ThreadStartedHandlerClosure);
        let hook = c.ThreadStartedHandler.map(|cb| {
            Arc::new(move || {
                let cl = closure;
                // SAFETY: the user's callback with the closure they gave.
                unsafe { cb(cl.0) }
            }) as library_config::ThreadStartedFn
        });
        let defaults = LibraryConfig {
            default_write_deadline: (c.DefaultWriteDeadline > 0)
                .then(|| Duration::from_millis(c.DefaultWriteDeadline as u64)),
            default_to_thread_pool: c.DefaultToThreadPool,
        };
        library_config::set(defaults, hook);
        Ok(())
    })
}
