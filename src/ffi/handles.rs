//! The one place where C handles turn back into Rust objects.
//!
//! `natsConnection*` and `natsSubscription*` are the addresses of the
//! client's reference-counted connection and subscription; the user owns
//! one reference (released by `*_Destroy`), library threads own others, so a
//! handle passed to a callback stays valid while the callback runs.
use std::mem::ManuallyDrop;
use std::ops::Deref;

use crate::client::conn::ConnInner;
use crate::client::subscription::SubInner;
use crate::client::{Connection, Error, ErrorKind, Result, Subscription};

/// Opaque C handle of a connection.
pub struct natsConnection {
    _private: [u8; 0],
}

/// Opaque C handle of a subscription.
pub struct natsSubscription {
    _private: [u8; 0],
}

/// A handle borrowed for the duration of one call; never releases it.
pub(crate) struct Borrowed<T>(ManuallyDrop<T>);

impl<T> Deref for Borrowed<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

fn null(what: &str) -> Error {
    Error::new(ErrorKind::InvalidArg, format!("{what} is NULL"))
}

/// # Safety
/// `p` is NULL or a connection handle the user has not destroyed.
pub(crate) unsafe fn conn(p: *mut natsConnection) -> Result<Borrowed<Connection>> {
    if p.is_null() {
        return Err(null("connection"));
    }
    // SAFETY: per the contract the handle came from `Connection::into_raw`
    // and is alive; ManuallyDrop keeps the user's reference count intact.
    Ok(Borrowed(ManuallyDrop::new(unsafe {
        Connection::from_raw(p as *const ConnInner)
    })))
}

/// # Safety
/// `p` is NULL or a subscription handle the user has not destroyed.
pub(crate) unsafe fn sub(p: *mut natsSubscription) -> Result<Borrowed<Subscription>> {
    if p.is_null() {
        return Err(null("subscription"));
    }
    // SAFETY: as for `conn`.
    Ok(Borrowed(ManuallyDrop::new(unsafe {
        Subscription::from_raw(p as *const SubInner)
    })))
}

pub(crate) fn conn_ptr(c: &Connection) -> *mut natsConnection {
    c.as_ptr() as *mut natsConnection
}

pub(crate) fn sub_ptr(s: &Subscription) -> *mut natsSubscription {
    s.as_ptr() as *mut natsSubscription
}

/// Hands a new connection reference to C.
pub(crate) fn conn_into_raw(c: Connection) -> *mut natsConnection {
    c.into_raw() as *mut natsConnection
}

pub(crate) fn sub_into_raw(s: Subscription) -> *mut natsSubscription {
    s.into_raw() as *mut natsSubscription
}

/// Takes back the user's reference.
///
/// # Safety
/// `p` is a live connection handle, released only once.
pub(crate) unsafe fn conn_release(p: *mut natsConnection) -> Connection {
    // SAFETY: guaranteed by the caller.
    unsafe { Connection::from_raw(p as *const ConnInner) }
}

/// # Safety
/// `p` is a live subscription handle, released only once.
pub(crate) unsafe fn sub_release(p: *mut natsSubscription) -> Subscription {
    // SAFETY: guaranteed by the caller.
    unsafe { Subscription::from_raw(p as *const SubInner) }
}

/// Writes an out-parameter after checking it.
///
/// # Safety
/// `p` is NULL or valid for a write of `T`.
pub(crate) unsafe fn put<T>(p: *mut T, v: T) -> Result<()> {
    if p.is_null() {
        return Err(null("output argument"));
    }
    // SAFETY: non-NULL and writable per the contract.
    unsafe { p.write(v) };
    Ok(())
}

/// Milliseconds from C; non-positive values become zero.
pub(crate) fn millis(ms: i64) -> std::time::Duration {
    std::time::Duration::from_millis(ms.max(0) as u64)
}
