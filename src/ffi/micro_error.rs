//! `microError`: errors of the services API as C blocks (the layout the
//! variadic constructors in `micro_error_format.c` share), and their
//! translation to and from `micro::ServiceError`.
use std::ffi::{c_char, c_int, c_void, CStr};
use std::ptr;

use crate::ffi::boundary::guard_value;
use crate::ffi::micro_types::microError;
use crate::ffi::natsStatus;
use crate::micro::ServiceError;

/// The block behind a `microError*` (see micro_error_format.c).
#[repr(C)]
struct MicroErrorBlock {
    /// A static error: never freed.
    is_internal: bool,
    cause: *mut MicroErrorBlock,
    status: c_int,
    code: c_int,
    /// Points just past the block (or to static text).
    message: *const c_char,
}

// Defined in micro_error_format.c (as `microError *`).
extern "C" {
    static mut micro_ErrorOutOfMemory: *mut c_void;
    static mut micro_ErrorInvalidArg: *mut c_void;
}

/// The static out-of-memory error.
pub(crate) fn out_of_memory() -> *mut microError {
    // SAFETY: a pointer-sized global initialised at load time in
    // micro_error_format.c and never written afterwards.
    unsafe { ptr::addr_of!(micro_ErrorOutOfMemory).read() }.cast()
}

/// The static invalid-argument error.
pub(crate) fn invalid_arg() -> *mut microError {
    // SAFETY: as for `out_of_memory`.
    unsafe { ptr::addr_of!(micro_ErrorInvalidArg).read() }.cast()
}

fn status_of(raw: c_int) -> Option<crate::client::ErrorKind> {
    match natsStatus::from_raw(raw) {
        None | Some(natsStatus::NATS_OK) => None,
        Some(s) => Some(s.kind()),
    }
}

/// One block for `e` alone (its cause is linked by the caller).
fn new_block(e: &ServiceError) -> *mut MicroErrorBlock {
    let text = e.message.as_bytes();
    let text = &text[..text.iter().position(|&b| b == 0).unwrap_or(text.len())];
    let size = std::mem::size_of::<MicroErrorBlock>() + text.len() + 1;
    // SAFETY: malloc of a non-zero size; NULL is checked below.
    let p = unsafe { libc::malloc(size) }.cast::<MicroErrorBlock>();
    if p.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: `p` holds `size` bytes: the block, then room for the text
    // and its NUL, which are written before the block points at them.
    unsafe {
        let msg = p.add(1).cast::<u8>();
        ptr::copy_nonoverlapping(text.as_ptr(), msg, text.len());
        msg.add(text.len()).write(0);
        p.write(MicroErrorBlock {
            is_internal: false,
            cause: ptr::null_mut(),
            status: e.status.map_or(0, |k| natsStatus::from(k) as c_int),
            code: e.code,
            message: msg.cast(),
        });
    }
    p
}

/// `e` (and its causes) as a C error chain; the static out-of-memory error
/// when memory runs out.
pub(crate) fn error_to_c(e: ServiceError) -> *mut microError {
    let mut chain = vec![&e];
    while let Some(c) = chain.last().and_then(|e| e.cause.as_deref()) {
        chain.push(c);
    }
    let mut below: *mut MicroErrorBlock = ptr::null_mut();
    for e in chain.into_iter().rev() {
        let b = new_block(e);
        if b.is_null() {
            // SAFETY: `below` is NULL or a chain made here.
            unsafe { destroy(below.cast()) };
            return out_of_memory();
        }
        // SAFETY: `b` was just made and is not shared yet.
        unsafe { (*b).cause = below };
        below = b;
    }
    below.cast()
}

/// `Err(e)` as a C error, `Ok` as NULL.
pub(crate) fn result_to_c(r: Result<(), ServiceError>) -> *mut microError {
    match r {
        Ok(()) => ptr::null_mut(),
        Err(e) => error_to_c(e),
    }
}

/// Reads a C error chain.
///
/// # Safety
/// `p` is NULL or a live `microError*` chain.
unsafe fn read(p: *const microError) -> Option<ServiceError> {
    let b = p.cast::<MicroErrorBlock>();
    // SAFETY: NULL or a live block per the contract.
    let b = unsafe { b.as_ref() }?;
    let message = if b.message.is_null() {
        String::new()
    } else {
        // SAFETY: a block's message is a NUL-terminated string it owns.
        unsafe { CStr::from_ptr(b.message) }
            .to_string_lossy()
            .into_owned()
    };
    Some(ServiceError {
        status: status_of(b.status),
        code: b.code,
        message,
        // SAFETY: the cause is NULL or a live block of the same chain.
        cause: unsafe { read(b.cause.cast()) }.map(Box::new),
    })
}

