//! The TLS part of the connection options: what nats.c's `natsOptions_*`
//! TLS setters record, checked when set (as nats.c does through OpenSSL),
//! and turned into a rustls [`ClientConfig`] at every handshake.
use std::fmt;
use std::fs;
use std::net::IpAddr;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::client::danger::ServerCertVerifier;
use rustls::client::{Resumption, WebPkiServerVerifier};
use rustls::crypto::ring;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, TrustAnchor};
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use rustls::{ClientConfig, RootCertStore, SupportedCipherSuite, SupportedProtocolVersion};

use super::ciphers::{self, TlsVersion};
use super::error::{Result, TlsError, TlsErrorKind};
use super::spki;
use super::verify::{CallbackVerification, SkipVerification, VerifyCallback};

/// The client's certificate and key, if any.
#[derive(Clone)]
enum ClientIdentity {
    /// Loaded (and checked) when set.
    Loaded(Arc<CertifiedKey>),
    /// nats.c's `LoadCertificatesChainDynamic`: the files are read again at
    /// every handshake, so certificates rotated on disk are picked up on
    /// reconnect.
    Dynamic { cert_file: String, key_file: String },
}

/// TLS settings of a connection. Cloned into the connection at connect.
///
/// Every setter replaces the earlier value of the same setting, except the
/// `add_ca_*` ones, which accumulate.
#[derive(Clone, Default)]
pub struct TlsSettings {
    /// CAs the user asked to trust; empty means the system's roots.
    ca_roots: Vec<TrustAnchor<'static>>,
    identity: Option<ClientIdentity>,
    expected_hostname: Option<String>,
    skip_verify: bool,
    verify_callback: Option<VerifyCallback>,
    /// `None`: every suite rustls has for that version.
    tls12_suites: Option<Vec<SupportedCipherSuite>>,
    tls13_suites: Option<Vec<SupportedCipherSuite>>,
    concurrent_handshakes: bool,
}

fn ssl_err(text: String) -> TlsError {
    TlsError::new(TlsErrorKind::Rejected, text)
}

fn require(value: &str, what: &str) -> Result<()> {
    if value.is_empty() {
        Err(TlsError::new(
            TlsErrorKind::EmptyArgument,
            format!("{what} can't be NULL nor empty"),
        ))
    } else {
        Ok(())
    }
}

/// Why a PEM source gave nothing usable, in words (the cause of nats.c's
/// "...: <reason>" texts).
fn pem_reason(e: &pem::Error, wanted: &str) -> String {
    match e {
        pem::Error::Io(io) => format!("cannot read file: {io}"),
        pem::Error::NoItemsFound => format!("no {wanted} found"),
        other => format!("invalid PEM: {other}"),
    }
}

const KEY_WANTED: &str =
    "private key (an unencrypted PKCS#8, PKCS#1 RSA or SEC1 EC key in PEM format)";

/// All certificates of a PEM file or buffer; at least one.
fn pem_certs(
    iter: impl Iterator<Item = std::result::Result<CertificateDer<'static>, pem::Error>>,
) -> std::result::Result<Vec<CertificateDer<'static>>, String> {
    let certs = iter
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| pem_reason(&e, "certificate"))?;
    if certs.is_empty() {
        return Err("no certificate found".to_string());
    }
    Ok(certs)
}

fn pem_file_certs(path: &Path) -> std::result::Result<Vec<CertificateDer<'static>>, String> {
    let iter = CertificateDer::pem_file_iter(path).map_err(|e| pem_reason(&e, "certificate"))?;
    pem_certs(iter)
}

/// Turns CA certificates into trust anchors; fails on the first that is not
/// a usable X.509 certificate.
fn anchors(
    certs: Vec<CertificateDer<'static>>,
) -> std::result::Result<Vec<TrustAnchor<'static>>, String> {
    let mut store = RootCertStore::empty();
    for c in certs {
        store
            .add(c)
            .map_err(|e| format!("invalid CA certificate: {e}"))?;
    }
    Ok(store.roots)
}

