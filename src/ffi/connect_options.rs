//! `natsOptions_*` for how the TCP connection is made: address family
//! order and a user-supplied (proxy) socket.
use std::ffi::{c_char, c_int, c_void, CString};
use std::net::TcpStream;
use std::os::fd::FromRawFd;
use std::sync::Arc;

use super::boundary::invalid_arg;
use super::options::{natsOptions, with_opts, Closure};
use super::status::{incoming, natsStatus};
use crate::client::options::ProxyConnFn;
use crate::client::{Error, ErrorKind, IpOrder};

/// A socket descriptor (an `int` on POSIX systems).
pub type natsSock = c_int;

/// Creates a socket connected (through a proxy) to `host`:`port` and returns
/// it in `*fd`; return `NATS_OK`, or an error to fail this connect attempt.
/// The library owns the socket from then on and closes it. Runs on the thread that is connecting: the caller of natsConnection_Connect
/// for the first connect, the library's reconnect thread afterwards.
pub type natsProxyConnHandler = Option<
    unsafe extern "C" fn(
        fd: *mut natsSock,
        host: *mut c_char,
        port: c_int,
        closure: *mut c_void,
    ) -> incoming::natsStatus,
>;

/// The address families to try, in order: 46 (IPv4 then IPv6), 64 (IPv6
/// then IPv4), 4 or 6 (only that family), 0 (resolver order, the default).
/// Other values are `NATS_INVALID_ARG`.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_IPResolutionOrder(
    opts: *mut natsOptions,
    order: c_int,
) -> natsStatus {
    with_opts("natsOptions_IPResolutionOrder", opts, |o| {
        o.ip_order = match order {
            0 => IpOrder::Any,
            4 => IpOrder::V4Only,
            6 => IpOrder::V6Only,
            46 => IpOrder::V4First,
            64 => IpOrder::V6First,
            _ => {
                return Err(invalid_arg(&format!(
                    "invalid IP resolution order {order} (0, 4, 6, 46 or 64)"
                )))
            }
        };
        Ok(())
    })
}

/// Lets `proxyConnHandler` create the socket of every connect (e.g. through
/// a proxy) instead of the library's TCP connect; TLS and the NATS handshake
/// then run over it. NULL restores the normal connect. The callback runs on the thread that is connecting: the caller of
/// natsConnection_Connect, later the library's reconnect thread. A failure it
/// returns counts as an unreachable server (NATS_NO_SERVER).
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetProxyConnHandler(
    opts: *mut natsOptions,
    proxyConnHandler: natsProxyConnHandler,
    closure: *mut c_void,
) -> natsStatus {
    with_opts("natsOptions_SetProxyConnHandler", opts, |o| {
        o.proxy_conn = proxyConnHandler.map(|cb| proxy_fn(cb, Closure(closure)));
        Ok(())
    })
}

type RawProxyFn =
    unsafe extern "C" fn(*mut natsSock, *mut c_char, c_int, *mut c_void) -> incoming::natsStatus;

fn proxy_fn(cb: RawProxyFn, closure: Closure) -> ProxyConnFn {
    Arc::new(move |host: &str, port: u16| {
        let c = closure;
        let host = CString::new(host)
            .map_err(|_| Error::new(ErrorKind::InvalidArg, "host holds a NUL byte"))?;
        let mut fd: natsSock = -1;
        // SAFETY: the user's callback with a valid out-pointer, a C string
        // alive for the call, and their closure.
        let raw = unsafe { cb(&mut fd, host.as_ptr().cast_mut(), c_int::from(port), c.0) };
        match natsStatus::from_raw(raw) {
            Some(natsStatus::NATS_OK) => {}
            s => {
                if fd >= 0 {
                    // SAFETY: a socket the failing handler left open; we
                    // close it as nats.c does, nobody else uses it.
                    drop(unsafe { TcpStream::from_raw_fd(fd) });
                }
                let kind = s.map_or(ErrorKind::Err, natsStatus::kind);
                return Err(Error::new(kind, "the proxy connection handler failed"));
            }
        }
        if fd < 0 {
            return Err(Error::new(
                ErrorKind::NoServer,
                "the proxy connection handler returned no socket",
            ));
        }
        // SAFETY: the handler gave us an open socket, which we now own.
        Ok(unsafe { TcpStream::from_raw_fd(fd) })
    })
}
