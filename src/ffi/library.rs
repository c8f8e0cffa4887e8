//! Library-wide calls: version, clocks, sleeping, the thread's last error,
//! inboxes and statistics objects.
#![allow(non_camel_case_types, non_snake_case)]

use std::ffi::{c_char, CStr, CString};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::client::Statistics;
use crate::ffi::boundary::{guard, guard_value, malloc_cstring, opt_str, with_last_error, Out};
use crate::ffi::handles::{boxed, boxed_handle, release, to_c};
use crate::ffi::status::natsStatus;
use crate::proto::nuid::new_inbox;

// The version constants below exist for the C header (cbindgen turns the
// integer ones into #defines; the string ones are written in cbindgen.toml and
// checked against these by a test), so the crate itself uses only some.

/// Major version of the nats.c API this library implements.
#[allow(dead_code)]
pub const NATS_VERSION_MAJOR: u32 = 3;
/// Minor version of the nats.c API this library implements.
#[allow(dead_code)]
pub const NATS_VERSION_MINOR: u32 = 14;
/// Patch version of the nats.c API this library implements.
#[allow(dead_code)]
pub const NATS_VERSION_PATCH: u32 = 0;
/// The version as text.
pub const NATS_VERSION_STRING: &str = "3.14.0";
/// The version as `0xMMmmpp`.
pub const NATS_VERSION_NUMBER: u32 = 0x030E00;
/// The oldest library version a program compiled with this header needs.
#[allow(dead_code)]
pub const NATS_VERSION_REQUIRED_NUMBER: u32 = 0x030E00;
/// The URL used when none is given.
#[allow(dead_code)]
pub const NATS_DEFAULT_URL: &str = "nats://localhost:4222";

/// The oldest header version whose programs this library accepts at run
/// time. It is lower than `NATS_VERSION_REQUIRED_NUMBER` on purpose: programs
/// compiled against an older nats.c 3.x header (e.g. Debian's 3.4.1, whose
/// binaries call `nats_CheckCompatibilityImpl(0x030400, 0x030401, ..)`) must
/// keep running when this library replaces libnats: the library is a
/// drop-in for nats.c 3.x programs.
const OLDEST_SUPPORTED_HEADER: u32 = 0x030000;

/// `NATS_VERSION_STRING` as a C string.
const VERSION_CSTR: &CStr = c"3.14.0";

/// The inbox prefix nats.c uses.
const INBOX_PREFIX: &str = "_INBOX";

/// Returns the library's version as a string (static; do not free).
#[no_mangle]
pub extern "C" fn nats_GetVersion() -> *const c_char {
    VERSION_CSTR.as_ptr()
}

/// Returns the library's version as `0xMMmmpp`.
#[no_mangle]
pub extern "C" fn nats_GetVersionNumber() -> u32 {
    NATS_VERSION_NUMBER
}

/// `0xMMmmpp` as "M.m.p".
fn version_text(number: u32) -> String {
    format!(
        "{}.{}.{}",
        (number >> 16) & 0xFF,
        (number >> 8) & 0xFF,
        number & 0xFF
    )
}

/// Whether a program built with a header of version `header_version` that
/// requires `header_required` can use this library: the header must be one
/// the library supports, and the library at least what the header requires.
fn compatible(header_required: u32, header_version: u32) -> bool {
    header_version >= OLDEST_SUPPORTED_HEADER && header_required <= NATS_VERSION_NUMBER
}

/// Behind the `nats_CheckCompatibility()` macro: returns true when the
/// header the program was compiled with matches this library; otherwise
/// prints both versions and exits the process, as nats.c documents.
#[no_mangle]
pub unsafe extern "C" fn nats_CheckCompatibilityImpl(
    reqVerNumber: u32,
    verNumber: u32,
    verString: *const c_char,
) -> bool {
    if compatible(reqVerNumber, verNumber) {
        return true;
    }
    // SAFETY: `verString` is NULL or the header's version string literal.
    let header_text = unsafe { opt_str(verString) }
        .ok()
        .flatten()
        .map_or_else(|| version_text(verNumber), str::to_owned);
    println!(
        "Incompatible versions:\nHeader : {header_text} (requires {})\nLibrary: {NATS_VERSION_STRING} (requires {})",
        version_text(reqVerNumber),
        version_text(OLDEST_SUPPORTED_HEADER)
    );
    std::process::exit(1)
}

