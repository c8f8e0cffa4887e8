//! The one place where C handles turn into Rust values and back.
//!
//! Each opaque handle type implements [`Castable`], which names the Rust
//! value a handle owns one of and how that value becomes a pointer and
//! back. Exports convert only through the generic helpers here:
//! [`borrow`] / [`borrow_mut`] for the length of a call, [`to_c`] to hand a
//! value out, [`lend`] to pass a shared handle to a callback without giving
//! it away, and [`release`] for `*_Destroy`.
//!
//! `natsConnection*` and `natsSubscription*` are the addresses of the
//! client's reference-counted state: the user owns one reference (released
//! by `*_Destroy`), library threads own others, so a handle passed to a
//! callback stays valid while the callback runs. `natsMsg*` is the
//! message's own block; options, statistics and header maps are boxes.
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use crate::client::conn::ConnInner;
use crate::client::subscription::SubInner;
use crate::client::{Connection, Result, Subscription};
use crate::ffi::boundary::null_arg;

/// Opaque C handle of a connection.
pub struct natsConnection {
    _private: [u8; 0],
}

/// Opaque C handle of a subscription.
pub struct natsSubscription {
    _private: [u8; 0],
}

/// A C handle type and the Rust value behind it.
///
/// # Safety
/// `into_ptr` gives a non-NULL pointer that `from_ptr` turns back into the
/// same value, and that stays valid (and keeps its address) until it is
/// taken back. Implementations may rely on `from_ptr` being called only
/// with such pointers.
pub(crate) unsafe trait Castable: Sized {
    /// What a handle owns one of.
    type Rust;
    /// The handle's name in "... is NULL" errors.
    const WHAT: &'static str;

    /// Gives `value` up as a handle.
    fn into_ptr(value: Self::Rust) -> *mut Self;

    /// Takes back the value behind a handle.
    ///
    /// # Safety
    /// `p` came from `into_ptr` and is not taken back again (a borrow takes
    /// it back into a `ManuallyDrop`, which never drops it).
    unsafe fn from_ptr(p: *mut Self) -> Self::Rust;

    /// Called by [`release`] before the value behind `p` goes for good,
    /// for what the shell keeps on the side per handle.
    fn on_release(_p: *mut Self, _value: &Self::Rust) {}
}

/// A handle whose value C owns alone (a message, options, ...), so a call
/// may change it. Reference-counted handles are not: other threads share
/// their value.
pub(crate) trait Exclusive: Castable {}

/// A shared handle: clones of its value share one address, which C sees
/// in callbacks without owning a reference.
pub(crate) trait Shared: Castable {
    /// The handle of `value`, lent (not given) to C.
    fn as_ptr(value: &Self::Rust) -> *mut Self;
}

/// A handle's value borrowed for the length of one call; never released.
pub(crate) struct Borrowed<'a, T> {
    value: ManuallyDrop<T>,
    _handle: PhantomData<&'a T>,
}

impl<T> Deref for Borrowed<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// A handle's value borrowed for changes during one call.
pub(crate) struct BorrowedMut<'a, T> {
    value: ManuallyDrop<T>,
    _handle: PhantomData<&'a mut T>,
}

impl<T> Deref for BorrowedMut<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for BorrowedMut<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

/// The value behind `p`, or `None` for NULL (for exports that answer NULL
/// with a default instead of an error).
///
/// # Safety
/// `p` is NULL or a live handle of its type, not changed by anyone else
/// during `'a`.
pub(crate) unsafe fn try_borrow<'a, C: Castable>(p: *const C) -> Option<Borrowed<'a, C::Rust>> {
    if p.is_null() {
        return None;
    }
    Some(Borrowed {
        // SAFETY: a live handle from `into_ptr` per the contract;
        // ManuallyDrop keeps this borrow from releasing it.
        value: ManuallyDrop::new(unsafe { C::from_ptr(p.cast_mut()) }),
        _handle: PhantomData,
    })
}

/// The value behind `p`; NULL is an `InvalidArg` error naming the handle.
///
/// # Safety
/// As for [`try_borrow`].
pub(crate) unsafe fn borrow<'a, C: Castable>(p: *const C) -> Result<Borrowed<'a, C::Rust>> {
    // SAFETY: `try_borrow` has the same contract as this function.
    unsafe { try_borrow(p) }.ok_or_else(|| null_arg(C::WHAT))
}

/// The value behind `p`, for changes; NULL is an `InvalidArg` error.
///
/// # Safety
/// `p` is NULL or a live handle not otherwise used during `'a` (nats.c's
/// rule for these objects: one thread at a time).
pub(crate) unsafe fn borrow_mut<'a, C: Exclusive>(p: *mut C) -> Result<BorrowedMut<'a, C::Rust>> {
    if p.is_null() {
        return Err(null_arg(C::WHAT));
    }
    Ok(BorrowedMut {
        // SAFETY: as in `try_borrow`; nobody else uses the value meanwhile.
        value: ManuallyDrop::new(unsafe { C::from_ptr(p) }),
        _handle: PhantomData,
    })
}

