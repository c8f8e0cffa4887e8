//! `natsHeader_*`: a standalone header map, and the C-string cache that both
//! it and `natsMsgHeader_*` (in `msg.rs`) use to lend keys and values to C.
#![allow(non_camel_case_types, non_snake_case)]

use std::collections::HashMap;
use std::ffi::{c_char, c_int, CStr};

use crate::client::{Error, ErrorKind};
use crate::ffi::boundary::{
    guard, guard_status, guard_value, invalid_arg, malloc_array, null_arg, Out,
};
use crate::ffi::handles::{boxed, boxed_handle, boxed_mut, release, to_c};
use crate::ffi::status::natsStatus;
use crate::proto::headers::{is_valid_key, Headers};

/// One key of a header map and its values, as C strings.
struct CachedKey {
    key: NulTerminated,
    values: Vec<NulTerminated>,
}

/// NUL-terminated copies of a header map's keys and values, which C borrows
/// from `*_Get`, `*_Values` and `*_Keys`.
///
/// A key's strings are made the first time C asks for them and kept until
/// the map changes, so repeated lookups neither allocate nor grow the
/// cache, each costs O(1) (also right after a change: nothing is rebuilt
/// but what is asked for), and every pointer handed out stays valid until
/// the next change (or until the owner is destroyed). Owners must call
/// [`HeaderCStrings::invalidate`] before changing the map.
///
/// A value holding a NUL byte (a peer may send one) reads in C as its bytes
/// before the NUL, as nats.c shows it; the map itself keeps every byte.
#[derive(Default)]
pub(crate) struct HeaderCStrings {
    /// By the key's slot in the map (`Headers::slot`). A map, not a Vec,
    /// so that invalidating costs only what was made.
    entries: HashMap<usize, CachedKey>,
}

/// Every byte of a key or value followed by a NUL. C reads it up to its
/// first NUL; the bytes after an inner NUL stay in memory behind it, as in
/// nats.c, whose strings point into the received block.
struct NulTerminated(Box<[u8]>);

impl NulTerminated {
    fn as_ptr(&self) -> *const c_char {
        self.0.as_ptr().cast()
    }
}

fn c_copy(bytes: &[u8]) -> NulTerminated {
    let mut v = Vec::with_capacity(bytes.len() + 1);
    v.extend_from_slice(bytes);
    v.push(0);
    NulTerminated(v.into_boxed_slice())
}

impl HeaderCStrings {
    /// Forgets the cached strings; pointers lent out before become invalid.
    pub(crate) fn invalidate(&mut self) {
        self.entries.clear();
        if self.entries.capacity() > 64 {
            // Do not keep a large table for a map that may stay small.
            self.entries = HashMap::new();
        }
    }

    /// The strings of the key in `slot`, made now if not yet.
    fn entry(&mut self, headers: &Headers, slot: usize) -> Option<&CachedKey> {
        let (key, values) = headers.at_slot(slot)?;
        Some(self.entries.entry(slot).or_insert_with(|| CachedKey {
            key: c_copy(key),
            values: values.iter().map(|v| c_copy(v)).collect(),
        }))
    }

    fn find(&mut self, headers: &Headers, key: &[u8]) -> Option<&CachedKey> {
        // Keys are case-sensitive and compared byte for byte.
        let slot = headers.slot(key)?;
        self.entry(headers, slot)
    }

    /// The first value of `key`, or `None` when absent.
    pub(crate) fn first_value(
        &mut self,
        headers: Option<&Headers>,
        key: &[u8],
    ) -> Option<*const c_char> {
        let entry = self.find(headers?, key)?;
        Some(entry.values.first().map_or(c"".as_ptr(), |v| v.as_ptr()))
    }

    /// A `malloc`ed array of the values of `key` and its length, or `None`
    /// when absent.
    pub(crate) fn values_array(
        &mut self,
        headers: Option<&Headers>,
        key: &[u8],
    ) -> Result<Option<(*mut *const c_char, c_int)>, Error> {
        let Some(headers) = headers else {
            return Ok(None);
        };
        let Some(entry) = self.find(headers, key) else {
            return Ok(None);
        };
        let ptrs: Vec<*const c_char> = entry.values.iter().map(|v| v.as_ptr()).collect();
        malloc_ptr_array(&ptrs).map(Some)
    }

