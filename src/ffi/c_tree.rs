//! C values that point into storage the library owns: the info structs
//! (`jsStreamInfo`, `jsConsumerInfo`, ...) nats.c hands out as one tree and
//! frees with one `*_Destroy`. The tree's root sits at the start of a box
//! that also owns every string, array and nested struct its pointers reach,
//! so `*_Destroy` frees the whole tree by dropping that box.
//!
//! Also the other direction: reading the strings and arrays of a config
//! struct the user filled in (`jsStreamConfig`, ...), with their counts
//! checked.
use std::any::Any;
use std::ffi::{c_char, c_int, CStr};
use std::ptr;

use crate::client::{Error, ErrorKind, Result};

/// The storage a tree's pointers point into. Moving it does not move what
/// it holds: every item lives in its own heap block.
#[derive(Default)]
pub(crate) struct TreeStore {
    items: Vec<Box<dyn Any>>,
}

impl TreeStore {
    /// A NUL-terminated copy of `s` (interior NULs end the C string early,
    /// the bytes stay as given).
    pub(crate) fn str(&mut self, s: &str) -> *const c_char {
        self.bytes_str(s.as_bytes())
    }

    /// `str`, or NULL for an empty string (nats.c leaves absent fields NULL).
    pub(crate) fn str_or_null(&mut self, s: &str) -> *const c_char {
        if s.is_empty() {
            ptr::null()
        } else {
            self.str(s)
        }
    }

    /// A NUL-terminated copy of arbitrary bytes.
    pub(crate) fn bytes_str(&mut self, b: &[u8]) -> *const c_char {
        let mut v = Vec::with_capacity(b.len() + 1);
        v.extend_from_slice(b);
        v.push(0);
        let boxed = v.into_boxed_slice();
        let p = boxed.as_ptr().cast::<c_char>();
        self.items.push(Box::new(boxed));
        p
    }

    /// A value in a block of its own, e.g. a nested struct pointer.
    pub(crate) fn boxed<T: 'static>(&mut self, value: T) -> *mut T {
        let mut b = Box::new(value);
        let p: *mut T = &mut *b;
        self.items.push(b);
        p
    }

    /// An array; NULL when empty, as nats.c hands out absent lists. The
    /// caller stores the length next to it.
    pub(crate) fn array<T: 'static>(&mut self, items: Vec<T>) -> *mut T {
        if items.is_empty() {
            return ptr::null_mut();
        }
        let mut boxed = items.into_boxed_slice();
        let p = boxed.as_mut_ptr();
        self.items.push(Box::new(boxed));
        p
    }

    /// An array of strings (`const char **` with a count).
    pub(crate) fn str_array<S: AsRef<str>>(&mut self, items: &[S]) -> *mut *const c_char {
        let ptrs: Vec<*const c_char> = items.iter().map(|s| self.str(s.as_ref())).collect();
        self.array(ptrs)
    }

    /// An array of pointers to structs, each in a block of its own (the
    /// `jsPeerInfo **Replicas` shape).
    pub(crate) fn ptr_array<T: 'static>(&mut self, items: Vec<T>) -> *mut *mut T {
        let ptrs: Vec<*mut T> = items.into_iter().map(|v| self.boxed(v)).collect();
        self.array(ptrs)
    }
}

/// A tree's root and its storage. `repr(C)` puts `root` at offset 0, so the
/// address C gets is the address of the whole.
#[repr(C)]
struct Tree<T> {
    root: T,
    store: TreeStore,
}

/// Hands a tree to C: the returned pointer is freed with [`free_tree`].
pub(crate) fn into_c_tree<T: 'static>(root: T, store: TreeStore) -> *mut T {
    Box::into_raw(Box::new(Tree { root, store })).cast::<T>()
}

/// Frees a tree made by [`into_c_tree`]; NULL does nothing.
///
/// # Safety
/// `p` is NULL or came from `into_c_tree::<T>` with the same `T` and has
/// not been freed.
pub(crate) unsafe fn free_tree<T: 'static>(p: *mut T) {
    if !p.is_null() {
        // SAFETY: `p` is the address of a boxed `Tree<T>` (root at offset 0,
        // repr(C)), owned by the caller, who gives it up here.
        drop(unsafe { Box::from_raw(p.cast::<Tree<T>>()) });
    }
}

/// Copies a C string the user passed in a config; NULL is `None`.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string valid for the call.
pub(crate) unsafe fn read_str(p: *const c_char, what: &str) -> Result<Option<String>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and NUL-terminated per the contract.
    let c = unsafe { CStr::from_ptr(p) };
    c.to_str()
        .map(|s| Some(s.to_string()))
        .map_err(|_| Error::new(ErrorKind::InvalidArg, format!("{what} is not valid UTF-8")))
}