fn since_epoch() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
}

/// Returns the wall-clock time in milliseconds since the Unix epoch.
#[no_mangle]
pub extern "C" fn nats_Now() -> i64 {
    i64::try_from(since_epoch().as_millis()).unwrap_or(i64::MAX)
}

/// Returns the wall-clock time in nanoseconds since the Unix epoch.
#[no_mangle]
pub extern "C" fn nats_NowInNanoSeconds() -> i64 {
    i64::try_from(since_epoch().as_nanos()).unwrap_or(i64::MAX)
}

/// Returns a monotonic time in nanoseconds, for measuring intervals.
#[no_mangle]
pub extern "C" fn nats_NowMonotonicInNanoSeconds() -> i64 {
    monotonic_nanos()
}

#[cfg(unix)]
// time_t and c_long are i64 here but narrower on some 32-bit targets.
#[allow(clippy::useless_conversion)]
fn monotonic_nanos() -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to write; CLOCK_MONOTONIC always exists
    // on the platforms we build for.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    if rc != 0 {
        return fallback_monotonic_nanos();
    }
    i64::from(ts.tv_sec)
        .saturating_mul(1_000_000_000)
        .saturating_add(i64::from(ts.tv_nsec))
}

#[cfg(not(unix))]
fn monotonic_nanos() -> i64 {
    fallback_monotonic_nanos()
}

/// Nanoseconds since the first call, from `Instant`.
fn fallback_monotonic_nanos() -> i64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static START: OnceLock<Instant> = OnceLock::new();
    let start = START.get_or_init(Instant::now);
    i64::try_from(start.elapsed().as_nanos()).unwrap_or(i64::MAX)
}

/// Suspends the calling thread for at least `sleepTime` milliseconds.
#[no_mangle]
pub extern "C" fn nats_Sleep(sleepTime: i64) {
    if let Ok(ms) = u64::try_from(sleepTime) {
        std::thread::sleep(Duration::from_millis(ms));
    }
}

/// Returns the text of the calling thread's last error (NULL when none) and
/// stores its status in `*status` when `status` is not NULL. The text
/// belongs to the library and stays valid until the thread's next error.
#[no_mangle]
pub unsafe extern "C" fn nats_GetLastError(status: *mut natsStatus) -> *const c_char {
    guard_value("nats_GetLastError", std::ptr::null(), || {
        let (st, text) = with_last_error(|e| (e.status, e.text.as_ptr()))
            .unwrap_or((natsStatus::NATS_OK, std::ptr::null()));
        // SAFETY: `status` is NULL or writable, per the API.
        unsafe { Out::optional(status) }.set(st);
        if st == natsStatus::NATS_OK {
            std::ptr::null()
        } else {
            text
        }
    })
}

/// The stack of the thread's last error, one function per line, plus a
/// "N more..." line when frames were dropped; empty when there is no error.
fn last_error_stack() -> String {
    with_last_error(|e| {
        if e.status == natsStatus::NATS_OK {
            return String::new();
        }
        let mut out = e.stack.join("\n");
        if e.dropped_frames > 0 {
            out.push_str(&format!("\n{} more...", e.dropped_frames));
        }
        out
    })
    .unwrap_or_default()
}

/// Copies the calling thread's last error stack (function names, one per
/// line) into `buffer`; `NATS_INSUFFICIENT_BUFFER` when it does not fit
/// (the buffer then holds as much as fits).
#[no_mangle]
pub unsafe extern "C" fn nats_GetLastErrorStack(buffer: *mut c_char, bufLen: usize) -> natsStatus {
    // This reports on the last error, so it does not record one itself.
    guard_value("nats_GetLastErrorStack", natsStatus::NATS_ERR, || {
        if buffer.is_null() || bufLen == 0 {
            return natsStatus::NATS_INVALID_ARG;
        }
        let stack = last_error_stack();
        let fits = stack.len() < bufLen;
        let n = stack.len().min(bufLen - 1);
        // SAFETY: `buffer` is valid for `bufLen` bytes per the API; we write
        // `n` < `bufLen` bytes and a NUL at index `n`.
        unsafe {
            std::ptr::copy_nonoverlapping(stack.as_ptr().cast::<c_char>(), buffer, n);
            buffer.add(n).write(0);
        }
        if fits {
            natsStatus::NATS_OK
        } else {
            natsStatus::NATS_INSUFFICIENT_BUFFER
        }
    })
}

