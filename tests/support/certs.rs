//! A throw-away PKI for TLS tests, generated with rcgen: a CA, a server
//! certificate for `localhost`/`127.0.0.1`, a client certificate, an
//! unrelated CA and a server certificate for another host name. All files are
//! PEM, in a private temporary directory removed on drop.
//!
//! Keys are ECDSA P-256 (rcgen's default with ring), so a TLS 1.2 connection
//! needs an `ECDHE-ECDSA-*` suite.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

/// The generated files. Paths are absolute.
#[derive(Debug)]
pub struct TestPki {
    pub dir: PathBuf,
    /// The CA that signed the server, client and wrong-host certificates.
    pub ca_pem: PathBuf,
    /// Valid for DNS `localhost` and IP `127.0.0.1`.
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    /// Client-auth certificate (CN and DNS SAN `client.nats-rs.test`).
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    /// A CA that signed nothing here, for "wrong CA" tests.
    pub other_ca_pem: PathBuf,
    /// Signed by the CA but valid only for `wronghost.example`.
    pub wrong_host_cert: PathBuf,
    pub wrong_host_key: PathBuf,
}

/// The host name the wrong-host certificate is valid for.
pub const WRONG_HOST: &str = "wronghost.example";

/// The client certificate's name.
pub const CLIENT_NAME: &str = "client.nats-rs.test";

struct Ca {
    cert: Certificate,
    key: KeyPair,
}

fn new_ca(cn: &str) -> Ca {
    let key = KeyPair::generate().expect("generate CA key");
    let mut p = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name.push(DnType::CommonName, cn);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let cert = p.self_signed(&key).expect("self-sign CA");
    Ca { cert, key }
}

/// A leaf certificate signed by `ca`: (certificate PEM, key PEM).
fn leaf(ca: &Ca, cn: &str, sans: &[&str], eku: ExtendedKeyUsagePurpose) -> (String, String) {
    let key = KeyPair::generate().expect("generate leaf key");
    let sans: Vec<String> = sans.iter().map(|s| s.to_string()).collect();
    let mut p = CertificateParams::new(sans).expect("leaf params");
    p.distinguished_name.push(DnType::CommonName, cn);
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![eku];
    let cert = p
        .signed_by(&key, &ca.cert, &ca.key)
        .expect("sign leaf certificate");
    (cert.pem(), key.serialize_pem())
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, text).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
    p
}

impl TestPki {
    /// Generates everything into a fresh temporary directory.
    pub fn new() -> Self {
        let dir = super::unique_temp_dir("pki");
        let ca = new_ca("nats_rs test CA");
        let other = new_ca("nats_rs unrelated CA");
        let (server_cert, server_key) = leaf(
            &ca,
            "localhost",
            &["localhost", "127.0.0.1"],
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        let (client_cert, client_key) = leaf(
            &ca,
            CLIENT_NAME,
            &[CLIENT_NAME],
            ExtendedKeyUsagePurpose::ClientAuth,
        );
        let (wrong_cert, wrong_key) = leaf(
            &ca,
            WRONG_HOST,
            &[WRONG_HOST],
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        TestPki {
            ca_pem: write(&dir, "ca.pem", &ca.cert.pem()),
            server_cert: write(&dir, "server-cert.pem", &server_cert),
            server_key: write(&dir, "server-key.pem", &server_key),
            client_cert: write(&dir, "client-cert.pem", &client_cert),
            client_key: write(&dir, "client-key.pem", &client_key),
            other_ca_pem: write(&dir, "other-ca.pem", &other.cert.pem()),
            wrong_host_cert: write(&dir, "wronghost-cert.pem", &wrong_cert),
            wrong_host_key: write(&dir, "wronghost-key.pem", &wrong_key),
            dir,
        }
    }

    /// A `tls { ... }` block for nats-server presenting the server
    /// certificate. `verify` makes the server require a client certificate
    /// signed by the CA; `handshake_first` makes it start TLS before sending
    /// INFO (clients must use natsOptions_TLSHandshakeFirst).
    pub fn server_tls_block(&self, verify: bool, handshake_first: bool) -> String {
        tls_block(
            &self.server_cert,
            &self.server_key,
            &self.ca_pem,
            verify,
            handshake_first,
        )
    }

    /// The same, presenting the certificate valid only for [`WRONG_HOST`].
    pub fn wrong_host_tls_block(&self, verify: bool, handshake_first: bool) -> String {
        tls_block(
            &self.wrong_host_cert,
            &self.wrong_host_key,
            &self.ca_pem,
            verify,
            handshake_first,
        )
    }

    /// The text of one of the files (e.g. for the in-memory setters).
    pub fn read(path: &Path) -> String {
        fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }
}

impl Default for TestPki {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestPki {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// nats-server configuration text. The temp paths hold no quotes or
/// backslashes, so plain quoting is enough. `timeout` is the server's TLS
/// handshake timeout in seconds (its default, 2s, spelled out so that a slow
/// test machine does not trip a lower default of some version).
fn tls_block(cert: &Path, key: &Path, ca: &Path, verify: bool, handshake_first: bool) -> String {
    format!(
        "tls {{\n  cert_file: \"{}\"\n  key_file: \"{}\"\n  ca_file: \"{}\"\n  verify: {verify}\n  handshake_first: {handshake_first}\n  timeout: 2\n}}",
        cert.display(),
        key.display(),
        ca.display(),
    )
}
