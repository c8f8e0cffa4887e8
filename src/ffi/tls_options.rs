//! `natsOptions_*` for TLS: each setter hands its strings to
//! `tls::TlsSettings`, which validates them at set time as nats.c does.
use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;

use super::boundary::{opt_str, req_str};
use super::options::{natsOptions, with_opts};
use super::status::natsStatus;

/// Certificate verification callback. `preverifyOk` is 1 when the server's
/// certificate chain and name verified, 0 when not; return non-zero to
/// accept the server, 0 to refuse it. nats_rs has no OpenSSL, so `ctx` is
/// always NULL: the callback sees the verdict, not the certificates. Runs
/// during the TLS handshake, on the thread that is connecting.
pub type natsSSLVerifyCb =
    Option<unsafe extern "C" fn(preverifyOk: c_int, ctx: *mut c_void) -> c_int>;

/// Requires TLS with every server (`true`), or turns TLS off and forgets
/// the TLS settings made so far (`false`). `tls://` URLs also ask for TLS,
/// and a server that requires TLS gets it.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetSecure(opts: *mut natsOptions, secure: bool) -> natsStatus {
    with_opts("natsOptions_SetSecure", opts, |o| {
        o.set_secure(secure);
        Ok(())
    })
}

/// Starts TLS right after the TCP connect, before the server's INFO, for
/// servers configured with `handshake_first`. Implies `natsOptions_SetSecure`.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_TLSHandshakeFirst(opts: *mut natsOptions) -> natsStatus {
    with_opts("natsOptions_TLSHandshakeFirst", opts, |o| {
        o.set_tls_handshake_first();
        Ok(())
    })
}

/// Accepted for compatibility: rustls handshakes share no global state, so
/// nats_rs never serialises them; this records the choice and changes nothing.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_AllowConcurrentTLSHandshakes(
    opts: *mut natsOptions,
) -> natsStatus {
    with_opts("natsOptions_AllowConcurrentTLSHandshakes", opts, |o| {
        o.tls.set_concurrent_handshakes(true);
        Ok(())
    })
}

/// Trusts the CA certificates in a PEM file (instead of the system roots).
/// The file is read now; a missing or empty file is `NATS_SSL_ERROR`.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_LoadCATrustedCertificates(
    opts: *mut natsOptions,
    fileName: *const c_char,
) -> natsStatus {
    with_opts("natsOptions_LoadCATrustedCertificates", opts, |o| {
        // SAFETY: NULL or a C string from the caller.
        let file = unsafe { req_str(fileName, "file name") }?;
        Ok(o.tls.add_ca_file(file)?)
    })
}

/// Trusts every PEM CA certificate found in the files of a directory.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_LoadCATrustedCertificatesPath(
    opts: *mut natsOptions,
    path: *const c_char,
) -> natsStatus {
    with_opts("natsOptions_LoadCATrustedCertificatesPath", opts, |o| {
        // SAFETY: NULL or a C string from the caller.
        let path = unsafe { req_str(path, "path") }?;
        Ok(o.tls.add_ca_dir(path)?)
    })
}

/// Trusts the CA certificates given as PEM text.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetCATrustedCertificates(
    opts: *mut natsOptions,
    certificates: *const c_char,
) -> natsStatus {
    with_opts("natsOptions_SetCATrustedCertificates", opts, |o| {
        // SAFETY: NULL or a C string from the caller.
        let pem = unsafe { req_str(certificates, "CA certificates") }?;
        Ok(o.tls.add_ca_pem(pem)?)
    })
}

/// The client certificate chain and its private key (PEM files, read now),
/// for servers that verify clients.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_LoadCertificatesChain(
    opts: *mut natsOptions,
    certsFileName: *const c_char,
    keyFileName: *const c_char,
) -> natsStatus {
    with_opts("natsOptions_LoadCertificatesChain", opts, |o| {
        // SAFETY: NULL or C strings from the caller.
        let (c, k) = unsafe {
            (
                req_str(certsFileName, "certificate file")?,
                req_str(keyFileName, "key file")?,
            )
        };
        Ok(o.tls.set_client_chain_files(c, k)?)
    })
}