/// The value behind a boxed handle (one that is a `Box` of itself), as a
/// plain reference; `None` for NULL.
///
/// # Safety
/// As for [`try_borrow`].
pub(crate) unsafe fn boxed<'a, C>(p: *const C) -> Option<&'a C>
where
    C: Castable<Rust = Box<C>>,
{
    // SAFETY: a non-NULL `p` is `Box::into_raw` of a live box (its
    // `into_ptr`), so it points to a valid `C` for `'a` per the contract.
    unsafe { p.as_ref() }
}

/// [`boxed`] for changes; NULL is an `InvalidArg` error naming the handle.
///
/// # Safety
/// As for [`borrow_mut`].
pub(crate) unsafe fn boxed_mut<'a, C>(p: *mut C) -> Result<&'a mut C>
where
    C: Exclusive + Castable<Rust = Box<C>>,
{
    // SAFETY: as in `boxed`, and nobody else uses the value during `'a`.
    unsafe { p.as_mut() }.ok_or_else(|| null_arg(C::WHAT))
}

/// Hands `value` to C; the user releases it with the type's `*_Destroy`.
pub(crate) fn to_c<C: Castable>(value: C::Rust) -> *mut C {
    C::into_ptr(value)
}

/// The handle of a shared value, for a callback that borrows it.
pub(crate) fn lend<C: Shared>(value: &C::Rust) -> *mut C {
    C::as_ptr(value)
}

/// Takes the user's value back (`None` for NULL); dropping it releases it.
///
/// # Safety
/// `p` is NULL or a live handle that is not used again.
pub(crate) unsafe fn release<C: Castable>(p: *mut C) -> Option<C::Rust> {
    if p.is_null() {
        return None;
    }
    // SAFETY: a live handle, taken back once, per the contract.
    let value = unsafe { C::from_ptr(p) };
    C::on_release(p, &value);
    Some(value)
}

// SAFETY: the pointer is `Arc::into_raw` of the connection's state, taken
// back with `Arc::from_raw`; the Arc keeps the state at one address.
unsafe impl Castable for natsConnection {
    type Rust = Connection;
    const WHAT: &'static str = "connection";

    fn into_ptr(c: Connection) -> *mut natsConnection {
        Arc::into_raw(c.into_arc()).cast_mut().cast()
    }

    unsafe fn from_ptr(p: *mut natsConnection) -> Connection {
        // SAFETY: `p` came from `into_ptr`, so from `Arc::into_raw` of a
        // `ConnInner`, and this reference is taken back once.
        Connection::from_arc(unsafe { Arc::from_raw(p.cast_const().cast::<ConnInner>()) })
    }
}

impl Shared for natsConnection {
    fn as_ptr(c: &Connection) -> *mut natsConnection {
        Arc::as_ptr(c.as_arc()).cast_mut().cast()
    }
}

// SAFETY: as for `natsConnection`, with the subscription's state.
unsafe impl Castable for natsSubscription {
    type Rust = Subscription;
    const WHAT: &'static str = "subscription";

    fn into_ptr(s: Subscription) -> *mut natsSubscription {
        Arc::into_raw(s.into_arc()).cast_mut().cast()
    }

    unsafe fn from_ptr(p: *mut natsSubscription) -> Subscription {
        // SAFETY: `p` came from `into_ptr`, so from `Arc::into_raw` of a
        // `SubInner`, and this reference is taken back once.
        Subscription::from_arc(unsafe { Arc::from_raw(p.cast_const().cast::<SubInner>()) })
    }
}

impl Shared for natsSubscription {
    fn as_ptr(s: &Subscription) -> *mut natsSubscription {
        Arc::as_ptr(s.as_arc()).cast_mut().cast()
    }
}

/// Implements [`Castable`] for a shell type that C holds as a `Box` of
/// itself (`natsOptions`, `natsStatistics`, `natsHeader`).
macro_rules! boxed_handle {
    ($t:ty, $what:literal) => {
        // SAFETY: `Box::into_raw` and `Box::from_raw` of the same type; a
        // box does not move its contents.
        unsafe impl $crate::ffi::handles::Castable for $t {
            type Rust = Box<$t>;
            const WHAT: &'static str = $what;

            fn into_ptr(b: Box<$t>) -> *mut $t {
                Box::into_raw(b)
            }

            unsafe fn from_ptr(p: *mut $t) -> Box<$t> {
                // SAFETY: `p` came from `Box::into_raw` and is taken back
                // once (per the trait's contract).
                unsafe { Box::from_raw(p) }
            }
        }

        impl $crate::ffi::handles::Exclusive for $t {}
    };
}
pub(crate) use boxed_handle;

/// Milliseconds from C; non-positive values become zero.
pub(crate) fn millis(ms: i64) -> std::time::Duration {
    std::time::Duration::from_millis(ms.max(0) as u64)
}