    /// A `malloc`ed array of all keys and its length, or `None` when there
    /// are no keys.
    pub(crate) fn keys_array(
        &mut self,
        headers: Option<&Headers>,
    ) -> Result<Option<(*mut *const c_char, c_int)>, Error> {
        let Some(headers) = headers.filter(|h| !h.is_empty()) else {
            return Ok(None);
        };
        let mut ptrs: Vec<*const c_char> = Vec::with_capacity(headers.len());
        for slot in headers.key_slots() {
            if let Some(e) = self.entry(headers, slot) {
                ptrs.push(e.key.as_ptr());
            }
        }
        malloc_ptr_array(&ptrs).map(Some)
    }
}

fn malloc_ptr_array(ptrs: &[*const c_char]) -> Result<(*mut *const c_char, c_int), Error> {
    let count = c_int::try_from(ptrs.len())
        .map_err(|_| Error::new(ErrorKind::Err, "too many header entries"))?;
    let array = malloc_array(ptrs);
    if array.is_null() {
        return Err(Error::kind(ErrorKind::NoMemory));
    }
    Ok((array, count))
}

/// Borrows a C string's bytes (without its NUL); `None` for NULL. Header
/// keys and values are bytes: they need not be UTF-8.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string valid for `'a`.
pub(crate) unsafe fn opt_bytes<'a>(p: *const c_char) -> Option<&'a [u8]> {
    // SAFETY: per the contract a non-NULL `p` is a C string valid for 'a.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// Borrows a key argument for a lookup: not NULL, not empty.
///
/// # Safety
/// `key` is NULL or a NUL-terminated string valid for `'a`.
pub(crate) unsafe fn lookup_key<'a>(key: *const c_char) -> Result<&'a [u8], Error> {
    // SAFETY: `key` is NULL or a C string valid for `'a` (our contract).
    match unsafe { opt_bytes(key) } {
        None => Err(null_arg("key")),
        Some([]) => Err(invalid_arg("key cannot be empty")),
        Some(key) => Ok(key),
    }
}

/// Borrows a key argument for storing: like [`lookup_key`], and it must be
/// writable on the wire (printable ASCII, no ':' nor spaces).
///
/// # Safety
/// As for [`lookup_key`].
pub(crate) unsafe fn store_key<'a>(key: *const c_char) -> Result<&'a [u8], Error> {
    // SAFETY: `key` is NULL or a C string valid for `'a` (our contract).
    let key = unsafe { lookup_key(key) }?;
    if !is_valid_key(key) {
        return Err(invalid_arg(&format!(
            "invalid header key '{}'",
            String::from_utf8_lossy(key)
        )));
    }
    Ok(key)
}

/// Borrows a value argument: not NULL (`natsHeader_*` require one).
///
/// # Safety
/// As for [`lookup_key`].
unsafe fn req_value<'a>(value: *const c_char) -> Result<&'a [u8], Error> {
    // SAFETY: `value` is NULL or a C string valid for `'a` (our contract).
    unsafe { opt_bytes(value) }.ok_or_else(|| null_arg("value"))
}

/// A standalone header map (opaque): made with natsHeader_New, freed with
/// natsHeader_Destroy.
#[derive(Default)]
pub struct natsHeader {
    headers: Headers,
    cstrs: HeaderCStrings,
}

boxed_handle!(natsHeader, "header");

impl natsHeader {
    /// A map holding `headers` (e.g. one an info tree owns).
    pub(crate) fn from_headers(headers: Headers) -> natsHeader {
        natsHeader {
            headers,
            cstrs: HeaderCStrings::default(),
        }
    }

    /// The map, for reading.
    pub(crate) fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The map, for changing; drops the C strings lent out before.
    fn headers_mut(&mut self) -> &mut Headers {
        self.cstrs.invalidate();
        &mut self.headers
    }
}

/// Creates an empty header map in `*new_header`. It belongs to the caller:
/// free it with natsHeader_Destroy.
#[no_mangle]
pub unsafe extern "C" fn natsHeader_New(new_header: *mut *mut natsHeader) -> natsStatus {
    guard("natsHeader_New", || {
        // SAFETY: NULL or writable per the API.
        let mut new_header = unsafe { Out::new(new_header, "new_header") }?;
        new_header.set(to_c(Box::<natsHeader>::default()));
        Ok(())
    })
}

/// Replaces all values of `key` with `value` (which may be empty, not NULL).
#[no_mangle]
pub unsafe extern "C" fn natsHeader_Set(
    h: *mut natsHeader,
    key: *const c_char,
    value: *const c_char,
) -> natsStatus {
    guard("natsHeader_Set", || {
        // SAFETY: `h` is NULL or a live header map, `key` and `value` NULL or
        // C strings, as the API requires.
        let (h, key, value) = unsafe { (boxed_mut(h)?, store_key(key)?, req_value(value)?) };
        h.headers_mut().set(key, value);
        Ok(())
    })
}

/// Appends `value` (which may be empty, not NULL) to the values of `key`.
#[no_mangle]
pub unsafe extern "C" fn natsHeader_Add(
    h: *mut natsHeader,
    key: *const c_char,
    value: *const c_char,
) -> natsStatus {
    guard("natsHeader_Add", || {
        // SAFETY: as in natsHeader_Set.
        let (h, key, value) = unsafe { (boxed_mut(h)?, store_key(key)?, req_value(value)?) };
        h.headers_mut().add(key, value);
        Ok(())
    })
}

/// Stores the first value of `key` in `*value`; `NATS_NOT_FOUND` when the key
/// is absent. The string belongs to the map and stays valid until the map
/// changes or is destroyed; do not free it. Keys and values are bytes and
/// need not be UTF-8.
#[no_mangle]
pub unsafe extern "C" fn natsHeader_Get(
    h: *mut natsHeader,
    key: *const c_char,
    value: *mut *const c_char,
) -> natsStatus {
    guard_status("natsHeader_Get", || {
        // SAFETY: as in natsHeader_Set.
        let (h, key) = unsafe { (boxed_mut(h)?, lookup_key(key)?) };
        // SAFETY: NULL or writable per the API.
        let mut value = unsafe { Out::new(value, "value") }?;
        let found = h.cstrs.first_value(Some(&h.headers), key);
        value.set(found.unwrap_or(std::ptr::null()));
        Ok(match found {
            Some(_) => natsStatus::NATS_OK,
            None => natsStatus::NATS_NOT_FOUND,
        })
    })
}

/// Stores a `malloc`ed array of the values of `key` in `*values` and its
/// length in `*count`. The array is the caller's (free it with free()); the
/// strings belong to the map, valid as for natsHeader_Get.
#[no_mangle]
pub unsafe extern "C" fn natsHeader_Values(
    h: *mut natsHeader,
    key: *const c_char,
    values: *mut *mut *const c_char,
    count: *mut c_int,
) -> natsStatus {
    guard_status("natsHeader_Values", || {
        // SAFETY: as in natsHeader_Set.
        let (h, key) = unsafe { (boxed_mut(h)?, lookup_key(key)?) };
        // SAFETY: NULL or writable per the API.
        let (mut values, mut count) =
            unsafe { (Out::new(values, "values")?, Out::new(count, "count")?) };
        let found = h.cstrs.values_array(Some(&h.headers), key)?;
        let (array, n) = found.unwrap_or((std::ptr::null_mut(), 0));
        values.set(array);
        count.set(n);
        Ok(found.map_or(natsStatus::NATS_NOT_FOUND, |_| natsStatus::NATS_OK))
    })
}

/// Stores a `malloc`ed array of all keys in `*keys` and its length in
/// `*count`; `NATS_NOT_FOUND` when the map is empty. The array is the
/// caller's (free it with free()); the strings belong to the map, valid as
/// for natsHeader_Get.
#[no_mangle]
pub unsafe extern "C" fn natsHeader_Keys(
    h: *mut natsHeader,
    keys: *mut *mut *const c_char,
    count: *mut c_int,
) -> natsStatus {
    guard_status("natsHeader_Keys", || {
        // SAFETY: `h` is NULL or a live header map.
        let h = unsafe { boxed_mut(h) }?;
        // SAFETY: NULL or writable per the API.
        let (mut keys, mut count) = unsafe { (Out::new(keys, "keys")?, Out::new(count, "count")?) };
        let found = h.cstrs.keys_array(Some(&h.headers))?;
        let (array, n) = found.unwrap_or((std::ptr::null_mut(), 0));
        keys.set(array);
        count.set(n);
        Ok(found.map_or(natsStatus::NATS_NOT_FOUND, |_| natsStatus::NATS_OK))
    })
}

/// Returns the number of distinct keys (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn natsHeader_KeysCount(h: *mut natsHeader) -> c_int {
    guard_value("natsHeader_KeysCount", 0, || {
        // SAFETY: `h` is NULL or a live header map.
        unsafe { boxed(h) }.map_or(0, |h| {
            c_int::try_from(h.headers.len()).unwrap_or(c_int::MAX)
        })
    })
}

