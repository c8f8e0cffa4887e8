//! `natsOptions_*` for authentication (token handler, nkeys, user JWTs)
//! and the two signing calls. C callbacks become `client` closures here;
//! the rules on which credentials exclude which live in `client`.
use std::ffi::{c_char, c_int, c_uchar, c_void, CStr, CString};
use std::sync::Arc;

use super::boundary::{guard, invalid_arg, not_null, opt_str, req_str, Out};
use super::handles::borrow;
use super::handles::natsConnection;
use super::options::{natsOptions, with_opts, Closure};
use super::status::{incoming, natsStatus};
use crate::auth::creds::CredsSource;
use crate::auth::nkeys;
use crate::client::options::{SignFn, TokenFn, UserJwtFn};
use crate::client::{Error, ErrorKind};

/// Returns the token to send at this connect. The library copies it and does
/// not free it, so it may point to memory the callback keeps. Runs on the thread that is connecting: the caller of natsConnection_Connect
/// for the first connect, the library's reconnect thread afterwards.
pub type natsTokenHandler = Option<unsafe extern "C" fn(closure: *mut c_void) -> *const c_char>;

/// Returns, through `userJWT`, a `malloc`ed copy of the user JWT; the library
/// frees it. On failure return a non-OK status and optionally a `malloc`ed
/// text through `customErrTxt` (also freed by the library); the connect
/// attempt then fails with that status. Runs on the thread that is connecting: the caller of natsConnection_Connect
/// for the first connect, the library's reconnect thread afterwards.
pub type natsUserJWTHandler = Option<
    unsafe extern "C" fn(
        userJWT: *mut *mut c_char,
        customErrTxt: *mut *mut c_char,
        closure: *mut c_void,
    ) -> incoming::natsStatus,
>;

/// Signs the server's `nonce`, returning a `malloc`ed raw signature and its
/// length; the library frees it and sends it base64url-encoded. On failure
/// return a non-OK status and optionally a `malloc`ed `customErrTxt` (freed by
/// the library). Runs on the thread that is connecting: the caller of natsConnection_Connect
/// for the first connect, the library's reconnect thread afterwards.
pub type natsSignatureHandler = Option<
    unsafe extern "C" fn(
        customErrTxt: *mut *mut c_char,
        signature: *mut *mut c_uchar,
        signatureLength: *mut c_int,
        nonce: *const c_char,
        closure: *mut c_void,
    ) -> incoming::natsStatus,
>;

/// Takes ownership of a `malloc`ed C string from a callback.
///
/// # Safety
/// `p` is NULL or a NUL-terminated `malloc` block owned by us now.
unsafe fn take_malloced(p: *mut c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: per the contract: a valid C string, freed right after copying.
    let s = unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned();
    // SAFETY: the block came from the user's malloc and is ours to free.
    unsafe { libc::free(p.cast()) };
    Some(s)
}

/// A status returned by a user callback (any int C hands back).
fn callback_status(raw: incoming::natsStatus) -> natsStatus {
    natsStatus::from_raw(raw).unwrap_or(natsStatus::NATS_ERR)
}

/// A failed user callback, with its status (`NATS_ERR` if it said OK but
/// gave nothing) and its text if it gave one.
fn callback_error(status: natsStatus, text: Option<String>, what: &str) -> Error {
    let kind = if status == natsStatus::NATS_OK {
        ErrorKind::Err
    } else {
        status.kind()
    };
    Error::new(kind, text.unwrap_or_else(|| format!("{what} failed")))
}

fn token_fn(cb: unsafe extern "C" fn(*mut c_void) -> *const c_char, closure: Closure) -> TokenFn {
    Arc::new(move || {
        let c = closure;
        // SAFETY: the user's callback with the closure they registered.
        let p = unsafe { cb(c.0) };
        // SAFETY: NULL or a C string the user keeps valid during the call.
        unsafe { opt_str(p) }.ok().flatten().map(str::to_string)
    })
}

