//! The boundary of the JetStream exports: like `boundary::guard`, plus the
//! `jsErrCode *` out-parameter most of them take. nats.c clears it at the
//! start of a call and sets it when the server answered with an API error
//! (or to JSNotEnabledErr when nobody serves the API).
use crate::ffi::boundary::guard;
use crate::ffi::js_types::{jsErrCode, write_c_enum_raw};
use crate::ffi::status::natsStatus;
use crate::jetstream::JsError;

/// Runs a JetStream export's body; `err_code` (may be NULL) gets the
/// server's error code of a failure, 0 otherwise.
///
/// # Safety
/// `err_code` is NULL or valid for a write of a `jsErrCode`.
pub(crate) unsafe fn js_guard(
    func: &'static str,
    err_code: *mut jsErrCode,
    f: impl FnOnce() -> Result<(), JsError>,
) -> natsStatus {
    // SAFETY: per the contract; 0 is written as a plain int.
    unsafe { store_code(err_code, 0) };
    let mut code = 0;
    let status = guard(func, || {
        f().map_err(|e| {
            code = e.code;
            e.into_client()
        })
    });
    // SAFETY: as above.
    unsafe { store_code(err_code, code) };
    status
}

/// # Safety
/// `p` is NULL or valid for a write of a `jsErrCode`.
unsafe fn store_code(p: *mut jsErrCode, code: u16) {
    if !p.is_null() {
        // SAFETY: `p` is non-NULL and writable per the contract; the code
        // is stored as the int it is, named by nats.c's list or not.
        unsafe { write_c_enum_raw(p, i32::from(code)) };
    }
}
