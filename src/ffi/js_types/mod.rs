//! nats.c 3.14's public JetStream types, field for field: a program
//! compiled against nats.c's `nats.h` hands these structs to us, so their
//! layout is the ABI (`tests/layout.rs` checks it against nats.c's).
//!
//! Reading an enum field of a struct the user filled in goes through
//! [`read_c_enum`]: C can store any `int` there, and a Rust enum holding a
//! value it does not list is undefined behaviour.
#![allow(non_camel_case_types, non_snake_case)]

mod account;
mod common;
mod consumer;
mod err_code;
mod kv;
mod objstore;
mod options;
mod publish;
mod stream;
mod stream_info;
mod subscribe;

pub use account::*;
pub use common::*;
pub use consumer::*;
pub use err_code::*;
pub use kv::*;
pub use objstore::*;
pub use options::*;
pub use publish::*;
pub use stream::*;
pub use stream_info::*;
pub use subscribe::*;

use std::ffi::c_int;

/// A C enum as Rust sees it: an `int` of which only some values are valid.
pub trait CEnum: Sized + Copy {
    /// The enum value for `v`, or `None` when `v` names none of them.
    fn from_c_int(v: c_int) -> Option<Self>;
}

/// Reads an enum field that C code wrote, without assuming it is valid.
///
/// # Safety
/// `p` points to a readable, aligned field of type `T` (any bit pattern).
pub unsafe fn read_c_enum<T: CEnum>(p: *const T) -> Option<T> {
    // SAFETY: every `CEnum` is `#[repr(C)]`, i.e. an `int`, so the field can
    // be read as one whatever the user stored in it.
    T::from_c_int(unsafe { p.cast::<c_int>().read() })
}

/// Stores a raw code in an enum-typed slot. The server's JetStream error
/// codes grow faster than nats.c's list; C receives the number as is.
///
/// # Safety
/// `p` points to a writable, aligned field of type `T`.
pub unsafe fn write_c_enum_raw<T: CEnum>(p: *mut T, v: c_int) {
    // SAFETY: as in `read_c_enum`; no Rust value of `T` is made from `v`.
    unsafe { p.cast::<c_int>().write(v) }
}

/// Implements [`CEnum`] for a fieldless `#[repr(C)]` enum by listing its
/// variants (the compiler checks each is one of them).
macro_rules! c_enum {
    ($ty:ident { $($v:ident),* $(,)? }) => {
        impl $crate::ffi::js_types::CEnum for $ty {
            fn from_c_int(v: std::ffi::c_int) -> Option<Self> {
                $(if v == $ty::$v as std::ffi::c_int { return Some($ty::$v); })*
                None
            }
        }
    };
}
pub(crate) use c_enum;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_enum_value_c_may_store_is_read_safely() {
        // An int, as C sees the field: it may hold any value.
        let mut raw: c_int = 0;
        let slot = (&mut raw as *mut c_int).cast::<jsRetentionPolicy>();
        // SAFETY: `slot` is `raw`, live and aligned; no invalid enum value
        // is ever made from it.
        unsafe { write_c_enum_raw(slot, 2) };
        // SAFETY: as above.
        let read = unsafe { read_c_enum(slot) };
        assert_eq!(read, Some(jsRetentionPolicy::js_WorkQueuePolicy));
        // SAFETY: as above.
        unsafe { write_c_enum_raw(slot, 7) };
        assert_eq!(raw, 7);
        // SAFETY: as above.
        let read = unsafe { read_c_enum(slot) };
        assert_eq!(read, None);
    }

    #[test]
    fn error_codes_keep_nats_c_numbers() {
        assert_eq!(jsErrCode::JSStreamNotFoundErr as c_int, 10059);
        assert_eq!(jsErrCode::JSConsumerNotFoundErr as c_int, 10014);
        assert_eq!(jsErrCode::JSStreamWrongLastSequenceErr as c_int, 10071);
        assert_eq!(
            jsErrCode::from_c_int(10201),
            Some(jsErrCode::JSBatchPublishDuplicateMessageIDErr)
        );
        assert_eq!(jsErrCode::from_c_int(10097), None);
    }
}