fn user_jwt_fn(
    cb: unsafe extern "C" fn(
        *mut *mut c_char,
        *mut *mut c_char,
        *mut c_void,
    ) -> incoming::natsStatus,
    closure: Closure,
) -> UserJwtFn {
    Arc::new(move || {
        let c = closure;
        let (mut jwt, mut err) = (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: the user's callback with valid out-pointers and their closure.
        let status = callback_status(unsafe { cb(&mut jwt, &mut err, c.0) });
        // SAFETY: both are NULL or malloc'ed strings we now own.
        let (jwt, err) = unsafe { (take_malloced(jwt), take_malloced(err)) };
        match (status, jwt) {
            (natsStatus::NATS_OK, Some(j)) => Ok(j),
            (s, _) => Err(callback_error(s, err, "user JWT callback")),
        }
    })
}

type RawSignFn = unsafe extern "C" fn(
    *mut *mut c_char,
    *mut *mut c_uchar,
    *mut c_int,
    *const c_char,
    *mut c_void,
) -> incoming::natsStatus;

fn sign_fn(cb: RawSignFn, closure: Closure) -> SignFn {
    Arc::new(move |nonce: &[u8]| {
        let c = closure;
        let nonce = CString::new(nonce).map_err(|_| invalid_arg("nonce holds a NUL byte"))?;
        let (mut err, mut sig, mut len) = (std::ptr::null_mut(), std::ptr::null_mut(), 0);
        // SAFETY: the user's callback with valid out-pointers, a C string
        // nonce alive for the call, and their closure.
        let status =
            callback_status(unsafe { cb(&mut err, &mut sig, &mut len, nonce.as_ptr(), c.0) });
        // SAFETY: NULL or a malloc'ed string we now own.
        let err = unsafe { take_malloced(err) };
        let bytes = if sig.is_null() {
            None
        } else {
            let n = usize::try_from(len).unwrap_or(0);
            // SAFETY: the callback returned `len` bytes at `sig`.
            let v = unsafe { std::slice::from_raw_parts(sig, n) }.to_vec();
            // SAFETY: the signature block is malloc'ed and ours to free.
            unsafe { libc::free(sig.cast()) };
            Some(v)
        };
        match (status, bytes) {
            (natsStatus::NATS_OK, Some(b)) if !b.is_empty() => Ok(b),
            (s, _) => Err(callback_error(s, err, "signature callback")),
        }
    })
}

/// Calls `tokenCb` at every connect and reconnect for the token to send,
/// so tokens can be refreshed. Fails with `NATS_ILLEGAL_STATE` when a token
/// is set with `natsOptions_SetToken`. NULL removes the handler.
/// The callback runs on the thread that is connecting: the caller of
/// natsConnection_Connect, later the library's reconnect thread.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetTokenHandler(
    opts: *mut natsOptions,
    tokenCb: natsTokenHandler,
    closure: *mut c_void,
) -> natsStatus {
    with_opts("natsOptions_SetTokenHandler", opts, |o| {
        o.set_token_handler(tokenCb.map(|cb| token_fn(cb, Closure(closure))))
    })
}

/// Decentralized auth with callbacks: `ujwtCB` supplies the user JWT and
/// `sigCB` signs the server's nonce, at every connect. Both or neither
/// (NULL, NULL removes them). Replaces an nkey. The callback runs on the thread that is connecting: the caller of
/// natsConnection_Connect, later the library's reconnect thread. The closures must
/// stay valid until the closed callback of every connection made with these
/// options.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetUserCredentialsCallbacks(
    opts: *mut natsOptions,
    ujwtCB: natsUserJWTHandler,
    ujwtClosure: *mut c_void,
    sigCB: natsSignatureHandler,
    sigClosure: *mut c_void,
) -> natsStatus {
    with_opts("natsOptions_SetUserCredentialsCallbacks", opts, |o| {
        o.set_user_credentials_callbacks(
            ujwtCB.map(|cb| user_jwt_fn(cb, Closure(ujwtClosure))),
            sigCB.map(|cb| sign_fn(cb, Closure(sigClosure))),
        )
    })
}

/// Decentralized auth from files: a `.creds` file holding the user JWT and
/// seed, or a JWT file plus a seed file. The files are read (and the seed
/// wiped from memory) at every connect, so they can be rotated. NULL, NULL
/// removes user credentials. Replaces an nkey.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetUserCredentialsFromFiles(
    opts: *mut natsOptions,
    userOrChainedFile: *const c_char,
    seedFile: *const c_char,
) -> natsStatus {
    with_opts("natsOptions_SetUserCredentialsFromFiles", opts, |o| {
        // SAFETY: NULL or C strings from the caller.
        let (user, seed) = unsafe { (opt_str(userOrChainedFile)?, opt_str(seedFile)?) };
        o.set_user_credentials_from_files(user, seed)
    })
}