/// Pairs a chain with its key using the ring key provider (which checks
/// the key is of a supported type) and checks that the key is the one the
/// end-entity certificate names. rustls' own check (`CertifiedKey::from_der`)
/// parses the certificate with webpki, which refuses X.509 version 1, so the
/// public keys are compared here with a minimal parse that takes any version.
fn certified_key(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> std::result::Result<Arc<CertifiedKey>, String> {
    let signing = ring::default_provider()
        .key_provider
        .load_private_key(key)
        .map_err(|e| format!("unusable private key: {e}"))?;
    let ee = chain.first().ok_or("no certificate found")?;
    let cert_spki = spki::subject_public_key_info(ee)
        .ok_or("the first certificate is not a valid X.509 certificate")?;
    // A key that cannot tell its public half is accepted, as rustls does.
    if let Some(key_spki) = signing.public_key() {
        if key_spki.as_ref() != cert_spki {
            return Err("the private key does not match the certificate".to_string());
        }
    }
    Ok(Arc::new(CertifiedKey::new(chain, signing)))
}

/// Reads a certificate chain and its key from PEM files, with nats.c's
/// error texts.
fn load_identity_files(cert_file: &str, key_file: &str) -> Result<Arc<CertifiedKey>> {
    let chain = pem_file_certs(Path::new(cert_file)).map_err(|r| {
        ssl_err(format!(
            "Error loading certificate chain '{cert_file}': {r}"
        ))
    })?;
    let key_err = |r: String| ssl_err(format!("Error loading private key '{key_file}': {r}"));
    let key =
        PrivateKeyDer::from_pem_file(key_file).map_err(|e| key_err(pem_reason(&e, KEY_WANTED)))?;
    certified_key(chain, key).map_err(key_err)
}

/// The system's trust store, loaded once per process (reading it can take
/// tens of milliseconds). Certificates the system has but that do not parse
/// are skipped; when none is usable (e.g. a minimal container), the Mozilla
/// roots compiled in from webpki-roots are used instead.
fn system_roots() -> Arc<RootCertStore> {
    static ROOTS: OnceLock<Arc<RootCertStore>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let mut store = RootCertStore::empty();
            store.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
            if store.is_empty() {
                store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            }
            Arc::new(store)
        })
        .clone()
}

impl TlsSettings {
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts the CA certificates of a PEM file (all of them); nats.c's
    /// `LoadCATrustedCertificates`. Once any CA is added, only the added CAs
    /// are trusted, not the system's.
    pub fn add_ca_file(&mut self, path: &str) -> Result<()> {
        require(path, "CA file name")?;
        let roots = pem_file_certs(Path::new(path))
            .and_then(anchors)
            .map_err(|r| ssl_err(format!("Error loading trusted certificates '{path}': {r}")))?;
        self.ca_roots.extend(roots);
        Ok(())
    }

    /// Trusts the CA certificates of every file in a directory that holds
    /// PEM certificates (other files are skipped, as are duplicates such as
    /// OpenSSL's hash links); nats.c's `LoadCATrustedCertificatesPath`.
    /// Unlike OpenSSL, which looks certificates up lazily by hashed name, the
    /// directory is read now, so it must yield at least one certificate.
    pub fn add_ca_dir(&mut self, path: &str) -> Result<()> {
        require(path, "CA directory")?;
        let err = |r: String| {
            ssl_err(format!(
                "Error loading trusted certificates in path '{path}': {r}"
            ))
        };
        let mut files: Vec<_> = fs::read_dir(path)
            .map_err(|e| err(format!("cannot read directory: {e}")))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            // fs::metadata follows symlinks, so hash links count as files.
            .filter(|p| fs::metadata(p).is_ok_and(|m| m.is_file()))
            .collect();
        files.sort();
        let mut found: Vec<TrustAnchor<'static>> = Vec::new();
        for file in files {
            if let Ok(roots) = pem_file_certs(&file).and_then(anchors) {
                for r in roots {
                    if !found.contains(&r) {
                        found.push(r);
                    }
                }
            }
        }
        if found.is_empty() {
            return Err(err("no PEM CA certificate found in any file".to_string()));
        }
        self.ca_roots.extend(found);
        Ok(())
    }

    /// Trusts the CA certificates of an in-memory PEM text; nats.c's
    /// `SetCATrustedCertificates`.
    pub fn add_ca_pem(&mut self, pem: &str) -> Result<()> {
        require(pem, "CA certificates")?;
        let certs = pem_certs(CertificateDer::pem_slice_iter(pem.as_bytes()))
            .map_err(|r| ssl_err(format!("unable to get CA certificates: {r}")))?;
        let roots =
            anchors(certs).map_err(|r| ssl_err(format!("error adding CA certificates: {r}")))?;
        self.ca_roots.extend(roots);
        Ok(())
    }

    /// The client certificate chain (leaf first) and its key, read from PEM
    /// files now; nats.c's `LoadCertificatesChain`.
    pub fn set_client_chain_files(&mut self, cert_file: &str, key_file: &str) -> Result<()> {
        require(cert_file, "certificate file name")?;
        require(key_file, "key file name")?;
        let key = load_identity_files(cert_file, key_file)?;
        self.identity = Some(ClientIdentity::Loaded(key));
        Ok(())
    }

