//! The one boundary every export goes through: the thread's last
//! error, panic containment, and the small conversions between C and Rust
//! values (strings, buffers, `malloc`ed results, callbacks).
//!
//! Last-error semantics follow nats.c: a failing call records its status, a
//! text and the name of the function; callers that pass the failure on may
//! add their name to the stack. A *successful* call does not clear the
//! thread's last error (nats.c does not either), so `nats_GetLastError`
//! reports the most recent failure on this thread, not "the last call".

use std::any::Any;
use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::marker::PhantomData;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::client::{Error, ErrorKind};
use crate::ffi::status::natsStatus;

/// How many function names the error stack keeps (nats.c keeps 50 too);
/// deeper frames are only counted.
pub(crate) const MAX_FRAMES: usize = 50;

/// The calling thread's last error.
pub(crate) struct LastError {
    /// `NATS_OK` when no error has been recorded (or it was cleared).
    pub(crate) status: natsStatus,
    /// The text `nats_GetLastError` hands out; it lives until the next error
    /// on this thread replaces it.
    pub(crate) text: CString,
    /// Where the error was set (first) and which functions passed it on.
    pub(crate) stack: Vec<&'static str>,
    /// Frames that did not fit in `stack`.
    pub(crate) dropped_frames: usize,
}

impl LastError {
    fn empty() -> LastError {
        LastError {
            status: natsStatus::NATS_OK,
            text: CString::default(),
            stack: Vec::new(),
            dropped_frames: 0,
        }
    }

    /// The text, when it says something the status' own text does not: an
    /// empty text is filled in with the status' text, and many errors are
    /// created with a text that only restates their kind, so a report that
    /// prints both would say the same thing twice.
    pub(crate) fn detail(&self) -> Option<std::borrow::Cow<'_, str>> {
        let text = self.text.to_string_lossy();
        let status_text = self.status.text().to_string_lossy();
        let restates = text.trim().is_empty() || text.trim().eq_ignore_ascii_case(&status_text);
        (!restates).then_some(text)
    }

    fn push_frame(&mut self, func: &'static str) {
        if self.stack.last() == Some(&func) {
            return;
        }
        if self.stack.len() < MAX_FRAMES {
            self.stack.push(func);
        } else {
            self.dropped_frames += 1;
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<LastError> = RefCell::new(LastError::empty());
}

/// Runs `f` with the thread's last error. Returns `None` only while the
/// thread is being torn down (thread-locals already destroyed).
pub(crate) fn with_last_error<R>(f: impl FnOnce(&mut LastError) -> R) -> Option<R> {
    LAST_ERROR
        .try_with(|cell| cell.try_borrow_mut().ok().map(|mut e| f(&mut e)))
        .ok()
        .flatten()
}

/// Turns arbitrary text into a C string, dropping interior NUL bytes.
fn to_cstring(text: String) -> CString {
    match CString::new(text) {
        Ok(c) => c,
        Err(e) => {
            let mut bytes = e.into_vec();
            bytes.retain(|&b| b != 0);
            // No NUL bytes remain, so this cannot fail; fall back to empty.
            CString::new(bytes).unwrap_or_default()
        }
    }
}

/// Records `status` with `text` as the thread's last error, set in `func`,
/// and returns `status`. An empty text is replaced by the status' name.
/// Recording `NATS_OK` clears the last error.
pub(crate) fn set_error(
    func: &'static str,
    status: natsStatus,
    text: impl Into<String>,
) -> natsStatus {
    set_error_from(&[], func, status, text)
}

/// Like [`set_error`] for an error that already passed through `frames`
/// (innermost first) below the export `func`.
fn set_error_from(
    frames: &[&'static str],
    func: &'static str,
    status: natsStatus,
    text: impl Into<String>,
) -> natsStatus {
    if status == natsStatus::NATS_OK {
        clear_error();
        return status;
    }
    let mut text = text.into();
    if text.is_empty() {
        text = status.text().to_string_lossy().into_owned();
    }
    let text = to_cstring(text);
    with_last_error(|e| {
        e.status = status;
        e.text = text;
        e.stack.clear();
        e.dropped_frames = 0;
        for f in frames {
            e.push_frame(f);
        }
        e.push_frame(func);
    });
    status
}

/// Records a client error (kind mapped to its status, text kept) as the
/// thread's last error and returns the status.
pub(crate) fn fail(func: &'static str, err: Error) -> natsStatus {
    set_error_from(
        err.frames(),
        func,
        natsStatus::from(err.kind),
        err.text.clone(),
    )
}

/// Forgets the thread's last error.
pub(crate) fn clear_error() {
    with_last_error(|e| *e = LastError::empty());
}

/// Adds `func` to the stack of the thread's last error, as a function that
/// passed the error on. Does nothing when no error is recorded. (Exports
/// get their frames from the error itself, `Error::at`; the tests build
/// stacks with this.)
#[cfg(test)]
pub(crate) fn update_stack(func: &'static str) {
    with_last_error(|e| {
        if e.status != natsStatus::NATS_OK {
            e.push_frame(func);
        }
    });
}

/// A readable message from a panic payload.
fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        format!("internal error (panic): {s}")
    } else if let Some(s) = payload.downcast_ref::<String>() {
        format!("internal error (panic): {s}")
    } else {
        "internal error (panic)".to_string()
    }
}