/// `read_str`, with NULL read as the empty string.
///
/// # Safety
/// As for [`read_str`].
pub(crate) unsafe fn read_str_or_empty(p: *const c_char, what: &str) -> Result<String> {
    // SAFETY: same contract.
    Ok(unsafe { read_str(p, what) }?.unwrap_or_default())
}

/// Checks a C array's count: negative, or positive with a NULL array, is
/// `InvalidArg`.
fn array_len<T>(p: *const T, len: c_int, what: &str) -> Result<usize> {
    let n = usize::try_from(len).map_err(|_| {
        Error::new(
            ErrorKind::InvalidArg,
            format!("{what}: negative length {len}"),
        )
    })?;
    if n > 0 && p.is_null() {
        return Err(Error::new(
            ErrorKind::InvalidArg,
            format!("{what} is NULL but its length is {n}"),
        ));
    }
    Ok(n)
}

/// Borrows a C array of `len` items (NULL with 0 is empty).
///
/// # Safety
/// `p` is NULL or points to `len` initialised items valid for `'a`.
pub(crate) unsafe fn read_array<'a, T>(p: *const T, len: c_int, what: &str) -> Result<&'a [T]> {
    let n = array_len(p, len, what)?;
    if n == 0 {
        return Ok(&[]);
    }
    // SAFETY: non-NULL (checked by array_len) and `n` items long per the
    // contract.
    Ok(unsafe { std::slice::from_raw_parts(p, n) })
}

/// Copies a `const char **` array of `len` strings; a NULL entry is
/// `InvalidArg`.
///
/// # Safety
/// As for [`read_array`], and each entry is NULL or a NUL-terminated string.
pub(crate) unsafe fn read_str_array(
    p: *const *const c_char,
    len: c_int,
    what: &str,
) -> Result<Vec<String>> {
    // SAFETY: same contract.
    let items = unsafe { read_array(p, len, what) }?;
    items
        .iter()
        .map(|&s| {
            // SAFETY: each entry is NULL or NUL-terminated per the contract.
            unsafe { read_str(s, what) }?.ok_or_else(|| {
                Error::new(ErrorKind::InvalidArg, format!("{what} holds a NULL string"))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[repr(C)]
    struct Peer {
        name: *const c_char,
        lag: u64,
    }

    #[repr(C)]
    struct Info {
        name: *const c_char,
        peers: *mut *mut Peer,
        peers_len: c_int,
        subjects: *mut *const c_char,
        subjects_len: c_int,
    }

    #[test]
    fn a_tree_keeps_what_it_points_to_until_freed() {
        let mut st = TreeStore::default();
        let name = st.str("orders");
        let n2 = st.str("n2");
        let peers = st.ptr_array(vec![Peer { name: n2, lag: 7 }]);
        let subjects = st.str_array(&["a", "b.>"]);
        let p = into_c_tree(
            Info {
                name,
                peers,
                peers_len: 1,
                subjects,
                subjects_len: 2,
            },
            st,
        );
        // SAFETY: `p` is a live tree built above.
        unsafe {
            assert_eq!(CStr::from_ptr((*p).name).to_str(), Ok("orders"));
            assert_eq!(CStr::from_ptr((**(*p).peers).name).to_str(), Ok("n2"));
            assert_eq!((**(*p).peers).lag, 7);
            let subs = read_str_array((*p).subjects, (*p).subjects_len, "subjects").unwrap();
            assert_eq!(subs, ["a", "b.>"]);
            free_tree(p);
            free_tree::<Info>(ptr::null_mut());
        }
    }

    #[test]
    fn empty_lists_are_null_and_bad_counts_are_refused() {
        let mut st = TreeStore::default();
        assert!(st.array::<u64>(Vec::new()).is_null());
        assert!(st.str_or_null("").is_null());
        // SAFETY: NULL arrays with the counts given; nothing is read.
        unsafe {
            assert_eq!(
                read_str_array(ptr::null(), 0, "x").unwrap(),
                Vec::<String>::new()
            );
            assert_eq!(
                read_str_array(ptr::null(), 2, "x").unwrap_err().kind,
                ErrorKind::InvalidArg
            );
            assert_eq!(
                read_str_array(ptr::null(), -1, "x").unwrap_err().kind,
                ErrorKind::InvalidArg
            );
            let one = [ptr::null::<c_char>()];
            assert_eq!(
                read_str_array(one.as_ptr(), 1, "x").unwrap_err().kind,
                ErrorKind::InvalidArg
            );
        }
    }
}