    /// The client certificate chain and key from in-memory PEM texts;
    /// nats.c's `SetCertificatesChain`.
    pub fn set_client_chain_pem(&mut self, cert_pem: &str, key_pem: &str) -> Result<()> {
        require(cert_pem, "certificate")?;
        require(key_pem, "key")?;
        let chain = pem_certs(CertificateDer::pem_slice_iter(cert_pem.as_bytes()))
            .map_err(|r| ssl_err(format!("Error creating certificate: {r}")))?;
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|e| {
            ssl_err(format!(
                "Error creating key: {}",
                pem_reason(&e, KEY_WANTED)
            ))
        })?;
        let key = certified_key(chain, key)
            .map_err(|r| ssl_err(format!("Error using private key: {r}")))?;
        self.identity = Some(ClientIdentity::Loaded(key));
        Ok(())
    }

    /// Remembers the client certificate and key file names; the files are
    /// read at each handshake (see [`TlsSettings::client_config`]), so
    /// certificates rotated on disk are used on reconnect. nats.c's
    /// `LoadCertificatesChainDynamic`, which also does not check the files
    /// when set.
    pub fn set_client_chain_dynamic(&mut self, cert_file: &str, key_file: &str) -> Result<()> {
        require(cert_file, "certificate file name")?;
        require(key_file, "key file name")?;
        self.identity = Some(ClientIdentity::Dynamic {
            cert_file: cert_file.to_string(),
            key_file: key_file.to_string(),
        });
        Ok(())
    }

    /// The name the server certificate must be valid for, instead of the
    /// URL's host; `None` (or an empty name) goes back to the URL's host.
    pub fn set_expected_hostname(&mut self, name: Option<String>) {
        self.expected_hostname = name.filter(|n| !n.is_empty());
    }

    pub fn expected_hostname(&self) -> Option<&str> {
        self.expected_hostname.as_deref()
    }

    /// Accepts any server certificate. Setting it drops the verification
    /// callback, as in nats.c.
    pub fn set_skip_verify(&mut self, skip: bool) {
        self.skip_verify = skip;
        if skip {
            self.verify_callback = None;
        }
    }

    pub fn skip_verify(&self) -> bool {
        self.skip_verify
    }

    /// Lets `callback` decide on the server certificate after the normal
    /// verification (see [`VerifyCallback`]). Setting one turns skip-verify
    /// off, as in nats.c.
    pub fn set_verify_callback(&mut self, callback: Option<VerifyCallback>) {
        if callback.is_some() {
            self.skip_verify = false;
        }
        self.verify_callback = callback;
    }

    pub fn has_verify_callback(&self) -> bool {
        self.verify_callback.is_some()
    }

    /// The TLS 1.2 suites, as an OpenSSL cipher list (nats.c's
    /// `SetCiphers`); see [`super::ciphers`] for what is accepted. It must
    /// leave at least one suite. TLS 1.3 suites are not affected.
    pub fn set_ciphers(&mut self, list: &str) -> Result<()> {
        require(list, "ciphers")?;
        self.tls12_suites = Some(ciphers::parse_list(list, TlsVersion::Tls12)?);
        Ok(())
    }

    /// The TLS 1.3 suites (nats.c's `SetCipherSuites`). As with OpenSSL, a
    /// list selecting none (e.g. `""`) turns TLS 1.3 off.
    pub fn set_cipher_suites(&mut self, list: &str) -> Result<()> {
        self.tls13_suites = Some(ciphers::parse_list(list, TlsVersion::Tls13)?);
        Ok(())
    }

    /// nats.c serialises OpenSSL handshakes unless this is set. rustls
    /// handshakes share no mutable state, so there is nothing to serialise;
    /// the flag is only recorded so that it reads back as set.
    pub fn set_concurrent_handshakes(&mut self, allow: bool) {
        self.concurrent_handshakes = allow;
    }

    pub fn concurrent_handshakes(&self) -> bool {
        self.concurrent_handshakes
    }

    /// The suites offered: the TLS 1.3 ones, then the TLS 1.2 ones.
    fn suites(&self) -> Vec<SupportedCipherSuite> {
        let mut suites = self
            .tls13_suites
            .clone()
            .unwrap_or_else(|| ciphers::all_suites(TlsVersion::Tls13));
        suites.extend(
            self.tls12_suites
                .clone()
                .unwrap_or_else(|| ciphers::all_suites(TlsVersion::Tls12)),
        );
        suites
    }

    fn verifier(&self, provider: &Arc<CryptoProvider>) -> Result<Arc<dyn ServerCertVerifier>> {
        if self.skip_verify {
            // No roots needed: do not pay for loading the system store.
            return Ok(Arc::new(SkipVerification::new(
                provider.signature_verification_algorithms,
            )));
        }
        let roots = if self.ca_roots.is_empty() {
            system_roots()
        } else {
            Arc::new(RootCertStore {
                roots: self.ca_roots.clone(),
            })
        };
        let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(|e| ssl_err(format!("unable to set up certificate verification: {e}")))?;
        Ok(match &self.verify_callback {
            Some(cb) => Arc::new(CallbackVerification::new(webpki, cb.clone())),
            None => webpki,
        })
    }

    /// A rustls client configuration for one handshake (ring provider,
    /// never the process default). Dynamic client certificate files are read
    /// here, so call it for each handshake.
    pub fn client_config(&self) -> Result<Arc<ClientConfig>> {
        let mut provider = ring::default_provider();
        provider.cipher_suites = self.suites();
        let has_tls13 = provider
            .cipher_suites
            .iter()
            .any(|s| matches!(s, SupportedCipherSuite::Tls13(_)));
        // nats.c's minimum is TLS 1.2 as well.
        let versions: &[&'static SupportedProtocolVersion] = if has_tls13 {
            &[&rustls::version::TLS13, &rustls::version::TLS12]
        } else {
            &[&rustls::version::TLS12]
        };
        let provider = Arc::new(provider);
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(versions)
            .map_err(|e| ssl_err(format!("invalid TLS configuration: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(self.verifier(&provider)?);
        let mut config = match &self.identity {
            None => builder.with_no_client_auth(),
            Some(ClientIdentity::Loaded(key)) => {
                builder.with_client_cert_resolver(Arc::new(SingleCertAndKey::from(key.clone())))
            }
            Some(ClientIdentity::Dynamic {
                cert_file,
                key_file,
            }) => {
                let key = load_identity_files(cert_file, key_file)?;
                builder.with_client_cert_resolver(Arc::new(SingleCertAndKey::from(key)))
            }
        };
        // Every handshake verifies the server afresh (and runs the callback),
        // as nats.c does: OpenSSL clients do not cache sessions by default.
        config.resumption = Resumption::disabled();
        Ok(Arc::new(config))
    }

    /// The name the server's certificate is checked against (and sent as
    /// SNI when it is a DNS name): the expected hostname if set, else the
    /// URL's host. IP addresses become [`ServerName::IpAddress`], so the
    /// certificate needs a matching IP SAN.
    ///
    /// Unlike nats.c, which checks the host name only when
    /// `SetExpectedHostname` was used (unless built with
    /// NATS_FORCE_HOST_VERIFICATION), the name is always checked, as nats.go
    /// does: a certificate valid for any name the CA ever signed would
    /// otherwise be accepted for every server. `set_skip_verify` or a
    /// verification callback are the ways out.
    pub fn server_name(&self, url_host: &str) -> Result<ServerName<'static>> {
        let host = self.expected_hostname.as_deref().unwrap_or(url_host);
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Ok(ServerName::IpAddress(ip.into()));
        }
        ServerName::try_from(bare.to_string())
            .map_err(|_| ssl_err(format!("invalid TLS server name '{host}'")))
    }
}

