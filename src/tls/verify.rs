//! Server certificate verifiers for the two nats.c options that change
//! verification: `natsOptions_SkipServerVerification` and
//! `natsOptions_SetSSLVerificationCallback`. Plain verification is rustls'
//! own `WebPkiServerVerifier` and needs nothing here.
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};

/// The user's say on a server certificate: called once per handshake with
/// whether rustls' verification (chain to a trusted root, validity dates,
/// host name) passed; `true` accepts the certificate, `false` refuses it.
/// This is nats.c's `natsSSLVerifyCb(preverifyOk, ctx)` without OpenSSL's
/// per-certificate store context.
pub type VerifyCallback = Arc<dyn Fn(bool) -> bool + Send + Sync>;

/// Accepts any server certificate (nats.c's skip-verify). The handshake
/// signatures are still checked against the presented certificate, so the
/// peer must at least hold the key of the certificate it shows; what is
/// skipped is the question of whether that certificate is trustworthy.
pub(crate) struct SkipVerification {
    algs: WebPkiSupportedAlgorithms,
}

impl SkipVerification {
    pub(crate) fn new(algs: WebPkiSupportedAlgorithms) -> Self {
        SkipVerification { algs }
    }
}

impl fmt::Debug for SkipVerification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SkipVerification")
    }
}

impl ServerCertVerifier for SkipVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

/// Runs the normal verification, then lets the user's callback decide.
pub(crate) struct CallbackVerification {
    inner: Arc<WebPkiServerVerifier>,
    callback: VerifyCallback,
}

impl CallbackVerification {
    pub(crate) fn new(inner: Arc<WebPkiServerVerifier>, callback: VerifyCallback) -> Self {
        CallbackVerification { inner, callback }
    }
}

impl fmt::Debug for CallbackVerification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackVerification")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl ServerCertVerifier for CallbackVerification {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        let preverify_ok = verdict.is_ok();
        // The callback is user code running inside the handshake: a panic
        // must not unwind through rustls, so it counts as a refusal.
        let accept =
            catch_unwind(AssertUnwindSafe(|| (self.callback)(preverify_ok))).unwrap_or(false);
        match (accept, verdict) {
            (true, _) => Ok(ServerCertVerified::assertion()),
            // Refused after a failed check: rustls' reason says more than
            // "refused by the callback" would.
            (false, Err(e)) => Err(e),
            (false, Ok(_)) => Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