/// Removes `key` and all its values; `NATS_NOT_FOUND` when absent.
#[no_mangle]
pub unsafe extern "C" fn natsHeader_Delete(h: *mut natsHeader, key: *const c_char) -> natsStatus {
    guard_status("natsHeader_Delete", || {
        // SAFETY: as in natsHeader_Set.
        let (h, key) = unsafe { (boxed_mut(h)?, lookup_key(key)?) };
        if h.headers.values(key).is_none() {
            return Ok(natsStatus::NATS_NOT_FOUND);
        }
        h.headers_mut().delete(key);
        Ok(natsStatus::NATS_OK)
    })
}

/// Frees a header map made with natsHeader_New, and every string obtained from
/// it. NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn natsHeader_Destroy(h: *mut natsHeader) {
    guard_value("natsHeader_Destroy", (), || {
        // SAFETY: NULL or a live header map, destroyed once, per the API.
        drop(unsafe { release(h) });
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;
    use std::ptr::{null, null_mut};

    unsafe fn cstr<'a>(p: *const c_char) -> &'a str {
        // SAFETY: test pointers are valid C strings from the cache.
        unsafe { CStr::from_ptr(p) }.to_str().unwrap_or("<bad>")
    }

    #[test]
    fn cache_is_built_once_and_invalidated() {
        let mut h = Headers::new();
        h.add("A", "1");
        h.add("A", "2");
        h.set("B", "x");
        let mut c = HeaderCStrings::default();
        let p1 = c.first_value(Some(&h), b"A");
        let p2 = c.first_value(Some(&h), b"A");
        assert!(p1.is_some());
        assert_eq!(p1, p2, "repeated lookups reuse the same string");
        assert_eq!(
            c.first_value(Some(&h), b"a"),
            None,
            "keys are case-sensitive"
        );
        assert_eq!(c.first_value(None, b"A"), None);
        assert_eq!(c.entries.len(), 1, "only what was asked for is made");
        for _ in 0..100 {
            let _ = c.first_value(Some(&h), b"B");
            let _ = c.first_value(Some(&h), b"missing");
        }
        assert_eq!(c.entries.len(), 2, "no growth");
        c.invalidate();
        assert!(c.entries.is_empty());

        let Ok(Some((arr, n))) = c.values_array(Some(&h), b"A") else {
            panic!("values")
        };
        assert_eq!(n, 2);
        // SAFETY: `arr` holds `n` pointers to cached C strings.
        unsafe {
            let vals = std::slice::from_raw_parts(arr, 2);
            assert_eq!(cstr(vals[0]), "1");
            assert_eq!(cstr(vals[1]), "2");
            libc::free(arr.cast());
        }
        let Ok(Some((arr, n))) = c.keys_array(Some(&h)) else {
            panic!("keys")
        };
        assert_eq!(n, 2);
        // SAFETY: as above.
        unsafe {
            let keys = std::slice::from_raw_parts(arr, 2);
            assert_eq!(cstr(keys[0]), "A");
            assert_eq!(cstr(keys[1]), "B");
            libc::free(arr.cast());
        }
        assert!(matches!(c.keys_array(Some(&Headers::new())), Ok(None)));
        assert!(matches!(c.values_array(Some(&h), b"Z"), Ok(None)));
    }

    #[test]
    fn c_sees_a_value_up_to_its_nul_and_every_key_by_its_bytes() {
        let Ok(h) = Headers::parse(b"NATS/1.0\r\nA: ab\0cd\r\nA: \0x\r\nK\xe9: \xff\xfe\r\n\r\n")
        else {
            panic!("parse")
        };
        let mut c = HeaderCStrings::default();
        // SAFETY: the pointers are cached C strings, live until `c` changes.
        unsafe {
            let Some(v) = c.first_value(Some(&h), b"A") else {
                panic!("A")
            };
            assert_eq!(CStr::from_ptr(v).to_bytes(), b"ab");
            let Ok(Some((arr, n))) = c.values_array(Some(&h), b"A") else {
                panic!("values")
            };
            assert_eq!(n, 2);
            assert_eq!(CStr::from_ptr(*arr.add(1)).to_bytes(), b"");
            libc::free(arr.cast());
            let Some(v) = c.first_value(Some(&h), b"K\xe9") else {
                panic!("non-UTF-8 key")
            };
            assert_eq!(CStr::from_ptr(v).to_bytes(), b"\xff\xfe");
        }
        // The map still has every byte.
        assert_eq!(h.get("A"), Some(&b"ab\0cd"[..]));
    }

    /// Setting and reading back keys one after the other in a large map:
    /// the cache once rebuilt every key's strings after each change, so
    /// this loop was quadratic (minutes); now each step costs O(1).
    #[test]
    fn set_then_get_in_a_large_map_stays_linear() {
        const N: usize = 50_000;
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let work = std::thread::spawn(move || {
            let _done = done_tx;
            let mut hdr = natsHeader::default();
            for i in 0..N {
                hdr.headers_mut().add(format!("K{i}"), "x");
            }
            for i in 0..N {
                let key = format!("K{i}");
                let val = format!("v{i}");
                hdr.headers_mut().set(&key, &val);
                let p = hdr.cstrs.first_value(Some(&hdr.headers), key.as_bytes());
                // SAFETY: a cached C string, live until the map changes.
                let got = p.map(|p| unsafe { CStr::from_ptr(p) }.to_bytes().to_vec());
                assert_eq!(got, Some(val.into_bytes()));
            }
        });
        // Waits for the thread's end (its sender drops then), not for time.
        assert!(
            !matches!(
                done_rx.recv_timeout(std::time::Duration::from_secs(30)),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout)
            ),
            "50,000 Set/Get pairs took more than 30 s"
        );
        if let Err(e) = work.join() {
            std::panic::resume_unwind(e);
        }
    }

    #[test]
    fn header_exports() {
        // SAFETY: the test follows the C API's contracts.
        unsafe {
            let mut h: *mut natsHeader = null_mut();
            assert_eq!(natsHeader_New(&mut h), natsStatus::NATS_OK);
            assert_eq!(natsHeader_KeysCount(h), 0);

            let mut keys: *mut *const c_char = null_mut();
            let mut count: c_int = -1;
            assert_eq!(
                natsHeader_Keys(h, &mut keys, &mut count),
                natsStatus::NATS_NOT_FOUND
            );
            assert!(keys.is_null());
            assert_eq!(count, 0);

            assert_eq!(
                natsHeader_Set(h, c"k".as_ptr(), c"v1".as_ptr()),
                natsStatus::NATS_OK
            );
            assert_eq!(
                natsHeader_Add(h, c"k".as_ptr(), c"v2".as_ptr()),
                natsStatus::NATS_OK
            );
            assert_eq!(
                natsHeader_Add(h, c"e".as_ptr(), c"".as_ptr()),
                natsStatus::NATS_OK
            );
            assert_eq!(
                natsHeader_Set(h, c"k".as_ptr(), null()),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(
                natsHeader_Set(h, c"".as_ptr(), c"v".as_ptr()),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(
                natsHeader_Set(h, c"a b".as_ptr(), c"v".as_ptr()),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(
                natsHeader_Set(null_mut(), c"k".as_ptr(), c"v".as_ptr()),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(natsHeader_KeysCount(h), 2);

            let mut v: *const c_char = null();
            assert_eq!(
                natsHeader_Get(h, c"k".as_ptr(), &mut v),
                natsStatus::NATS_OK
            );
            assert_eq!(cstr(v), "v1");
            assert_eq!(
                natsHeader_Get(h, c"e".as_ptr(), &mut v),
                natsStatus::NATS_OK
            );
            assert_eq!(cstr(v), "");
            assert_eq!(
                natsHeader_Get(h, c"nope".as_ptr(), &mut v),
                natsStatus::NATS_NOT_FOUND
            );
            assert!(v.is_null());
            assert_eq!(
                natsHeader_Get(h, c"k".as_ptr(), null_mut()),
                natsStatus::NATS_INVALID_ARG
            );

            let mut vals: *mut *const c_char = null_mut();
            assert_eq!(
                natsHeader_Values(h, c"k".as_ptr(), &mut vals, &mut count),
                natsStatus::NATS_OK
            );
            assert_eq!(count, 2);
            assert_eq!(cstr(*vals.add(1)), "v2");
            libc::free(vals.cast());

            assert_eq!(
                natsHeader_Keys(h, &mut keys, &mut count),
                natsStatus::NATS_OK
            );
            assert_eq!(count, 2);
            assert_eq!(cstr(*keys), "k");
            libc::free(keys.cast());

            assert_eq!(natsHeader_Delete(h, c"k".as_ptr()), natsStatus::NATS_OK);
            assert_eq!(
                natsHeader_Delete(h, c"k".as_ptr()),
                natsStatus::NATS_NOT_FOUND
            );
            assert_eq!(natsHeader_KeysCount(h), 1);
            assert_eq!(natsHeader_KeysCount(null_mut()), 0);

            natsHeader_Destroy(h);
            natsHeader_Destroy(null_mut());
            assert_eq!(natsHeader_New(null_mut()), natsStatus::NATS_INVALID_ARG);
        }
    }
}
