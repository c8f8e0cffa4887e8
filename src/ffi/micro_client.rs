//! `micro_NewClient` and `microClient_*`: requests to services whose
//! service errors come back as `microError`s.
use std::ffi::{c_char, c_int};

use crate::ffi::boundary::opt_str;
use crate::ffi::handles::{borrow, boxed, boxed_handle, natsConnection, release, to_c};
use crate::ffi::micro_error::invalid_arg;
use crate::ffi::micro_service::micro_guard;
use crate::ffi::micro_types::{microClientConfig, microError};
use crate::ffi::msg::natsMsg;
use crate::micro::{ServiceClient, ServiceError};

/// A service client (opaque): micro_NewClient, microClient_Destroy.
pub struct microClient {
    client: ServiceClient,
}

boxed_handle!(microClient, "service client");

/// Creates a client of services on `nc`, stored in `*new_client`; free it
/// with microClient_Destroy (the connection is not closed). `cfg` is for
/// later use: pass NULL.
#[no_mangle]
pub unsafe extern "C" fn micro_NewClient(
    new_client: *mut *mut microClient,
    nc: *mut natsConnection,
    cfg: *mut microClientConfig,
) -> *mut microError {
    let _ = cfg;
    if new_client.is_null() || nc.is_null() {
        return invalid_arg();
    }
    micro_guard(|| {
        // SAFETY: a live connection handle, per the API.
        let conn = unsafe { borrow(nc) }.map_err(ServiceError::from)?;
        let client = Box::new(microClient {
            client: ServiceClient::new(&conn),
        });
        // SAFETY: checked non-NULL; writable per the API.
        unsafe { new_client.write(to_c(client)) };
        Ok(())
    })
}

/// Frees the client; NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn microClient_Destroy(client: *mut microClient) {
    // SAFETY: NULL or a live client the caller gives up, per the API.
    drop(unsafe { release(client) });
}

/// Sends `data_len` bytes of `data` to `subject` and waits (5 seconds, as
/// nats.c) for the reply, stored in `*reply` (free it with
/// natsMsg_Destroy). A reply carrying a service error
/// (`Nats-Service-Error`, `Nats-Service-Error-Code`) is returned as that
/// error instead (microError_Code gives the code); no reply gives an error
/// with NATS_TIMEOUT or NATS_NO_RESPONDERS.
#[no_mangle]
pub unsafe extern "C" fn microClient_DoRequest(
    reply: *mut *mut natsMsg,
    client: *mut microClient,
    subject: *const c_char,
    data: *const c_char,
    data_len: c_int,
) -> *mut microError {
    if reply.is_null() || client.is_null() {
        return invalid_arg();
    }
    micro_guard(|| {
        // SAFETY: a live client, per the API.
        let c =
            unsafe { boxed(client) }.ok_or_else(|| ServiceError::invalid_arg("client is NULL"))?;
        // SAFETY: NULL or a C string, per the API.
        let subject = unsafe { opt_str(subject) }
            .map_err(ServiceError::from)?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ServiceError::from_status(crate::client::ErrorKind::InvalidSubject))?;
        let len = usize::try_from(data_len).unwrap_or(0);
        let body: &[u8] = if data.is_null() || len == 0 {
            &[]
        } else {
            // SAFETY: `data_len` readable bytes, per the API.
            unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len) }
        };
        let msg = c.client.request(subject, body)?;
        // SAFETY: checked non-NULL; writable per the API.
        unsafe { reply.write(to_c(msg)) };
        Ok(())
    })
}