/// Decentralized auth from memory: the text of a `.creds` file (user JWT and
/// seed). NULL removes user credentials. Replaces an nkey.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetUserCredentialsFromMemory(
    opts: *mut natsOptions,
    jwtAndSeedContent: *const c_char,
) -> natsStatus {
    with_opts("natsOptions_SetUserCredentialsFromMemory", opts, |o| {
        // SAFETY: NULL or a C string from the caller.
        let content = unsafe { opt_str(jwtAndSeedContent) }?;
        o.set_user_credentials(content.map(|c| CredsSource::Memory(c.into())));
        Ok(())
    })
}

/// NKey auth: the user's public nkey, and `sigCB` to sign the server's nonce
/// with the matching seed. NULL or empty `pubKey` removes it; a key without
/// a callback is `NATS_INVALID_ARG`. Replaces user JWT credentials. The callback runs on the thread that is connecting: the caller of
/// natsConnection_Connect, later the library's reconnect thread.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetNKey(
    opts: *mut natsOptions,
    pubKey: *const c_char,
    sigCB: natsSignatureHandler,
    sigClosure: *mut c_void,
) -> natsStatus {
    with_opts("natsOptions_SetNKey", opts, |o| {
        // SAFETY: NULL or a C string from the caller.
        let key = unsafe { opt_str(pubKey) }?.map(str::to_string);
        o.set_nkey(key, sigCB.map(|cb| sign_fn(cb, Closure(sigClosure))))
    })
}

/// NKey auth with the seed in a file, which is read (and wiped from memory)
/// at every connect. NULL or empty `pubKey` removes it.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetNKeyFromSeed(
    opts: *mut natsOptions,
    pubKey: *const c_char,
    seedFile: *const c_char,
) -> natsStatus {
    with_opts("natsOptions_SetNKeyFromSeed", opts, |o| {
        // SAFETY: NULL or C strings from the caller.
        let (key, seed) = unsafe { (opt_str(pubKey)?, opt_str(seedFile)?) };
        o.set_nkey_from_seed(key.map(str::to_string), seed)
    })
}

/// Signs `messageLen` bytes of `message` with the seed of the user
/// credentials set with `natsOptions_SetUserCredentialsFromFiles` (or
/// `...FromMemory`, or `natsOptions_SetNKeyFromSeed`) into `sig`, a buffer of
/// 64 bytes the caller provides. NATS_ERR when the connection's options carry
/// no such credentials.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Sign(
    nc: *mut natsConnection,
    message: *const c_uchar,
    messageLen: c_int,
    sig: *mut c_uchar,
) -> natsStatus {
    guard("natsConnection_Sign", || {
        not_null(sig, "signature buffer")?;
        let len =
            usize::try_from(messageLen).map_err(|_| invalid_arg("negative message length"))?;
        if len > 0 {
            not_null(message, "message")?;
        }
        // SAFETY: a live handle per the API.
        let c = unsafe { borrow(nc) }?;
        let msg = if len == 0 {
            &[][..]
        } else {
            // SAFETY: the caller passes `messageLen` readable bytes.
            unsafe { std::slice::from_raw_parts(message, len) }
        };
        let s = c.sign(msg)?;
        // SAFETY: the caller's buffer holds 64 bytes, as the API requires.
        unsafe { std::ptr::copy_nonoverlapping(s.as_ptr(), sig, s.len()) };
        Ok(())
    })
}

/// Signs the NUL-terminated `input` with an encoded nkey seed (`SU...`).
/// The signature (64 bytes) is `malloc`ed into `*signature`, its length
/// into `*signatureLength`; free it with `free()`.
#[no_mangle]
pub unsafe extern "C" fn nats_Sign(
    encodedSeed: *const c_char,
    input: *const c_char,
    signature: *mut *mut c_uchar,
    signatureLength: *mut c_int,
) -> natsStatus {
    guard("nats_Sign", || {
        // SAFETY: NULL or C strings from the caller.
        let (seed, input) = unsafe { (req_str(encodedSeed, "seed")?, req_str(input, "input")?) };
        if seed.is_empty() {
            return Err(invalid_arg("seed cannot be empty"));
        }
        if input.is_empty() {
            return Err(invalid_arg("input cannot be empty"));
        }
        // SAFETY: NULL or writable per the API.
        let (mut signature, mut signatureLength) = unsafe {
            (
                Out::new(signature, "signature")?,
                Out::new(signatureLength, "signatureLength")?,
            )
        };
        let s = nkeys::sign_with_seed(seed, input.as_bytes())?;
        let p = super::boundary::malloc_array(&s);
        if p.is_null() {
            return Err(Error::kind(ErrorKind::NoMemory));
        }
        signature.set(p);
        signatureLength.set(s.len() as c_int);
        Ok(())
    })
}