/// Runs the body of an export that returns a `natsStatus`: `Ok` becomes
/// `NATS_OK`; an error is recorded as the thread's last error and its status
/// returned; a panic is stopped here (never unwinds into C), recorded and
/// reported as `NATS_ERR`.
pub(crate) fn guard(func: &'static str, f: impl FnOnce() -> Result<(), Error>) -> natsStatus {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => natsStatus::NATS_OK,
        Ok(Err(err)) => fail(func, err),
        Err(payload) => set_error(func, natsStatus::NATS_ERR, panic_text(payload.as_ref())),
    }
}

/// Like [`guard`], for calls whose normal outcomes include a non-OK status
/// that nats.c does not treat as an error worth recording (for instance
/// `NATS_NOT_FOUND` from a header lookup): `Ok(status)` is returned as is,
/// without touching the last error.
pub(crate) fn guard_status(
    func: &'static str,
    f: impl FnOnce() -> Result<natsStatus, Error>,
) -> natsStatus {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(status)) => status,
        Ok(Err(err)) => fail(func, err),
        Err(payload) => set_error(func, natsStatus::NATS_ERR, panic_text(payload.as_ref())),
    }
}

/// Runs the body of an export that returns a plain value (a pointer, a
/// count, a flag). A panic is stopped, recorded as `NATS_ERR`, and `default`
/// returned instead.
pub(crate) fn guard_value<T>(func: &'static str, default: T, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => value,
        Err(payload) => {
            set_error(func, natsStatus::NATS_ERR, panic_text(payload.as_ref()));
            default
        }
    }
}

/// An `InvalidArg` error saying what was wrong.
pub(crate) fn invalid_arg(what: &str) -> Error {
    Error::new(ErrorKind::InvalidArg, what)
}

/// The one error for a NULL argument that must not be NULL.
pub(crate) fn null_arg(what: &str) -> Error {
    Error::new(ErrorKind::InvalidArg, format!("{what} is NULL"))
}

/// `Ok` when `p` is not NULL, else [`null_arg`] naming `what`.
/// (`*mut T` coerces to `*const T`, so this takes either.)
pub(crate) fn not_null<T>(p: *const T, what: &str) -> Result<(), Error> {
    if p.is_null() {
        Err(null_arg(what))
    } else {
        Ok(())
    }
}

/// An out-parameter: where an export stores a result for its caller.
/// Every export writes its out-parameters through one of these.
pub(crate) struct Out<'a, T> {
    /// NULL only for an optional out-parameter the caller did not want.
    p: *mut T,
    _slot: PhantomData<&'a mut T>,
}

impl<'a, T> Out<'a, T> {
    /// A required out-parameter: NULL is [`null_arg`] naming `what`.
    ///
    /// # Safety
    /// `p` is NULL or valid for writes of `T` during `'a` (it may point to
    /// uninitialised memory: nothing is read or dropped there).
    pub(crate) unsafe fn new(p: *mut T, what: &str) -> Result<Out<'a, T>, Error> {
        not_null(p, what)?;
        Ok(Out {
            p,
            _slot: PhantomData,
        })
    }

    /// An optional out-parameter: NULL means the caller does not want it.
    ///
    /// # Safety
    /// As for [`Out::new`].
    pub(crate) unsafe fn optional(p: *mut T) -> Out<'a, T> {
        Out {
            p,
            _slot: PhantomData,
        }
    }

    /// Stores `value` (nothing for an optional one that is NULL).
    pub(crate) fn set(&mut self, value: T) {
        if !self.p.is_null() {
            // SAFETY: non-NULL, so valid for writes per the constructor's
            // contract; `write` neither reads nor drops the old contents.
            unsafe { self.p.write(value) };
        }
    }
}