/// Takes a C error the user gave the library: reads it and frees it.
///
/// # Safety
/// As for [`read`]; the chain is not used again by the caller.
pub(crate) unsafe fn take_error(p: *mut microError) -> Option<ServiceError> {
    // SAFETY: per the contract.
    let e = unsafe { read(p) };
    // SAFETY: per the contract: ours to free now.
    unsafe { destroy(p) };
    e
}

/// Frees a chain, stopping at static errors.
///
/// # Safety
/// `p` is NULL or a live chain not used again.
unsafe fn destroy(p: *mut microError) {
    let mut b = p.cast::<MicroErrorBlock>();
    // SAFETY: each block is live per the contract; a non-internal one is
    // a single malloc'ed block (text included) that nobody else frees.
    while let Some(block) = unsafe { b.as_ref() } {
        if block.is_internal {
            return;
        }
        let cause = block.cause;
        // SAFETY: see above.
        unsafe { libc::free(b.cast()) };
        b = cause;
    }
}

/// Destroys `err` and the errors it wraps. NULL, micro_ErrorOutOfMemory
/// and micro_ErrorInvalidArg are left alone.
#[no_mangle]
pub unsafe extern "C" fn microError_Destroy(err: *mut microError) {
    // SAFETY: NULL or a live error the caller gives up, per the API.
    guard_value("microError_Destroy", (), || unsafe { destroy(err) })
}

/// The error for status `s` (its text as the message), or NULL for
/// NATS_OK. Free it with microError_Destroy.
#[no_mangle]
pub extern "C" fn micro_ErrorFromStatus(s: natsStatus) -> *mut microError {
    guard_value("micro_ErrorFromStatus", out_of_memory(), || {
        if s == natsStatus::NATS_OK {
            return ptr::null_mut();
        }
        error_to_c(ServiceError::from_status(s.kind()))
    })
}

/// The application code of `err`: its own, or else the first non-zero one
/// among the errors it wraps (0: none; 0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn microError_Code(err: *mut microError) -> c_int {
    guard_value("microError_Code", 0, || {
        // SAFETY: NULL or a live error, per the API.
        unsafe { read(err) }.map_or(0, |e| e.effective_code())
    })
}

/// The NATS status of `err`: its own, or else the first one among the
/// errors it wraps (NATS_OK: none, or `err` is NULL).
#[no_mangle]
pub unsafe extern "C" fn microError_Status(err: *mut microError) -> natsStatus {
    guard_value("microError_Status", natsStatus::NATS_ERR, || {
        // SAFETY: NULL or a live error, per the API.
        unsafe { read(err) }
            .and_then(|e| e.effective_status())
            .map_or(natsStatus::NATS_OK, natsStatus::from)
    })
}

/// nats.c's rendering: `status N: ` when there is a status, `code N: `
/// when there is a code, the text, then `: ` and the wrapped error.
fn render(e: &ServiceError, out: &mut String) {
    use std::fmt::Write;
    if let Some(k) = e.status {
        let _ = write!(out, "status {}: ", natsStatus::from(k) as c_int);
    }
    if e.code != 0 {
        let _ = write!(out, "code {}: ", e.code);
    }
    out.push_str(&e.message);
    if let Some(c) = &e.cause {
        out.push_str(": ");
        render(c, out);
    }
}

/// Writes the text of `err` ("null" for NULL) into `buf` (at most `len`
/// bytes with the NUL, truncated if longer) and returns `buf`; "" when
/// `buf` is NULL.
#[no_mangle]
pub unsafe extern "C" fn microError_String(
    err: *mut microError,
    buf: *mut c_char,
    len: usize,
) -> *const c_char {
    guard_value("microError_String", c"".as_ptr(), || {
        if buf.is_null() {
            return c"".as_ptr();
        }
        let mut text = String::new();
        // SAFETY: NULL or a live error, per the API.
        match unsafe { read(err) } {
            None => text.push_str("null"),
            Some(e) => render(&e, &mut text),
        }
        if len > 0 {
            let n = text.len().min(len - 1);
            // SAFETY: `buf` holds `len` bytes per the API; `n + 1 <= len`.
            unsafe {
                ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), n);
                buf.add(n).write(0);
            }
        }
        buf.cast_const()
    })
}