/// Like `natsOptions_LoadCertificatesChain`, but the files are read again
/// at every TLS handshake, so rotated certificates are used on reconnect.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_LoadCertificatesChainDynamic(
    opts: *mut natsOptions,
    certsFileName: *const c_char,
    keyFileName: *const c_char,
) -> natsStatus {
    with_opts("natsOptions_LoadCertificatesChainDynamic", opts, |o| {
        // SAFETY: NULL or C strings from the caller.
        let (c, k) = unsafe {
            (
                req_str(certsFileName, "certificate file")?,
                req_str(keyFileName, "key file")?,
            )
        };
        Ok(o.tls.set_client_chain_dynamic(c, k)?)
    })
}

/// The client certificate chain and private key as PEM text.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetCertificatesChain(
    opts: *mut natsOptions,
    cert: *const c_char,
    key: *const c_char,
) -> natsStatus {
    with_opts("natsOptions_SetCertificatesChain", opts, |o| {
        // SAFETY: NULL or C strings from the caller.
        let (c, k) = unsafe { (req_str(cert, "certificate")?, req_str(key, "key")?) };
        Ok(o.tls.set_client_chain_pem(c, k)?)
    })
}

/// TLS 1.2 cipher suites, as an OpenSSL-style list (`:`, `,` or space
/// separated OpenSSL or IANA names; `DEFAULT`, `ALL`, `HIGH`; `!` or `-`
/// before a name removes it). A suite rustls cannot offer is `NATS_SSL_ERROR`.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetCiphers(
    opts: *mut natsOptions,
    ciphers: *const c_char,
) -> natsStatus {
    with_opts("natsOptions_SetCiphers", opts, |o| {
        // SAFETY: NULL or a C string from the caller.
        let list = unsafe { req_str(ciphers, "cipher list") }?;
        Ok(o.tls.set_ciphers(list)?)
    })
}

/// TLS 1.3 cipher suites, e.g. `TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256`.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetCipherSuites(
    opts: *mut natsOptions,
    ciphers: *const c_char,
) -> natsStatus {
    with_opts("natsOptions_SetCipherSuites", opts, |o| {
        // SAFETY: NULL or a C string from the caller.
        let list = unsafe { req_str(ciphers, "cipher suites") }?;
        Ok(o.tls.set_cipher_suites(list)?)
    })
}

/// The name the server certificate must carry, when it is not the URL's
/// host; NULL goes back to the URL's host. (nats_rs always checks the name.)
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetExpectedHostname(
    opts: *mut natsOptions,
    hostname: *const c_char,
) -> natsStatus {
    with_opts("natsOptions_SetExpectedHostname", opts, |o| {
        // SAFETY: NULL or a C string from the caller.
        let h = unsafe { opt_str(hostname) }?;
        o.tls.set_expected_hostname(h.map(str::to_string));
        Ok(())
    })
}

/// Accepts any server certificate (testing only: it defeats TLS' protection
/// against impostors). Clears a verification callback.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SkipServerVerification(
    opts: *mut natsOptions,
    skip: bool,
) -> natsStatus {
    with_opts("natsOptions_SkipServerVerification", opts, |o| {
        o.tls.set_skip_verify(skip);
        Ok(())
    })
}

/// Lets `callback` decide, after the normal verification, whether to accept
/// the server (see `natsSSLVerifyCb`). NULL removes it. Setting one turns
/// `natsOptions_SkipServerVerification` off. It runs during each TLS
/// handshake, on the thread that is connecting.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetSSLVerificationCallback(
    opts: *mut natsOptions,
    callback: natsSSLVerifyCb,
) -> natsStatus {
    with_opts("natsOptions_SetSSLVerificationCallback", opts, |o| {
        o.tls.set_verify_callback(callback.map(|cb| {
            Arc::new(move |ok: bool| {
                // SAFETY: the user's callback, per its documented contract;
                // nats_rs has no OpenSSL context to give it.
                unsafe { cb(c_int::from(ok), std::ptr::null_mut()) != 0 }
            }) as crate::tls::VerifyCallback
        }));
        Ok(())
    })
}