/// Borrows a C string that may be NULL. Invalid UTF-8 is an `InvalidArg`
/// error.
///
/// # Safety
/// `p` must be NULL or point to a NUL-terminated string that stays valid and
/// unmodified for `'a`.
pub(crate) unsafe fn opt_str<'a>(p: *const c_char) -> Result<Option<&'a str>, Error> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: `p` is non-NULL and, per the caller's contract, NUL-terminated
    // and valid for 'a.
    let c = unsafe { CStr::from_ptr(p) };
    c.to_str()
        .map(Some)
        .map_err(|_| invalid_arg("string is not valid UTF-8"))
}

/// Borrows a C string that must not be NULL (`what` names it in the error).
///
/// # Safety
/// As for [`opt_str`].
pub(crate) unsafe fn req_str<'a>(p: *const c_char, what: &str) -> Result<&'a str, Error> {
    // SAFETY: `p` is NULL or a C string valid for `'a` (our contract).
    match unsafe { opt_str(p) } {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(null_arg(what)),
        Err(_) => Err(invalid_arg(&format!("{what} is not valid UTF-8"))),
    }
}

/// Copies `s` into a fresh `malloc` block with a trailing NUL, for strings
/// the user releases with `free()`. Returns NULL when memory is exhausted.
/// (Interior NUL bytes are copied as is; C will see the string end there.)
pub(crate) fn malloc_cstring(s: &str) -> *mut c_char {
    let len = s.len();
    let Some(size) = len.checked_add(1) else {
        return std::ptr::null_mut();
    };
    // SAFETY: plain allocation of `size` (> 0) bytes; the result is checked.
    let p = unsafe { libc::malloc(size) }.cast::<c_char>();
    if p.is_null() {
        return p;
    }
    // SAFETY: `p` has room for `len + 1` bytes and does not overlap `s`.
    unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr().cast::<c_char>(), p, len);
        p.add(len).write(0);
    }
    p
}

/// Copies `items` into a fresh `malloc` array, for arrays the user releases
/// with `free()`. An empty slice still yields a valid (one-element sized)
/// block. Returns NULL when memory is exhausted.
pub(crate) fn malloc_array<T: Copy>(items: &[T]) -> *mut T {
    let Some(size) = std::mem::size_of::<T>().checked_mul(items.len().max(1)) else {
        return std::ptr::null_mut();
    };
    // SAFETY: plain allocation of `size` (> 0 unless T is zero-sized) bytes;
    // malloc's alignment suits any C type, and the result is checked.
    let p = unsafe { libc::malloc(size.max(1)) }.cast::<T>();
    if p.is_null() {
        return p;
    }
    // SAFETY: `p` has room for `items.len()` values of `T` and does not
    // overlap `items`; `T: Copy`, so a bitwise copy is a valid copy.
    unsafe { std::ptr::copy_nonoverlapping(items.as_ptr(), p, items.len()) };
    p
}