/// The report `nats_PrintLastErrorStack` prints, or `None` when there is no
/// error.
fn last_error_report() -> Option<String> {
    with_last_error(|e| {
        if e.status == natsStatus::NATS_OK || e.stack.is_empty() {
            return None;
        }
        let mut out = format!(
            "Error: {} - {}",
            e.status as i32,
            e.status.text().to_string_lossy()
        );
        if let Some(detail) = e.detail() {
            out.push_str(" - ");
            out.push_str(&detail);
        }
        out.push_str(&format!(
            "\nStack: (library version: {NATS_VERSION_STRING})\n"
        ));
        for (i, func) in e.stack.iter().enumerate() {
            out.push_str(&format!("  {:02} - {func}\n", i + 1));
        }
        if e.dropped_frames > 0 {
            out.push_str(&format!(" {} more...\n", e.dropped_frames));
        }
        Some(out)
    })
    .flatten()
}

/// Prints the calling thread's last error and its stack to `file` (nothing
/// when there is no error).
#[no_mangle]
pub unsafe extern "C" fn nats_PrintLastErrorStack(file: *mut libc::FILE) {
    guard_value("nats_PrintLastErrorStack", (), || {
        if file.is_null() {
            return;
        }
        let Some(report) = last_error_report() else {
            return;
        };
        let report = CString::new(report.replace('\0', "")).unwrap_or_default();
        // SAFETY: `file` is a non-NULL open stream per the API and `report`
        // is a NUL-terminated string.
        unsafe {
            libc::fputs(report.as_ptr(), file);
            libc::fflush(file);
        }
    })
}

/// An inbox subject: a NUL-terminated C string (opaque typedef as in nats.c).
pub type natsInbox = c_char;

/// Creates a unique inbox subject ("_INBOX." plus a unique suffix) in
/// `*newInbox`. The string belongs to the caller: free it with
/// natsInbox_Destroy.
#[no_mangle]
pub unsafe extern "C" fn natsInbox_Create(newInbox: *mut *mut natsInbox) -> natsStatus {
    guard("natsInbox_Create", || {
        // SAFETY: NULL or writable per the API.
        let mut newInbox = unsafe { Out::new(newInbox, "newInbox") }?;
        let inbox = malloc_cstring(&new_inbox(INBOX_PREFIX));
        if inbox.is_null() {
            return Err(crate::client::ErrorKind::NoMemory.into());
        }
        newInbox.set(inbox);
        Ok(())
    })
}

/// Destroys an inbox made by `natsInbox_Create` (NULL is fine).
#[no_mangle]
pub unsafe extern "C" fn natsInbox_Destroy(inbox: *mut natsInbox) {
    // SAFETY: `inbox` is NULL or came from malloc in natsInbox_Create and is
    // destroyed once, per the API; free(NULL) does nothing.
    unsafe { libc::free(inbox.cast()) };
}

/// Traffic counters of a connection (opaque to C).
#[derive(Default)]
pub struct natsStatistics {
    stats: Statistics,
}

boxed_handle!(natsStatistics, "statistics");

impl natsStatistics {
    /// Replaces the counters (used by `natsConnection_GetStats`).
    pub(crate) fn set(&mut self, stats: Statistics) {
        self.stats = stats;
    }

    /// The counters.
    pub(crate) fn get(&self) -> Statistics {
        self.stats
    }
}

/// Creates a statistics object in `*newStats`, to be filled by
/// natsConnection_GetStats. It belongs to the caller: free it with
/// natsStatistics_Destroy.
#[no_mangle]
pub unsafe extern "C" fn natsStatistics_Create(newStats: *mut *mut natsStatistics) -> natsStatus {
    guard("natsStatistics_Create", || {
        // SAFETY: NULL or writable per the API.
        let mut newStats = unsafe { Out::new(newStats, "newStats") }?;
        newStats.set(to_c(Box::<natsStatistics>::default()));
        Ok(())
    })
}

