//! Library-wide set-up and tear-down: `nats_Open`, `nats_Close`,
//! `nats_CloseAndWait`, the delivery pool size, per-thread memory.
use std::ffi::c_int;

use super::boundary::{guard, guard_value};
use super::status::natsStatus;
use crate::client::{threads, Error, ErrorKind};

/// Initializes the library. Optional: every call initializes what it needs.
/// `lockSpinCount` is accepted for compatibility and has no effect.
#[no_mangle]
pub extern "C" fn nats_Open(lockSpinCount: i64) -> natsStatus {
    let _ = lockSpinCount;
    guard("nats_Open", || Ok(()))
}

/// Lets the library's shared threads (events, delivery pool) finish and exit.
/// Connections must have been closed and destroyed first.
#[no_mangle]
pub extern "C" fn nats_Close() {
    guard_value("nats_Close", (), || {
        crate::client::events::shutdown();
        crate::client::shutdown_pool();
    })
}

/// Like `nats_Close`, then waits up to `timeout` ms (0: no limit) for every library thread to exit.
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

/// Sets the maximum number of threads of the shared delivery pool (it only grows).
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