impl fmt::Debug for TlsSettings {
    /// Flags and counts only: no key material, and the callback is opaque.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let identity = match &self.identity {
            None => "none".to_string(),
            Some(ClientIdentity::Loaded(_)) => "loaded".to_string(),
            Some(ClientIdentity::Dynamic { cert_file, .. }) => format!("dynamic({cert_file})"),
        };
        f.debug_struct("TlsSettings")
            .field("ca_roots", &self.ca_roots.len())
            .field("identity", &identity)
            .field("expected_hostname", &self.expected_hostname)
            .field("skip_verify", &self.skip_verify)
            .field("verify_callback", &self.verify_callback.is_some())
            .field("tls12_suites", &self.tls12_suites)
            .field("tls13_suites", &self.tls13_suites)
            .field("concurrent_handshakes", &self.concurrent_handshakes)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};

    /// A private temporary directory, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> Self {
            static N: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "nats_rs-tls-unit-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            ));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).expect("create temp dir");
            TempDir(dir)
        }

        fn write(&self, name: &str, text: &str) -> String {
            let p = self.0.join(name);
            fs::write(&p, text).expect("write temp file");
            p.to_string_lossy().into_owned()
        }

        fn path(&self) -> String {
            self.0.to_string_lossy().into_owned()
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    /// A self-signed CA certificate (PEM).
    fn ca_pem(cn: &str) -> String {
        let key = KeyPair::generate().expect("key");
        let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.distinguished_name.push(DnType::CommonName, cn);
        p.self_signed(&key).expect("self sign").pem()
    }

    /// A self-signed leaf certificate and its PKCS#8 key (PEM).
    fn leaf_pem() -> (String, String) {
        let key = KeyPair::generate().expect("key");
        let p = CertificateParams::new(vec!["client.example".to_string()]).expect("params");
        (
            p.self_signed(&key).expect("self sign").pem(),
            key.serialize_pem(),
        )
    }

    fn assert_ssl(r: Result<()>, starts: &str, contains: &str) {
        let e = r.expect_err(starts);
        assert_eq!(e.kind, TlsErrorKind::Rejected, "{e}");
        assert!(e.text.starts_with(starts), "{}", e.text);
        assert!(e.text.contains(contains), "{}", e.text);
    }

    #[test]
    fn ca_file_loads_every_certificate() {
        let dir = TempDir::new();
        let two = format!("{}{}", ca_pem("one"), ca_pem("two"));
        let f = dir.write("cas.pem", &two);
        let mut s = TlsSettings::new();
        s.add_ca_file(&f).expect("load");
        assert_eq!(s.ca_roots.len(), 2);
        // Calls accumulate.
        s.add_ca_file(&dir.write("three.pem", &ca_pem("three")))
            .expect("load");
        assert_eq!(s.ca_roots.len(), 3);
        s.client_config().expect("config");
    }

    #[test]
    fn ca_file_errors() {
        let dir = TempDir::new();
        let mut s = TlsSettings::new();
        let missing = format!("{}/nope.pem", dir.path());
        assert_ssl(
            s.add_ca_file(&missing),
            &format!("Error loading trusted certificates '{missing}': "),
            "cannot read file",
        );
        let junk = dir.write("junk.pem", "hello, not a certificate\n");
        assert_ssl(
            s.add_ca_file(&junk),
            "Error loading trusted",
            "no certificate found",
        );
        let broken = dir.write(
            "broken.pem",
            "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        );
        assert_ssl(
            s.add_ca_file(&broken),
            "Error loading trusted",
            "invalid PEM",
        );
        let not_x509 = dir.write(
            "notx509.pem",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        );
        assert_ssl(
            s.add_ca_file(&not_x509),
            "Error loading trusted",
            "invalid CA certificate",
        );
        assert!(s.ca_roots.is_empty(), "failed loads add nothing");
        assert_eq!(
            s.add_ca_file("").map_err(|e| e.kind),
            Err(TlsErrorKind::EmptyArgument)
        );
    }

    #[test]
    fn ca_dir_takes_certificate_files_only() {
        let dir = TempDir::new();
        let one = ca_pem("one");
        dir.write("a.pem", &one);
        dir.write("b.crt", &ca_pem("two"));
        dir.write("c.0", &one); // an OpenSSL-style duplicate
        dir.write("README", "not a certificate");
        fs::create_dir(dir.0.join("sub")).expect("subdir");
        let mut s = TlsSettings::new();
        s.add_ca_dir(&dir.path()).expect("load dir");
        assert_eq!(s.ca_roots.len(), 2);

        let empty = TempDir::new();
        empty.write("README", "nothing here");
        assert_ssl(
            s.add_ca_dir(&empty.path()),
            &format!(
                "Error loading trusted certificates in path '{}': ",
                empty.path()
            ),
            "no PEM CA certificate",
        );
        assert_ssl(
            s.add_ca_dir(&format!("{}/missing", empty.path())),
            "Error loading trusted certificates in path",
            "cannot read directory",
        );
    }

    #[test]
    fn ca_pem_in_memory() {
        let mut s = TlsSettings::new();
        s.add_ca_pem(&ca_pem("mem")).expect("load");
        assert_eq!(s.ca_roots.len(), 1);
        assert_ssl(
            s.add_ca_pem("garbage"),
            "unable to get CA certificates: ",
            "no certificate found",
        );
        assert_eq!(
            s.add_ca_pem("").map_err(|e| e.kind),
            Err(TlsErrorKind::EmptyArgument)
        );
    }

    #[test]
    fn client_key_formats() {
        let (cert, pkcs8) = leaf_pem();
        let mut s = TlsSettings::new();
        s.set_client_chain_pem(&cert, &pkcs8).expect("PKCS#8");
        s.set_client_chain_pem(RSA_CERT, RSA_PKCS1_KEY)
            .expect("PKCS#1 RSA");
        s.set_client_chain_pem(EC_CERT, EC_SEC1_KEY)
            .expect("SEC1 EC");
        s.client_config().expect("config with client auth");

        let dir = TempDir::new();
        let c = dir.write("c.pem", RSA_CERT);
        let k = dir.write("k.pem", RSA_PKCS1_KEY);
        s.set_client_chain_files(&c, &k).expect("files");

        // Wrong key for the certificate.
        assert_ssl(
            s.set_client_chain_pem(RSA_CERT, EC_SEC1_KEY),
            "Error using private key: ",
            "does not match",
        );
        let ek = dir.write("ec.pem", EC_SEC1_KEY);
        assert_ssl(
            s.set_client_chain_files(&c, &ek),
            &format!("Error loading private key '{ek}': "),
            "does not match",
        );
        // Garbage.
        assert_ssl(
            s.set_client_chain_pem("nope", &pkcs8),
            "Error creating certificate: ",
            "no certificate found",
        );
        assert_ssl(
            s.set_client_chain_pem(&cert, "nope"),
            "Error creating key: ",
            "no private key",
        );
        assert_ssl(
            s.set_client_chain_files(&format!("{}/missing", dir.path()), &k),
            "Error loading certificate chain '",
            "cannot read file",
        );
        assert_eq!(
            s.set_client_chain_files("", &k).map_err(|e| e.kind),
            Err(TlsErrorKind::EmptyArgument)
        );
    }

    #[test]
    fn dynamic_chain_is_read_at_each_config() {
        let dir = TempDir::new();
        let c = format!("{}/c.pem", dir.path());
        let k = format!("{}/k.pem", dir.path());
        let mut s = TlsSettings::new();
        s.set_client_chain_dynamic(&c, &k).expect("names only");
        let e = s.client_config().expect_err("files missing");
        assert!(
            e.text
                .starts_with(&format!("Error loading certificate chain '{c}'")),
            "{e}"
        );
        let (cert, key) = leaf_pem();
        dir.write("c.pem", &cert);
        dir.write("k.pem", &key);
        s.client_config().expect("files present");
    }

    #[test]
    fn verification_flags() {
        let mut s = TlsSettings::new();
        s.set_verify_callback(Some(Arc::new(|ok| ok)));
        assert!(s.has_verify_callback());
        s.set_skip_verify(true);
        assert!(s.skip_verify() && !s.has_verify_callback());
        s.set_verify_callback(Some(Arc::new(|_| true)));
        assert!(!s.skip_verify() && s.has_verify_callback());
        s.client_config().expect("callback config");
        s.set_skip_verify(true);
        s.client_config().expect("skip config");
    }

    #[test]
    fn suites_and_versions() {
        let mut s = TlsSettings::new();
        assert_eq!(
            s.client_config()
                .expect("default")
                .crypto_provider()
                .cipher_suites
                .len(),
            9
        );
        s.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256").expect("one");
        let cfg = s.client_config().expect("config");
        assert_eq!(cfg.crypto_provider().cipher_suites.len(), 4);
        // TLS 1.3 off: a TLS 1.2-only configuration.
        s.set_cipher_suites("").expect("no TLS 1.3");
        let cfg = s.client_config().expect("config");
        assert_eq!(cfg.crypto_provider().cipher_suites.len(), 1);
        assert_ssl(
            s.set_ciphers("AES256-SHA"),
            "Error setting ciphers 'AES256-SHA': ",
            "AES256-SHA",
        );
        assert_eq!(
            s.set_ciphers("").map_err(|e| e.kind),
            Err(TlsErrorKind::EmptyArgument)
        );
    }

    #[test]
    fn server_names() {
        let mut s = TlsSettings::new();
        assert!(matches!(
            s.server_name("127.0.0.1"),
            Ok(ServerName::IpAddress(_))
        ));
        assert!(matches!(s.server_name("::1"), Ok(ServerName::IpAddress(_))));
        assert!(matches!(
            s.server_name("[::1]"),
            Ok(ServerName::IpAddress(_))
        ));
        assert_eq!(
            s.server_name("localhost").map(|n| n.to_str().into_owned()),
            Ok("localhost".to_string())
        );
        s.set_expected_hostname(Some("nats.example".to_string()));
        assert_eq!(
            s.server_name("127.0.0.1").map(|n| n.to_str().into_owned()),
            Ok("nats.example".to_string())
        );
        s.set_expected_hostname(Some(String::new()));
        assert_eq!(s.expected_hostname(), None);
        let e = s.server_name("bad name!").expect_err("invalid");
        assert_eq!(e.kind, TlsErrorKind::Rejected);
    }

    const RSA_PKCS1_KEY: &str = "\
-----BEGIN RSA PRIVATE KEY-----\n\
MIIEpAIBAAKCAQEAt8yPB211TC8+ax84ZbBoAgIvsk8LW8YZ20oekDxeIi4V0kKO\n\
y9HnIbR/2UYbAGZ7x/Z04C9SZFK1sNmIA6SO9crbsy9dG9JAhQ3+pndePulBu0c4\n\
4xf6mBE9U4wEeebbykanefLm13ofB6iqDeYNz6lvjCEZrPETErUf3xmDFnzXcgLO\n\
k2u6H/T/AKQc7cHtw7JhmZxznbZF5WsZRNTvIGNQ1/wsdcv35yMWP/BD0AAxS7QB\n\
OI6pLFXcM2FJw7Kla7STkU0DaIBfElotb3qNAmrYw7pJZpzvKiesY2VNLiepoqJc\n\
+oobMewfPJziCQYJcMGNTwWLV8Cnyi7z3fM/cwIDAQABAoIBABfN3/ZWeFBvdqDk\n\
EGdR016d5DSD5T+JEXSOYxVLeZDpXBJ5Dp/E0IT+fhJomyWloEFpINZKJVxwk9nS\n\
3+Ps45u0yVh/JArEORlNEzPXFjcv+ZSPkwViZ9EFu+YT+8kX8P5VFpVbiVx96K09\n\
bGzUDz+GZ7fZL5yaNQisDvPTjN/pVE9DopywiSkkXKhnr+gSqAYZZb/ol+dj8Ofb\n\
o9H7ixOLM4iggwTdLMHb6fT2/YYADJ+yt0sOmP/YhjELbzBLjWgsJdt25mJn+JsW\n\
PMmdc/9XilqKGCbDnQnstMLp62c+PteBlVlDt5eGe/AoVF64W1nQ2CkxTsZdqNFq\n\
z3oZw1ECgYEA9lvO4d4Bm6RVqgrtD37bEcMEO0bkEd4jeuivybidQ80rZPWDcQLu\n\
yoEB9A/XDM0XMiWS/oPOAMi1WFqr3I8HDP6CoOIqEVbUJ1uQXVug2u0RP7G7pKWS\n\
ZprfhKHP+l0iz4uFWG7DS1EQa/PuXBE8GkuDsNkUD8aoYuCkvhwKskMCgYEAvv38\n\
QGKUEn+ogb2XJy18ca7fFc0EXNKTClS9VMbk+LXH2LUiLSN8IuMKUotbTsIeE3Mj\n\
rhjDnKDOua0thRns6utuetd9K9PsPRdIVMePtnkTWj4uju6UvcRq9x+PFzvhF/ze\n\
5A6td1gRCSrnqYLNoHDNvnrQsZ6qBAtJNOFk4xECgYEAx4z0FdZ7HPRPA06YWQ3b\n\
Kxb5LX6trJ9vw9YI1e+5Szs8ZCnOT1Md02AOEgBmpBLYMCFpYMmoqs/ovGmtfhlI\n\
j8j0TJcFlkfrzvmHBWf78nlGmH5BzQrkfEIEvW1Ihra8RLrxxwDpJe/Cyn6q216G\n\
fZIfWLdtXZ3/tR/bsbYLH/sCgYEArOCHSNwx/YCRzUYIII06nEhWY4xci4yLTgmg\n\
CrGxpjIcf9qM4eDBx25M9KRxdJuez6ojvL1rqkWgeU746gaqfYW3TffptBcyOaXu\n\
cdblDZ0QWFn6mKP5/L9itudZBQXNXIImWrWybFlJqkusv7HHYJdalDTk3DGq4Ng6\n\
XmQ6hpECgYByCKJI1q6nbkzBsQ8Ju2YYadP85nUcygrPyZZhoR57G4F+tHX3QzVN\n\
q+lgVtS6CBjxcB5F91vnSRiRwM7qXgDr9yp0cj3tibDk3m5bP5rkDozC4VtPgT+8\n\
Yp0+UDstB2df9NNsErUylRMlHoQ3e2dBazUegSGpMMphMUIHzsK7OA==\n\
-----END RSA PRIVATE KEY-----\n\
";

    const RSA_CERT: &str = "\
-----BEGIN CERTIFICATE-----\n\
MIIDDTCCAfWgAwIBAgIUaMg1jkrLAzUYinkQouDtX3Z6yaowDQYJKoZIhvcNAQEL\n\
BQAwFTETMBEGA1UEAwwKcGtjczEtdGVzdDAgFw0yNjExMjQxMjA5MjdaGA8yMTI2\n\
MTAzMTEyMDkyN1owFTETMBEGA1UEAwwKcGtjczEtdGVzdDCCASIwDQYJKoZIhvcN\n\
AQEBBQADggEPADCCAQoCggEBALfMjwdtdUwvPmsfOGWwaAICL7JPC1vGGdtKHpA8\n\
XiIuFdJCjsvR5yG0f9lGGwBme8f2dOAvUmRStbDZiAOkjvXK27MvXRvSQIUN/qZ3\n\
Xj7pQbtHOOMX+pgRPVOMBHnm28pGp3ny5td6Hweoqg3mDc+pb4whGazxExK1H98Z\n\
gxZ813ICzpNruh/0/wCkHO3B7cOyYZmcc522ReVrGUTU7yBjUNf8LHXL9+cjFj/w\n\
Q9AAMUu0ATiOqSxV3DNhScOypWu0k5FNA2iAXxJaLW96jQJq2MO6SWac7yonrGNl\n\
TS4nqaKiXPqKGzHsHzyc4gkGCXDBjU8Fi1fAp8ou893zP3MCAwEAAaNTMFEwHQYD\n\
VR0OBBYEFAMcCWgdw1icA5Cc6FE+MBspodMVMB8GA1UdIwQYMBaAFAMcCWgdw1ic\n\
A5Cc6FE+MBspodMVMA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADggEB\n\
ADCHjP/gg/7eLXDsYgqACJJ0+2yfCEYNjUv0GfEdXU8fG/yuEhFKCZ79f7uRXLXj\n\
cEs+/MdGg+3W822oqHSq2niC3cYn/D+SGjxbgJLSLv3FIPe6br446JYWWZ0I0oAE\n\
GyDrH1/xHG5pRq6d5mh8Aa2qFP9A8vW8NI3Ds22ySEyd9duH0haXYdUtctkAVKNY\n\
2jEVeHpfMMdlAPcwFkwjmLZ4wu89DTBdDf6Uk4nvVSbVVmuN2Q+J6LuLb1DLLZTA\n\
ZqBAjmc5Wt9LeAHb868U26njUnGMVmcFhtt8iW3//kdeEleBimW42MbWny05kM7P\n\
qgc6NrU36CHjx0xXXuvF1OE=\n\
-----END CERTIFICATE-----\n\
";

    const EC_SEC1_KEY: &str = "\
-----BEGIN EC PRIVATE KEY-----\n\
MHcCAQEEIKcLV7pvfRf77LdnEHeA8s0bPkL2hz3TPT6x2DubcAUpoAoGCCqGSM49\n\
AwEHoUQDQgAE+4wjxBzcyS6fOkDIkWgte04JIJ0rCOaCuGb4T27xpl4BUI6wYhMZ\n\
UYXw/k46rR7CYD3fy5OIdEYDzvd5QD82jg==\n\
-----END EC PRIVATE KEY-----\n\
";

    const EC_CERT: &str = "\
-----BEGIN CERTIFICATE-----\n\
MIIBfzCCASWgAwIBAgIUVvKKxgN+xn6fHuRS0IiRPx0rJ5MwCgYIKoZIzj0EAwIw\n\
FDESMBAGA1UEAwwJc2VjMS10ZXN0MCAXDTI2MTEyNDEyMDkyN1oYDzIxMjYxMDMx\n\
MTIwOTI3WjAUMRIwEAYDVQQDDAlzZWMxLXRlc3QwWTATBgcqhkjOPQIBBggqhkjO\n\
PQMBBwNCAAT7jCPEHNzJLp86QMiRaC17TgkgnSsI5oK4ZvhPbvGmXgFQjrBiExlR\n\
hfD+TjqtHsJgPd/Lk4h0RgPO93lAPzaOo1MwUTAdBgNVHQ4EFgQUZNUZxxTsG2uO\n\
IIP1F3YBio+GPTgwHwYDVR0jBBgwFoAUZNUZxxTsG2uOIIP1F3YBio+GPTgwDwYD\n\
VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiB80+ehgsU/9DE+QS8gCIGb\n\
2moFtSJmWUXS742UEkpG+AIhAO7D4ilKIbPlz/k971+RCq1yupg4+LD2nXwnK5cT\n\
retI\n\
-----END CERTIFICATE-----\n\
";
}