/// Reads the counters; any out-parameter may be NULL when not wanted.
#[no_mangle]
pub unsafe extern "C" fn natsStatistics_GetCounts(
    stats: *const natsStatistics,
    inMsgs: *mut u64,
    inBytes: *mut u64,
    outMsgs: *mut u64,
    outBytes: *mut u64,
    reconnects: *mut u64,
) -> natsStatus {
    guard("natsStatistics_GetCounts", || {
        // SAFETY: `stats` is NULL or a live statistics object.
        let s = unsafe { boxed(stats) }
            .ok_or_else(|| crate::ffi::boundary::null_arg("statistics"))?
            .get();
        // SAFETY: each out-pointer is NULL or writable, per the API.
        unsafe {
            Out::optional(inMsgs).set(s.in_msgs);
            Out::optional(inBytes).set(s.in_bytes);
            Out::optional(outMsgs).set(s.out_msgs);
            Out::optional(outBytes).set(s.out_bytes);
            Out::optional(reconnects).set(s.reconnects);
        }
        Ok(())
    })
}

/// Destroys a statistics object (NULL is fine).
#[no_mangle]
pub unsafe extern "C" fn natsStatistics_Destroy(stats: *mut natsStatistics) {
    // SAFETY: NULL or a statistics object from natsStatistics_Create,
    // destroyed once, per the API.
    drop(unsafe { release(stats) });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::boundary::{clear_error, set_error, update_stack};
    use crate::ffi::msg::natsMsg_Create;
    use std::ptr::{null, null_mut};

    #[test]
    fn version() {
        // SAFETY: nats_GetVersion returns a static C string.
        let v = unsafe { CStr::from_ptr(nats_GetVersion()) };
        assert_eq!(v.to_str(), Ok(NATS_VERSION_STRING));
        assert_eq!(VERSION_CSTR.to_str(), Ok(NATS_VERSION_STRING));
        assert_eq!(nats_GetVersionNumber(), 0x030E00);
        assert_eq!(
            NATS_VERSION_NUMBER,
            (NATS_VERSION_MAJOR << 16) | (NATS_VERSION_MINOR << 8) | NATS_VERSION_PATCH
        );
        assert_eq!(version_text(NATS_VERSION_NUMBER), NATS_VERSION_STRING);
        // SAFETY: the version string is a valid C string.
        assert!(unsafe {
            nats_CheckCompatibilityImpl(
                NATS_VERSION_REQUIRED_NUMBER,
                NATS_VERSION_NUMBER,
                VERSION_CSTR.as_ptr(),
            )
        });
        // A newer header that still only requires 3.14 is fine, and so is
        // Debian's 3.4.1 header; one requiring 3.15, or a 2.x header, is not.
        assert!(compatible(0x030E00, 0x030F00));
        assert!(compatible(0x030400, 0x030401));
        assert!(!compatible(0x030F00, 0x030F00));
        assert!(!compatible(0x020000, 0x020A00));
    }

    #[test]
    fn header_string_constants_match() {
        let header = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("include/nats_rs.h"),
        )
        .unwrap_or_default();
        for (name, value) in [
            ("NATS_VERSION_STRING", NATS_VERSION_STRING),
            ("NATS_DEFAULT_URL", NATS_DEFAULT_URL),
        ] {
            let line = format!("#define {name} \"{value}\"");
            assert!(header.contains(&line), "include/nats_rs.h lacks {line}");
        }
    }

    #[test]
    fn clocks() {
        let ms = nats_Now();
        let ns = nats_NowInNanoSeconds();
        assert!(ms > 1_600_000_000_000);
        assert!((ns / 1_000_000 - ms).abs() < 10_000);
        let a = nats_NowMonotonicInNanoSeconds();
        nats_Sleep(5);
        nats_Sleep(-1);
        let b = nats_NowMonotonicInNanoSeconds();
        assert!(b - a >= 5_000_000);
    }

    #[test]
    fn last_error_from_a_failing_call() {
        clear_error();
        // SAFETY: the test follows the C API's contracts.
        unsafe {
            let mut st = natsStatus::NATS_ERR;
            assert!(nats_GetLastError(&mut st).is_null());
            assert_eq!(st, natsStatus::NATS_OK);

            let mut m = null_mut();
            let s = natsMsg_Create(&mut m, null(), null(), null(), 0);
            assert_eq!(s, natsStatus::NATS_INVALID_ARG);
            let text = nats_GetLastError(&mut st);
            assert_eq!(st, natsStatus::NATS_INVALID_ARG);
            assert!(!text.is_null());
            let text = CStr::from_ptr(text).to_string_lossy();
            assert!(text.contains("subject"), "{text}");
            assert!(!nats_GetLastError(null_mut()).is_null());

            let mut buf = [0 as c_char; 64];
            assert_eq!(
                nats_GetLastErrorStack(buf.as_mut_ptr(), buf.len()),
                natsStatus::NATS_OK
            );
            assert_eq!(CStr::from_ptr(buf.as_ptr()).to_str(), Ok("natsMsg_Create"));
            let mut small = [0 as c_char; 4];
            assert_eq!(
                nats_GetLastErrorStack(small.as_mut_ptr(), small.len()),
                natsStatus::NATS_INSUFFICIENT_BUFFER
            );
            assert_eq!(CStr::from_ptr(small.as_ptr()).to_str(), Ok("nat"));
            assert_eq!(
                nats_GetLastErrorStack(null_mut(), 10),
                natsStatus::NATS_INVALID_ARG
            );
        }
        clear_error();
    }

    #[test]
    fn print_stack() {
        set_error("inner", natsStatus::NATS_TIMEOUT, "waited too long");
        update_stack("outer");
        let report = last_error_report().unwrap_or_default();
        assert!(
            report.starts_with("Error: 26 - Timeout - waited too long\n"),
            "{report}"
        );
        assert!(report.contains("  01 - inner\n  02 - outer\n"), "{report}");
        // A text that only restates the status is not printed twice, nor
        // the status' own text that stands in for an empty one.
        set_error(
            "natsConnection_Request",
            natsStatus::NATS_NO_RESPONDERS,
            "no responders available for request",
        );
        let report = last_error_report().unwrap_or_default();
        assert!(
            report.starts_with("Error: 34 - No responders available for request\nStack: "),
            "{report}"
        );
        set_error("natsConnection_Flush", natsStatus::NATS_TIMEOUT, "");
        let report = last_error_report().unwrap_or_default();
        assert!(
            report.starts_with("Error: 26 - Timeout\nStack: "),
            "{report}"
        );
        // SAFETY: a FILE opened on /dev/null, closed after use.
        unsafe {
            let f = libc::fopen(c"/dev/null".as_ptr(), c"w".as_ptr());
            if !f.is_null() {
                nats_PrintLastErrorStack(f);
                libc::fclose(f);
            }
            nats_PrintLastErrorStack(null_mut());
        }
        clear_error();
        assert!(last_error_report().is_none());
    }

    #[test]
    fn inbox() {
        // SAFETY: the test follows the C API's contracts.
        unsafe {
            let mut a: *mut natsInbox = null_mut();
            let mut b: *mut natsInbox = null_mut();
            assert_eq!(natsInbox_Create(&mut a), natsStatus::NATS_OK);
            assert_eq!(natsInbox_Create(&mut b), natsStatus::NATS_OK);
            let sa = CStr::from_ptr(a).to_string_lossy().into_owned();
            let sb = CStr::from_ptr(b).to_string_lossy().into_owned();
            assert!(sa.starts_with("_INBOX."), "{sa}");
            assert_ne!(sa, sb);
            natsInbox_Destroy(a);
            natsInbox_Destroy(b);
            natsInbox_Destroy(null_mut());
            assert_eq!(natsInbox_Create(null_mut()), natsStatus::NATS_INVALID_ARG);
        }
    }

    #[test]
    fn statistics() {
        // SAFETY: the test follows the C API's contracts.
        unsafe {
            let mut s: *mut natsStatistics = null_mut();
            assert_eq!(natsStatistics_Create(&mut s), natsStatus::NATS_OK);
            if let Ok(stats) = crate::ffi::handles::boxed_mut(s) {
                stats.set(Statistics {
                    in_msgs: 1,
                    in_bytes: 2,
                    out_msgs: 3,
                    out_bytes: 4,
                    reconnects: 5,
                });
            }
            let (mut a, mut e) = (0u64, 0u64);
            let st =
                natsStatistics_GetCounts(s, &mut a, null_mut(), null_mut(), null_mut(), &mut e);
            assert_eq!(st, natsStatus::NATS_OK);
            assert_eq!((a, e), (1, 5));
            let st = natsStatistics_GetCounts(
                null(),
                &mut a,
                null_mut(),
                null_mut(),
                null_mut(),
                null_mut(),
            );
            assert_eq!(st, natsStatus::NATS_INVALID_ARG);
            natsStatistics_Destroy(s);
            natsStatistics_Destroy(null_mut());
        }
    }
}