/// Copies `s` and a NUL into the caller's buffer of `len` bytes. A buffer
/// too small for both is `InsufficientBuffer` (the buffer is then left
/// holding an empty string when it has room for one); a NULL buffer is
/// `InvalidArg`.
///
/// # Safety
/// `buf` must be NULL or valid for writes of `len` bytes.
pub(crate) unsafe fn copy_to_buffer(s: &str, buf: *mut c_char, len: usize) -> Result<(), Error> {
    not_null(buf, "buffer")?;
    if s.len() >= len {
        if len > 0 {
            // SAFETY: `buf` is valid for `len` (> 0) bytes.
            unsafe { buf.write(0) };
        }
        return Err(Error::new(
            ErrorKind::InsufficientBuffer,
            format!(
                "buffer of {len} bytes cannot hold {} bytes and a NUL",
                s.len()
            ),
        ));
    }
    // SAFETY: `buf` is valid for `len` > `s.len()` bytes, so the copy and the
    // NUL fit; the caller's buffer cannot overlap our `&str`.
    unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr().cast::<c_char>(), buf, s.len());
        buf.add(s.len()).write(0);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last() -> (natsStatus, String, Vec<&'static str>) {
        with_last_error(|e| {
            (
                e.status,
                e.text.to_string_lossy().into_owned(),
                e.stack.clone(),
            )
        })
        .unwrap_or((natsStatus::NATS_OK, String::new(), Vec::new()))
    }

    #[test]
    fn guard_records_errors_and_panics() {
        clear_error();
        assert_eq!(guard("ok_fn", || Ok(())), natsStatus::NATS_OK);
        assert_eq!(last().0, natsStatus::NATS_OK);

        let s = guard("bad_fn", || Err(invalid_arg("subject cannot be NULL")));
        assert_eq!(s, natsStatus::NATS_INVALID_ARG);
        let (status, text, stack) = last();
        assert_eq!(status, natsStatus::NATS_INVALID_ARG);
        assert_eq!(text, "subject cannot be NULL");
        assert_eq!(stack, vec!["bad_fn"]);

        // A later success leaves the error in place, as in nats.c.
        assert_eq!(guard("ok_fn", || Ok(())), natsStatus::NATS_OK);
        assert_eq!(last().0, natsStatus::NATS_INVALID_ARG);

        update_stack("caller");
        update_stack("caller");
        assert_eq!(last().2, vec!["bad_fn", "caller"]);

        let s = guard("panicky", || panic!("boom"));
        assert_eq!(s, natsStatus::NATS_ERR);
        let (status, text, _) = last();
        assert_eq!(status, natsStatus::NATS_ERR);
        assert!(text.contains("boom"), "{text}");

        assert_eq!(guard_value("v", 7, || panic!("x")), 7);
        assert_eq!(guard_value("v", 7, || 8), 8);

        let s = guard_status("quiet", || Ok(natsStatus::NATS_NOT_FOUND));
        assert_eq!(s, natsStatus::NATS_NOT_FOUND);
        assert_eq!(last().0, natsStatus::NATS_ERR);

        // Empty text becomes the status name.
        fail("f", Error::kind(ErrorKind::Timeout));
        assert_eq!(last().1, "Timeout");
        clear_error();
        assert_eq!(last().0, natsStatus::NATS_OK);
    }

    #[test]
    fn stack_is_bounded() {
        set_error("origin", natsStatus::NATS_ERR, "x");
        let names: Vec<&'static str> = (0..60)
            .map(|i| &*Box::leak(format!("f{i}").into_boxed_str()))
            .collect();
        for n in &names {
            update_stack(n);
        }
        let (len, dropped) =
            with_last_error(|e| (e.stack.len(), e.dropped_frames)).unwrap_or((0, 0));
        assert_eq!(len, MAX_FRAMES);
        assert_eq!(dropped, 11);
        clear_error();
    }

    #[test]
    fn text_with_nul_is_kept() {
        set_error("f", natsStatus::NATS_ERR, "a\0b");
        assert_eq!(last().1, "ab");
        clear_error();
    }

    #[test]
    fn c_string_helpers() {
        // SAFETY: the pointers are NULL or come from C string literals.
        unsafe {
            assert_eq!(opt_str(std::ptr::null()), Ok(None));
            assert_eq!(opt_str(c"abc".as_ptr()), Ok(Some("abc")));
            assert_eq!(
                opt_str(c"\xff".as_ptr()).map_err(|e| e.kind),
                Err(ErrorKind::InvalidArg)
            );
            assert_eq!(
                req_str(std::ptr::null(), "subject").map_err(|e| e.kind),
                Err(ErrorKind::InvalidArg)
            );
            assert_eq!(req_str(c"x".as_ptr(), "subject"), Ok("x"));
        }
    }

    #[test]
    fn malloc_helpers() {
        let p = malloc_cstring("hello");
        assert!(!p.is_null());
        // SAFETY: `p` is a NUL-terminated malloc'ed string we own.
        unsafe {
            assert_eq!(CStr::from_ptr(p), c"hello");
            libc::free(p.cast());
        }
        let a = malloc_array(&[1u32, 2, 3]);
        assert!(!a.is_null());
        // SAFETY: `a` holds 3 initialised u32 values and is ours to free.
        unsafe {
            assert_eq!(std::slice::from_raw_parts(a, 3), &[1, 2, 3]);
            libc::free(a.cast());
        }
        let e = malloc_array::<u64>(&[]);
        assert!(!e.is_null());
        // SAFETY: `e` came from malloc.
        unsafe { libc::free(e.cast()) };
    }

    #[test]
    fn buffer_copy() {
        let mut buf = [1 as c_char; 6];
        // SAFETY: `buf` is valid for its length.
        unsafe {
            assert!(copy_to_buffer("hello", buf.as_mut_ptr(), buf.len()).is_ok());
            assert_eq!(CStr::from_ptr(buf.as_ptr()), c"hello");
            let err = copy_to_buffer("hello!", buf.as_mut_ptr(), buf.len());
            assert_eq!(err.map_err(|e| e.kind), Err(ErrorKind::InsufficientBuffer));
            assert_eq!(buf[0], 0);
            let err = copy_to_buffer("x", std::ptr::null_mut(), 10);
            assert_eq!(err.map_err(|e| e.kind), Err(ErrorKind::InvalidArg));
        }
    }
}
